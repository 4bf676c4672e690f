/* model_convert.c - a model in any of the formats nnpipe reads and writes
 * (nnpipe's JSON, network2's JSON, ONNX): which one a file is, from its
 * bytes, and the writer of each. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

/* Largest file read (as NN_MODEL_MAX_BYTES of model_json.c). */
#define MAX_BYTES ((size_t)1 << 30)

/* A JSON document: network2's if its top level has "sizes" and no
 * "format"; otherwise nnpipe's reader reads the text again and says what
 * is wrong with it. */
static int import_json(nn_model **out, int *fmt, char *text, size_t len,
                       char *why, size_t whylen)
{
    nn_json_doc *doc = NULL;
    const nn_json *root, *v;
    int network2 = 0, err;
    FILE *fp;

    if (nn_utf8_bad(text, len) == len
        && nn_json_parse(&doc, text, len, NULL, 0) == NN_OK) {
        root = nn_json_root(doc);
        network2 = root->type == NN_JSON_OBJECT;
        for (v = network2 ? root->child : NULL; v; v = v->next)
            if (strcmp(v->key, "format") == 0)
                network2 = 0;
        for (v = network2 ? root->child : NULL; v; v = v->next)
            if (strcmp(v->key, "sizes") == 0)
                break;
        if (network2 && v) {
            *fmt = NN_FMT_NETWORK2;
            err = nn_network2_read(out, root, why, whylen);
            nn_json_free(doc);
            return err;
        }
        nn_json_free(doc);
    }
    *fmt = NN_FMT_NNPIPE;
    if (!(fp = fmemopen(text, len, "rb")))
        return nn_why(why, whylen, NN_ENOMEM, "%s", nn_strerror(NN_ENOMEM));
    err = nn_model_read(out, fp, why, whylen);
    fclose(fp);
    return err;
}

int nn_model_import(nn_model **out, int *fmt, FILE *fp, char *why,
                    size_t whylen)
{
    char *buf = NULL, *text;
    size_t len = 0, off;
    int kind, f = NN_FMT_NNPIPE, err;

    if (why && whylen)
        why[0] = '\0';
    if (!out || !fp)
        return nn_why(why, whylen, NN_EINVAL, "no model or no stream");
    *out = NULL;
    if ((err = nn_read_all(fp, MAX_BYTES, "model file", &buf, &len, why,
                           whylen)))
        return err;
    off = nn_utf8_bom((const uint8_t *)buf, len);
    text = buf + off;
    kind = nn_file_kind((const uint8_t *)text, len - off);
    if (kind == NN_KIND_UNKNOWN && len > off) {
        f = NN_FMT_ONNX;
        err = nn_onnx_read(out, (const uint8_t *)text, len - off, why,
                           whylen);
    } else {
        err = import_json(out, &f, buf, len, why, whylen);
    }
    free(buf);
    if (fmt)
        *fmt = f;
    return err;
}

static int write_nnpipe(FILE *fp, const void *m, char *why, size_t whylen)
{
    int err;

    errno = 0;
    if ((err = nn_model_write(m, fp)) == NN_EIO)
        return nn_why(why, whylen, err, "write error: %s",
                      strerror(errno ? errno : EIO));
    return err ? nn_why(why, whylen, err, "%s", nn_strerror(err)) : err;
}

static const nn_write_fn writers[] = {
    [NN_FMT_NNPIPE] = write_nnpipe,
    [NN_FMT_NETWORK2] = nn_network2_write,
    [NN_FMT_ONNX] = nn_onnx_write,
};

static int bad_format(int fmt, char *why, size_t whylen)
{
    return nn_why(why, whylen, NN_EINVAL, "unknown model format %d", fmt);
}

/* Whether fmt can hold m (only nnpipe's own format holds an ensemble);
 * NN_OK or why not. */
static int can_hold(const nn_model *m, int fmt, char *why, size_t whylen)
{
    if (!nn_format_name(fmt))
        return bad_format(fmt, why, whylen);
    if (fmt != NN_FMT_NNPIPE && nn_model_members(m) > 1)
        return nn_why(why, whylen, NN_EINVAL, "%s holds one network, and "
                      "this model is an ensemble of %d (nnpipe's format "
                      "holds it)", nn_format_name(fmt), nn_model_members(m));
    return NN_OK;
}

int nn_model_export(const nn_model *m, int fmt, FILE *fp, char *why,
                    size_t whylen)
{
    int err = can_hold(m, fmt, why, whylen);

    return err ? err : writers[fmt](fp, m, why, whylen);
}

int nn_model_export_save(const nn_model *m, int fmt, const char *path,
                         char *why, size_t whylen)
{
    int err = can_hold(m, fmt, why, whylen);

    if (err)
        return err;
    if (fmt == NN_FMT_NNPIPE)
        return nn_model_save(m, path, why, whylen);
    return nn_replace_file(path, writers[fmt], m, why, whylen);
}
