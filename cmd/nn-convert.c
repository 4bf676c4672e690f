/* nn-convert - a model from one format to another: nnpipe's JSON,
 * network2.py's JSON (Nielsen's book), ONNX; several models joined into
 * an ensemble. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "nn.h"
#include "util.h"

struct opts {
    char **in;          /* the models to read, n_in of them */
    int n_in;
    const char *out;
    int to;             /* NN_FMT_*, or -1: from OUT's name and IN */
};

static void usage(void)
{
    printf("Usage: %s [OPTIONS] IN OUT\n"
"       %s [OPTIONS] IN IN... OUT\n"
"Convert the model IN to OUT ('-': standard input or output).  IN may be an\n"
"nnpipe model, the JSON that network2.py of Nielsen's book saves, or an ONNX\n"
"model of dense layers: its bytes tell which.  OUT is written as --to says;\n"
"without it, ONNX when its name ends in .onnx, else network2's JSON for an\n"
"nnpipe model and nnpipe's for the others.  A model the format cannot\n"
"express is refused with the reason, and nothing is written.\n"
"Given several models, OUT is their ensemble (nnpipe's format only): one\n"
"model whose answer is the mean of their probabilities.  They must read\n"
"the same input and have the same classes.\n"
"\n"
"  -t, --to FORMAT  nnpipe, network2 or onnx\n"
"  -h, --help       show this help and exit\n"
"      --version    show the version and exit\n", argv0, argv0);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        { "to", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    int c;

    memset(o, 0, sizeof *o);
    o->to = -1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:h", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            if ((o->to = nn_format_parse(optarg)) < 0)
                usage_error("--to: '%s' is not a format (nnpipe, network2 "
                            "or onnx)", optarg);
            break;
        case 'h': usage(); exit(close_stdout());
        case 'V': print_version(); exit(close_stdout());
        default: option_error(c, argv);
        }
    }
    if (argc - optind < 2)
        usage_error(argc == optind ? "no model given" : "no output given");
    o->in = argv + optind;
    o->n_in = argc - optind - 1;
    o->out = argv[argc - 1];
    if (o->n_in > NN_MAX_MEMBERS)
        usage_error("%d models: an ensemble holds %d at most", o->n_in,
                    NN_MAX_MEMBERS);
    for (int i = 0; i < o->n_in; i++)
        for (int j = i + 1; j < o->n_in; j++)
            if (strcmp(o->in[i], "-") == 0 && strcmp(o->in[j], "-") == 0)
                usage_error("'-' (standard input) given twice");
}

/* The format to write: --to, else by OUT's name and the input's format. */
static int out_format(const struct opts *o, int in_fmt)
{
    size_t n = strlen(o->out);

    if (o->to >= 0)
        return o->to;
    if (n > 5 && strcmp(o->out + n - 5, ".onnx") == 0)
        return NN_FMT_ONNX;
    if (o->n_in > 1)
        return NN_FMT_NNPIPE;   /* the one format that holds an ensemble */
    return in_fmt == NN_FMT_NNPIPE ? NN_FMT_NETWORK2 : NN_FMT_NNPIPE;
}

/* The model in file path, read in whichever format its bytes say
 * (*fmt); exits with the reason when it is not one. */
static nn_model *read_model(const char *path, int *fmt)
{
    nn_model *m = NULL;
    char why[256] = "";
    FILE *in = xfopen(path, "rb");
    int err = nn_model_import(&m, fmt, in, why, sizeof why);

    if (err)
        die("%s: %s", path, why[0] ? why : nn_strerror(err));
    xfclose(in, path);
    return m;
}

int main(int argc, char **argv)
{
    struct opts o;
    nn_model *m, *members[NN_MAX_MEMBERS];
    char why[256] = "";
    const char *what;   /* what the errors below name */
    int in_fmt, fmt, err;

    setprog(argv[0]);
    parse_args(argc, argv, &o);
    what = o.n_in > 1 ? "the ensemble" : o.in[0];
    for (int i = 0; i < o.n_in; i++)
        file_input(o.in[i], o.n_in > 1 ? "a model to join" : "the model");
    if (strcmp(o.out, "-") == 0)
        file_output("-", "standard output");
    else
        file_replaced(o.out, o.n_in > 1 ? what : "the converted model");
    files_check();

    for (int i = 0; i < o.n_in; i++) {
        const char *unlike;

        members[i] = read_model(o.in[i], &in_fmt);
        if (i > 0 && (unlike = nn_model_unlike(members[0], members[i])))
            die("%s: cannot join %s: %s", o.in[i], o.in[0], unlike);
    }
    m = members[0];
    if (o.n_in > 1 && nn_model_join(&m, members, o.n_in, why, sizeof why))
        die("%s: %s", o.in[0], why);
    fmt = out_format(&o, in_fmt);
    if (fmt == NN_FMT_ONNX && strcmp(o.out, "-") == 0
        && isatty(STDOUT_FILENO))
        die("refusing to write an ONNX model (binary) to a terminal");

    block_signals();
    if (strcmp(o.out, "-") == 0)
        err = nn_model_export(m, fmt, stdout, why, sizeof why);
    else
        err = nn_model_export_save(m, fmt, file_target(o.out), why,
                                   sizeof why);
    unblock_signals();
    if (err == NN_EINVAL)
        die("%s: cannot be written as %s: %s", what, nn_format_name(fmt),
            why);
    if (err)
        die("%s: %s", strcmp(o.out, "-") ? o.out : "(stdout)",
            why[0] ? why : nn_strerror(err));
    nn_model_free(m);
    return close_stdout();
}
