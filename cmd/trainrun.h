/* trainrun.h - what nn-train and nn-serve share about a training run: the
 * training options (one table, one parser, one set of checks), the
 * network they build, the holdout split and keeping a model that could
 * not be written.  Not part of libnn.  Nothing here exits: errors come
 * back as text in why, which the tools report their own way. */
#ifndef TRAINRUN_H
#define TRAINRUN_H

#include <getopt.h>
#include <stddef.h>

#include "nn.h"

/* A run's network and training options, as nn-train's options set them. */
struct train_setup {
    nn_layer_spec net[NN_MAX_LAYERS - 1];  /* --net; --hidden: dense */
    int n_hidden;
    int activation, output_act, cost, init;
    int holdout;            /* --holdout N, or -1 */
    nn_train_opts train;
    int arch_set, rate_set, momentum_set;   /* given, not defaulted */
    int patience_set, schedule_set;
    const char *step_set, *plateau_set, *beta2_set, *affine_set, *elastic_set,
        *stroke_set;
};

/* The training options, for getopt_long, ended by a zeroed entry; the
 * short ones are TRAIN_SHORTOPTS.  Their codes (the `val`s) are below 256
 * or from TRAIN_OPT_FIRST to TRAIN_OPT_LAST, so a tool numbers its own
 * long options from TRAIN_OPT_LAST + 1. */
extern const struct option train_options[];
#define TRAIN_SHORTOPTS "H:a:e:b:r:m:l:s:p:"
enum { TRAIN_OPT_FIRST = 256, TRAIN_OPT_LAST = TRAIN_OPT_FIRST + 31 };

/* The defaults: a 256-unit ReLU layer, softmax, cross-entropy, and the
 * training options base (nn_train_opts_default's, or a resumed model's). */
void train_setup_init(struct train_setup *s, const nn_train_opts *base);

/* Apply the option with getopt code c and argument arg (NULL if it takes
 * none).  Returns 1 if applied, 0 if c is not a training option, -1 with
 * why ("--rate: 'x' is not a number") for a bad argument. */
int train_option(struct train_setup *s, int c, const char *arg, char *why,
                 size_t whylen);

/* The long option named name ("rate"), or NULL. */
const struct option *train_option_named(const char *name);

/* Rate and momentum not given take the defaults of the hidden activation
 * and optimizer: 0.05 and 0.9 (ReLU, tanh), 0.5 and 0 (sigmoid, as in
 * Nielsen's book), 0.001 and 0.9 (Adam, Kingma and Ba's). */
void train_rate_defaults(struct train_setup *s, int hidden_act);

/* The options together, once final: -1 with why for a combination that
 * cannot work or an option that would have no effect.  validated: the run
 * has validation data.  from: the model resumed, named in the message when
 * an option came from it, or NULL. */
int train_setup_check(const struct train_setup *s, int validated,
                      const char *from, char *why, size_t whylen);

/* A new network for the setup, for labelled records d and k classes (0:
 * the largest label + 1), its weights seeded from the setup's seed.  Every
 * record needs a label; in_name names d in why. */
int train_new_model(nn_model **out, const struct train_setup *s,
                    const nn_data *d, int k, const char *in_name, char *why,
                    size_t whylen);

/* The last n records of d held out for validation: *train a view of the
 * first d->n - n records (sharing d's storage: valid while d is, never
 * freed), *val a new set of the others. */
int train_split_holdout(const nn_data *d, int n, nn_data *train,
                        nn_data **val, char *why, size_t whylen);

/* Write m to output ('-': standard output) with the signals held, so that
 * no temporary file is left behind; if that fails, keep it in
 * $TMPDIR/PROG-PID.json (/tmp without TMPDIR) and say where.  Returns 0,
 * or 1 after a message. */
int train_save_model(const nn_model *m, const char *output);

/* Say that signal sig stopped training during (e.g. "epoch 3") and which
 * weights m holds: the best validated epoch's, or those trained so far. */
void train_say_stopped(int sig, const char *during, const nn_model *m);

#endif
