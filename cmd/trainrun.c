/* trainrun.c - the training options and the steps of a run that nn-train
 * and nn-serve share, so that both build and train the same network from
 * the same options, byte for byte. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "trainrun.h"
#include "util.h"

enum { OPT_OUTPUT = TRAIN_OPT_FIRST, OPT_NET, OPT_COST, OPT_INIT, OPT_HOLDOUT,
       OPT_OPTIMIZER, OPT_BETA2, OPT_SCHEDULE, OPT_STEP_EPOCHS,
       OPT_STEP_FACTOR, OPT_PLATEAU, OPT_DROPOUT, OPT_INPUT_DROPOUT,
       OPT_MAX_NORM, OPT_AUGMENT, OPT_SHIFT, OPT_ROTATE, OPT_SCALE,
       OPT_SHEAR, OPT_ALPHA, OPT_SIGMA, OPT_STROKE, OPT_END };

const struct option train_options[] = {
    { "hidden", required_argument, NULL, 'H' },
    { "net", required_argument, NULL, OPT_NET },
    { "activation", required_argument, NULL, 'a' },
    { "output", required_argument, NULL, OPT_OUTPUT },
    { "cost", required_argument, NULL, OPT_COST },
    { "weight-init", required_argument, NULL, OPT_INIT },
    { "epochs", required_argument, NULL, 'e' },
    { "batch", required_argument, NULL, 'b' },
    { "rate", required_argument, NULL, 'r' },
    { "momentum", required_argument, NULL, 'm' },
    { "lambda", required_argument, NULL, 'l' },
    { "seed", required_argument, NULL, 's' },
    { "holdout", required_argument, NULL, OPT_HOLDOUT },
    { "patience", required_argument, NULL, 'p' },
    { "optimizer", required_argument, NULL, OPT_OPTIMIZER },
    { "beta2", required_argument, NULL, OPT_BETA2 },
    { "schedule", required_argument, NULL, OPT_SCHEDULE },
    { "step-epochs", required_argument, NULL, OPT_STEP_EPOCHS },
    { "step-factor", required_argument, NULL, OPT_STEP_FACTOR },
    { "plateau", required_argument, NULL, OPT_PLATEAU },
    { "dropout", required_argument, NULL, OPT_DROPOUT },
    { "input-dropout", required_argument, NULL, OPT_INPUT_DROPOUT },
    { "max-norm", required_argument, NULL, OPT_MAX_NORM },
    { "augment", required_argument, NULL, OPT_AUGMENT },
    { "shift", required_argument, NULL, OPT_SHIFT },
    { "rotate", required_argument, NULL, OPT_ROTATE },
    { "scale", required_argument, NULL, OPT_SCALE },
    { "shear", required_argument, NULL, OPT_SHEAR },
    { "elastic-alpha", required_argument, NULL, OPT_ALPHA },
    { "elastic-sigma", required_argument, NULL, OPT_SIGMA },
    { "stroke", required_argument, NULL, OPT_STROKE },
    { NULL, 0, NULL, 0 }
};

#define FAIL(...) do { snprintf(why, whylen, __VA_ARGS__); return -1; } while (0)

/* The codes must stay below the tools' own. */
typedef char codes_fit[OPT_END <= TRAIN_OPT_LAST + 1 ? 1 : -1];

void train_setup_init(struct train_setup *s, const nn_train_opts *base)
{
    memset(s, 0, sizeof *s);
    s->train = *base;
    s->net[0].type = NN_LAYER_DENSE;
    s->net[0].size = 256;
    s->n_hidden = 1;
    s->activation = NN_ACT_RELU;
    s->output_act = NN_ACT_SOFTMAX;
    s->cost = NN_COST_CE;
    s->init = NN_INIT_DEFAULT;
    s->holdout = -1;
}

const struct option *train_option_named(const char *name)
{
    for (const struct option *o = train_options; o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

/* A decimal number of digits only at s, its end in *end; -1 if none. */
static long digits(const char *s, char **end)
{
    *end = (char *)s;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    long v = strtol(s, end, 10);
    return errno ? -1 : v;
}

/* One layer of --net (dense:UNITS, convKxK:CHANNELS[:same|:valid],
 * maxpool2) into sp: 0, or -1 with why naming the token. */
static int parse_layer(const char *tok, nn_layer_spec *sp, char *why,
                       size_t whylen)
{
    char *e;
    long k, k2, n;

    memset(sp, 0, sizeof *sp);
    if (strcmp(tok, "maxpool2") == 0) {
        sp->type = NN_LAYER_MAXPOOL;
        return 0;
    }
    if (strncmp(tok, "dense:", 6) == 0) {
        n = digits(tok + 6, &e);
        if (n < 1 || n > 1 << 16 || *e)
            FAIL("--net: \"%s\": expected dense:UNITS (1 to 65536)", tok);
        sp->type = NN_LAYER_DENSE;
        sp->size = (int)n;
        return 0;
    }
    if (strncmp(tok, "conv", 4) != 0)
        FAIL("--net: \"%s\": expected dense:UNITS, convKxK:CHANNELS or "
             "maxpool2", tok);
    sp->type = NN_LAYER_CONV;
    sp->pad = NN_PAD_SAME;
    if ((k = digits(tok + 4, &e)) < 0 || *e != 'x'
        || (k2 = digits(e + 1, &e)) < 0 || *e != ':'
        || (n = digits(e + 1, &e)) < 0
        || (*e && (*e != ':' || (sp->pad = nn_pad_parse(e + 1)) < 0)))
        FAIL("--net: \"%s\": expected convKxK:CHANNELS", tok);
    if (k != k2 || k % 2 == 0 || k > 99)
        FAIL("--net: \"%s\": the kernel must be square and odd, 1x1 to "
             "99x99", tok);
    if (n < 1 || n > 1 << 16)
        FAIL("--net: \"%s\": 1 to 65536 channels", tok);
    sp->kernel = (int)k;
    sp->size = (int)n;
    return 0;
}

/* The --net list (net 1), or the --hidden list of sizes, into s: 0, or -1
 * with why. */
static int parse_net(struct train_setup *s, const char *arg, int net,
                     char *why, size_t whylen)
{
    const char *opt = net ? "--net" : "--hidden";
    char buf[256], *tok, *save;
    int n = 0, max = NN_MAX_LAYERS - 1;
    long v;

    if (strcmp(arg, "none") == 0) {
        s->n_hidden = 0;
        return 0;
    }
    if (strlen(arg) >= sizeof buf)
        FAIL("%s: list too long", opt);
    strcpy(buf, arg);
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        nn_layer_spec *sp = &s->net[n];

        if (n == max)
            FAIL("%s: at most %d hidden layers", opt, max);
        if (net && parse_layer(tok, sp, why, whylen))
            return -1;
        if (!net) {
            if (scan_int(tok, 1, 1 << 16, "--hidden", &v, why, whylen))
                return -1;
            memset(sp, 0, sizeof *sp);
            sp->type = NN_LAYER_DENSE;
            sp->size = (int)v;
        }
        n++;
    }
    if (n == 0)
        FAIL("%s: '%s' names no layer", opt, arg);
    s->n_hidden = n;
    return 0;
}

static int parse_name(const char *arg, int (*parse)(const char *),
                      const char *opt, int *v, char *why, size_t whylen)
{
    if ((*v = parse(arg)) < 0) {
        snprintf(why, whylen, "%s: unknown value '%s'", opt, arg);
        return -1;
    }
    return 0;
}

/* An activation for the hidden layers (--activation) or the output layer
 * (--output): a known name, and one that the layer can have. */
static int parse_act(const char *arg, int output, int *v, char *why,
                     size_t whylen)
{
    const char *opt = output ? "--output" : "--activation";
    char choices[64];

    if (parse_name(arg, nn_act_parse, opt, v, why, whylen))
        return -1;
    if (output ? !nn_act_output(*v) : !nn_act_hidden(*v)) {
        snprintf(why, whylen, "%s: must be %s", opt,
                 nn_act_choices(output, choices, sizeof choices));
        return -1;
    }
    return 0;
}

/* Number options: their range and where the value goes. */
#define T(f) offsetof(nn_train_opts, f)
static int num_option(struct train_setup *s, int c, const char *arg,
                      char *why, size_t whylen)
{
    static const struct {
        int code;
        const char *name;
        double lo, hi;
        int is_int;
        size_t off;
    } tab[] = {
        { 'e', "--epochs", 1, 1000000, 1, T(epochs) },
        { 'b', "--batch", 1, 1 << 20, 1, T(batch) },
        { 'r', "--rate", 1e-9, 1e6, 0, T(rate) },
        { 'm', "--momentum", 0, 0.999, 0, T(momentum) },
        { 'l', "--lambda", 0, 1e9, 0, T(lambda) },
        { 'p', "--patience", 0, 1000000, 1, T(patience) },
        { OPT_BETA2, "--beta2", 0, 0.999999, 0, T(beta2) },
        { OPT_STEP_EPOCHS, "--step-epochs", 1, 1000000, 1, T(step_epochs) },
        { OPT_STEP_FACTOR, "--step-factor", 1e-6, 1, 0, T(step_factor) },
        { OPT_PLATEAU, "--plateau", 1, 1000000, 1, T(plateau) },
        { OPT_DROPOUT, "--dropout", 0, 0.99, 0, T(dropout) },
        { OPT_INPUT_DROPOUT, "--input-dropout", 0, 0.99, 0, T(input_dropout) },
        { OPT_MAX_NORM, "--max-norm", 0, 1e6, 0, T(max_norm) },
        { OPT_SHIFT, "--shift", 0, 1000, 0, T(augment.shift) },
        { OPT_ROTATE, "--rotate", 0, 180, 0, T(augment.rotate) },
        { OPT_SCALE, "--scale", 0, 0.9, 0, T(augment.scale) },
        { OPT_SHEAR, "--shear", 0, 1, 0, T(augment.shear) },
        { OPT_ALPHA, "--elastic-alpha", 0, 1000, 0, T(augment.alpha) },
        { OPT_SIGMA, "--elastic-sigma", 0.1, 100, 0, T(augment.sigma) },
        { OPT_STROKE, "--stroke", 0, 1, 0, T(augment.stroke) },
    };
    char *base = (char *)&s->train;

    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        long n;
        double x;

        if (tab[i].code != c)
            continue;
        if (tab[i].is_int) {
            if (scan_int(arg, (long)tab[i].lo, (long)tab[i].hi, tab[i].name,
                         &n, why, whylen))
                return -1;
            *(int *)(base + tab[i].off) = (int)n;
        } else {
            if (scan_float(arg, tab[i].lo, tab[i].hi, tab[i].name, &x, why,
                           whylen))
                return -1;
            *(float *)(base + tab[i].off) = (float)x;
        }
        switch (c) {
        case 'r': s->rate_set = 1; break;
        case 'm': s->momentum_set = 1; break;
        case 'p': s->patience_set = 1; break;
        case OPT_BETA2: s->beta2_set = tab[i].name; break;
        case OPT_STEP_EPOCHS: case OPT_STEP_FACTOR:
            s->step_set = tab[i].name;
            break;
        case OPT_PLATEAU: s->plateau_set = tab[i].name; break;
        case OPT_SHIFT: case OPT_ROTATE: case OPT_SCALE: case OPT_SHEAR:
            s->affine_set = tab[i].name;
            break;
        case OPT_ALPHA: case OPT_SIGMA: s->elastic_set = tab[i].name; break;
        case OPT_STROKE: s->stroke_set = tab[i].name; break;
        }
        return 1;
    }
    return 0;
}
#undef T

int train_option(struct train_setup *s, int c, const char *arg, char *why,
                 size_t whylen)
{
    nn_train_opts *t = &s->train;
    long n;

    switch (c) {
    case 'H': case OPT_NET:
        s->arch_set = 1;
        return parse_net(s, arg, c == OPT_NET, why, whylen) ? -1 : 1;
    case 'a':
        s->arch_set = 1;
        return parse_act(arg, 0, &s->activation, why, whylen) ? -1 : 1;
    case OPT_OUTPUT:
        s->arch_set = 1;
        return parse_act(arg, 1, &s->output_act, why, whylen) ? -1 : 1;
    case OPT_COST:
        s->arch_set = 1;
        return parse_name(arg, nn_cost_parse, "--cost", &s->cost, why,
                          whylen) ? -1 : 1;
    case OPT_INIT:
        s->arch_set = 1;
        return parse_name(arg, nn_init_parse, "--weight-init", &s->init, why,
                          whylen) ? -1 : 1;
    case 's':
        if (scan_int(arg, 0, 0x7fffffffffffffffL, "--seed", &n, why, whylen))
            return -1;
        t->seed = (uint64_t)n;
        return 1;
    case OPT_HOLDOUT:
        if (scan_int(arg, 1, 1 << 30, "--holdout", &n, why, whylen))
            return -1;
        s->holdout = (int)n;
        return 1;
    case OPT_OPTIMIZER:
        return parse_name(arg, nn_optimizer_parse, "--optimizer",
                          &t->optimizer, why, whylen) ? -1 : 1;
    case OPT_SCHEDULE:
        s->schedule_set = 1;
        return parse_name(arg, nn_schedule_parse, "--schedule", &t->schedule,
                          why, whylen) ? -1 : 1;
    case OPT_AUGMENT:
        if ((t->augment.kinds = nn_augment_parse(arg)) < 0) {
            snprintf(why, whylen, "--augment: unknown value '%s' (affine, "
                     "elastic or affine,elastic)", arg);
            return -1;
        }
        return 1;
    }
    return num_option(s, c, arg, why, whylen);
}

void train_rate_defaults(struct train_setup *s, int hidden_act)
{
    int sigmoid = hidden_act == NN_ACT_SIGMOID;
    int adam = s->train.optimizer == NN_OPT_ADAM;

    if (!s->rate_set)
        s->train.rate = adam ? 0.001f : sigmoid ? 0.5f : 0.05f;
    if (!s->momentum_set)
        s->train.momentum = adam || !sigmoid ? 0.9f : 0.0f;
}

int train_setup_check(const struct train_setup *s, int validated,
                      const char *from, char *why, size_t whylen)
{
    const nn_train_opts *t = &s->train;

    if (!from)
        from = "";
    if (s->output_act == NN_ACT_SOFTMAX && s->cost == NN_COST_QUADRATIC)
        FAIL("--cost quadratic needs --output sigmoid (softmax is trained "
             "with cross-entropy)");
    if (t->patience > 0 && !validated && s->patience_set)
        FAIL("--patience needs --validation or --holdout");
    if (t->patience > 0 && !validated)
        FAIL("%s was trained with --patience %d, which needs --validation or "
             "--holdout: give one, or --patience 0", from, t->patience);
    if (t->schedule == NN_SCHED_PLATEAU && !validated && s->schedule_set)
        FAIL("--schedule plateau needs --validation or --holdout");
    if (t->schedule == NN_SCHED_PLATEAU && !validated)
        FAIL("%s was trained with --schedule plateau, which needs "
             "--validation or --holdout: give one, or another --schedule",
             from);
    /* An option that would have no effect is a mistake worth reporting. */
    if (s->beta2_set && t->optimizer != NN_OPT_ADAM)
        FAIL("--beta2 applies to --optimizer adam");
    if (s->step_set && t->schedule != NN_SCHED_STEP)
        FAIL("%s applies to --schedule step", s->step_set);
    if (s->plateau_set && t->schedule != NN_SCHED_PLATEAU)
        FAIL("%s applies to --schedule plateau", s->plateau_set);
    if (s->affine_set && !(t->augment.kinds & NN_AUG_AFFINE))
        FAIL("%s applies to --augment affine", s->affine_set);
    if (s->elastic_set && !(t->augment.kinds & NN_AUG_ELASTIC))
        FAIL("%s applies to --augment elastic", s->elastic_set);
    if (s->stroke_set && !(t->augment.kinds & NN_AUG_STROKE))
        FAIL("%s applies to --augment stroke", s->stroke_set);
    return 0;
}

int train_new_model(nn_model **out, const struct train_setup *s,
                    const nn_data *d, int k, const char *in_name, char *why,
                    size_t whylen)
{
    int sizes[NN_MAX_LAYERS + 1], n = 0, err;

    *out = NULL;
    for (int i = 0; i < d->n; i++)
        if (d->label[i] < 0)
            FAIL("%s: record %d has no label; %s needs labelled records",
                 in_name, i + 1, argv0);
    if (!k)
        k = nn_data_max_label(d) + 1;
    if (k < 2)
        FAIL("%s: the labels name fewer than 2 classes", in_name);
    if (nn_data_max_label(d) >= k)
        FAIL("%s: label %d, but there are %d classes", in_name,
             nn_data_max_label(d), k);
    /* The input's shape comes from its size: a square of one channel
     * (784: 28x28x1), or no image (then conv and maxpool are refused). */
    sizes[n++] = d->dim;
    for (int i = 0; i < s->n_hidden; i++)
        sizes[n++] = s->net[i].size;
    sizes[n++] = k;
    nn_arch a = { n, sizes, s->activation, s->output_act, s->cost, s->init,
                  s->net, 0, 0 };
    if ((err = nn_model_new(out, &a, s->train.seed, why, whylen))) {
        if (!why[0])
            snprintf(why, whylen, "%s", nn_strerror(err));
        return -1;
    }
    return 0;
}

int train_split_holdout(const nn_data *d, int n, nn_data *train,
                        nn_data **val, char *why, size_t whylen)
{
    float *buf = NULL;

    *val = NULL;
    if (n >= d->n)
        FAIL("--holdout %d leaves no training records (the input has %d)", n,
             d->n);
    if (nn_data_new(val, d->dim) || !(buf = malloc(d->dim * sizeof *buf)))
        goto nomem;
    for (int i = d->n - n; i < d->n; i++)
        if (nn_data_add(*val, nn_data_row(d, i, buf), d->label[i]))
            goto nomem;
    free(buf);
    *train = *d;
    train->n = d->n - n;
    return 0;
nomem:
    free(buf);
    nn_data_free(*val);
    *val = NULL;
    FAIL("out of memory");
}

/* The model that could not be written to output ('-': standard output)
 * for the reason why, kept in a file of its own, $TMPDIR/PROG-PID.json
 * (/tmp without TMPDIR), which the message names. */
static void keep_model(const nn_model *m, const char *output, const char *why)
{
    const char *tmpdir = getenv("TMPDIR");
    char path[4096], what[4096], kwhy[256] = "";
    struct stat st;

    if (!tmpdir || !*tmpdir)
        tmpdir = "/tmp";
    snprintf(path, sizeof path, "%s/%s-%ld.json", tmpdir, argv0,
             (long)getpid());
    for (int i = 1; i < 100 && lstat(path, &st) == 0; i++)  /* not taken */
        snprintf(path, sizeof path, "%s/%s-%ld-%d.json", tmpdir, argv0,
                 (long)getpid(), i);
    if (strcmp(output, "-") == 0)
        snprintf(what, sizeof what, "writing the model to standard output "
                 "failed: %s", why);
    else
        snprintf(what, sizeof what, "%s: %s", output, why);
    if (nn_model_save(m, path, kwhy, sizeof kwhy) == NN_OK)
        warn("%s; the trained model is kept in %s", what, path);
    else
        warn("%s; keeping it in %s failed too (%s): no model written", what,
             path, kwhy);
}

int train_save_model(const nn_model *m, const char *output)
{
    char why[256] = "";
    int err;

    block_signals();
    if (strcmp(output, "-") == 0) {
        errno = 0;
        if (!(err = nn_model_write(m, stdout)) && fflush(stdout) != 0)
            err = NN_EIO;
        if (err)
            snprintf(why, sizeof why, "%s",
                     errno ? strerror(errno) : nn_strerror(err));
    } else {
        err = nn_model_save(m, file_target(output), why, sizeof why);
        if (err && !why[0])
            snprintf(why, sizeof why, "%s", nn_strerror(err));
    }
    if (err)
        keep_model(m, output, why);
    unblock_signals();
    return err != 0;
}

void train_say_stopped(int sig, const char *during, const nn_model *m)
{
    const nn_train_info *ti = nn_model_train_info(m);
    const char *name = sig == SIGINT ? "SIGINT" : "SIGTERM";

    if (ti->best_val_acc >= 0)
        warn("%s during %s: writing the best model so far (epoch %d, "
             "validation accuracy %.2f%%)", name, during, ti->best_epoch,
             100 * ti->best_val_acc);
    else
        warn("%s during %s: writing the model as trained so far", name,
             during);
}
