/* nn-train - train a dense network on labelled vectors and save it. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "nn.h"
#include "progress.h"
#include "runs.h"
#include "trainrun.h"
#include "util.h"

struct opts {
    const char *input, *output, *resume, *validation, *log;
    struct train_setup set;     /* network and training options */
    int classes, quiet, no_progress;
    int threads_set;        /* --threads given: no automatic choice */
    const char *class_names;
    const char *runs, *test;                /* --runs, --test */
};

static void usage(void)
{
    nn_train_opts d;
    nn_train_opts_default(&d);
    printf("Usage: %s [OPTIONS] -o MODEL [FILE]\n"
"Train a network on labelled vectors (FILE, or standard input) and write it\n"
"to MODEL as JSON.\n"
"\n"
"Network:\n"
"  -H, --hidden LIST       hidden layer sizes, e.g. 100 or 256,128; 'none' for\n"
"                          no hidden layer [256]\n"
"      --net LIST          hidden layers by type, e.g.\n"
"                          conv5x5:32,maxpool2,conv5x5:64,maxpool2,dense:256:\n"
"                          dense:UNITS, convKxK:CHANNELS (K odd; add :valid\n"
"                          for no zero padding, :same is the default) and\n"
"                          maxpool2 (2x2); an input of N*N values is an NxN\n"
"                          image.  --hidden 100,30 is --net dense:100,dense:30\n"
"  -a, --activation NAME   hidden activation: relu, sigmoid or tanh [relu]\n"
"      --output NAME       output layer: softmax or sigmoid [softmax]\n"
"      --cost NAME         ce (cross-entropy) or quadratic (sigmoid output\n"
"                          only) [ce]\n"
"      --weight-init NAME  he, xavier or nielsen (N(0,1/n_in)); 'default': he\n"
"                          for relu, xavier for tanh, nielsen for sigmoid\n"
"      --classes N         number of classes [number of --class-names, or\n"
"                          largest label + 1]\n"
"      --class-names LIST  comma-separated class names, stored in the model\n"
"\n"
"Training:\n"
"  -e, --epochs N          epochs at most [%d]\n"
"  -b, --batch N           mini-batch size [%d]\n"
"  -r, --rate X            learning rate [0.05; 0.5 for sigmoid; 0.001 for\n"
"                          adam]\n"
"  -m, --momentum X        momentum (adam: beta1) [0.9; 0 for sigmoid sgd]\n"
"  -l, --lambda X          L2 regularisation: adds lambda/(2n) * sum(w^2) to\n"
"                          the cost, n = training records [%g]\n"
"  -s, --seed N            seed for weights and shuffling [%llu]\n"
"      --validation FILE   labelled vectors to validate on after each epoch\n"
"      --holdout N         validate on the last N records of the input\n"
"  -p, --patience N        stop after N epochs without a better validation\n"
"                          accuracy (0: never); the best epoch is kept [0]\n"
"      --optimizer NAME    sgd (with --momentum), nesterov or adam [sgd]\n"
"      --beta2 X           adam: decay of the squared-gradient average (beta1\n"
"                          is --momentum) [%g]\n"
"      --schedule NAME     learning rate over the epochs: constant; step (times\n"
"                          --step-factor every --step-epochs); cosine (down to\n"
"                          0 at the last epoch); plateau (halved after\n"
"                          --plateau epochs without a better validation\n"
"                          accuracy, stop below rate/128) [constant]\n"
"      --step-epochs N     [%d]\n"
"      --step-factor X     [%g]\n"
"      --plateau N         [%d]\n"
"      --resume MODEL      continue training MODEL: its network, and the\n"
"                          training options it recorded unless given here\n"
"\n", argv0, d.epochs, d.batch, d.lambda, (unsigned long long)d.seed,
           d.beta2, d.step_epochs, d.step_factor, d.plateau);
    printf(
"Regularisation and augmentation:\n"
"      --dropout P         drop each value going into a dense layer (hidden\n"
"                          or output; not the input) with probability P [0]\n"
"      --input-dropout P   drop each input value with probability P [0]\n"
"      --max-norm C        keep each unit's incoming weights within L2 norm C\n"
"                          (0: off) [0]\n"
"      --augment LIST      distort each training image anew every epoch:\n"
"                          affine, elastic, stroke, joined by commas [none]\n"
"      --shift PX          affine: shift up to PX pixels in x and y [%g]\n"
"      --rotate DEG        affine: rotate up to DEG degrees [%g]\n"
"      --scale X           affine: scale x and y by 1-X to 1+X [%g]\n"
"      --shear X           affine: shear by up to X [%g]\n"
"      --elastic-alpha X   elastic: displacement scale, pixels [%g]\n"
"      --elastic-sigma X   elastic: smoothing of the field, pixels [%g]\n"
"      --stroke X          stroke: thicken or thin strokes by up to X of a\n"
"                          3x3 grey dilation or erosion (0..1) [%g]\n"
"\n"
"Output:\n"
"  -o MODEL                model file, written atomically ('-': stdout)\n"
"  -q, --quiet             no per-epoch lines or progress line on standard error\n"
"      --no-progress       no progress line (drawn only on a terminal)\n"
"      --log FILE          per-epoch statistics as tab-separated values\n"
"      --test FILE         labelled vectors to measure the trained model on\n"
"                          (accuracy printed, and kept in the run log)\n"
"      --runs FILE         append a JSON line describing the run to FILE\n"
"                          (list the runs with nn-runs)\n"
"\n"
"      --threads N         threads for the matrix products (0: one per CPU);\n"
"                          the model does not depend on it [without the\n"
"                          option: all CPUs, or 1 while measured faster]\n"
"  -h, --help              show this help and exit\n"
"      --version           show the version and exit\n",
           d.augment.shift, d.augment.rotate, d.augment.scale, d.augment.shear,
           d.augment.alpha, d.augment.sigma, d.augment.stroke);
}

enum { OPT_CLASSES = TRAIN_OPT_LAST + 1, OPT_CLASS_NAMES, OPT_VALIDATION,
       OPT_RESUME, OPT_LOG, OPT_VERSION, OPT_RUNS, OPT_TEST, OPT_THREADS,
       OPT_NO_PROGRESS };

/* The command line into o, the training options over base (the defaults,
 * or those of the model resumed).  Exits 2 on a malformed option; the
 * options' consistency is check_args's. */
static void parse_args(int argc, char **argv, struct opts *o,
                       const nn_train_opts *base)
{
    static const struct option own[] = {
        { "classes", required_argument, NULL, OPT_CLASSES },
        { "class-names", required_argument, NULL, OPT_CLASS_NAMES },
        { "validation", required_argument, NULL, OPT_VALIDATION },
        { "resume", required_argument, NULL, OPT_RESUME },
        { "quiet", no_argument, NULL, 'q' },
        { "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
        { "log", required_argument, NULL, OPT_LOG },
        { "threads", required_argument, NULL, OPT_THREADS },
        { "runs", required_argument, NULL, OPT_RUNS },
        { "test", required_argument, NULL, OPT_TEST },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, OPT_VERSION },
        { NULL, 0, NULL, 0 }
    };
    struct option longopts[64];
    char why[256];
    int c, n = 0;

    for (const struct option *p = train_options; p->name; p++)
        longopts[n++] = *p;
    for (const struct option *p = own; ; p++) {
        longopts[n++] = *p;
        if (!p->name)
            break;
    }
    memset(o, 0, sizeof *o);
    optind = 0;         /* parsed twice when resuming */
    train_setup_init(&o->set, base);
    nn_set_threads(0);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":" TRAIN_SHORTOPTS "o:qh", longopts,
                            NULL)) != -1) {
        switch (train_option(&o->set, c, optarg, why, sizeof why)) {
        case 1: continue;
        case -1: usage_error("%s", why);
        }
        switch (c) {
        case OPT_CLASSES:
            o->classes = (int)parse_int(optarg, 2, NN_MAX_CLASSES, "--classes");
            o->set.arch_set = 1;
            break;
        case OPT_CLASS_NAMES: o->class_names = optarg; break;
        case OPT_VALIDATION: o->validation = optarg; break;
        case OPT_RESUME: o->resume = optarg; break;
        case 'o': o->output = optarg; break;
        case 'q': o->quiet = 1; break;
        case OPT_NO_PROGRESS: o->no_progress = 1; break;
        case OPT_LOG: o->log = optarg; break;
        case OPT_THREADS: set_threads(optarg); o->threads_set = 1; break;
        case OPT_RUNS: o->runs = optarg; break;
        case OPT_TEST: o->test = optarg; break;
        case 'h': usage(); exit(close_stdout());
        case OPT_VERSION: print_version(); exit(close_stdout());
        default: option_error(c, argv);
        }
    }
    if (argc - optind > 1)
        usage_error("too many operands");
    o->input = optind < argc ? argv[optind] : "-";
    if (!o->output)
        usage_error("no output file: give -o MODEL");
    if (o->validation && o->set.holdout > 0)
        usage_error("--validation and --holdout exclude each other");
    if (o->resume && (o->set.arch_set || o->class_names))
        usage_error("--resume keeps the model's network; drop the network options");
}

/* The training options together, once they are final.  An option that
 * was not given but taken from the model resumed is named as such. */
static void check_args(const struct opts *o)
{
    char why[256];

    if (train_setup_check(&o->set, o->validation || o->set.holdout > 0,
                          o->resume, why, sizeof why))
        usage_error("%s", why);
}

/* Per-epoch report: a line on stderr, a row in the log, and the warnings. */
struct report {
    const struct opts *o;
    FILE *log;
    int log_failed;     /* a row could not be written: said once */
    int k;
    int warned;
    int epoch;          /* the epoch under way */
    FILE *progress_fp;  /* where the progress line goes, NULL: none */
    struct progress bar;
    char label[32];
};

/* SIGINT and SIGTERM: the first asks training to stop after the current
 * batch (the best model so far is then written); a second one ends the
 * program at once. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    if (stop_signal) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    stop_signal = sig;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static int on_batch(int epoch, long done, long total, void *arg)
{
    struct report *r = arg;
    if (epoch != r->epoch) {
        r->epoch = epoch;
        snprintf(r->label, sizeof r->label, "epoch %d/%d", epoch,
                 r->o->set.train.epochs);
        progress_start(&r->bar, r->progress_fp, r->label, "records", total);
    }
    progress_update(&r->bar, done);
    return stop_signal != 0;
}

static int on_epoch(const nn_epoch_stats *s, void *arg)
{
    struct report *r = arg;

    progress_finish(&r->bar);
    if (!r->o->quiet) {
        fprintf(stderr, "epoch %d/%d: loss %.4f, acc %.2f%%", s->epoch,
                s->epochs, s->train_loss, 100 * s->train_acc);
        if (s->val_acc >= 0)
            fprintf(stderr, "; val loss %.4f, val acc %.2f%%%s", s->val_loss,
                    100 * s->val_acc,
                    s->best_epoch == s->epoch ? " *" : "");
        if (r->o->set.train.schedule != NN_SCHED_CONSTANT)
            fprintf(stderr, "; rate %.3g", s->rate);
        fprintf(stderr, "; %.1f s\n", s->seconds);
    }
    if (r->log && !r->log_failed) {
        fprintf(r->log, "%d\t%.6g\t%.6g\t%.6g\t%.6g\t%.3f\t%.6g\n",
                s->epoch, s->train_loss, s->train_acc, s->val_loss, s->val_acc,
                s->seconds, s->rate);
        if (fflush(r->log) != 0 || ferror(r->log)) {
            progress_clear(&r->bar);
            warn("%s: cannot write the log (%s); training goes on, and the "
                 "model will be written", r->o->log, strerror(errno));
            r->log_failed = 1;
        }
    }
    if (!r->warned && s->epoch >= 3 && s->train_acc < 1.5 / r->k) {
        warn("warning: accuracy %.1f%% is at chance level after %d epochs: "
             "learning rate too high (--rate %g), or input not scaled to [0,1]?",
             100 * s->train_acc, s->epoch, r->o->set.train.rate);
        r->warned = 1;
    }
    return stop_signal != 0;
}

static nn_data *read_data(const char *path, int dim_hint)
{
    char why[256] = "";
    nn_data *d;
    FILE *fp = xfopen(path, "rb");
    int err = nn_data_read(&d, fp, dim_hint, why, sizeof why);

    if (err)
        die("%s: %s", strcmp(path, "-") ? path : "(stdin)",
            why[0] ? why : nn_strerror(err));
    xfclose(fp, path);
    return d;
}

/* Class names from a comma-separated list, into names[]; returns the count. */
static int split_names(char *list, const char **names, int max)
{
    char *save, *tok;
    int n = 0;

    for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (n == max)
            usage_error("--class-names: more than %d names", max);
        if (nn_class_name_problem(tok))
            usage_error("--class-names: '%s': %s", tok, nn_class_name_problem(tok));
        names[n++] = tok;
    }
    if (n < 2)
        usage_error("--class-names: name at least 2 classes");
    return n;
}

/* A warning when the training records lie far outside the model's input
 * range (nn_model_input_ok). */
static void warn_unscaled(const nn_model *m, const nn_data *d, const char *name)
{
    float lo, hi;

    nn_data_range(d, &lo, &hi);
    if (!nn_model_input_ok(m, lo, hi))
        warn("warning: %s: values from %g to %g; networks train best on "
             "values scaled to [0,1]", name, lo, hi);
}

/* The training options as nn-train's options, for the line that says
 * with what a resumed model goes on. */
static void print_resumed(const char *path, const nn_model *m,
                          const nn_train_opts *t)
{
    char buf[64];

    fprintf(stderr, "%s: resuming %s after %d epochs with -e %d -b %d -r %g "
            "-m %g -l %g -s %llu -p %d --optimizer %s", argv0, path,
            nn_model_train_info(m)->epochs_run, t->epochs, t->batch, t->rate,
            t->momentum, t->lambda, (unsigned long long)t->seed, t->patience,
            nn_optimizer_name(t->optimizer));
    if (t->optimizer == NN_OPT_ADAM)
        fprintf(stderr, " --beta2 %g", t->beta2);
    fprintf(stderr, " --schedule %s", nn_schedule_name(t->schedule));
    if (t->schedule == NN_SCHED_STEP)
        fprintf(stderr, " --step-epochs %d --step-factor %g", t->step_epochs,
                t->step_factor);
    if (t->schedule == NN_SCHED_PLATEAU)
        fprintf(stderr, " --plateau %d", t->plateau);
    if (t->dropout > 0)
        fprintf(stderr, " --dropout %g", t->dropout);
    if (t->input_dropout > 0)
        fprintf(stderr, " --input-dropout %g", t->input_dropout);
    if (t->max_norm > 0)
        fprintf(stderr, " --max-norm %g", t->max_norm);
    if (t->augment.kinds)
        fprintf(stderr, " --augment %s", nn_augment_name(t->augment.kinds, buf,
                                                         sizeof buf));
    if (t->augment.kinds & NN_AUG_AFFINE)
        fprintf(stderr, " --shift %g --rotate %g --scale %g --shear %g",
                t->augment.shift, t->augment.rotate, t->augment.scale,
                t->augment.shear);
    if (t->augment.kinds & NN_AUG_ELASTIC)
        fprintf(stderr, " --elastic-alpha %g --elastic-sigma %g",
                t->augment.alpha, t->augment.sigma);
    if (t->augment.kinds & NN_AUG_STROKE)
        fprintf(stderr, " --stroke %g", t->augment.stroke);
    fputc('\n', stderr);
}

/* --test: the trained model's accuracy on d, printed unless quiet. */
static double test_accuracy(const nn_model *m, const nn_data *d,
                            const char *path, int quiet)
{
    char why[256] = "";
    nn_eval *e;
    double acc;
    int err;

    if (nn_eval_new(&e, nn_model_n_out(m)))
        die("out of memory");
    if ((err = nn_eval_data(e, m, d, why, sizeof why)))
        die("%s: %s", path, why[0] ? why : nn_strerror(err));
    acc = (double)e->correct / e->n;
    if (!quiet)
        fprintf(stderr, "%s: test accuracy %.2f%% (%ld/%ld) on %s\n", argv0,
                100 * acc, e->correct, e->n, path);
    nn_eval_free(e);
    return acc;
}

/* Close the log; 0, or 1 after saying that it is incomplete. */
static int close_log(struct report *r)
{
    int bad;

    if (!r->log)
        return 0;
    bad = ferror(r->log);
    if (r->log != stdout && fclose(r->log) != 0)
        bad = 1;
    if (bad && !r->log_failed)
        warn("%s: write error:", r->o->log);
    return bad || r->log_failed;
}

int main(int argc, char **argv)
{
    struct opts o;
    struct report rep = { 0 };
    struct run_log runs = { -1, NULL, 0 };
    nn_data *all, held, *train, *val = NULL, *test = NULL;
    double test_acc = -1;
    nn_model *m = NULL;
    nn_train_opts defaults;
    const char *names[1024];
    char why[256] = "", *names_buf = NULL;
    const char *in_name;
    int err, n_names = 0, failed = 0;

    setprog(argv[0]);
    nn_train_opts_default(&defaults);
    parse_args(argc, argv, &o, &defaults);
    in_name = strcmp(o.input, "-") ? o.input : "(stdin)";
    file_input(o.input, "the training data");
    if (o.validation)
        file_input(o.validation, "the validation data (--validation)");
    if (o.test)
        file_input(o.test, "the test data (--test)");
    if (o.resume)
        file_input(o.resume, "the model resumed (--resume)");
    if (strcmp(o.output, "-") != 0)
        file_replaced(o.output, "the model (-o)");
    else
        file_output("-", "the model (-o -)");
    if (o.log)
        file_output(o.log, "the log (--log)");
    if (o.runs)
        file_output(o.runs, "the run log (--runs)");
    files_check();
    if (o.resume) {
        /* The options not given are the model's own. */
        m = load_model(o.resume);
        if (nn_model_members(m) > 1)
            die("%s: an ensemble of %d networks is not trained further "
                "(resume one of its networks, then join them again with "
                "nn-convert)", o.resume, nn_model_members(m));
        if (nn_model_train_info(m)->epochs_run > 0)
            parse_args(argc, argv, &o, &nn_model_train_info(m)->opts);
        else
            train_rate_defaults(&o.set, nn_model_hidden_act(m));
    } else {
        train_rate_defaults(&o.set, o.set.activation);
    }
    check_args(&o);
    if (o.runs)
        runs_open(&runs, o.runs);
    if (o.class_names) {
        if (!(names_buf = strdup(o.class_names)))
            die("out of memory");
        n_names = split_names(names_buf, names, 1024);
        if (o.classes && o.classes != n_names)
            usage_error("--classes %d but %d --class-names", o.classes, n_names);
    }
    train = all = read_data(o.input, m ? nn_model_n_in(m) : 0);
    if (o.set.holdout > 0) {
        if (train_split_holdout(all, o.set.holdout, &held, &val, why,
                                sizeof why))
            die("%s", why);
        train = &held;
    } else if (o.validation)
        val = read_data(o.validation, train->dim);
    if (!m && train_new_model(&m, &o.set, train,
                              o.classes ? o.classes : n_names, in_name, why,
                              sizeof why))
        die("%s", why);
    if (n_names && nn_model_set_class_names(m, n_names, names))
        die("out of memory");
    if (nn_model_n_in(m) != train->dim)
        die("%s: vectors have %d values, the model %s takes %d", in_name,
            train->dim, o.resume, nn_model_n_in(m));
    warn_unscaled(m, train, in_name);
    if (o.test)
        test = read_data(o.test, train->dim);
    if (test && test->dim != train->dim)
        die("%s: vectors have %d values, the training vectors %d", o.test,
            test->dim, train->dim);
    if (test && (nn_data_n_labeled(test) < test->n ||
                 nn_data_max_label(test) >= nn_model_n_out(m)))
        die("%s: --test needs a label from 0 to %d on every record", o.test,
            nn_model_n_out(m) - 1);

    rep.o = &o;
    o.set.train.auto_threads = !o.threads_set;
    rep.progress_fp = progress_stream(o.no_progress || o.quiet);
    rep.k = nn_model_n_out(m);
    if (o.log) {
        rep.log = xfopen(o.log, "w");
        fprintf(rep.log, "epoch\ttrain_loss\ttrain_acc\tval_loss\tval_acc\tseconds\trate\n");
    }
    if (!o.quiet)
        fprintf(stderr, "%s: %d records of %d values, %d classes, %ld weights, "
                "kernel %s, %d thread%s%s\n", argv0, train->n, train->dim,
                rep.k, nn_model_n_params(m), nn_sgemm_kernel(), nn_threads(),
                nn_threads() == 1 ? "" : "s",
                o.set.train.auto_threads && nn_threads() > 1
                ? " (or 1 while faster)" : "");
    if (!o.quiet && o.resume)
        print_resumed(o.resume, m, &o.set.train);
    nn_train_hooks hooks = { on_epoch, on_batch, &rep };
    catch_signals();
    err = nn_train(m, train, val, &o.set.train, &hooks, why, sizeof why);
    if (err == NN_EINTR && stop_signal) {
        char during[32];
        snprintf(during, sizeof during, "epoch %d", rep.epoch);
        train_say_stopped(stop_signal, during, m);
    } else if (err) {
        die("%s: %s; no model written", in_name, why[0] ? why : nn_strerror(err));
    }
    /* The model first: nothing that fails after this can lose it. */
    failed |= train_save_model(m, o.output);
    if (!o.quiet && val && !failed)
        fprintf(stderr, "%s: best validation accuracy %.2f%% at epoch %d; "
                "model written to %s\n", argv0,
                100 * nn_model_train_info(m)->best_val_acc,
                nn_model_train_info(m)->best_epoch, o.output);
    failed |= close_log(&rep);
    if (test)
        test_acc = test_accuracy(m, test, o.test, o.quiet);
    if (o.runs)
        failed |= runs_append(&runs, argc, argv, m, o.output, o.test, test_acc);
    nn_model_free(m);
    nn_data_free(all);
    nn_data_free(val);
    nn_data_free(test);
    free(names_buf);
    if (failed || close_stdout())
        return 1;
    return stop_signal ? 128 + stop_signal : 0;
}
