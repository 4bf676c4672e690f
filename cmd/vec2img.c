/* vec2img - vectors back to a picture: one cell per record, scaled up, in a
 * grid; PNG or PGM on standard output. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "files.h"
#include "nn.h"
#include "util.h"

struct opts {
    int scale, cols, pgm, side, signed_;
    const char *input;
};

static void usage(void)
{
    printf("Usage: %s [OPTIONS] [FILE]\n"
"Draw the vectors of FILE (or standard input) as a grid of images, one cell\n"
"per record, white ink on black as MNIST shows them, and write it to\n"
"standard output as PNG:  img2vec photo.jpg | vec2img > seen.png\n"
"\n"
"  -s, --scale N    pixels per value [%d]\n"
"  -c, --cols N     cells per row [10, or fewer records]\n"
"  -w, --width N    values per image row [square root of the length]\n"
"      --signed     per record, 0 as mid-grey and the largest magnitude as\n"
"                   white (positive) or black (negative): for weights\n"
"                   (nn-weights model.json | vec2img --signed)\n"
"      --pgm        write PGM instead of PNG\n"
"  -h, --help       show this help and exit\n"
"      --version    show the version and exit\n", argv0, 8);
}

enum { OPT_PGM = 256, OPT_SIGNED, OPT_VERSION };

static void parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        { "scale", required_argument, NULL, 's' },
        { "cols", required_argument, NULL, 'c' },
        { "width", required_argument, NULL, 'w' },
        { "pgm", no_argument, NULL, OPT_PGM },
        { "signed", no_argument, NULL, OPT_SIGNED },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, OPT_VERSION },
        { NULL, 0, NULL, 0 }
    };
    int c;

    memset(o, 0, sizeof *o);
    o->scale = 8;
    o->cols = 10;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":s:c:w:h", longopts, NULL)) != -1) {
        switch (c) {
        case 's': o->scale = (int)parse_int(optarg, 1, 64, "--scale"); break;
        case 'c': o->cols = (int)parse_int(optarg, 1, 1000, "--cols"); break;
        case 'w': o->side = (int)parse_int(optarg, 1, 1 << 16, "--width"); break;
        case OPT_PGM: o->pgm = 1; break;
        case OPT_SIGNED: o->signed_ = 1; break;
        case 'h': usage(); exit(close_stdout());
        case OPT_VERSION: print_version(); exit(close_stdout());
        default: option_error(c, argv);
        }
    }
    if (argc - optind > 1)
        usage_error("too many operands");
    o->input = optind < argc ? argv[optind] : "-";
}

int main(int argc, char **argv)
{
    struct opts o;
    char why[256] = "";
    const char *name;
    nn_data *d;
    FILE *in;
    int err, w, h, cols, rows, cw, ch, gap;
    uint8_t *pix;
    float *buf;             /* a record as floats */

    setprog(argv[0]);
    parse_args(argc, argv, &o);
    file_input(o.input, "the vectors");
    file_output("-", "standard output");
    files_check();
    name = strcmp(o.input, "-") ? o.input : "(stdin)";
    in = xfopen(o.input, "rb");
    if ((err = nn_data_read(&d, in, 0, why, sizeof why)))
        die("%s: %s", name, why[0] ? why : nn_strerror(err));
    xfclose(in, o.input);
    w = o.side ? o.side : (int)floor(sqrt((double)d->dim) + 0.5);
    if (w * (d->dim / w) != d->dim)
        die("%s: %d values do not make rows of %d (use --width)", name, d->dim, w);
    h = d->dim / w;
    cols = d->n < o.cols ? d->n : o.cols;
    rows = (d->n + cols - 1) / cols;
    gap = o.scale > 1 ? o.scale / 2 : 1;      /* grey lines between cells */
    cw = w * o.scale + gap;
    ch = h * o.scale + gap;
    if ((double)cols * cw * rows * ch > 1e9)
        die("%s: %d records make a picture too large", name, d->n);
    if (!(pix = malloc((size_t)cols * cw * rows * ch)) ||
        !(buf = malloc(d->dim * sizeof *buf)))
        die("out of memory");
    memset(pix, 96, (size_t)cols * cw * rows * ch);
    for (int r = 0; r < d->n; r++) {
        const float *rec = nn_data_row(d, r, buf);
        int ox = (r % cols) * cw, oy = (r / cols) * ch;
        float a = 1, b = 0;     /* drawn value: a * v + b */

        if (o.signed_) {
            float max = 0;
            for (int i = 0; i < d->dim; i++)
                if (fabsf(rec[i]) > max)
                    max = fabsf(rec[i]);
            a = max > 0 ? 0.5f / max : 0;
            b = 0.5f;
        }
        for (int y = 0; y < h * o.scale; y++)
            for (int x = 0; x < w * o.scale; x++) {
                float v = a * rec[(y / o.scale) * w + x / o.scale] + b;
                v = v < 0 ? 0 : v > 1 ? 1 : v;
                pix[(size_t)(oy + y) * cols * cw + ox + x] = (uint8_t)(v * 255 + 0.5f);
            }
    }
    if (o.pgm) {
        printf("P5\n%d %d\n255\n", cols * cw, rows * ch);
        fwrite(pix, 1, (size_t)cols * cw * rows * ch, stdout);
    } else {
        png_image img;
        memset(&img, 0, sizeof img);
        img.version = PNG_IMAGE_VERSION;
        img.width = (png_uint_32)(cols * cw);
        img.height = (png_uint_32)(rows * ch);
        img.format = PNG_FORMAT_GRAY;
        /* A failed write (full disk, closed pipe) is close_stdout's to
         * report; any other failure is libpng's. */
        if (!png_image_write_to_stdio(&img, stdout, 0, pix, 0, NULL) &&
            !ferror(stdout))
            die("writing PNG: %s", img.message);
    }
    free(pix);
    free(buf);
    nn_data_free(d);
    return close_stdout();
}
