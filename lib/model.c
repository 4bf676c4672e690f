/* model.c - networks: their layers' types and shapes, creation with
 * seeded weights, accessors, and prediction (nn_forward). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

/* The weights and biases of layer l. */
static void layer_params(const nn_model *m, int l, long *nw, long *nb)
{
    switch (m->type[l]) {
    case NN_LAYER_CONV:
        *nb = m->shape[l + 1].c;
        *nw = *nb * m->kernel[l] * m->kernel[l] * m->shape[l].c;
        break;
    case NN_LAYER_MAXPOOL:
        *nw = *nb = 0;
        break;
    default:
        *nb = m->sizes[l + 1];
        *nw = (long)m->sizes[l] * m->sizes[l + 1];
    }
}

int nn_model_alloc_params(nn_model *m)
{
    long n = 0, w, nb;

    for (int l = 0; l < m->nlayers; l++) {
        layer_params(m, l, &w, &nb);
        if (n > (1L << 40) - w - nb)
            return NN_ELIMIT;
        m->w_off[l] = n;
        n += w;
        m->b_off[l] = n;
        n += nb;
    }
    m->n_params = n;
    /* In large pages: a model's weights are filled in at once (read,
     * initialised), and each small page first touched costs a fault. */
    if (!(m->params = nn_alloc_big((size_t)(n ? n : 1) * sizeof *m->params)))
        return NN_ENOMEM;
    memset(m->params, 0, (size_t)(n ? n : 1) * sizeof *m->params);
    return NN_OK;
}

void nn_model_conv(const nn_model *m, int l, nn_conv *g)
{
    g->h = m->shape[l].h;
    g->w = m->shape[l].w;
    g->cin = m->shape[l].c;
    g->k = m->kernel[l];
    g->pad = m->pad[l] == NN_PAD_SAME ? (g->k - 1) / 2 : 0;
    g->ho = m->shape[l + 1].h;
    g->wo = m->shape[l + 1].w;
    g->cout = m->shape[l + 1].c;
}

static void init_weights(nn_model *m, uint64_t seed)
{
    nn_rng rng;

    nn_rng_seed(&rng, seed);
    for (int l = 0; l < m->nlayers; l++) {
        int n_in = m->sizes[l], n_out = m->sizes[l + 1];
        float *W = m->params + m->w_off[l], *b = m->params + m->b_off[l];
        int fan_out = n_out;

        if (m->type[l] == NN_LAYER_MAXPOOL)
            continue;
        /* A filter's fan-in is its kernel over the input channels, its
         * fan-out the kernel over the output channels (as PyTorch counts). */
        if (m->type[l] == NN_LAYER_CONV) {
            int kk = m->kernel[l] * m->kernel[l];
            n_in = kk * m->shape[l].c;
            n_out = m->shape[l + 1].c;
            fan_out = kk * n_out;
        }
        double sd = m->init == NN_INIT_HE ? sqrt(2.0 / n_in)
                  : m->init == NN_INIT_XAVIER ? sqrt(2.0 / (n_in + fan_out))
                  : sqrt(1.0 / n_in);
        for (long i = 0; i < (long)n_in * n_out; i++)
            W[i] = (float)(sd * nn_rng_normal(&rng));
        /* Nielsen's book draws biases from N(0, 1); the others start at 0. */
        for (int o = 0; o < n_out; o++)
            b[o] = m->init == NN_INIT_NIELSEN ? (float)nn_rng_normal(&rng) : 0.0f;
    }
}

static int check_arch(const nn_arch *a, char *why, size_t whylen)
{
    char c[64];

    if (a->nlayers < 2 || a->nlayers > NN_MAX_LAYERS + 1)
        return nn_why(why, whylen, NN_EINVAL, "%d layer sizes; 2 to %d allowed",
                      a->nlayers, NN_MAX_LAYERS + 1);
    for (int i = 0; i < a->nlayers; i++)
        if ((!a->hidden || i == 0 || i == a->nlayers - 1) &&
            (a->sizes[i] < 1 || a->sizes[i] > NN_MAX_DIM))
            return nn_why(why, whylen, NN_EINVAL, "layer size %d out of range "
                          "(1 to %d)", a->sizes[i], NN_MAX_DIM);
    if (!nn_act_hidden(a->hidden_act))
        return nn_why(why, whylen, NN_EINVAL, "hidden activation must be %s",
                      nn_act_choices(0, c, sizeof c));
    if (!nn_act_output(a->output_act))
        return nn_why(why, whylen, NN_EINVAL, "output must be %s",
                      nn_act_choices(1, c, sizeof c));
    if (!nn_cost_name(a->cost))
        return nn_why(why, whylen, NN_EINVAL, "unknown cost");
    if (a->output_act == NN_ACT_SOFTMAX && a->cost != NN_COST_CE)
        return nn_why(why, whylen, NN_EINVAL, "softmax output needs the "
                      "cross-entropy cost (use --output sigmoid for quadratic)");
    if (!nn_init_name(a->init))
        return nn_why(why, whylen, NN_EINVAL, "unknown weight initialisation");
    return NN_OK;
}

/* The shape after layer l of type spec over m->shape[l]: 0, or NN_EINVAL
 * with why. */
static int layer_shape(nn_model *m, int l, const nn_layer_spec *sp,
                       char *why, size_t whylen)
{
    nn_shape in = m->shape[l], *o = &m->shape[l + 1];
    const char *name = nn_layer_name(sp->type);
    long n;

    m->type[l] = sp->type;
    if (!name)
        return nn_why(why, whylen, NN_EINVAL, "hidden layer %d: unknown "
                      "type %d", l + 1, sp->type);
    if (sp->type != NN_LAYER_DENSE && in.w == 0)
        return nn_why(why, whylen, NN_EINVAL, "hidden layer %d (%s) needs "
                      "an image, but its input is %d values without a shape%s",
                      l + 1, name, in.c, l ? " (after a dense layer)" : "");
    switch (sp->type) {
    case NN_LAYER_CONV:
        if (sp->kernel < 1 || sp->kernel % 2 == 0 || sp->size < 1 ||
            sp->size > NN_MAX_DIM || !nn_pad_name(sp->pad))
            return nn_why(why, whylen, NN_EINVAL, "hidden layer %d (conv): "
                          "the kernel must be odd and the channels at least "
                          "1", l + 1);
        m->kernel[l] = sp->kernel;
        m->pad[l] = sp->pad;
        *o = in;
        o->c = sp->size;
        if (sp->pad == NN_PAD_VALID) {
            o->w -= sp->kernel - 1;
            o->h -= sp->kernel - 1;
        }
        if (o->w < 1 || o->h < 1)
            return nn_why(why, whylen, NN_EINVAL, "hidden layer %d (conv): "
                          "a %dx%d kernel does not fit a %dx%d image", l + 1,
                          sp->kernel, sp->kernel, in.w, in.h);
        break;
    case NN_LAYER_MAXPOOL:
        if (in.w < 2 || in.h < 2)
            return nn_why(why, whylen, NN_EINVAL, "hidden layer %d (maxpool): "
                          "a %dx%d image has no 2x2 block", l + 1, in.w, in.h);
        *o = in;
        o->w /= 2;
        o->h /= 2;
        break;
    default:
        o->w = o->h = 0;
        o->c = sp->size;
    }
    n = o->w ? (long)o->w * o->h * o->c : o->c;
    if (n < 1 || n > NN_MAX_DIM)
        return nn_why(why, whylen, NN_EINVAL, "hidden layer %d (%s): %ld "
                      "values, out of range (1 to %d)", l + 1, name, n,
                      NN_MAX_DIM);
    m->sizes[l + 1] = (int)n;
    return NN_OK;
}

/* The types and shapes of m's layers, as a gives them. */
static int set_layers(nn_model *m, const nn_arch *a, char *why, size_t whylen)
{
    int n_in = a->sizes[0], w = a->width, h = a->height, err;

    if (w < 0 || h < 0 || (w == 0) != (h == 0) ||
        (w && (n_in % ((long)w * h) != 0)))
        return nn_why(why, whylen, NN_EINVAL, "a %dx%d image does not fit "
                      "the %d input values", w, h, n_in);
    for (int s = 1; !w && s * s <= n_in; s++)
        if (s * s == n_in)
            w = h = s;
    m->input.width = w;
    m->input.height = h;
    m->shape[0].w = w;
    m->shape[0].h = h;
    m->shape[0].c = w ? n_in / (w * h) : n_in;
    for (int l = 0; l < m->nlayers; l++) {
        nn_layer_spec dense = { NN_LAYER_DENSE, a->sizes[l + 1], 0, 0 };
        const nn_layer_spec *sp = a->hidden && l < m->nlayers - 1
                                ? &a->hidden[l] : &dense;

        if ((err = layer_shape(m, l, sp, why, whylen)))
            return err;
    }
    return NN_OK;
}

int nn_model_blank(nn_model **out, const nn_arch *a, uint64_t seed,
                   char *why, size_t whylen)
{
    nn_model *m;
    int err;

    *out = NULL;
    if ((err = check_arch(a, why, whylen)))
        return err;
    if (!(m = calloc(1, sizeof *m)))
        return NN_ENOMEM;
    m->nlayers = a->nlayers - 1;
    memcpy(m->sizes, a->sizes, a->nlayers * sizeof *a->sizes);
    /* Without hidden layers the hidden activation is unused and not saved;
     * fix it so a model reads back equal to what was written. */
    m->hidden_act = a->nlayers > 2 ? a->hidden_act : NN_ACT_SIGMOID;
    m->output_act = a->output_act;
    m->cost = a->cost;
    m->init = a->init == NN_INIT_DEFAULT ? nn_init_default(a->hidden_act) : a->init;
    m->seed = seed;
    m->temperature = 1.0f;
    m->input.lo = 0.0f;
    m->input.hi = 1.0f;
    m->input.ink_high = 1;
    m->train.best_val_acc = -1.0;
    if ((err = set_layers(m, a, why, whylen))) {
        nn_model_free(m);
        return err;
    }
    if ((err = nn_model_alloc_params(m))) {
        nn_model_free(m);
        return err == NN_ELIMIT
            ? nn_why(why, whylen, err, "network has too many weights") : err;
    }
    *out = m;
    return NN_OK;
}

int nn_model_new(nn_model **out, const nn_arch *a, uint64_t seed,
                 char *why, size_t whylen)
{
    int err = nn_model_blank(out, a, seed, why, whylen);
    if (!err)
        init_weights(*out, seed);
    return err;
}

static void free_names(char **names, int n)
{
    if (!names)
        return;
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

void nn_model_free(nn_model *m)
{
    while (m) {
        nn_model *next = m->next;
        free_names(m->class_names, nn_model_n_out(m));
        free(m->params);
        free(m);
        m = next;
    }
}

static int set_names(nn_model *m, int n, const char *const *names);

/* A copy of m alone (not the members after it). */
static int copy_one(nn_model **out, const nn_model *m)
{
    nn_model *c = malloc(sizeof *c);

    *out = NULL;
    if (!c)
        return NN_ENOMEM;
    *c = *m;
    c->class_names = NULL;
    c->next = NULL;
    if (!(c->params = malloc(m->n_params * sizeof *c->params))) {
        free(c);
        return NN_ENOMEM;
    }
    memcpy(c->params, m->params, m->n_params * sizeof *c->params);
    if (m->class_names &&
        set_names(c, nn_model_n_out(m),
                                 (const char *const *)m->class_names)) {
        nn_model_free(c);
        return NN_ENOMEM;
    }
    *out = c;
    return NN_OK;
}

int nn_model_copy(nn_model **out, const nn_model *m)
{
    nn_model **tail = out;
    int err;

    *out = NULL;
    for (; m; m = m->next, tail = &(*tail)->next)
        if ((err = copy_one(tail, m))) {
            nn_model_free(*out);
            *out = NULL;
            return err;
        }
    return NN_OK;
}

int nn_model_members(const nn_model *m)
{
    int n = 0;

    for (; m; m = m->next)
        n++;
    return n;
}

/* Whether two class names are the same (both absent counts). */
static int same_name(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

const char *nn_model_unlike(const nn_model *first, const nn_model *m)
{
    const nn_input_desc *a = &first->input, *b = &m->input;

    if (nn_model_n_in(m) != nn_model_n_in(first))
        return "it takes another number of input values";
    if (nn_model_n_out(m) != nn_model_n_out(first))
        return "it has another number of classes";
    if (m->output_act != first->output_act)
        return "its output layer is another kind";
    if (a->width != b->width || a->height != b->height || a->lo != b->lo ||
        a->hi != b->hi || a->ink_high != b->ink_high)
        return "it takes its input otherwise (image shape, value range or "
               "polarity)";
    for (int i = 0; i < nn_model_n_out(m); i++)
        if (!same_name(nn_model_class_name(m, i),
                       nn_model_class_name(first, i)))
            return "its classes have other names";
    return NULL;
}

int nn_model_join(nn_model **out, nn_model **members, int n, char *why,
                  size_t whylen)
{
    const nn_model *nets[NN_MAX_MEMBERS];
    nn_model **tail;
    const char *wrong;
    int total = 0;

    *out = NULL;
    if (n < 1 || !members)
        return nn_why(why, whylen, NN_EINVAL, "no models to join");
    for (int i = 0; i < n; i++) {
        if (!members[i])
            return nn_why(why, whylen, NN_EINVAL, "model %d: none", i + 1);
        if ((wrong = nn_model_unlike(members[0], members[i])))
            return nn_why(why, whylen, NN_EINVAL, "model %d is not like "
                          "model 1: %s", i + 1, wrong);
        for (const nn_model *e = members[i]; e; e = e->next) {
            if (total == NN_MAX_MEMBERS)
                return nn_why(why, whylen, NN_ELIMIT, "more networks than "
                              "an ensemble holds (%d)", NN_MAX_MEMBERS);
            for (int k = 0; k < total; k++)
                if (nets[k] == e)   /* a chain that meets itself */
                    return nn_why(why, whylen, NN_EINVAL, "model %d: a "
                                  "network given twice", i + 1);
            nets[total++] = e;
        }
    }
    /* An ensemble given as a member brings its own members. */
    for (int i = 0; i < n; i++) {
        for (tail = &members[i]->next; *tail; tail = &(*tail)->next)
            ;
        *tail = i + 1 < n ? members[i + 1] : NULL;
    }
    *out = members[0];
    return NN_OK;
}

int nn_model_n_in(const nn_model *m) { return m->sizes[0]; }
int nn_model_n_out(const nn_model *m) { return m->sizes[m->nlayers]; }
int nn_model_n_layers(const nn_model *m) { return m->nlayers; }
int nn_model_hidden_act(const nn_model *m) { return m->hidden_act; }
int nn_model_output_act(const nn_model *m) { return m->output_act; }
int nn_model_cost(const nn_model *m) { return m->cost; }
long nn_model_n_params(const nn_model *m) { return m->n_params; }

int nn_model_layer_size(const nn_model *m, int i)
{
    return i >= 0 && i <= m->nlayers ? m->sizes[i] : 0;
}

int nn_model_layer_type(const nn_model *m, int l)
{
    return l >= 0 && l < m->nlayers ? m->type[l] : -1;
}

int nn_model_layer_units(const nn_model *m, int l, int *fan_in)
{
    long nw, nb;

    *fan_in = 0;
    if (l < 0 || l >= m->nlayers)
        return 0;
    layer_params(m, l, &nw, &nb);
    *fan_in = nb ? (int)(nw / nb) : 0;
    return (int)nb;
}

int nn_model_layer_kernel(const nn_model *m, int l)
{
    return l >= 0 && l < m->nlayers && m->type[l] == NN_LAYER_CONV
        ? m->kernel[l] : 0;
}

int nn_model_layer_shape(const nn_model *m, int i, int *w, int *h, int *c)
{
    nn_shape s = { 0, 0, 0 };

    if (i >= 0 && i <= m->nlayers)
        s = m->shape[i];
    *w = s.w;
    *h = s.h;
    *c = s.c;
    return s.w > 0;
}

const float *nn_model_weights(const nn_model *m, int l)
{
    return l >= 0 && l < m->nlayers ? m->params + m->w_off[l] : NULL;
}

const char *nn_model_class_name(const nn_model *m, int i)
{
    if (!m->class_names || i < 0 || i >= nn_model_n_out(m))
        return NULL;
    return m->class_names[i];
}

const char *nn_class_name_problem(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);

    if (n == 0 || n > 255)
        return "a name has 1 to 255 bytes";
    for (; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return "control character in a name";
    /* Through the NUL, which ends a sequence cut off by the name's end. */
    if (nn_utf8_bad(s, n + 1) < n)
        return "a name that is not UTF-8";
    return NULL;
}

/* nn_model_set_class_names for m alone. */
static int set_names(nn_model *m, int n, const char *const *names)
{
    char **copy;

    if (n < 1 || n != nn_model_n_out(m))
        return NN_ESHAPE;
    for (int i = 0; i < n; i++)
        if (nn_class_name_problem(names[i]))
            return NN_EINVAL;
    if (!(copy = calloc((size_t)n, sizeof *copy)))
        return NN_ENOMEM;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]) + 1;
        if (!(copy[i] = malloc(len))) {
            free_names(copy, n);
            return NN_ENOMEM;
        }
        memcpy(copy[i], names[i], len);
    }
    free_names(m->class_names, n);
    m->class_names = copy;
    return NN_OK;
}

int nn_model_set_class_names(nn_model *m, int n, const char *const *names)
{
    int err = NN_OK;

    for (; m && !err; m = m->next)
        err = set_names(m, n, names);
    return err;
}

void nn_model_input(const nn_model *m, nn_input_desc *d)
{
    *d = m->input;
}

void nn_model_set_input(nn_model *m, const nn_input_desc *d)
{
    for (; m; m = m->next)
        m->input = *d;
}

int nn_model_input_ok(const nn_model *m, float lo, float hi)
{
    float w = m->input.hi - m->input.lo;

    return lo >= m->input.lo - w && hi <= m->input.hi + w;
}

const nn_train_info *nn_model_train_info(const nn_model *m)
{
    return &m->train;
}

long nn_forward_work(const nn_model *m, int B)
{
    long n = 0;

    for (int l = 0; l < m->nlayers; l++)
        if (m->type[l] == NN_LAYER_CONV) {
            nn_conv g;
            nn_model_conv(m, l, &g);
            if (nn_conv_col_floats(&g, B) > n)
                n = nn_conv_col_floats(&g, B);
        }
    return n;
}

void nn_forward(const nn_model *m, int from, const float *x, int B,
                float **acts, float *work)
{
    const float *in = x;

    for (int l = from; l < m->nlayers; l++) {
        int act = l == m->nlayers - 1 ? m->output_act : m->hidden_act;
        const float *W = m->params + m->w_off[l], *b = m->params + m->b_off[l];
        nn_conv g;

        switch (m->type[l]) {
        case NN_LAYER_CONV:
            nn_model_conv(m, l, &g);
            nn_conv_forward(acts[l], in, W, b, B, &g, act, work);
            break;
        case NN_LAYER_MAXPOOL:
            nn_maxpool_forward(acts[l], NULL, in, B, m->shape[l].h,
                               m->shape[l].w, m->shape[l].c);
            break;
        default:
            nn_dense_forward(acts[l], in, W, b, B, m->sizes[l],
                             m->sizes[l + 1], act);
        }
        in = acts[l];
    }
}

/* Records per forward pass: enough for fast matrix products, and several
 * parts in a batch of a few hundred for the threads to share. */
enum { PREDICT_PART = 64 };

/* The first layer's weights transposed (in x out), for nn_first_predict:
 * a copy the size of the layer, as the dense product's packing makes.
 * Sixteen rows of W at a time, so that each store fills a cache line. */
static float *transposed_first(const nn_model *m)
{
    int n_in = m->sizes[0], n_out = m->sizes[1];
    const float *W = m->params + m->w_off[0];
    float *WT = malloc((size_t)n_in * n_out * sizeof *WT);

    if (WT)
        for (int o0 = 0; o0 < n_out; o0 += 16)
            for (int i = 0; i < n_in; i++)
                for (int o = o0; o < n_out && o < o0 + 16; o++)
                    WT[(long)i * n_out + o] = W[(long)o * n_in + i];
    return WT;
}

/* nn_predict's parts as a job for the threads; each thread has working
 * memory of its own (slot[worker], the last for a thread working alone),
 * made at its first part. */
struct predict_job {
    const nn_model *m;
    const float *x, *WT;        /* WT: NULL for dense products */
    float *y;
    int n, err;
    struct predict_slot {
        float *buf;             /* the hidden layers' outputs, then
                                   nn_forward's work */
        nn_sparse sp;           /* the part's nonzero inputs */
    } slot[NN_MAX_THREADS + 1];
};

static void predict_part(void *arg, int c, int worker)
{
    struct predict_job *j = arg;
    const nn_model *m = j->m;
    struct predict_slot *s = &j->slot[worker < 0 ? NN_MAX_THREADS : worker];
    int i = c * PREDICT_PART, b = j->n - i < PREDICT_PART ? j->n - i
                                                          : PREDICT_PART;
    /* the most rows a part has: one when predicting one */
    int rows = j->n < PREDICT_PART ? j->n : PREDICT_PART;
    const float *in = j->x + (long)i * m->sizes[0];
    float *acts[NN_MAX_LAYERS], *p;
    long per_row = 0;

    for (int l = 0; l < m->nlayers - 1; l++)
        per_row += m->sizes[l + 1];
    if (!s->buf) {
        if (!(s->buf = malloc((per_row * rows + 1 + nn_forward_work(m, rows))
                              * sizeof *s->buf)) ||
            (j->WT && nn_sparse_alloc(&s->sp, rows, m->sizes[0]))) {
            j->err = NN_ENOMEM;
            return;
        }
    }
    p = s->buf;
    for (int l = 0; l < m->nlayers - 1; l++) {
        acts[l] = p;
        p += (long)b * m->sizes[l + 1];
    }
    acts[m->nlayers - 1] = j->y + (long)i * nn_model_n_out(m);
    if (j->WT) {
        nn_first_predict(acts[0], in, b, j->WT, m->params + m->b_off[0],
                         m->sizes[1], m->nlayers > 1 ? m->hidden_act
                                                     : m->output_act, &s->sp);
        nn_forward(m, 1, acts[0], b, acts, s->buf + per_row * rows);
    } else {
        nn_forward(m, 0, in, b, acts, s->buf + per_row * rows);
    }
    if (m->temperature != 1.0f && m->output_act == NN_ACT_SOFTMAX)
        nn_temper(acts[m->nlayers - 1], (long)b * nn_model_n_out(m),
                  nn_model_n_out(m), m->temperature);
}

/* nn_predict for one network (not the members after it). */
static int predict_one(const nn_model *m, const float *x, int n, float *y)
{
    struct predict_job j = { m, x, NULL, y, n, NN_OK, { { NULL, { 0 } } } };
    float *WT = NULL;
    unsigned fp;

    if (n <= 0)
        return NN_OK;
    if (m->type[0] == NN_LAYER_DENSE && nn_first_sparse() &&
        !(j.WT = WT = transposed_first(m)))
        return NN_ENOMEM;
    fp = nn_fp_enter();         /* no denormals, as in training */
    nn_parallel((n + PREDICT_PART - 1) / PREDICT_PART, predict_part, &j);
    nn_fp_leave(fp);
    for (int w = 0; w <= NN_MAX_THREADS; w++) {
        free(j.slot[w].buf);
        nn_sparse_free(&j.slot[w].sp);
    }
    free(WT);
    return j.err;
}

/* An ensemble answers with the mean of its members' probabilities. */
int nn_predict(const nn_model *m, const float *x, int n, float *y)
{
    long len = (long)n * nn_model_n_out(m);
    float *part;
    int err, k = 1;

    if ((err = predict_one(m, x, n, y)) || !m->next || n <= 0)
        return err;
    if (!(part = malloc(len * sizeof *part)))
        return NN_ENOMEM;
    for (const nn_model *e = m->next; e && !err; e = e->next, k++)
        if (!(err = predict_one(e, x, n, part)))
            for (long i = 0; i < len; i++)
                y[i] += part[i];
    for (long i = 0; i < len; i++)
        y[i] /= k;
    free(part);
    return err;
}
