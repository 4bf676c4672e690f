/* io.c - reading a whole stream into memory, within a limit: what the
 * model reader and the image reader both need. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

int nn_read_all(FILE *fp, size_t limit, const char *what, char **out,
                size_t *outlen, char *why, size_t whylen)
{
    size_t cap = 1 << 16, len = 0, n, want;
    char *buf = malloc(cap + 1), *p;

    *out = NULL;
    if (!buf)
        return NN_ENOMEM;
    for (;;) {
        if (len == cap) {
            if (cap > limit)
                goto too_big;
            cap = cap * 2 > limit ? limit + 1 : cap * 2;
            if (!(p = realloc(buf, cap + 1))) {
                free(buf);
                return NN_ENOMEM;
            }
            buf = p;
        }
        want = cap - len;
        n = fread(buf + len, 1, want, fp);
        len += n;
        if (n < want) {
            if (ferror(fp)) {
                int e = errno;
                free(buf);
                return nn_why(why, whylen, NN_EIO, "read error: %s",
                              strerror(e ? e : EIO));
            }
            break;      /* end of file */
        }
    }
    if (len > limit)
        goto too_big;
    buf[len] = '\0';
    *out = buf;
    *outlen = len;
    return NN_OK;
too_big:
    free(buf);
    return nn_why(why, whylen, NN_ELIMIT, "%s larger than %lu MiB (the limit)",
                  what, (unsigned long)(limit >> 20));
}
