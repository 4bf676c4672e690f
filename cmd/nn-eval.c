/* nn-eval - accuracy, loss, confusion matrix and per-class metrics of a
 * model on labelled vectors. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "files.h"
#include "nn.h"
#include "util.h"

struct opts {
    const char *model, *input;
    int json;
};

static void usage(void)
{
    printf("Usage: %s [OPTIONS] MODEL [FILE]\n"
"Evaluate MODEL on the labelled vectors of FILE (or standard input): accuracy,\n"
"mean loss, the confusion matrix (rows: actual class, columns: predicted\n"
"class) and precision, recall and F1 for each class.\n"
"\n"
"  -j, --json       one JSON object: n, accuracy (0..1), loss, correct,\n"
"                   classes, confusion (confusion[actual][predicted]),\n"
"                   per_class, confusion_axes\n"
"      --threads N  threads for the matrix products (0: one per CPU);\n"
"                   results do not depend on it [0]\n"
"  -h, --help       show this help and exit\n"
"      --version    show the version and exit\n", argv0);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'j' },
        { "threads", required_argument, NULL, 'T' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    int c;

    memset(o, 0, sizeof *o);
    nn_set_threads(0);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":jh", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': o->json = 1; break;
        case 'T': set_threads(optarg); break;
        case 'h': usage(); exit(close_stdout());
        case 'V': print_version(); exit(close_stdout());
        default: option_error(c, argv);
        }
    }
    if (optind >= argc)
        usage_error("no model given");
    if (argc - optind > 2)
        usage_error("too many operands");
    o->model = argv[optind];
    o->input = optind + 1 < argc ? argv[optind + 1] : "-";
}

struct ctx {
    nn_eval *e;
    const nn_model *m;
    const char *in_name;
    int bad_label;      /* label of the first record that cannot be counted */
    long bad_record;
};

static int on_record(const nn_record *rec, void *arg)
{
    struct ctx *c = arg;

    if (rec->label < 0 || rec->label >= c->e->k) {
        c->bad_label = rec->label;
        c->bad_record = rec->index;
        return 1;
    }
    warn_input_range(c->m, rec, c->in_name);
    nn_eval_add(c->e, c->m, rec->y, rec->label);
    return 0;
}

/* Class name for printing; numbers are formatted into buf. */
static const char *name(const nn_model *m, int i, char *buf, size_t len)
{
    const char *s = nn_model_class_name(m, i);
    if (s)
        return s;
    snprintf(buf, len, "%d", i);
    return buf;
}

struct metrics { long support, predicted, tp; double precision, recall, f1; };

static struct metrics class_metrics(const nn_eval *e, int c)
{
    struct metrics r = { 0 };

    for (int j = 0; j < e->k; j++) {
        r.support += e->confusion[(long)c * e->k + j];
        r.predicted += e->confusion[(long)j * e->k + c];
    }
    r.tp = e->confusion[(long)c * e->k + c];
    r.precision = r.predicted ? (double)r.tp / r.predicted : 0.0;
    r.recall = r.support ? (double)r.tp / r.support : 0.0;
    r.f1 = r.precision + r.recall > 0
        ? 2 * r.precision * r.recall / (r.precision + r.recall) : 0.0;
    return r;
}

static void print_text(const nn_eval *e, const nn_model *m)
{
    char buf[32];
    int w = 6;
    double macro[3] = { 0 };

    for (int c = 0; c < e->k; c++) {
        int len = (int)strlen(name(m, c, buf, sizeof buf));
        if (len + 1 > w)
            w = len + 1;
    }
    printf("records    %ld\n", e->n);
    printf("accuracy   %.2f%% (%ld/%ld)\n", 100.0 * e->correct / e->n,
           e->correct, e->n);
    printf("loss       %.4f\n\n", e->loss_sum / e->n);
    printf("confusion matrix: rows are the actual class, columns the "
           "predicted class\n%*s", w, "");
    for (int j = 0; j < e->k; j++)
        printf(" %*s", w, name(m, j, buf, sizeof buf));
    putchar('\n');
    for (int c = 0; c < e->k; c++) {
        printf("%*s", w, name(m, c, buf, sizeof buf));
        for (int j = 0; j < e->k; j++)
            printf(" %*ld", w, e->confusion[(long)c * e->k + j]);
        putchar('\n');
    }
    printf("\n%*s %9s %9s %9s %9s\n", w, "class", "precision", "recall", "f1",
           "support");
    for (int c = 0; c < e->k; c++) {
        struct metrics r = class_metrics(e, c);
        printf("%*s %9.4f %9.4f %9.4f %9ld\n", w, name(m, c, buf, sizeof buf),
               r.precision, r.recall, r.f1, r.support);
        macro[0] += r.precision / e->k;
        macro[1] += r.recall / e->k;
        macro[2] += r.f1 / e->k;
    }
    printf("%*s %9.4f %9.4f %9.4f %9ld\n", w, "mean", macro[0], macro[1],
           macro[2], e->n);
}

static void print_json(const nn_eval *e, const nn_model *m)
{
    cJSON *root = cJSON_CreateObject(), *classes, *conf, *per;
    char buf[32], *text;

    if (!root)
        die("out of memory");
    cJSON_AddNumberToObject(root, "n", (double)e->n);
    cJSON_AddNumberToObject(root, "accuracy", (double)e->correct / e->n);
    cJSON_AddNumberToObject(root, "loss", e->loss_sum / e->n);
    cJSON_AddNumberToObject(root, "correct", (double)e->correct);
    classes = cJSON_AddArrayToObject(root, "classes");
    conf = cJSON_AddArrayToObject(root, "confusion");
    per = cJSON_AddArrayToObject(root, "per_class");
    for (int c = 0; c < e->k; c++) {
        struct metrics r = class_metrics(e, c);
        cJSON *row = cJSON_CreateArray(), *pc = cJSON_CreateObject();
        cJSON_AddItemToArray(classes,
                             cJSON_CreateString(name(m, c, buf, sizeof buf)));
        for (int j = 0; j < e->k; j++)
            cJSON_AddItemToArray(row, cJSON_CreateNumber(
                                     (double)e->confusion[(long)c * e->k + j]));
        cJSON_AddItemToArray(conf, row);
        cJSON_AddStringToObject(pc, "class", name(m, c, buf, sizeof buf));
        cJSON_AddNumberToObject(pc, "precision", r.precision);
        cJSON_AddNumberToObject(pc, "recall", r.recall);
        cJSON_AddNumberToObject(pc, "f1", r.f1);
        cJSON_AddNumberToObject(pc, "support", (double)r.support);
        cJSON_AddItemToArray(per, pc);
    }
    cJSON_AddStringToObject(root, "confusion_axes", "rows actual, columns predicted");
    if (!(text = cJSON_PrintUnformatted(root)))
        die("out of memory");
    puts(text);
    cJSON_free(text);
    cJSON_Delete(root);
}

int main(int argc, char **argv)
{
    struct opts o;
    struct ctx c = { 0 };
    nn_model *m;
    nn_vec_reader *r;
    char why[256] = "";
    const char *in_name;
    FILE *in;
    int err;

    setprog(argv[0]);
    parse_args(argc, argv, &o);
    file_input(o.model, "the model");
    file_input(o.input, "the vectors");
    file_output("-", "standard output");
    files_check();
    in_name = strcmp(o.input, "-") ? o.input : "(stdin)";
    m = load_model_before(o.model, o.input);
    in = xfopen(o.input, "rb");
    if (nn_vec_reader_new(&r, in, nn_model_n_in(m)) ||
        nn_eval_new(&c.e, nn_model_n_out(m)))
        die("out of memory");
    c.m = m;
    c.in_name = in_name;
    err = nn_predict_stream(m, r, PREDICT_BATCH, on_record, &c, why, sizeof why);
    if (err == NN_EINTR && c.bad_label < 0)
        die("%s: record %ld has no label; nn-eval needs labelled records",
            in_name, c.bad_record);
    if (err == NN_EINTR)
        die("%s: record %ld: label %d, but the model has %d classes", in_name,
            c.bad_record, c.bad_label, c.e->k);
    if (err)
        die("%s: %s", in_name, why[0] ? why : nn_strerror(err));
    if (c.e->n == 0)
        die("%s: no records", in_name);
    if (o.json)
        print_json(c.e, m);
    else
        print_text(c.e, m);
    nn_vec_reader_free(r);
    xfclose(in, o.input);
    nn_eval_free(c.e);
    nn_model_free(m);
    return close_stdout();
}
