/* runs.h - the run log: one JSON object per line for each nn-train run
 * (nn-train --runs FILE), listed by nn-runs.  Not part of libnn. */
#ifndef RUNS_H
#define RUNS_H

struct nn_model;

struct run_log {
    int fd;                 /* -1: no log */
    const char *path;
    double t0;              /* start of the run, in seconds */
};

/* Open path for appending (created if missing) and note the start time,
 * so that a log that cannot be written fails the run before training.
 * Dies naming the file. */
void runs_open(struct run_log *r, const char *path);
/* The same for a caller that must not exit (nn-serve): 0, or -1 with errno
 * (EISDIR for a directory). */
int runs_start(struct run_log *r, const char *path);

/* Append the run as one line with one write(2) on an O_APPEND descriptor,
 * so that runs ending together do not mix their lines, and close the log.
 * argv is the whole command line; model_path the model written; test_acc
 * the accuracy on the --test set, or < 0 without one.  Returns 0, or 1
 * after a message naming the file. */
int runs_append(struct run_log *r, int argc, char **argv,
                 const struct nn_model *m, const char *model_path,
                 const char *test_path, double test_acc);

#endif
