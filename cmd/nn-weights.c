/* nn-weights - one layer's weights of a model as vectors, one record per
 * unit, so that vec2img can draw what each unit looks for. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "nn.h"
#include "util.h"

struct opts {
    const char *model;
    int layer, binary;
};

static void usage(void)
{
    printf("Usage: %s [OPTIONS] MODEL\n"
"Write the weights of one layer of MODEL to standard output as vectors: one\n"
"record per unit of the layer, holding the weights from each of its inputs,\n"
"labelled with the unit's number (the class, for the output layer); of an\n"
"ensemble, its first network's.  The first layer's records have one value\n"
"per input pixel:\n"
"  nn-weights model.json | vec2img --signed > weights.png\n"
"A convolution layer's units are its filters, KxK values per input channel\n"
"((ky, kx, channel) in order): over a one-channel image, the first layer's\n"
"are KxK pictures (vec2img --signed draws them); a max-pooling layer has\n"
"none.\n"
"\n"
"  -l, --layer N    weight layer, 1 (inputs to the first hidden layer) to\n"
"                   the number of weight layers [1]\n"
"  -b, --binary     binary vector stream (float32) instead of text\n"
"  -h, --help       show this help and exit\n"
"      --version    show the version and exit\n", argv0);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        { "layer", required_argument, NULL, 'l' },
        { "binary", no_argument, NULL, 'b' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    int c;

    memset(o, 0, sizeof *o);
    o->layer = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":l:bh", longopts, NULL)) != -1) {
        switch (c) {
        case 'l': o->layer = (int)parse_int(optarg, 1, 1000, "--layer"); break;
        case 'b': o->binary = 1; break;
        case 'h': usage(); exit(close_stdout());
        case 'V': print_version(); exit(close_stdout());
        default: option_error(c, argv);
        }
    }
    if (optind == argc)
        usage_error("no model given");
    if (argc - optind > 1)
        usage_error("too many operands");
    o->model = argv[optind];
}

int main(int argc, char **argv)
{
    struct opts o;
    nn_model *m;
    nn_vec_writer *w;
    const float *W;
    int n_in, n_out, err = 0;

    setprog(argv[0]);
    parse_args(argc, argv, &o);
    file_input(o.model, "the model");
    file_output("-", "standard output");
    files_check();
    if (o.binary && isatty(STDOUT_FILENO))
        die("refusing to write binary data to a terminal");
    m = load_model(o.model);
    if (o.layer > nn_model_n_layers(m))
        die("%s: --layer %d, but the model has %d weight layer%s", o.model,
            o.layer, nn_model_n_layers(m), nn_model_n_layers(m) > 1 ? "s" : "");
    W = nn_model_weights(m, o.layer - 1);
    if (!(n_out = nn_model_layer_units(m, o.layer - 1, &n_in)))
        die("%s: layer %d is a %s layer, which has no weights", o.model,
            o.layer, nn_layer_name(nn_model_layer_type(m, o.layer - 1)));
    if (nn_vec_writer_new(&w, stdout, o.binary ? NN_VEC_F32 : NN_VEC_TEXT, n_in))
        die("out of memory");
    for (int u = 0; u < n_out && !err; u++)
        err = nn_vec_write(w, W + (long)u * n_in, u < NN_MAX_CLASSES ? u : -1);
    if (err && err != NN_EIO)       /* NN_EIO: close_stdout reports it */
        die("%s: layer %d: %s", o.model, o.layer, nn_strerror(err));
    nn_vec_writer_free(w);
    nn_model_free(m);
    return close_stdout();
}
