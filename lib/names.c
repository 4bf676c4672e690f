/* names.c - the names of every enumeration (as the model file and the
 * tools spell them), where each activation may stand, and the defaults of
 * the training options: one table each, below everything that parses,
 * checks or writes them. */
#include <stdio.h>
#include <string.h>

#include "nn_internal.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Index of s among the n strings of names, or -1 (also for s NULL). */
static int name_index(const char *const *names, int n, const char *s)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

static const char *name_of(const char *const *names, int n, int i)
{
    return i >= 0 && i < n ? names[i] : NULL;
}

/* Activations, and where each may stand. */
static const struct {
    const char *name;
    int hidden, output;
} acts[] = {
    [NN_ACT_SIGMOID] = { "sigmoid", 1, 1 },
    [NN_ACT_RELU] = { "relu", 1, 0 },
    [NN_ACT_TANH] = { "tanh", 1, 0 },
    [NN_ACT_SOFTMAX] = { "softmax", 0, 1 },
};

int nn_act_parse(const char *s)
{
    for (int i = 0; s && i < COUNT(acts); i++)
        if (strcmp(acts[i].name, s) == 0)
            return i;
    return -1;
}

const char *nn_act_name(int a)
{
    return a >= 0 && a < COUNT(acts) ? acts[a].name : NULL;
}

int nn_act_hidden(int a)
{
    return a >= 0 && a < COUNT(acts) && acts[a].hidden;
}

int nn_act_output(int a)
{
    return a >= 0 && a < COUNT(acts) && acts[a].output;
}

const char *nn_act_choices(int output, char *buf, size_t len)
{
    int n = 0, k = 0;
    size_t at = 0;

    for (int i = 0; i < COUNT(acts); i++)
        n += output ? acts[i].output : acts[i].hidden;
    buf[0] = '\0';
    for (int i = 0; i < COUNT(acts) && at < len; i++) {
        if (!(output ? acts[i].output : acts[i].hidden))
            continue;
        k++;
        at += (size_t)snprintf(buf + at, len - at, "%s%s",
                               k == 1 ? "" : k == n ? " or " : ", ",
                               acts[i].name);
    }
    return buf;
}

static const char *const cost_names[] = {
    [NN_COST_CE] = "ce", [NN_COST_QUADRATIC] = "quadratic",
};
static const char *const init_names[] = {
    [NN_INIT_DEFAULT] = "default", [NN_INIT_HE] = "he",
    [NN_INIT_XAVIER] = "xavier", [NN_INIT_NIELSEN] = "nielsen",
};
static const char *const optimizer_names[] = {
    [NN_OPT_SGD] = "sgd", [NN_OPT_NESTEROV] = "nesterov",
    [NN_OPT_ADAM] = "adam",
};
static const char *const schedule_names[] = {
    [NN_SCHED_CONSTANT] = "constant", [NN_SCHED_STEP] = "step",
    [NN_SCHED_COSINE] = "cosine", [NN_SCHED_PLATEAU] = "plateau",
};
static const char *const layer_names[] = {
    [NN_LAYER_DENSE] = "dense", [NN_LAYER_CONV] = "conv",
    [NN_LAYER_MAXPOOL] = "maxpool",
};
static const char *const pad_names[] = {
    [NN_PAD_SAME] = "same", [NN_PAD_VALID] = "valid",
};
/* Augmentation kinds by their bits (NN_AUG_AFFINE | NN_AUG_ELASTIC |
 * NN_AUG_STROKE). */
static const char *const augment_names[] = {
    "none", "affine", "elastic", "affine,elastic", "stroke", "affine,stroke",
    "elastic,stroke", "affine,elastic,stroke"
};
static const char *const format_names[] = {
    [NN_FMT_NNPIPE] = "nnpipe", [NN_FMT_NETWORK2] = "network2",
    [NN_FMT_ONNX] = "onnx",
};

#define PARSE(names, s) name_index(names, COUNT(names), s)
#define NAME(names, i) name_of(names, COUNT(names), i)

int nn_cost_parse(const char *s) { return PARSE(cost_names, s); }
const char *nn_cost_name(int c) { return NAME(cost_names, c); }
int nn_init_parse(const char *s) { return PARSE(init_names, s); }
const char *nn_init_name(int i) { return NAME(init_names, i); }
int nn_layer_parse(const char *s) { return PARSE(layer_names, s); }
const char *nn_layer_name(int t) { return NAME(layer_names, t); }
int nn_pad_parse(const char *s) { return PARSE(pad_names, s); }
const char *nn_pad_name(int p) { return NAME(pad_names, p); }
int nn_optimizer_parse(const char *s) { return PARSE(optimizer_names, s); }
const char *nn_optimizer_name(int o) { return NAME(optimizer_names, o); }
int nn_schedule_parse(const char *s) { return PARSE(schedule_names, s); }
const char *nn_schedule_name(int s) { return NAME(schedule_names, s); }
int nn_format_parse(const char *s) { return PARSE(format_names, s); }
const char *nn_format_name(int f) { return NAME(format_names, f); }

int nn_augment_parse(const char *s)
{
    int kinds = 0;

    if (s && strcmp(s, "none") == 0)
        return 0;
    while (s && *s) {           /* single kinds, comma-separated */
        size_t n = strcspn(s, ",");
        int k = 0;
        for (int bit = 1; bit <= NN_AUG_STROKE; bit <<= 1)
            if (strlen(augment_names[bit]) == n &&
                strncmp(s, augment_names[bit], n) == 0)
                k = bit;
        if (!k || (kinds & k))
            return -1;
        kinds |= k;
        s += n;
        if (*s == ',' && !*++s)
            return -1;
    }
    return kinds ? kinds : -1;
}

/* kinds outside 0 .. 7 are named "unknown". */
const char *nn_augment_name(int kinds, char *buf, size_t len)
{
    const char *s = NAME(augment_names, kinds);

    if (buf && len > 0) {
        strncpy(buf, s ? s : "unknown", len - 1);
        buf[len - 1] = '\0';
    }
    return buf;
}

/* ------------------------------------------------------------------------ */
/* Defaults. */

int nn_init_default(int hidden_act)
{
    /* He for ReLU, Xavier (Glorot) for tanh, Nielsen's N(0, 1/n_in) for
     * sigmoid. */
    switch (hidden_act) {
    case NN_ACT_RELU: return NN_INIT_HE;
    case NN_ACT_TANH: return NN_INIT_XAVIER;
    }
    return NN_INIT_NIELSEN;
}

void nn_augment_default(nn_augment *a)
{
    static const nn_augment d = { .kinds = 0, .shift = 2.0f, .rotate = 10.0f,
                                  .scale = 0.1f, .shear = 0.1f,
                                  .alpha = 34.0f, .sigma = 4.0f,
                                  .stroke = 0.7f };
    *a = d;
}

void nn_train_opts_default(nn_train_opts *o)
{
    static const nn_train_opts d = {
        .epochs = 10, .batch = 32, .rate = 0.05f, .momentum = 0.9f,
        .lambda = 0.0f, .patience = 0, .seed = 1, .optimizer = NN_OPT_SGD,
        .beta2 = 0.999f, .schedule = NN_SCHED_CONSTANT, .step_epochs = 10,
        .step_factor = 0.5f, .plateau = 10,
    };

    memset(o, 0, sizeof *o);
    *o = d;
    nn_augment_default(&o->augment);
}
