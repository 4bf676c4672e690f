/* fuzz_serve.c - libFuzzer target: nn-serve's request path, serve_handle
 * (cmd/serve.c) as the HTTP side calls it, without sockets.  Byte 0 picks
 * the method, path and Content-Type (the last choice takes the path from
 * the input); the bytes up to the first newline are the query string; the
 * rest is the body.  The server has three models (a 784-16-10 net, one
 * with class names, a 5-3 net that takes no picture) and no data, so a
 * training request is parsed and checked whole, then refused (409). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct server *server;

static const struct {
    const char *method, *path, *type;
} routes[] = {
    { "POST", "/api/predict", "image/png" },
    { "POST", "/api/predict", "image/jpeg; charset=x" },
    { "POST", "/api/predict", "text/plain" },
    { "POST", "/api/predict", "application/octet-stream" },
    { "POST", "/api/predict", "application/json" },
    { "POST", "/api/predict", NULL },
    { "POST", "/api/train", "application/json" },
    { "POST", "/api/train/stop", NULL },
    { "GET", "/api/train", NULL },
    { "GET", "/api/weights", NULL },
    { "GET", "/api/confusion", NULL },
    { "GET", "/api/misread", NULL },
    { "GET", "/api/models", NULL },
    { "GET", "/api/info", NULL },
    { "GET", "/api/runs", NULL },
    { "GET", "/", NULL },
    { "DELETE", "/api/models", NULL },
    { "GET", NULL, NULL },      /* the path from the input */
};

static nn_model *model(int n, const int *sizes)
{
    nn_arch a = { n, sizes, NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE,
                  NN_INIT_DEFAULT };
    nn_model *m = NULL;

    if (nn_model_new(&m, &a, 1, NULL, 0))
        abort();
    return m;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const int digits[] = { 784, 16, 10 }, small[] = { 5, 3 };
    static const char *const names[] = { "zero", "one", "two", "three",
        "four", "five", "six", "seven", "eight", "nine" };
    nn_model *named = model(3, digits);

    (void)argc;
    (void)argv;
    setprog("fuzz_serve");
    if (serve_new(&server, NULL, ".") ||
        nn_model_set_class_names(named, 10, names) ||
        serve_add_model(server, model(3, digits), "digits.json") < 0 ||
        serve_add_model(server, named, "named.json") < 0 ||
        serve_add_model(server, model(2, small), "small.json") < 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t nroutes = sizeof routes / sizeof routes[0], qlen;
    const uint8_t *nl;
    char *query, *path = NULL;
    struct request rq;
    struct reply rp;

    if (size < 1)
        return 0;
    rq.method = routes[data[0] % nroutes].method;
    rq.path = routes[data[0] % nroutes].path;
    rq.type = routes[data[0] % nroutes].type;
    data++;
    size--;
    nl = memchr(data, '\n', size);
    qlen = nl ? (size_t)(nl - data) : 0;
    if (!(query = malloc(qlen + 1)))
        return 0;
    memcpy(query, data, qlen);
    query[qlen] = '\0';             /* a NUL inside ends it, as in C */
    rq.query = nl ? query : NULL;
    rq.body = nl ? nl + 1 : data;
    rq.len = nl ? size - qlen - 1 : size;
    if (!rq.path) {                 /* the path is the body, up to NUL */
        path = strndup((const char *)rq.body, rq.len);
        if (!path) {
            free(query);
            return 0;
        }
        rq.path = path;
    }
    serve_handle(server, &rq, &rp);
    if (rp.status < 200 || rp.status > 599 || !rp.type ||
        (rp.len > 0 && !rp.body))
        __builtin_trap();
    if (rp.status >= 400 && (rp.len < 12 || memcmp(rp.body, "{\"error\": \"", 11)))
        __builtin_trap();           /* every error is {"error": "..."} */
    reply_free(&rp);
    free(path);
    free(query);
    return 0;
}
