/* util.h - helpers shared by the nn tools (not part of libnn). */
#ifndef UTIL_H
#define UTIL_H

#include <stdio.h>

extern const char *argv0;   /* program name for messages, set by setprog() */

/* Also applies the environment's NN_KERNEL (nn_set_kernel) and
 * NN_SPARSE=off (nn_set_sparse). */
void setprog(const char *argv0_);
/* "prog: message" on stderr; a format ending in ':' appends strerror(errno).
 * die exits 1, warn returns. */
void die(const char *fmt, ...);
void warn(const char *fmt, ...);
/* "prog: message" then "Try 'prog --help'." on stderr, exit 2. */
void usage_error(const char *fmt, ...);

/* The usage error for what getopt_long returned as c (':' or '?'); call it
 * with opterr = 0 and an optstring that starts with ':'.  Exits 2. */
void option_error(int c, char *const *argv);

/* fopen that maps "-" to stdin/stdout and dies naming the file on failure;
 * refuses directories.  xfclose closes (not stdin/stdout) and dies on error. */
FILE *xfopen(const char *path, const char *mode);
void xfclose(FILE *fp, const char *path);

/* Read the model at path ("-": stdin); dies naming the file and the
 * problem, which for a vector stream is that it is not a model.
 * load_model_before also takes the operand that follows the model, data:
 * if path is a vector stream and data a model, the operands are swapped
 * (a usage error).  Need nn.h. */
struct nn_model;
struct nn_model *load_model(const char *path);
struct nn_model *load_model_before(const char *path, const char *data);

/* Records nn-predict and nn-eval give nn_predict_stream at most at once:
 * each call transposes the first layer's weights (lib/model.c), which
 * 1024 records of MNIST's sparsity outweigh 200 times. */
enum { PREDICT_BATCH = 1024 };

/* Once per run, a warning on stderr when the input of record rec lies far
 * outside m's input range (nn_model_input_ok); file names the stream. */
struct nn_record;
void warn_input_range(const struct nn_model *m, const struct nn_record *rec,
                      const char *file);

/* Parse a whole string as a number in [lo, hi]; exit 2 naming the option on
 * failure. */
long parse_int(const char *s, long lo, long hi, const char *what);
double parse_float(const char *s, double lo, double hi, const char *what);
/* The same into *v, returning 0, or -1 with the message in why ("--rate:
 * 'x' is not a number"), for callers that must not exit (nn-serve). */
int scan_int(const char *s, long lo, long hi, const char *what, long *v,
             char *why, size_t whylen);
int scan_float(const char *s, double lo, double hi, const char *what,
               double *v, char *why, size_t whylen);
/* --threads N: the threads for matrix products (0: one per CPU); exits 2
 * unless N is a number in [0, NN_MAX_THREADS].  The tools use every CPU
 * unless told otherwise. */
void set_threads(const char *arg);
/* Seconds on a monotonic clock. */
double monotonic(void);
/* "--version" text: "prog (nnpipe) VERSION". */
void print_version(void);
/* Flush and close stdout; report a write error and return 1, else 0.  A
 * closed pipe (EPIPE) is not reported. */
int close_stdout(void);

#endif
