/* img2vec - photos and drawings of digits to MNIST-style 28x28 vectors. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "nn.h"
#include "progress.h"
#include "util.h"

struct opts {
    int binary, label, plain, invert, no_progress, tag, digits;
    int max_parts, max_digits;
    long max_pixels;
    const char *debug_dir;
    char **files;
    int n_files;
};

static void usage(void)
{
    printf("Usage: %s [OPTIONS] [IMAGE...]\n"
"Turn each IMAGE (JPEG, PNG, PGM/PPM, TIFF; '-' or none: standard input) of a\n"
"handwritten digit into an MNIST-style vector: a white digit on black, fitted\n"
"into 20x20 and centred by mass in 28x28, values in [0,1].  One record per\n"
"image, in the order given; with --digits, one record per digit of the\n"
"number that the image shows on one line, left to right.\n"
"\n"
"  -b, --binary         binary vector stream (float32) instead of text\n"
"  -l, --label N        give every record the label N\n"
"  -t, --tag            write the image's name before its record (a line\n"
"                       '# IMAGE' in text), for nn-predict --tag\n"
"  -d, --digits         the image is a number: one record per digit, in\n"
"                       reading order, after a line '# IMAGE<TAB>COUNT' (an\n"
"                       image without digits: COUNT 0), for nn-predict --number\n"
"      --max-parts N    with --digits: refuse an image of more than N separate\n"
"                       marks [%d]\n"
"      --max-digits N   with --digits: refuse an image of more than N digits [%d]\n"
"      --invert         the image is dark ink on light paper\n"
"      --no-invert      the image is light strokes on a dark background\n"
"                       (default: decided from the image's border)\n"
"      --plain          the old method: threshold, shrink the whole image to\n"
"                       28x28, invert (for comparison)\n"
"      --debug-dir DIR  write each step of each image as PGM into DIR\n"
"      --max-pixels N   refuse images of more than N pixels [%ld]\n"
"      --no-progress    no progress line on standard error; it is shown only\n"
"                       on a terminal, and NN_PROGRESS=0 also turns it off\n"
"  -h, --help           show this help and exit\n"
"      --version        show the version and exit\n", argv0, NN_SEG_MAX_PARTS,
           NN_SEG_MAX_DIGITS, NN_IMG_MAX_PIXELS);
}

enum { OPT_INVERT = 256, OPT_NO_INVERT, OPT_PLAIN, OPT_DEBUG, OPT_MAX,
       OPT_NO_PROGRESS, OPT_VERSION, OPT_MAX_PARTS, OPT_MAX_DIGITS };

static void parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        { "binary", no_argument, NULL, 'b' },
        { "label", required_argument, NULL, 'l' },
        { "tag", no_argument, NULL, 't' },
        { "digits", no_argument, NULL, 'd' },
        { "max-parts", required_argument, NULL, OPT_MAX_PARTS },
        { "max-digits", required_argument, NULL, OPT_MAX_DIGITS },
        { "invert", no_argument, NULL, OPT_INVERT },
        { "no-invert", no_argument, NULL, OPT_NO_INVERT },
        { "plain", no_argument, NULL, OPT_PLAIN },
        { "debug-dir", required_argument, NULL, OPT_DEBUG },
        { "max-pixels", required_argument, NULL, OPT_MAX },
        { "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, OPT_VERSION },
        { NULL, 0, NULL, 0 }
    };
    static char *stdin_only[] = { "-" };
    int c;

    memset(o, 0, sizeof *o);
    o->label = -1;
    o->invert = -1;
    o->max_pixels = NN_IMG_MAX_PIXELS;
    o->max_parts = NN_SEG_MAX_PARTS;
    o->max_digits = NN_SEG_MAX_DIGITS;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":bl:tdh", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': o->binary = 1; break;
        case 't': o->tag = 1; break;
        case 'd': o->digits = 1; break;
        case OPT_MAX_PARTS: o->max_parts = (int)parse_int(optarg, 1, 1000000, "--max-parts"); break;
        case OPT_MAX_DIGITS: o->max_digits = (int)parse_int(optarg, 1, 10000, "--max-digits"); break;
        case 'l': o->label = (int)parse_int(optarg, 0, NN_MAX_CLASSES - 1, "--label"); break;
        case OPT_INVERT: o->invert = 1; break;
        case OPT_NO_INVERT: o->invert = 0; break;
        case OPT_PLAIN: o->plain = 1; break;
        case OPT_DEBUG: o->debug_dir = optarg; break;
        case OPT_MAX: o->max_pixels = parse_int(optarg, 1, 1L << 40, "--max-pixels"); break;
        case OPT_NO_PROGRESS: o->no_progress = 1; break;
        case 'h': usage(); exit(close_stdout());
        case OPT_VERSION: print_version(); exit(close_stdout());
        default: option_error(c, argv);
        }
    }
    if (o->digits && o->plain)
        usage_error("--plain reads one digit, not a number (--digits)");
    o->files = optind < argc ? argv + optind : stdin_only;
    o->n_files = optind < argc ? argc - optind : 1;
}

/* --debug-dir: each stage as an 8-bit PGM, DIR/STEM-STAGE.pgm, STEM being
 * the image's file name ("stdin" for standard input), or "N-NAME" for the
 * N-th image given when another image has the same file name. */
struct debug {
    const char *dir, *stem;
    int failed;
    struct progress *prog;  /* cleared before a warning */
};

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return strcmp(path, "-") == 0 ? "stdin" : slash ? slash + 1 : path;
}

static char *const *sort_files;

static int by_base_name(const void *a, const void *b)
{
    return strcmp(base_name(sort_files[*(const int *)a]),
                  base_name(sort_files[*(const int *)b]));
}

/* The stems of the n images of files. */
static char **stage_stems(char *const *files, int n)
{
    char **stems = calloc(n, sizeof *stems);
    int *order = malloc(n * sizeof *order);

    if (!stems || !order)
        die("out of memory");
    for (int i = 0; i < n; i++)
        order[i] = i;
    sort_files = files;
    qsort(order, n, sizeof *order, by_base_name);
    for (int k = 0; k < n; k++) {
        int i = order[k];
        const char *base = base_name(files[i]);
        int shared = (k > 0 && !strcmp(base, base_name(files[order[k - 1]]))) ||
                     (k + 1 < n && !strcmp(base, base_name(files[order[k + 1]])));
        size_t len = strlen(base) + 16;

        if (!(stems[i] = malloc(len)))
            die("out of memory");
        if (shared)
            snprintf(stems[i], len, "%d-%s", i + 1, base);
        else
            snprintf(stems[i], len, "%s", base);
    }
    free(order);
    return stems;
}

/* The directory for the stages: made if it is missing (not its parents). */
static void make_debug_dir(const char *dir)
{
    struct stat st;

    if (stat(dir, &st) != 0) {
        if (mkdir(dir, 0777) != 0)
            die("%s: cannot make the directory for --debug-dir:", dir);
    } else if (!S_ISDIR(st.st_mode)) {
        die("%s: not a directory (--debug-dir)", dir);
    } else if (access(dir, W_OK) != 0) {
        die("%s:", dir);
    }
}

/* A stage as a PGM file, written whole or not at all (a failed write is
 * removed; signals wait until the file is closed); never over an input. */
static void write_stage(const char *stage, const float *img, int w, int h,
                        void *arg)
{
    struct debug *d = arg;
    char path[4096];
    int ok, e = 0;
    FILE *fp;

    snprintf(path, sizeof path, "%s/%s-%s.pgm", d->dir, d->stem, stage);
    if (file_is_input(path)) {
        progress_clear(d->prog);
        warn("%s: is one of the images read; the step is not written", path);
        d->failed = 1;
        return;
    }
    block_signals();
    if ((fp = fopen(path, "wb"))) {
        fprintf(fp, "P5\n%d %d\n255\n", w, h);
        for (long i = 0; i < (long)w * h; i++)
            fputc((int)(img[i] * 255.0f + 0.5f), fp);
        ok = !ferror(fp);
        e = errno;
        if (fclose(fp) != 0 && ok) {
            ok = 0;
            e = errno;
        }
        if (!ok)
            unlink(path);
    } else {
        ok = 0;
        e = errno;
    }
    unblock_signals();
    if (!ok) {
        progress_clear(d->prog);
        if (!d->failed)
            warn("%s: %s", path, strerror(e));
        d->failed = 1;
    }
}

/* Warnings about a picture that looks wrong; its vectors are still
 * written.  Digits side by side are news only when one digit is read. */
static void doubts(const char *shown, const nn_prep_info *in, int one_digit,
                   struct progress *prog)
{
    int several = one_digit && in->groups > 1;

    if (in->uncertain || !in->strokes || several)
        progress_clear(prog);
    if (in->uncertain)
        warn("%s: warning: polarity uncertain, read as %s (--invert and "
             "--no-invert decide)", shown, in->inverted ? "dark ink on light "
             "paper" : "light strokes on a dark background");
    if (!in->strokes)
        warn("%s: warning: no stroke-like ink (a blot, a texture, not a "
             "digit?)", shown);
    if (several)
        warn("%s: warning: %d digits side by side? one digit per image is "
             "read (--digits reads a number)", shown, in->groups);
}

/* One image to *nx vectors in x (one; with --digits, up to max_digits):
 * 0; 1 after reporting what is wrong (with the progress line out of the
 * way), no vector; 2 when the vectors are made but a stage could not be
 * written. */
static int convert(const char *name, const char *stem, const struct opts *o,
                   float *x, int *nx, struct progress *prog)
{
    const char *shown = strcmp(name, "-") ? name : "(stdin)";
    struct debug dbg = { o->debug_dir, stem, 0, prog };
    char why[256] = "";
    nn_prep_info info = { 0, 0, 1, 1 };
    nn_prep_opts po;
    nn_image *img;
    struct stat st;
    FILE *fp;
    int err;

    if (strcmp(name, "-") == 0) {
        fp = stdin;
    } else if (!(fp = fopen(name, "rb"))) {
        progress_clear(prog);
        warn("%s:", name);
        return 1;
    } else if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
        warn("%s: is a directory", name);
        fclose(fp);
        return 1;
    }
    /* The picture only feeds a 28x28 vector: a big JPEG decodes scaled. */
    err = nn_img_read_scaled(&img, fp, o->max_pixels, NN_PREP_MIN_SIDE, why,
                             sizeof why);
    if (fp != stdin)
        fclose(fp);
    if (err) {
        progress_clear(prog);
        warn("%s: %s", shown, why[0] ? why : nn_strerror(err));
        return 1;
    }
    nn_prep_opts_default(&po);
    po.invert = o->invert;
    po.plain = o->plain;
    po.info = &info;
    if (o->debug_dir) {
        po.stage = write_stage;
        po.stage_arg = &dbg;
    }
    *nx = 0;
    if (o->digits)
        err = nn_segment_digits(img->gray, img->width, img->height, &po,
                                o->max_parts, o->max_digits, x, NULL, nx,
                                why, sizeof why);
    else if ((err = nn_prep_digit(img->gray, img->width, img->height, &po, x,
                                  why, sizeof why)) == NN_OK)
        *nx = 1;
    nn_img_free(img);
    if (err) {
        progress_clear(prog);
        warn("%s: %s", shown, why[0] ? why : nn_strerror(err));
        return 1;
    }
    doubts(shown, &info, !o->digits, prog);
    for (int k = 0; o->debug_dir && k < *nx; k++) {
        char stage[32];
        if (o->digits)
            snprintf(stage, sizeof stage, "5-vector-%d", k + 1);
        write_stage(o->digits ? stage : "5-vector", x + k * 28 * 28, 28, 28,
                    &dbg);
    }
    return dbg.failed ? 2 : 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    nn_vec_writer *w;
    struct progress prog;
    float *x;
    char **stems = NULL;
    int status = 0, err;

    setprog(argv[0]);
    parse_args(argc, argv, &o);
    for (int i = 0; i < o.n_files; i++)
        file_input(o.files[i], "an image read");
    file_output("-", "standard output");
    files_check();
    if (o.debug_dir) {
        make_debug_dir(o.debug_dir);
        stems = stage_stems(o.files, o.n_files);
    }
    if (!(x = malloc((size_t)(o.digits ? o.max_digits : 1) * 28 * 28 *
                     sizeof *x)))
        die("out of memory");
    if (nn_vec_writer_new(&w, stdout, o.binary ? NN_VEC_F32 : NN_VEC_TEXT, 28 * 28))
        die("out of memory");
    progress_start(&prog, progress_stream(o.no_progress), NULL, "images",
                   o.n_files);
    for (int i = 0; i < o.n_files; i++) {
        int nx, failed = convert(o.files[i], stems ? stems[i] : NULL, &o, x,
                                 &nx, &prog);

        progress_update(&prog, i + 1);
        if (failed)
            status = 1;
        if (failed == 1 && !o.digits)
            continue;   /* no vector; 2: a stage not written */
        if ((o.tag || o.digits) &&
            (err = nn_vec_write_tag(w, o.files[i], o.digits ? nx : -1)) != NN_OK) {
            if (err == NN_EIO)
                break;
            progress_clear(&prog);
            warn("%s: a name with a TAB, LF or CR, or longer than %d bytes, "
                 "cannot be a tag; no record written", o.files[i],
                 NN_MAX_TAG - 1);
            status = 1;
            continue;
        }
        for (int k = 0; k < nx; k++)
            if (nn_vec_write(w, x + k * 28 * 28, o.label) == NN_EIO)
                goto end;   /* close_stdout reports it, or ends quietly on EPIPE */
    }
end:
    progress_finish(&prog);
    nn_vec_writer_free(w);
    for (int i = 0; stems && i < o.n_files; i++)
        free(stems[i]);
    free(stems);
    free(x);
    return close_stdout() || status;
}
