/* nn-runs - list the runs nn-train --runs recorded, as an aligned table,
 * best first. */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "files.h"
#include "nn.h"
#include "util.h"

enum { SORT_VAL, SORT_TEST, SORT_TIME, SORT_SECONDS, SORT_RUN };
static const char *const sort_names[] = { "val", "test", "time", "seconds",
                                          "run" };

struct opts {
    const char *input;
    int sort;
    long last;              /* -n: only the last N runs; -1 all */
};

/* One run: the line number in the file, the values sorted on, and the
 * cells of its table row. */
enum { C_RUN, C_TIME, C_NET, C_ACT, C_RATE, C_BATCH, C_LAMBDA, C_SEED,
       C_EPOCHS, C_BEST, C_VAL, C_TEST, C_SECONDS, C_MODEL, NCOL };
static const char *const heads[NCOL] = {
    "run", "time", "network", "act", "rate", "batch", "lambda", "seed",
    "epochs", "best", "val acc", "test acc", "seconds", "model"
};
/* Text columns are aligned left, numbers right. */
static const int left[NCOL] = { [C_TIME] = 1, [C_NET] = 1, [C_ACT] = 1,
                                [C_MODEL] = 1 };

struct run {
    long line;
    double val, test, seconds;      /* -1 if missing */
    char time[32];
    char *cell[NCOL];
};

static void usage(void)
{
    printf("Usage: %s [OPTIONS] [FILE]\n"
"List the training runs recorded in FILE (or standard input) by\n"
"nn-train --runs FILE, one row each, best first: highest best validation\n"
"accuracy, then earliest.  Values a run lacks show as '-' and sort last.\n"
"\n"
"  -s, --sort KEY   val (best validation accuracy), test (test accuracy),\n"
"                   time (newest first), seconds (fastest first) or run\n"
"                   (file order) [val]\n"
"  -n, --last N     only the last N runs of the file [all]\n"
"  -h, --help       show this help and exit\n"
"      --version    show the version and exit\n"
"\n"
"Columns: run (line in FILE), time (UTC), network, hidden activation,\n"
"learning rate, batch, lambda, seed, epochs run, best epoch, best\n"
"validation accuracy, test accuracy, seconds, model file.\n", argv0);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        { "sort", required_argument, NULL, 's' },
        { "last", required_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    int c, i;

    o->sort = SORT_VAL;
    o->last = -1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":s:n:h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            for (i = 0; i < 5 && strcmp(optarg, sort_names[i]) != 0; i++)
                ;
            if (i == 5)
                usage_error("--sort: unknown key '%s' (val, test, time, "
                            "seconds or run)", optarg);
            o->sort = i;
            break;
        case 'n': o->last = parse_int(optarg, 1, LONG_MAX, "--last"); break;
        case 'h': usage(); exit(close_stdout());
        case 'V': print_version(); exit(close_stdout());
        default: option_error(c, argv);
        }
    }
    if (argc - optind > 1)
        usage_error("too many operands");
    o->input = optind < argc ? argv[optind] : "-";
}

static int sort_key;

/* Higher first for accuracies, lower first for seconds, missing (< 0)
 * last; ties in file order (newest first when sorting by time). */
static int compare(const void *pa, const void *pb)
{
    const struct run *a = pa, *b = pb;
    double x = 0, y = 0;
    int c;

    switch (sort_key) {
    case SORT_VAL: x = a->val; y = b->val; break;
    case SORT_TEST: x = a->test; y = b->test; break;
    case SORT_SECONDS: x = a->seconds; y = b->seconds; break;
    case SORT_TIME:
        if ((c = strcmp(b->time, a->time)) != 0)
            return c;
        return (b->line > a->line) - (b->line < a->line);
    }
    if ((x < 0) != (y < 0))
        return x < 0 ? 1 : -1;
    if (sort_key == SORT_SECONDS && x != y)
        return x < y ? -1 : 1;
    if (sort_key != SORT_SECONDS && x != y)
        return x > y ? -1 : 1;
    return (a->line > b->line) - (a->line < b->line);
}

static char *xstrdup(const char *s)
{
    char *t = strdup(s);
    if (!t)
        die("out of memory");
    return t;
}

/* Member name of o as text in fmt ("%.2f%%" of 100 * value when pct), or
 * "-" when missing or not a number; sets *value (-1 if missing). */
static char *number(const cJSON *o, const char *name, const char *fmt,
                    double scale, double *value)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    char buf[64];

    if (value)
        *value = -1;
    if (!cJSON_IsNumber(v))
        return xstrdup("-");
    if (value)
        *value = v->valuedouble;
    snprintf(buf, sizeof buf, fmt, scale * v->valuedouble);
    return xstrdup(buf);
}

static char *string(const cJSON *o, const char *name)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));

    return xstrdup(s && *s ? s : "-");
}

/* One line of the log into r; 0, or -1 if it is not a run as nn-train
 * --runs writes them (a JSON object with the network). */
static int parse_run(const char *text, size_t len, long line, struct run *r)
{
    cJSON *o = cJSON_ParseWithLength(text, len);
    char buf[32];

    if (!cJSON_IsObject(o) ||
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "network"))) {
        cJSON_Delete(o);
        return -1;
    }
    r->line = line;
    snprintf(buf, sizeof buf, "%ld", line);
    r->cell[C_RUN] = xstrdup(buf);
    /* "2026-11-21T13:09:00Z" shown as "2026-11-21 13:09". */
    r->cell[C_TIME] = string(o, "time");
    snprintf(r->time, sizeof r->time, "%s", r->cell[C_TIME]);
    if (strlen(r->cell[C_TIME]) >= 16 && r->cell[C_TIME][10] == 'T') {
        r->cell[C_TIME][10] = ' ';
        r->cell[C_TIME][16] = '\0';
    }
    r->cell[C_NET] = string(o, "network");
    r->cell[C_ACT] = string(o, "activation");
    r->cell[C_RATE] = number(o, "rate", "%g", 1, NULL);
    r->cell[C_BATCH] = number(o, "batch", "%.0f", 1, NULL);
    r->cell[C_LAMBDA] = number(o, "lambda", "%g", 1, NULL);
    r->cell[C_SEED] = number(o, "seed", "%.0f", 1, NULL);
    r->cell[C_EPOCHS] = number(o, "epochs_run", "%.0f", 1, NULL);
    r->cell[C_BEST] = number(o, "best_epoch", "%.0f", 1, NULL);
    r->cell[C_VAL] = number(o, "best_val_acc", "%.2f%%", 100, &r->val);
    if (r->val < 0) {       /* no validation: no best epoch either */
        free(r->cell[C_BEST]);
        r->cell[C_BEST] = xstrdup("-");
    }
    r->cell[C_TEST] = number(o, "test_acc", "%.2f%%", 100, &r->test);
    r->cell[C_SECONDS] = number(o, "seconds", "%.1f", 1, &r->seconds);
    r->cell[C_MODEL] = string(o, "model");
    cJSON_Delete(o);
    return 0;
}

/* A file with no run in it: a model, or another file.  Exits 1. */
static void not_a_log(const char *path, const char *name, long line)
{
    nn_model *m = NULL;
    FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : NULL;

    if (fp && nn_model_read(&m, fp, NULL, 0) == NN_OK) {
        nn_model_free(m);
        fclose(fp);
        die("%s: an nnpipe model, not a run log (nn-train --runs FILE "
            "writes one)", name);
    }
    if (fp)
        fclose(fp);
    die("%s: not a run log: line %ld is not a run as nn-train --runs writes "
        "them", name, line);
}

static void print_table(struct run *runs, long n)
{
    int width[NCOL];

    for (int c = 0; c < NCOL; c++) {
        width[c] = (int)strlen(heads[c]);
        for (long i = 0; i < n; i++)
            if ((int)strlen(runs[i].cell[c]) > width[c])
                width[c] = (int)strlen(runs[i].cell[c]);
    }
    for (long i = -1; i < n; i++)
        for (int c = 0; c < NCOL; c++) {
            const char *s = i < 0 ? heads[c] : runs[i].cell[c];

            if (c == NCOL - 1)
                printf("%s\n", s);
            else
                printf(left[c] ? "%-*s  " : "%*s  ", width[c], s);
        }
}

int main(int argc, char **argv)
{
    struct opts o;
    struct run *runs = NULL;
    long n = 0, cap = 0, line = 0, first, bad = 0, first_bad = 0;
    const char *name;
    char *buf = NULL;
    size_t bufsize = 0;
    ssize_t len;
    int status = 0;
    FILE *in;

    setprog(argv[0]);
    parse_args(argc, argv, &o);
    file_input(o.input, "the run log");
    file_output("-", "standard output");
    files_check();
    name = strcmp(o.input, "-") ? o.input : "(stdin)";
    in = xfopen(o.input, "r");
    while ((len = getline(&buf, &bufsize, in)) > 0) {
        line++;
        if (strspn(buf, " \t\r\n") == (size_t)len)
            continue;
        if (n == cap) {
            struct run *t = realloc(runs, (cap = cap ? 2 * cap : 64) * sizeof *t);
            if (!t)
                die("out of memory");
            runs = t;
        }
        if (parse_run(buf, (size_t)len, line, &runs[n]) != 0) {
            if (!bad++)
                first_bad = line;
            continue;
        }
        n++;
    }
    if (ferror(in))
        die("%s: read error:", name);
    xfclose(in, o.input);
    free(buf);
    if (bad && n == 0)
        not_a_log(o.input, name, first_bad);
    if (bad) {
        warn("%s: line %ld%s not a run as nn-train --runs writes them; "
             "skipped", name, first_bad, bad > 1 ? " and others are" : " is");
        status = 1;
    }
    first = o.last >= 0 && o.last < n ? n - o.last : 0;
    sort_key = o.sort;
    if (o.sort != SORT_RUN)
        qsort(runs + first, n - first, sizeof *runs, compare);
    if (n > first)
        print_table(runs + first, n - first);
    for (long i = 0; i < n; i++)
        for (int c = 0; c < NCOL; c++)
            free(runs[i].cell[c]);
    free(runs);
    return close_stdout() || status;
}
