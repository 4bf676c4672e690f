/* util.c - diagnostics, file opening and number parsing for the nn tools,
 * after sbase's libutil. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nn.h"
#include "util.h"

const char *argv0 = "nn";

void setprog(const char *argv0_)
{
    const char *slash = strrchr(argv0_, '/');
    const char *kernel = getenv("NN_KERNEL"), *sparse = getenv("NN_SPARSE");

    argv0 = slash ? slash + 1 : argv0_;
    /* For tests and benchmarks; an unknown kernel leaves the best. */
    if (kernel)
        nn_set_kernel(kernel);
    if (sparse && strcmp(sparse, "off") == 0)
        nn_set_sparse(0);
    /* A closed pipe (nn-predict ... | head) is reported by write errors,
     * handled in close_stdout, rather than killing us mid-line. */
    signal(SIGPIPE, SIG_IGN);
}

static void vmsg(const char *fmt, va_list ap)
{
    int saved = errno;
    size_t len = strlen(fmt);

    fflush(stdout);
    fprintf(stderr, "%s: ", argv0);
    vfprintf(stderr, fmt, ap);
    if (len > 0 && fmt[len - 1] == ':')
        fprintf(stderr, " %s", strerror(saved));
    fputc('\n', stderr);
}

void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(fmt, ap);
    va_end(ap);
    exit(1);
}

void warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(fmt, ap);
    va_end(ap);
}

void usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try '%s --help'.\n", argv0);
    exit(2);
}

void option_error(int c, char *const *argv)
{
    const char *arg = argv[optind - 1];

    if (c == ':' && strncmp(arg, "--", 2) != 0)
        usage_error("option '-%c' needs an argument", optopt);
    if (c == ':')
        usage_error("option '%s' needs an argument", arg);
    if (strncmp(arg, "--", 2) != 0)
        usage_error("unknown option '-%c'", optopt);
    if (optopt)     /* a known long option given "=VALUE" */
        usage_error("option '%.*s' takes no argument",
                    (int)strcspn(arg, "="), arg);
    usage_error("unknown option '%s'", arg);
}

FILE *xfopen(const char *path, const char *mode)
{
    struct stat st;
    FILE *fp;

    if (strcmp(path, "-") == 0)
        fp = mode[0] == 'r' ? stdin : stdout;
    else if (!(fp = fopen(path, mode)))
        die("%s:", path);
    else if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode))
        die("%s: is a directory", path);
    /* stdio reads a pipe 4 KB at a time (glibc ignores a size without a
     * buffer); a pipe holds 64 KB.  A million binary records through a
     * pipe took 2.9 s of system time in 4 KB reads. */
    if (fp == stdin) {
        static char buf[1 << 16];
        setvbuf(stdin, buf, _IOFBF, sizeof buf);
    }
    return fp;
}

void xfclose(FILE *fp, const char *path)
{
    if (fp == stdin || fp == stdout)
        return;
    if (fclose(fp) != 0)
        die("%s:", path);
}

/* Whether path holds a vector stream: its first record reads. */
static int is_vectors(const char *path)
{
    FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : NULL;
    nn_vec_reader *r = NULL;
    const float *x;
    int label, yes;

    if (!fp)
        return 0;
    yes = nn_vec_reader_new(&r, fp, 0) == NN_OK &&
          nn_vec_read(r, &x, &label, NULL, 0) == 1;
    nn_vec_reader_free(r);
    fclose(fp);
    return yes;
}

static nn_model *read_model(const char *path, char *why, size_t whylen,
                            int *err)
{
    nn_model *m = NULL;
    FILE *fp = xfopen(path, "rb");

    *err = nn_model_read(&m, fp, why, whylen);
    xfclose(fp, path);
    return m;
}

nn_model *load_model_before(const char *path, const char *data)
{
    char why[256] = "";
    nn_model *m;
    int err;

    if ((m = read_model(path, why, sizeof why, &err)))
        return m;
    if (is_vectors(path)) {
        nn_model *other = NULL;
        char ignored[8];

        if (data && strcmp(data, "-") &&
            (other = read_model(data, ignored, sizeof ignored, &err))) {
            nn_model_free(other);
            usage_error("%s is a vector stream and %s a model: the model "
                        "comes first", path, data);
        }
        die("%s: a vector stream, not a model", path);
    }
    die("%s: %s", path, why[0] ? why : nn_strerror(err));
    return NULL;
}

nn_model *load_model(const char *path)
{
    return load_model_before(path, NULL);
}

void warn_input_range(const nn_model *m, const nn_record *rec,
                      const char *file)
{
    static int warned;
    nn_input_desc d;
    float lo, hi;

    if (warned)
        return;
    nn_range(rec->x, nn_model_n_in(m), &lo, &hi);
    if (nn_model_input_ok(m, lo, hi))
        return;
    nn_model_input(m, &d);
    warn("%s: warning: record %ld: values from %g to %g, far outside the "
         "model's input range [%g, %g]: its answers mean nothing (scale the "
         "values: pixels 0..255 divided by 255)", file, rec->index, lo, hi,
         d.lo, d.hi);
    warned = 1;
}

int scan_int(const char *s, long lo, long hi, const char *what, long *v,
             char *why, size_t whylen)
{
    char *end;

    errno = 0;
    *v = strtol(s, &end, 10);
    if (end == s || *end != '\0') {
        snprintf(why, whylen, "%s: '%s' is not an integer", what, s);
        return -1;
    }
    if (errno == ERANGE || *v < lo || *v > hi) {
        snprintf(why, whylen, "%s: %s is out of range (%ld to %ld)", what, s,
                 lo, hi);
        return -1;
    }
    return 0;
}

int scan_float(const char *s, double lo, double hi, const char *what,
               double *v, char *why, size_t whylen)
{
    char *end;

    errno = 0;
    *v = strtod(s, &end);
    if (end == s || *end != '\0') {
        snprintf(why, whylen, "%s: '%s' is not a number", what, s);
        return -1;
    }
    if (errno == ERANGE || !isfinite(*v) || *v < lo || *v > hi) {
        snprintf(why, whylen, "%s: %s is out of range (%g to %g)", what, s,
                 lo, hi);
        return -1;
    }
    return 0;
}

long parse_int(const char *s, long lo, long hi, const char *what)
{
    char why[256];
    long v;

    if (scan_int(s, lo, hi, what, &v, why, sizeof why))
        usage_error("%s", why);
    return v;
}

double parse_float(const char *s, double lo, double hi, const char *what)
{
    char why[256];
    double v;

    if (scan_float(s, lo, hi, what, &v, why, sizeof why))
        usage_error("%s", why);
    return v;
}

void print_version(void)
{
    printf("%s (nnpipe) %s\n", argv0, NN_VERSION);
}

int close_stdout(void)
{
    int err = fflush(stdout) != 0 || ferror(stdout);
    int saved = errno;

    if (fclose(stdout) != 0 && !err) {
        err = 1;
        saved = errno;
    }
    if (err && saved != EPIPE) {
        fprintf(stderr, "%s: writing output failed: %s\n", argv0,
                strerror(saved));
        return 1;
    }
    return 0;
}

void set_threads(const char *arg)
{
    nn_set_threads((int)parse_int(arg, 0, NN_MAX_THREADS, "--threads"));
}

double monotonic(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
