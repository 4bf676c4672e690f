/* progress.h - a progress line with rate and ETA on standard error, for
 * the nn tools (not part of libnn). */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stdio.h>

/* One progress line.  Fill it with progress_start; the fields are private
 * except `now`, which tests may replace after progress_start. */
struct progress {
    FILE *fp;               /* where to draw; NULL: off (every call a no-op) */
    const char *label;      /* shown first, e.g. "epoch 3/20"; may be NULL */
    const char *unit;       /* what is counted, e.g. "images" */
    long total;             /* items expected; 0 if unknown (no bar, no ETA) */
    long done;
    double t0, last;        /* start and last drawing, in seconds */
    int width;              /* columns drawn on the line now, 0 if clear */
    double (*now)(void);    /* clock in seconds (monotonic) */
};

/* Where progress should be drawn: stderr when it is a terminal, NULL when
 * it is not.  NN_PROGRESS=0 in the environment turns progress off,
 * NN_PROGRESS=1 forces it on (for tests).  Pass off = 1 (a --no-progress
 * option) to get NULL in any case. */
FILE *progress_stream(int off);

/* Start counting up to total items (0: unknown) on fp (NULL: off).  Draws
 * nothing yet.  label and unit are borrowed for the life of p. */
void progress_start(struct progress *p, FILE *fp, const char *label,
                    const char *unit, long total);
/* done items so far.  Redraws the line at most 10 times a second, and at
 * once when done reaches total; cheap enough to call for every item. */
void progress_update(struct progress *p, long done);
/* Erase the line so that other text can be printed; the next update
 * draws it again. */
void progress_clear(struct progress *p);
/* Erase the line for good; p is off afterwards. */
void progress_finish(struct progress *p);

/* The text of the line (without "\r") for done of total items after
 * elapsed seconds, into buf (len bytes, truncated to fit). */
void progress_format(char *buf, size_t len, const char *label,
                     const char *unit, long done, long total,
                     double elapsed);

#endif
