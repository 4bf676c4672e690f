/* serve.h - nn-serve's HTTP API (docs/api.md) apart from the HTTP server:
 * a request in memory in, a reply in memory out, so that the API can be
 * tested and fuzzed without sockets.  Not part of libnn. */
#ifndef SERVE_H
#define SERVE_H

#include <stddef.h>

#include "nn.h"

/* The page's files, built into the binary (web/assets.c, made by
 * web/embed from web/); ended by a zeroed entry. */
struct asset {
    const char *path;           /* "/index.html" */
    const char *type;           /* Content-Type */
    const unsigned char *data;
    size_t len;
};
extern const struct asset serve_assets[];

struct request {
    const char *method;         /* "GET", "POST", ... */
    const char *path;           /* decoded, without the query */
    const char *query;          /* after '?', or NULL */
    const char *type;           /* Content-Type, or NULL */
    const unsigned char *body;
    size_t len;
};

struct reply {
    int status;
    const char *type;           /* Content-Type */
    char *body;                 /* malloc'ed, or borrowed if !owned */
    size_t len;
    int owned;
};

/* Request bodies: the largest accepted (a phone photo is 3-8 MB), and the
 * largest picture decoded; a training request is small. */
#define SERVE_MAX_BODY (16L << 20)
#define SERVE_MAX_PIXELS 24000000L
#define SERVE_MAX_OPTIONS (64L << 10)
/* Models held at once (given and trained). */
#define SERVE_MAX_MODELS 64

struct server;

/* A server with no models and no data.  runs: the run log (--runs) or
 * NULL; save_dir: where models trained from the page are written. */
int serve_new(struct server **out, const char *runs, const char *save_dir);
/* Stops a training run (waiting for it to save its model) and frees all. */
void serve_free(struct server *s);

/* Add model m (taken over) under the name path.  -1 when full. */
int serve_add_model(struct server *s, nn_model *m, const char *path);
/* The data for training and for the confusion matrix: MNIST's four IDX
 * files (gzipped or not) in dir.  0, or -1 with why naming the file. */
int serve_load_data(struct server *s, const char *dir, char *why,
                    size_t whylen);

/* Answer rq into rp (free with reply_free).  Every answer but the page's
 * files is JSON; an error is {"error": "..."} with a 4xx or 5xx status. */
void serve_handle(struct server *s, const struct request *rq,
                  struct reply *rp);
void reply_free(struct reply *rp);
/* An error reply, for the HTTP layer's own errors (413, 408, ...). */
void reply_error(struct reply *rp, int status, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The training run's state for GET /api/train/events: waits up to
 * timeout seconds for a state newer than *seq, then sets *json (free
 * with free) and *seq and returns 1; 0 on time-out; -1 once the server
 * is stopping. */
int serve_train_wait(struct server *s, long *seq, double timeout,
                     char **json);

/* Ask a training run to stop after its batch (it then saves its best
 * model, as nn-train does on SIGINT); sig names the cause in the message
 * (0: a request from the page).  Wakes the event streams, which end. */
void serve_shutdown(struct server *s, int sig);

#endif
