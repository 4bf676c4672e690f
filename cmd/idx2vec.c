/* idx2vec - IDX images (and labels), gzipped or raw, to the nnpipe vector
 * stream on stdout: one record per image, pixel k as nn_pixel(k). */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "nn.h"
#include "progress.h"
#include "util.h"

struct opts {
    const char *images;
    const char *labels;     /* NULL: unlabelled records */
    int binary;             /* -b: binary stream */
    int f32;                /* --float: binary floats, not bytes */
    long count;             /* -n: at most this many records, -1 = all */
    int no_progress;
};

enum { OPT_FLOAT = 256, OPT_NO_PROGRESS, OPT_VERSION };

static void usage(FILE *fp, const struct opts *o)
{
    char count[32] = "all";

    if (o->count >= 0)
        snprintf(count, sizeof count, "%ld", o->count);
    fprintf(fp,
"Usage: %s [OPTIONS] IMAGES [LABELS]\n"
"Convert IDX images (and labels) to vectors on standard output, one record\n"
"per image: the label (or '?' without LABELS), then one value per pixel,\n"
"pixel value k becoming k/255.  IDX files may be gzip-compressed; '-' reads\n"
"standard input.\n"
"\n"
"Options:\n"
"  -b, --binary       write the binary vector format (1 byte per value)\n"
"      --float        with -b, write 4-byte floats instead of bytes\n"
"  -n, --count N      convert only the first N images [%s]\n"
"      --no-progress  no progress line on standard error; it is shown only\n"
"                     on a terminal, and NN_PROGRESS=0 also turns it off\n"
"  -h, --help         print this help and exit\n"
"      --version      print the version and exit\n"
"\n"
"Exit status: 0 success, 1 error (unreadable or malformed input, write\n"
"error), 2 usage error.\n",
            argv0, count);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        { "binary", no_argument, NULL, 'b' },
        { "float", no_argument, NULL, OPT_FLOAT },
        { "count", required_argument, NULL, 'n' },
        { "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, OPT_VERSION },
        { NULL, 0, NULL, 0 }
    };
    int c;

    o->images = o->labels = NULL;
    o->binary = o->f32 = o->no_progress = 0;
    o->count = -1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":bn:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'b':
            o->binary = 1;
            break;
        case OPT_FLOAT:
            o->f32 = 1;
            break;
        case 'n':
            o->count = parse_int(optarg, 0, INT_MAX, "-n");
            break;
        case OPT_NO_PROGRESS:
            o->no_progress = 1;
            break;
        case 'h':
            usage(stdout, o);
            exit(close_stdout());
        case OPT_VERSION:
            print_version();
            exit(close_stdout());
        default:
            option_error(c, argv);
        }
    }
    if (optind == argc)
        usage_error("missing IMAGES operand");
    if (argc - optind > 2)
        usage_error("too many operands: '%s'", argv[optind + 2]);
    o->images = argv[optind];
    if (argc - optind == 2)
        o->labels = argv[optind + 1];
    if (o->f32 && !o->binary)
        usage_error("--float applies to binary output only (add -b)");
    if (o->labels && strcmp(o->images, "-") == 0 &&
        strcmp(o->labels, "-") == 0)
        usage_error("IMAGES and LABELS cannot both be standard input");
}

/* The name of path in messages. */
static const char *name(const char *path)
{
    return strcmp(path, "-") == 0 ? "standard input" : path;
}

static nn_idx *read_idx(const char *path)
{
    FILE *fp = xfopen(path, "rb");
    nn_idx *idx = NULL;
    char why[256] = "";
    int err = nn_idx_read(&idx, fp, why, sizeof why);

    if (err)
        die("%s: %s", name(path), why[0] ? why : nn_strerror(err));
    xfclose(fp, path);
    return idx;
}

int main(int argc, char **argv)
{
    struct opts o;
    nn_idx *img, *lab = NULL;
    nn_vec_writer *w = NULL;
    struct progress prog;
    float tab[256], *x;
    long i, j, n;
    int err, dim, format;

    setprog(argv[0]);
    parse_args(argc, argv, &o);
    file_input(o.images, "the images");
    if (o.labels)
        file_input(o.labels, "the labels");
    file_output("-", "standard output");
    files_check();
    if (o.binary && isatty(STDOUT_FILENO))
        die("refusing to write binary data to a terminal");

    img = read_idx(o.images);
    if (img->ndim == 1)
        die("%s: a labels file (1 dimension), not images; the order is "
            "IMAGES LABELS", name(o.images));
    if (img->item_size > NN_MAX_DIM)
        die("%s: %ld values per image, more than the limit of %d",
            name(o.images), img->item_size, NN_MAX_DIM);
    dim = (int)img->item_size;
    if (o.labels) {
        /* Label bytes are at most 255 < NN_MAX_CLASSES: always valid. */
        lab = read_idx(o.labels);
        if (lab->ndim != 1)
            die("%s: %d dimensions, expected 1 for a labels file",
                name(o.labels), lab->ndim);
        if (lab->count != img->count)
            die("%s has %ld images, %s has %ld labels", name(o.images),
                img->count, name(o.labels), lab->count);
    }

    format = !o.binary ? NN_VEC_TEXT : o.f32 ? NN_VEC_F32 : NN_VEC_U8;
    err = nn_vec_writer_new(&w, stdout, format, dim);
    if (err)
        die("cannot write vectors: %s", nn_strerror(err));
    x = malloc((size_t)dim * sizeof *x);
    if (!x)
        die("out of memory");
    for (j = 0; j < 256; j++)
        tab[j] = nn_pixel((int)j);
    n = o.count >= 0 && o.count < img->count ? o.count : img->count;
    progress_start(&prog, progress_stream(o.no_progress), NULL, "images", n);
    for (i = 0; i < n; i++) {
        const uint8_t *p = img->data + i * img->item_size;

        for (j = 0; j < dim; j++)
            x[j] = tab[p[j]];
        err = nn_vec_write(w, x, lab ? lab->data[i] : -1);
        if (err == NN_EIO)
            break;          /* closed pipe or full disk: close_stdout says */
        if (err) {
            progress_clear(&prog);
            die("%s: image %ld: %s", name(o.images), i + 1,
                nn_strerror(err));
        }
        progress_update(&prog, i + 1);
    }
    progress_finish(&prog);
    free(x);
    nn_vec_writer_free(w);
    nn_idx_free(lab);
    nn_idx_free(img);
    return close_stdout();
}
