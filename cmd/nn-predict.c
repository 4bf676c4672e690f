/* nn-predict - classify vectors with a trained model, one line per record. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "files.h"
#include "nn.h"
#include "util.h"

struct opts {
    const char *model, *input;
    int top, probs, json, tag, number, views;
    double min_prob;
};

static void usage(void)
{
    printf("Usage: %s [OPTIONS] MODEL [FILE]\n"
"       %s --number [--views N] MODEL [FILE]\n"
"Classify each vector of FILE (or standard input) with MODEL and print one\n"
"line per record: the class and its probability, tab-separated, then the\n"
"record's own label when it has one.\n"
"With --number, FILE holds the digits of numbers as img2vec --digits writes\n"
"them, and each image gives one line: IMAGE, the number read and the\n"
"smallest of its digits' probabilities ('?' and 0 for an image without\n"
"digits), tab-separated.\n"
"\n"
"  -k, --top K          the K most probable classes, best first [1]\n"
"  -p, --probs          the class, then the probability of every class\n"
"                       (in text output instead of --top)\n"
"  -j, --json           one JSON object per line\n"
"  -t, --min-prob P     print '?' as the class when its probability is\n"
"                       below P (a reject option) [0]\n"
"  -n, --number         read numbers: one line IMAGE<TAB>NUMBER<TAB>P per image\n"
"                       (with --min-prob P: '?' when a digit is less sure)\n"
"      --views N        with --number, read each digit in N views and take\n"
"                       the mean: the digit, turned 8 degrees either way,\n"
"                       scaled by 0.9 and 1.1 (1 to 5) [5]\n"
"      --tag            first the record's tag (its source, as img2vec --tag\n"
"                       writes it; empty if none), then the rest\n"
"      --threads N      threads for the matrix products (0: one per CPU);\n"
"                       results do not depend on it [0]\n"
"  -h, --help           show this help and exit\n"
"      --version        show the version and exit\n", argv0, argv0);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        { "top", required_argument, NULL, 'k' },
        { "probs", no_argument, NULL, 'p' },
        { "json", no_argument, NULL, 'j' },
        { "min-prob", required_argument, NULL, 't' },
        { "threads", required_argument, NULL, 'T' },
        { "tag", no_argument, NULL, 'g' },
        { "number", no_argument, NULL, 'n' },
        { "views", required_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    int c;

    memset(o, 0, sizeof *o);
    o->top = 1;
    nn_set_threads(0);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":k:pjt:nh", longopts, NULL)) != -1) {
        switch (c) {
        case 'k': o->top = (int)parse_int(optarg, 1, NN_MAX_CLASSES, "--top"); break;
        case 'p': o->probs = 1; break;
        case 'j': o->json = 1; break;
        case 't': o->min_prob = parse_float(optarg, 0, 1, "--min-prob"); break;
        case 'T': set_threads(optarg); break;
        case 'g': o->tag = 1; break;
        case 'n': o->number = 1; break;
        case 'v': o->views = (int)parse_int(optarg, 1, NN_MAX_VIEWS, "--views"); break;
        case 'h': usage(); exit(close_stdout());
        case 'V': print_version(); exit(close_stdout());
        default: option_error(c, argv);
        }
    }
    if (o->number && (o->top != 1 || o->probs || o->json || o->tag))
        usage_error("--number prints IMAGE, NUMBER and P only (no --top, "
                    "--probs, --json, --tag)");
    if (o->views && !o->number)
        usage_error("--views is for --number (the digits of a number)");
    if (!o->views)
        o->views = NN_MAX_VIEWS;
    if (optind >= argc)
        usage_error("no model given");
    if (argc - optind > 2)
        usage_error("too many operands");
    o->model = argv[optind];
    o->input = optind + 1 < argc ? argv[optind + 1] : "-";
}

struct out {
    const struct opts *o;
    const char *in_name;
    const nn_model *m;
    int k;
    int *rank;          /* class indices, sorted by probability */
};

/* s as a JSON string; null for NULL. */
static void print_json_string(const char *s)
{
    if (!s) {
        fputs("null", stdout);
        return;
    }
    putchar('"');
    for (; *s; s++)
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    putchar('"');
}

/* Print class i's name, or its number when the model has no names. */
static void print_class(const nn_model *m, int i, int json)
{
    const char *name = i >= 0 ? nn_model_class_name(m, i) : "?";
    char num[16];

    if (!name) {
        snprintf(num, sizeof num, "%d", i);
        name = num;
    }
    if (json)
        print_json_string(name);
    else
        fputs(name, stdout);
}

/* rank[0..top-1]: the most probable classes, best first (ties: lower class
 * first, as nn_argmax). */
static void rank_classes(const float *y, int k, int top, int *rank)
{
    for (int t = 0; t < top; t++) {
        int best = -1;
        for (int j = 0; j < k; j++) {
            int used = 0;
            for (int u = 0; u < t && !used; u++)
                used = rank[u] == j;
            if (!used && (best < 0 || y[j] > y[best]))
                best = j;
        }
        rank[t] = best;
    }
}

static int on_record(const nn_record *rec, void *arg)
{
    struct out *p = arg;
    const struct opts *o = p->o;
    const float *y = rec->y;
    int label = rec->label;
    int top = o->top < p->k ? o->top : p->k;

    warn_input_range(p->m, rec, p->in_name);

    rank_classes(y, p->k, top, p->rank);
    int best = y[p->rank[0]] < o->min_prob ? -1 : p->rank[0];
    if (o->json) {
        fputs("{", stdout);
        if (o->tag) {
            fputs("\"tag\":", stdout);
            print_json_string(rec->tag);
            putchar(',');
        }
        fputs("\"class\":", stdout);
        print_class(p->m, best, 1);
        printf(",\"prob\":%.6g", y[p->rank[0]]);
        if (label >= 0) {
            fputs(",\"label\":", stdout);
            print_class(p->m, label, 1);
        }
        if (top > 1) {
            fputs(",\"top\":[", stdout);
            for (int t = 0; t < top; t++) {
                fputs(t ? ",{\"class\":" : "{\"class\":", stdout);
                print_class(p->m, p->rank[t], 1);
                printf(",\"prob\":%.6g}", y[p->rank[t]]);
            }
            putchar(']');
        }
        if (o->probs) {
            fputs(",\"probs\":[", stdout);
            for (int j = 0; j < p->k; j++)
                printf(j ? ",%.6g" : "%.6g", y[j]);
            putchar(']');
        }
        putchar('}');
    } else {
        if (o->tag)
            printf("%s\t", rec->tag ? rec->tag : "");
        print_class(p->m, best, 0);
        if (o->probs) {
            for (int j = 0; j < p->k; j++)
                printf("\t%.6g", y[j]);
        } else {
            printf("\t%.6g", y[p->rank[0]]);
            for (int t = 1; t < top; t++) {
                putchar('\t');
                print_class(p->m, p->rank[t], 0);
                printf("\t%.6g", y[p->rank[t]]);
            }
        }
        if (label >= 0) {
            putchar('\t');
            print_class(p->m, label, 0);
        }
    }
    putchar('\n');
    if (rec->batch_end)         /* answered now, not when stdout's buffer fills */
        fflush(stdout);
    return ferror(stdout);      /* e.g. a closed pipe: stop reading */
}

/* --number: the image being read, from its tag line to the next. */
struct number {
    const nn_model *m;
    const struct opts *o;
    const char *in_name;    /* the stream's file, for messages */
    char *name;         /* NULL before the first tag */
    long count, got;    /* digits announced (-1: not said), read */
    char *digits;       /* the classes read, one after another */
    size_t len, cap;
    float pmin;
    int status;
};

/* The image's line, once its digits are all read. */
static void number_end(struct number *nb)
{
    if (!nb->name)
        return;
    if (nb->count >= 0 && nb->got != nb->count) {
        warn("%s: %ld digits announced, %ld read", nb->name, nb->count,
             nb->got);
        nb->status = 1;
        nb->got = 0;
    }
    if (nb->got == 0 || nb->pmin < nb->o->min_prob)
        printf("%s\t?\t%.6g\n", nb->name, nb->got ? nb->pmin : 0.0);
    else
        printf("%s\t%.*s\t%.6g\n", nb->name, (int)nb->len, nb->digits,
               nb->pmin);
    free(nb->name);
    nb->name = NULL;
}

static void number_tag(const char *name, long count, void *arg)
{
    struct number *nb = arg;

    number_end(nb);
    if (!(nb->name = strdup(name)))
        die("out of memory");
    nb->count = count;
    nb->got = 0;
    nb->len = 0;
    nb->pmin = 1;
}

static void number_digit(struct number *nb, const float *y, long index)
{
    int k = nn_model_n_out(nb->m), best = nn_argmax(y, k);
    const char *name = nn_model_class_name(nb->m, best);
    char num[16];
    size_t n;

    if (!nb->name)
        die("%s: record %ld: no line '# IMAGE<TAB>COUNT' before it "
            "(--number reads what img2vec --digits writes)", nb->in_name,
            index);
    if (!name) {
        snprintf(num, sizeof num, "%d", best);
        name = num;
    }
    n = strlen(name);
    if (nb->len + n > nb->cap) {
        nb->cap = 2 * (nb->len + n);
        if (!(nb->digits = realloc(nb->digits, nb->cap)))
            die("out of memory");
    }
    memcpy(nb->digits + nb->len, name, n);
    nb->len += n;
    nb->got++;
    nb->pmin = y[best] < nb->pmin ? y[best] : nb->pmin;
}

/* --number: each record through the model as it is read, so that the tags
 * (told by nn_vec_on_tag as they are read) and records stay in order. */
static int read_numbers(const nn_model *m, const struct opts *o,
                        nn_vec_reader *r, const char *in_name)
{
    struct number nb = { m, o, in_name, NULL, -1, 0, NULL, 0, 0, 1, 0 };
    float *y = malloc(nn_model_n_out(m) * sizeof *y);
    const float *x;
    char why[256] = "";
    int label, rc;

    if (!y)
        die("out of memory");
    nn_vec_on_tag(r, number_tag, &nb);
    while ((rc = nn_vec_read(r, &x, &label, why, sizeof why)) == 1) {
        if (nn_vec_dim(r) != nn_model_n_in(m))
            die("%s: vectors of %d values, the model takes %d", in_name,
                nn_vec_dim(r), nn_model_n_in(m));
        if ((rc = nn_predict_views(m, x, 1, o->views, y)) != NN_OK)
            die("%s: %s", in_name, nn_strerror(rc));
        number_digit(&nb, y, nn_vec_count(r));
    }
    if (rc < 0)
        die("%s: %s", in_name, why[0] ? why : nn_strerror(rc));
    number_end(&nb);
    free(nb.digits);
    free(y);
    return nb.status;
}

/* From a pipe or terminal, each answer goes out as soon as it is known
 * (nn_predict_stream predicts what has arrived). */
static int regular_file(FILE *fp)
{
    struct stat st;
    return fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode);
}

int main(int argc, char **argv)
{
    struct opts o;
    struct out p;
    nn_model *m;
    nn_vec_reader *r;
    char why[256] = "";
    FILE *in;
    int err;

    setprog(argv[0]);
    parse_args(argc, argv, &o);
    file_input(o.model, "the model");
    file_input(o.input, "the vectors");
    file_output("-", "standard output");
    files_check();
    m = load_model_before(o.model, o.input);
    in = xfopen(o.input, "rb");
    if (nn_vec_reader_new(&r, in, nn_model_n_in(m)))
        die("out of memory");
    p.o = &o;
    p.in_name = strcmp(o.input, "-") ? o.input : "(stdin)";
    p.m = m;
    p.k = nn_model_n_out(m);
    if (!(p.rank = malloc(p.k * sizeof *p.rank)))
        die("out of memory");
    if (o.number) {
        if (!regular_file(in))      /* each image's line as it is read */
            setvbuf(stdout, NULL, _IOLBF, 0);
        int status = read_numbers(m, &o, r, p.in_name);
        nn_vec_reader_free(r);
        xfclose(in, o.input);
        free(p.rank);
        nn_model_free(m);
        return close_stdout() || status;
    }
    err = nn_predict_stream(m, r, PREDICT_BATCH, on_record, &p, why, sizeof why);
    if (err && err != NN_EINTR)
        die("%s: %s", strcmp(o.input, "-") ? o.input : "(stdin)",
            why[0] ? why : nn_strerror(err));
    nn_vec_reader_free(r);
    xfclose(in, o.input);
    free(p.rank);
    nn_model_free(m);
    return close_stdout();
}
