/* vecinfo - what a vector stream holds: its format, the vector length, the
 * size of a binary record (for GNU parallel's --block), records and tags. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "files.h"
#include "nn.h"
#include "util.h"

#define HEADER 16       /* a binary stream's header (docs/formats.md 3.1) */

struct opts {
    int record_size;
    const char *input;
};

static void usage(void)
{
    printf("Usage: %s [OPTIONS] [FILE]\n"
"Read the vector stream FILE (or standard input) and print what it holds,\n"
"one 'NAME<TAB>VALUE' line each: format (text, f32 or u8), dim, and for\n"
"binary streams header and record (bytes), then records, labelled and tags\n"
"(records that have one), and for a binary file, fixed: 1 when it is one\n"
"header and records only, so that a cut at any multiple of record after the\n"
"header falls between records (docs/formats.md, 'Cutting streams').\n"
"\n"
"  -r, --record-size    print only the size of a record in bytes, read from\n"
"                       the header (binary streams only):\n"
"                       parallel --pipe-part --header '(?s).{16}' --recend ''\n"
"                         --block $((1000 * $(vecinfo -r f.nnv))) ...\n"
"  -h, --help           show this help and exit\n"
"      --version        show the version and exit\n", argv0);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        { "record-size", no_argument, NULL, 'r' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    int c;

    memset(o, 0, sizeof *o);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":rh", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': o->record_size = 1; break;
        case 'h': usage(); exit(close_stdout());
        case 'V': print_version(); exit(close_stdout());
        default: option_error(c, argv);
        }
    }
    if (argc - optind > 1)
        usage_error("too many operands");
    o->input = optind < argc ? argv[optind] : "-";
}

int main(int argc, char **argv)
{
    static const char *const names[] = { "text", "f32", "u8" };
    struct opts o;
    nn_vec_reader *r;
    const char *shown;
    const float *x;
    char why[256] = "";
    long labelled = 0, tagged = 0, record = 0;
    int label, got, format = NN_VEC_TEXT;
    struct stat st;
    FILE *in;

    setprog(argv[0]);
    parse_args(argc, argv, &o);
    file_input(o.input, "the vectors");
    file_output("-", "standard output");
    files_check();
    shown = strcmp(o.input, "-") ? o.input : "(stdin)";
    in = xfopen(o.input, "rb");
    if (nn_vec_reader_new(&r, in, 0))
        die("out of memory");
    while ((got = nn_vec_read(r, &x, &label, why, sizeof why)) > 0) {
        if (nn_vec_count(r) == 1) {
            format = nn_vec_format(r);
            if (format != NN_VEC_TEXT)
                record = 4 + (long)nn_vec_dim(r) * (format == NN_VEC_U8 ? 1 : 4);
            if (o.record_size)
                break;
        }
        labelled += label >= 0;
        tagged += nn_vec_tag(r, NULL) != NULL;
    }
    if (got < 0)
        die("%s: %s", shown, why[0] ? why : nn_strerror(got));
    if (o.record_size) {
        if (got == 0)
            die("%s: no records", shown);
        if (format == NN_VEC_TEXT)
            die("%s: a text stream: its records are lines, of no fixed size",
                shown);
        printf("%ld\n", record);
    } else {
        long n = nn_vec_count(r);

        printf("format\t%s\ndim\t%d\n", names[format], nn_vec_dim(r));
        if (format != NN_VEC_TEXT)
            printf("header\t%d\nrecord\t%ld\n", HEADER, record);
        printf("records\t%ld\nlabelled\t%ld\ntags\t%ld\n", n, labelled,
               tagged);
        if (format != NN_VEC_TEXT && fstat(fileno(in), &st) == 0 &&
            S_ISREG(st.st_mode))
            printf("fixed\t%d\n", st.st_size == HEADER + n * record);
    }
    nn_vec_reader_free(r);
    xfclose(in, o.input);
    return close_stdout();
}
