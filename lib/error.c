/* error.c - error codes to text, and the `why` buffer helper. */
#include <stdarg.h>
#include <stdio.h>

#include "nn_internal.h"

const char *nn_strerror(int err)
{
    switch (err) {
    case NN_OK: return "success";
    case NN_ENOMEM: return "out of memory";
    case NN_EIO: return "input/output error";
    case NN_EFORMAT: return "malformed input";
    case NN_ESHAPE: return "sizes do not match";
    case NN_EINVAL: return "invalid argument";
    case NN_ENUMERIC: return "numeric overflow (NaN or infinite value)";
    case NN_ELIMIT: return "input exceeds a size limit";
    case NN_EINTR: return "interrupted";
    }
    return "unknown error";
}

int nn_why(char *why, size_t whylen, int err, const char *fmt, ...)
{
    va_list ap;

    if (why && whylen > 0) {
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return err;
}
