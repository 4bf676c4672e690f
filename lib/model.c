/* model.c - dense networks: creation with seeded weights, accessors, and
 * prediction. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

int nn_model_alloc_params(nn_model *m)
{
    long n = 0;

    for (int l = 0; l < m->nlayers; l++) {
        long w = (long)m->sizes[l] * m->sizes[l + 1];
        if (w / m->sizes[l] != m->sizes[l + 1] || n > (1L << 40) - w)
            return NN_ELIMIT;
        m->w_off[l] = n;
        n += w;
        m->b_off[l] = n;
        n += m->sizes[l + 1];
    }
    m->n_params = n;
    m->params = calloc(n, sizeof *m->params);
    return m->params ? NN_OK : NN_ENOMEM;
}

static void init_weights(nn_model *m, uint64_t seed)
{
    nn_rng rng;

    nn_rng_seed(&rng, seed);
    for (int l = 0; l < m->nlayers; l++) {
        int n_in = m->sizes[l], n_out = m->sizes[l + 1];
        float *W = m->params + m->w_off[l], *b = m->params + m->b_off[l];
        double sd = m->init == NN_INIT_HE ? sqrt(2.0 / n_in)
                  : m->init == NN_INIT_XAVIER ? sqrt(2.0 / (n_in + n_out))
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
        if (a->sizes[i] < 1 || a->sizes[i] > NN_MAX_DIM)
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
    m->input.lo = 0.0f;
    m->input.hi = 1.0f;
    m->input.ink_high = 1;
    for (int s = 1; s * s <= a->sizes[0]; s++)
        if (s * s == a->sizes[0])
            m->input.width = m->input.height = s;
    m->train.best_val_acc = -1.0;
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
    if (!m)
        return;
    free_names(m->class_names, nn_model_n_out(m));
    free(m->params);
    free(m);
}

int nn_model_copy(nn_model **out, const nn_model *m)
{
    nn_model *c = malloc(sizeof *c);

    *out = NULL;
    if (!c)
        return NN_ENOMEM;
    *c = *m;
    c->class_names = NULL;
    if (!(c->params = malloc(m->n_params * sizeof *c->params))) {
        free(c);
        return NN_ENOMEM;
    }
    memcpy(c->params, m->params, m->n_params * sizeof *c->params);
    if (m->class_names &&
        nn_model_set_class_names(c, nn_model_n_out(m),
                                 (const char *const *)m->class_names)) {
        nn_model_free(c);
        return NN_ENOMEM;
    }
    *out = c;
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

    if (!*p || strlen(s) > 255)
        return "a name has 1 to 255 bytes";
    for (; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return "control character in a name";
    return NULL;
}

int nn_model_set_class_names(nn_model *m, int n, const char *const *names)
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

void nn_model_input(const nn_model *m, nn_input_desc *d)
{
    *d = m->input;
}

void nn_model_set_input(nn_model *m, const nn_input_desc *d)
{
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
        float *buf;             /* the hidden layers' outputs */
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
    const float *in = j->x + (long)i * m->sizes[0];
    float *acts[NN_MAX_LAYERS], *p;
    long per_row = 1;

    if (!s->buf) {
        for (int l = 0; l < m->nlayers - 1; l++)
            per_row += m->sizes[l + 1];
        if (!(s->buf = malloc(per_row * PREDICT_PART * sizeof *s->buf)) ||
            (j->WT && nn_sparse_alloc(&s->sp, PREDICT_PART, m->sizes[0]))) {
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
        nn_forward(m, 1, acts[0], b, acts);
    } else {
        nn_forward(m, 0, in, b, acts);
    }
}

int nn_predict(const nn_model *m, const float *x, int n, float *y)
{
    struct predict_job j = { m, x, NULL, y, n, NN_OK, { { NULL, { 0 } } } };
    float *WT = NULL;
    unsigned fp;

    if (n <= 0)
        return NN_OK;
    if (nn_first_sparse() && !(j.WT = WT = transposed_first(m)))
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
