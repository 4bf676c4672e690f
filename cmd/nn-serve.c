/* nn-serve - the models in a browser: draw a digit, drop a photo, train
 * and watch it learn.  The HTTP side (civetweb) of the API in serve.c. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <civetweb.h>

#include "files.h"
#include "nn.h"
#include "serve.h"
#include "util.h"

struct opts {
    const char *bind, *runs, *data, *save_dir;
    long port, timeout;
    char **models;
    int n_models;
};

/* Event streams held open at once: each holds one of the server's
 * threads, which must stay free for the other requests. */
enum { THREADS = 32, MAX_STREAMS = 8 };

static void usage(void)
{
    printf("Usage: %s [OPTIONS] [MODEL...]\n"
"Serve the models in a browser: draw a digit or drop a photo and see what\n"
"each model reads; with --data, train new ones from the page and watch them\n"
"learn.  Prints the page's address on standard output; SIGINT or SIGTERM\n"
"stops it (a training run saves its best model first).\n"
"\n"
"  -b, --bind ADDR      address to listen on [127.0.0.1]\n"
"  -p, --port N         port (0: any free one) [8080]\n"
"      --data DIR       MNIST's four IDX files (gzipped or not), to train on\n"
"                       (the training set) and test with (the test set)\n"
"      --runs FILE      append each training run to FILE, as nn-train --runs\n"
"                       does; the page lists the runs in it\n"
"      --save-dir DIR   where the models trained from the page go [.]\n"
"      --timeout S      seconds a client may take to send a request or to\n"
"                       take an answer [10]\n"
"      --threads N      threads for the matrix products (0: one per CPU) [0]\n"
"  -h, --help           show this help and exit\n"
"      --version        show the version and exit\n"
"\n"
"The API the page uses is in docs/api.md.\n", argv0);
}

enum { OPT_RUNS = 256, OPT_DATA, OPT_SAVE_DIR, OPT_TIMEOUT, OPT_THREADS,
       OPT_VERSION };

static void parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        { "bind", required_argument, NULL, 'b' },
        { "port", required_argument, NULL, 'p' },
        { "data", required_argument, NULL, OPT_DATA },
        { "runs", required_argument, NULL, OPT_RUNS },
        { "save-dir", required_argument, NULL, OPT_SAVE_DIR },
        { "timeout", required_argument, NULL, OPT_TIMEOUT },
        { "threads", required_argument, NULL, OPT_THREADS },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, OPT_VERSION },
        { NULL, 0, NULL, 0 }
    };
    int c;

    memset(o, 0, sizeof *o);
    o->bind = "127.0.0.1";
    o->port = 8080;
    o->timeout = 10;
    o->save_dir = ".";
    nn_set_threads(0);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":b:p:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': o->bind = optarg; break;
        case 'p': o->port = parse_int(optarg, 0, 65535, "--port"); break;
        case OPT_DATA: o->data = optarg; break;
        case OPT_RUNS: o->runs = optarg; break;
        case OPT_SAVE_DIR: o->save_dir = optarg; break;
        case OPT_TIMEOUT: o->timeout = parse_int(optarg, 1, 3600, "--timeout"); break;
        case OPT_THREADS: set_threads(optarg); break;
        case 'h': usage(); exit(close_stdout());
        case OPT_VERSION: print_version(); exit(close_stdout());
        default: option_error(c, argv);
        }
    }
    if (strspn(o->bind, "0123456789.") != strlen(o->bind) || !*o->bind)
        usage_error("--bind: '%s' is not an IPv4 address", o->bind);
    o->models = argv + optind;
    o->n_models = argc - optind;
    if (o->n_models == 0 && !o->data)
        usage_error("nothing to serve: give a MODEL, or --data DIR to train "
                    "one");
    if (o->n_models > SERVE_MAX_MODELS / 2)
        usage_error("at most %d models", SERVE_MAX_MODELS / 2);
}

/* ------------------------------------------------------------------------ */
/* HTTP. */

/* A reply, its status line and headers written here rather than through
 * civetweb's response API, which refuses them once anything has been
 * written, as a 100 Continue has (expects_continue()).  Keep-alive as
 * civetweb keeps the connection: HTTP/1.1 unless the client says close,
 * HTTP/1.0 when it asks for it; close, when we close it. */
static void send_reply(struct mg_connection *c, const struct reply *rp,
                       int close)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    const char *conn = mg_get_header(c, "Connection");
    int v11 = ri->http_version && strcmp(ri->http_version, "1.1") == 0;
    char date[64];
    time_t now = time(NULL);
    struct tm tm;

    if (!close)
        close = conn ? strcasecmp(conn, "close") == 0 ||
                       (!v11 && strcasecmp(conn, "keep-alive") != 0) : !v11;
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT",
             gmtime_r(&now, &tm));
    mg_printf(c, "HTTP/%s %d %s\r\nContent-Type: %s\r\nContent-Length: %zu"
              "\r\nCache-Control: no-store\r\nX-Content-Type-Options: "
              "nosniff\r\nDate: %s\r\nConnection: %s\r\n\r\n",
              v11 ? "1.1" : "1.0", rp->status,
              mg_get_response_code_text(c, rp->status), rp->type, rp->len,
              date, close ? "close" : "keep-alive");
    mg_write(c, rp->body, rp->len);
}

/* A client that asks "Expect: 100-continue" (curl does for a body of
 * unknown length or over 1 MB) waits for this before it sends the body,
 * or for a second.  civetweb sends it only for the files it serves itself,
 * so a handler that reads the body must: else every such upload waits a
 * second, and with --timeout 1 the body arrives as the connection closes. */
static const char CONTINUE[] = "HTTP/1.1 100 Continue\r\n\r\n";

static int expects_continue(struct mg_connection *c)
{
    const char *e = mg_get_header(c, "Expect");

    return e && strcasecmp(e, "100-continue") == 0 &&
           strcmp(mg_get_request_info(c)->http_version, "1.1") == 0;
}

/* Seconds a client may take to send a request body (--timeout).
 * civetweb's request_timeout_ms bounds the headers as a whole, but the
 * body only while the client sends nothing; a client that trickles it is
 * cut off here, between reads of at most READ_CHUNK bytes. */
enum { READ_CHUNK = 16384 };
static double body_timeout = 10;

/* The request body, at most SERVE_MAX_BODY bytes: 0, or an HTTP status. */
static int read_body(struct mg_connection *c, long long declared,
                     unsigned char **body, size_t *len)
{
    double t0 = monotonic();
    size_t cap = declared > 0 ? (size_t)declared + 1 : 65536;
    unsigned char *p = malloc(cap);
    int n;

    *len = 0;
    if (!p)
        return 500;
    while ((n = mg_read(c, p + *len, cap - *len < READ_CHUNK
                        ? cap - *len : READ_CHUNK)) > 0) {
        *len += (size_t)n;
        if (*len > (size_t)SERVE_MAX_BODY) {
            free(p);
            return 413;
        }
        if (monotonic() - t0 > body_timeout) {
            free(p);
            return 408;
        }
        if (*len == cap) {
            unsigned char *q = realloc(p, cap *= 2);
            if (!q) {
                free(p);
                return 500;
            }
            p = q;
        }
    }
    if (n < 0) {
        free(p);
        return 408;
    }
    *body = p;
    return 0;
}

/* After a 413, the rest of the body read and dropped, up to DRAIN_MAX
 * bytes within --timeout.  Linux answers a close with bytes unread (or
 * arriving after it) by a reset, and a client still sending, such as a
 * browser uploading too large a photo, may then never read the answer:
 * "connection reset" instead of the 413 and its message (curl: status 000,
 * two uploads of 17 MB in ten).  A body larger still is cut off. */
#define DRAIN_MAX (4 * SERVE_MAX_BODY)

static void drain(struct mg_connection *c)
{
    double t0 = monotonic();
    char buf[READ_CHUNK];
    long long dropped = 0;
    int n;

    while (dropped < DRAIN_MAX && monotonic() - t0 <= body_timeout &&
           (n = mg_read(c, buf, sizeof buf)) > 0)
        dropped += n;
}

static int on_request(struct mg_connection *c, void *arg)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    struct request rq = { ri->request_method, ri->local_uri,
                          ri->query_string, mg_get_header(c, "Content-Type"),
                          NULL, 0 };
    unsigned char *body = NULL;
    struct reply rp = { 0 };
    int status = 0, waiting = 0, unusable;

    if (!rq.path)
        reply_error(&rp, 400, "%s: not a path on this server",
                    ri->request_uri);
    else if (ri->content_length > SERVE_MAX_BODY) {
        /* Refused before it is asked for: a client that waits to be asked
         * (Expect: 100-continue) sends no body. */
        waiting = expects_continue(c);
        reply_error(&rp, 413, "request body of %lld bytes, more than the "
                    "limit of %ld", ri->content_length, SERVE_MAX_BODY);
    } else {
        if (expects_continue(c))    /* a client gone fails the read */
            mg_write(c, CONTINUE, sizeof CONTINUE - 1);
        if ((status = read_body(c, ri->content_length, &body, &rq.len)))
            reply_error(&rp, status, status == 413 ? "request body larger "
                        "than %ld bytes" : status == 408 ? "request body not "
                        "received whole in time (--timeout)" : "out of "
                        "memory", SERVE_MAX_BODY);
        else {
            rq.body = body;
            serve_handle(arg, &rq, &rp);
        }
    }
    /* A body not read whole leaves the connection unusable: close it
     * rather than have civetweb read the rest. */
    unusable = rp.status == 413 || rp.status == 408 || !rq.path;
    if (unusable)
        mg_disable_keep_alive(c);
    send_reply(c, &rp, unusable);
    if (rp.status == 413 && !waiting)
        drain(c);
    reply_free(&rp);
    free(body);
    return rp.status;
}

static pthread_mutex_t streams_mu = PTHREAD_MUTEX_INITIALIZER;
static int streams;

/* GET /api/train/events: the training run's state as server-sent events,
 * one each time it changes, until the client or the server goes. */
static int on_events(struct mg_connection *c, void *arg)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    struct reply rp = { 0 };
    long seq = -1;
    char *json;
    int rc, full;

    if (strcmp(ri->request_method, "GET") != 0) {
        reply_error(&rp, 405, "%s /api/train/events: method not allowed",
                    ri->request_method);
        send_reply(c, &rp, 0);
        reply_free(&rp);
        return 405;
    }
    pthread_mutex_lock(&streams_mu);
    if (!(full = streams >= MAX_STREAMS))
        streams++;
    pthread_mutex_unlock(&streams_mu);
    if (full) {
        reply_error(&rp, 503, "%d event streams open already: try again "
                    "later, or poll GET /api/train", MAX_STREAMS);
        send_reply(c, &rp, 0);
        reply_free(&rp);
        return 503;
    }
    mg_printf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
              "Cache-Control: no-store\r\nConnection: close\r\n\r\n");
    while ((rc = serve_train_wait(arg, &seq, 5, &json)) >= 0) {
        int n;
        if (rc == 0) {
            n = mg_printf(c, ": still here\n\n");
        } else {
            json[strcspn(json, "\n")] = '\0';
            n = mg_printf(c, "data: %s\n\n", json);
            free(json);
        }
        if (n <= 0)
            break;
    }
    pthread_mutex_lock(&streams_mu);
    streams--;
    pthread_mutex_unlock(&streams_mu);
    return 200;
}

/* civetweb's own errors (a malformed request, headers too large, a time
 * out) in JSON too. */
static int on_http_error(struct mg_connection *c, int status,
                         const char *msg)
{
    struct reply rp = { 0 };

    reply_error(&rp, status, "%s", msg && *msg ? msg
                : mg_get_response_code_text(c, status));
    send_reply(c, &rp, 1);
    reply_free(&rp);
    return 0;
}

static int on_log(const struct mg_connection *c, const char *msg)
{
    (void)c;
    warn("civetweb: %s", msg);
    return 1;
}

int main(int argc, char **argv)
{
    struct opts o;
    struct server *s;
    struct mg_context *ctx;
    struct mg_callbacks cb;
    struct mg_server_port port;
    char listen[64], timeout[32], threads[16], why[512] = "", ebuf[256] = "";
    sigset_t sigs;
    int sig;

    setprog(argv[0]);
    parse_args(argc, argv, &o);
    for (int i = 0; i < o.n_models; i++)
        file_input(o.models[i], "a model");
    if (o.runs)
        file_output(o.runs, "the run log (--runs)");
    files_check();
    if (o.data && access(o.save_dir, W_OK) != 0)
        die("%s: cannot write the models trained from the page here "
            "(--save-dir):", o.save_dir);
    if (serve_new(&s, o.runs, o.save_dir))
        die("out of memory");
    for (int i = 0; i < o.n_models; i++)
        if (serve_add_model(s, load_model(o.models[i]), o.models[i]) < 0)
            die("out of memory");
    if (o.data && serve_load_data(s, o.data, why, sizeof why))
        die("%s", why);

    /* Every thread, civetweb's and the training run's, inherits this mask:
     * SIGINT and SIGTERM come to sigwait below. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    snprintf(listen, sizeof listen, "%s:%ld", o.bind, o.port);
    snprintf(timeout, sizeof timeout, "%ld", o.timeout * 1000);
    body_timeout = (double)o.timeout;
    snprintf(threads, sizeof threads, "%d", THREADS);
    const char *options[] = {
        "listening_ports", listen,
        "num_threads", threads,
        "request_timeout_ms", timeout,
        "enable_keep_alive", "yes",
        "keep_alive_timeout_ms", "2000",
        /* Headers and body go out in separate writes: without this, Nagle's
         * algorithm holds the body for the client's delayed ACK, 40 ms. */
        "tcp_nodelay", "1",
        NULL
    };
    memset(&cb, 0, sizeof cb);
    cb.http_error = on_http_error;
    cb.log_message = on_log;
    struct mg_init_data init = { &cb, s, options };
    struct mg_error_data err = { NULL, ebuf, sizeof ebuf };
    mg_init_library(0);
    if (!(ctx = mg_start2(&init, &err)))
        die("cannot serve on %s: %s", listen, ebuf[0] ? ebuf : "mg_start failed");
    mg_set_request_handler(ctx, "/", on_request, s);
    mg_set_request_handler(ctx, "/api/train/events", on_events, s);
    if (mg_get_server_ports(ctx, 1, &port) < 1)
        die("cannot tell which port civetweb listens on");
    printf("http://%s:%d/\n", o.bind, port.port);
    if (fflush(stdout) != 0)
        warn("writing the address failed:");
    warn("serving %d model%s%s%s; SIGINT or SIGTERM stops", o.n_models,
         o.n_models == 1 ? "" : "s", o.data ? ", training on " : "",
         o.data ? o.data : "");

    while (sigwait(&sigs, &sig) != 0 || (sig != SIGINT && sig != SIGTERM))
        ;
    warn("%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    serve_shutdown(s, sig);         /* the run saves its model ... */
    mg_stop(ctx);                   /* the requests under way finish ... */
    serve_free(s);                  /* ... and the run is joined */
    mg_exit_library();
    return close_stdout();
}
