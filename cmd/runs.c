/* runs.c - nn-train's run log: one JSON line per run, appended whole. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "nn.h"
#include "runs.h"
#include "util.h"

int runs_start(struct run_log *r, const char *path)
{
    struct stat st;

    r->path = path;
    r->t0 = monotonic();
    r->fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0666);
    if (r->fd < 0)
        return -1;
    if (fstat(r->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(r->fd);
        r->fd = -1;
        errno = EISDIR;
        return -1;
    }
    return 0;
}

void runs_open(struct run_log *r, const char *path)
{
    if (runs_start(r, path) != 0)
        die(errno == EISDIR ? "%s: is a directory" : "%s:", path);
}

/* A float option as the user wrote it: 0.05, not 0.05000000074505806. */
static double short_float(float x)
{
    char buf[32];

    snprintf(buf, sizeof buf, "%.7g", x);
    return strtod(buf, NULL);
}

/* "784-256-10", or "784-conv5x5:32-maxpool2-10" (--net's names), into
 * buf. */
static void network(const nn_model *m, char *buf, size_t len)
{
    size_t n = 0;

    for (int i = 0; i <= nn_model_n_layers(m) && n < len; i++) {
        int type = i ? nn_model_layer_type(m, i - 1) : NN_LAYER_DENSE;
        int k = i ? nn_model_layer_kernel(m, i - 1) : 0, w, h, c;

        nn_model_layer_shape(m, i, &w, &h, &c);
        if (type == NN_LAYER_CONV)
            n += snprintf(buf + n, len - n, "-conv%dx%d:%d", k, k, c);
        else if (type == NN_LAYER_MAXPOOL)
            n += snprintf(buf + n, len - n, "-maxpool2");
        else
            n += snprintf(buf + n, len - n, "%s%d", i ? "-" : "",
                          nn_model_layer_size(m, i));
    }
}

static cJSON *describe(int argc, char **argv, const nn_model *m,
                       const char *model_path, const char *test_path,
                       double test_acc, double seconds)
{
    const nn_train_info *t = nn_model_train_info(m);
    cJSON *o = cJSON_CreateObject(), *cmd;
    char buf[4096];
    time_t now = time(NULL);
    struct tm tm;

    if (!o)
        return NULL;
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    cJSON_AddStringToObject(o, "time", buf);
    cmd = cJSON_AddArrayToObject(o, "command");
    for (int i = 0; cmd && i < argc; i++)
        cJSON_AddItemToArray(cmd, cJSON_CreateString(argv[i]));
    network(m, buf, sizeof buf);
    cJSON_AddStringToObject(o, "network", buf);
    cJSON_AddStringToObject(o, "activation",
                            nn_model_n_layers(m) > 1
                            ? nn_act_name(nn_model_hidden_act(m)) : "none");
    cJSON_AddStringToObject(o, "output", nn_act_name(nn_model_output_act(m)));
    cJSON_AddStringToObject(o, "cost", nn_cost_name(nn_model_cost(m)));
    cJSON_AddNumberToObject(o, "epochs", t->opts.epochs);
    cJSON_AddNumberToObject(o, "batch", t->opts.batch);
    cJSON_AddNumberToObject(o, "rate", short_float(t->opts.rate));
    cJSON_AddNumberToObject(o, "momentum", short_float(t->opts.momentum));
    cJSON_AddNumberToObject(o, "lambda", short_float(t->opts.lambda));
    cJSON_AddNumberToObject(o, "patience", t->opts.patience);
    cJSON_AddStringToObject(o, "optimizer", nn_optimizer_name(t->opts.optimizer));
    cJSON_AddStringToObject(o, "schedule", nn_schedule_name(t->opts.schedule));
    cJSON_AddNumberToObject(o, "dropout", short_float(t->opts.dropout));
    cJSON_AddNumberToObject(o, "input_dropout",
                            short_float(t->opts.input_dropout));
    cJSON_AddNumberToObject(o, "max_norm", short_float(t->opts.max_norm));
    cJSON_AddStringToObject(o, "augment", nn_augment_name(t->opts.augment.kinds,
                                                          buf, sizeof buf));
    cJSON_AddNumberToObject(o, "seed", (double)t->opts.seed);
    cJSON_AddNumberToObject(o, "epochs_run", t->epochs_run);
    cJSON_AddNumberToObject(o, "best_epoch", t->best_epoch);
    if (t->best_val_acc >= 0)
        cJSON_AddNumberToObject(o, "best_val_acc", t->best_val_acc);
    else
        cJSON_AddNullToObject(o, "best_val_acc");
    if (test_acc >= 0) {
        cJSON_AddNumberToObject(o, "test_acc", test_acc);
        cJSON_AddStringToObject(o, "test", test_path);
    } else {
        cJSON_AddNullToObject(o, "test_acc");
    }
    cJSON_AddNumberToObject(o, "n_train", (double)t->n_train);
    cJSON_AddNumberToObject(o, "n_val", (double)t->n_val);
    cJSON_AddNumberToObject(o, "seconds", (long)(seconds * 10 + 0.5) / 10.0);
    cJSON_AddStringToObject(o, "model", model_path);
    if (getcwd(buf, sizeof buf))
        cJSON_AddStringToObject(o, "cwd", buf);
    cJSON_AddStringToObject(o, "version", NN_VERSION);
    return o;
}

int runs_append(struct run_log *r, int argc, char **argv,
                const nn_model *m, const char *model_path,
                const char *test_path, double test_acc)
{
    cJSON *o = describe(argc, argv, m, model_path, test_path, test_acc,
                        monotonic() - r->t0);
    char *text = o ? cJSON_PrintUnformatted(o) : NULL, *line = NULL;
    size_t len;
    ssize_t n;
    int failed = 0;

    if (!text || !(line = malloc(strlen(text) + 1)))
        die("out of memory");
    len = strlen(text);
    memcpy(line, text, len);
    line[len++] = '\n';
    n = write(r->fd, line, len);
    if (n < 0) {
        warn("%s: the model was written, the run log not:", r->path);
        failed = 1;
    } else if ((size_t)n != len) {
        warn("%s: the model was written, the run log not: short write "
             "(disk full?)", r->path);
        failed = 1;
    }
    if (close(r->fd) != 0 && !failed) {
        warn("%s:", r->path);
        failed = 1;
    }
    r->fd = -1;
    free(line);
    cJSON_free(text);
    cJSON_Delete(o);
    return failed;
}
