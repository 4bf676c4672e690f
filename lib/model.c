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

/* Records per forward pass: big enough for fast matrix products, small
 * enough that the activations stay in cache. */
enum { PREDICT_CHUNK = 256 };

int nn_predict(const nn_model *m, const float *x, int n, float *y)
{
    float *acts[NN_MAX_LAYERS], *buf;
    long per_row = 0;
    int chunk = n < PREDICT_CHUNK ? n : PREDICT_CHUNK;
    unsigned fp;

    if (n <= 0)
        return NN_OK;
    for (int l = 0; l < m->nlayers - 1; l++)
        per_row += m->sizes[l + 1];
    if (!(buf = malloc((per_row ? per_row : 1) * chunk * sizeof *buf)))
        return NN_ENOMEM;
    fp = nn_fp_enter();         /* no denormals, as in training */
    for (int i = 0; i < n; i += chunk) {
        int b = n - i < chunk ? n - i : chunk;
        float *p = buf;
        for (int l = 0; l < m->nlayers - 1; l++) {
            acts[l] = p;
            p += (long)b * m->sizes[l + 1];
        }
        acts[m->nlayers - 1] = y + (long)i * nn_model_n_out(m);
        nn_forward(m, x + (long)i * m->sizes[0], b, acts);
    }
    nn_fp_leave(fp);
    free(buf);
    return NN_OK;
}
