/* io.c - whole files: reading a stream into memory within a limit (the
 * model and image readers), and replacing a file atomically (the model
 * writer). */
#define _DEFAULT_SOURCE     /* madvise, MADV_HUGEPAGE where there are */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "nn_internal.h"

enum { HUGE_PAGE = 1 << 21 };

void *nn_alloc_big(size_t n)
{
    void *p = NULL;
    size_t whole = (n + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);

    if (n < HUGE_PAGE / 4 || whole < n)
        return malloc(n);
#if defined(MADV_HUGEPAGE)
    /* A first touch of each 4 KiB page costs a fault (microseconds in a
     * virtual machine); each 2 MiB page costs one, and zeroing it less
     * than the 128 faults of a 512 KiB block.  Whole pages, aligned, so
     * that all of the block can be in them; the advice changes nothing
     * where the kernel does not take it. */
    if (posix_memalign(&p, HUGE_PAGE, whole) != 0)
        return NULL;
    madvise(p, whole, MADV_HUGEPAGE);
    return p;
#else
    return malloc(n);
#endif
}

int nn_read_all(FILE *fp, size_t limit, const char *what, char **out,
                size_t *outlen, char *why, size_t whylen)
{
    size_t cap = 1 << 16, len = 0, n, want;
    struct stat st;
    off_t pos;
    char *buf, *p;

    *out = NULL;
    /* A file's size is known: all of it in one read, into a buffer one
     * byte larger, so that the read itself meets the end. */
    if (fileno(fp) >= 0 && fstat(fileno(fp), &st) == 0 &&
        S_ISREG(st.st_mode) && (pos = ftello(fp)) >= 0 &&
        st.st_size > pos && (uintmax_t)(st.st_size - pos) < limit)
        cap = (size_t)(st.st_size - pos) + 1;
    if (!(buf = nn_alloc_big(cap + 1)))
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

int nn_write_all(FILE *fp, const void *p, size_t n, char *why,
                 size_t whylen)
{
    int e;

    errno = 0;
    if (fwrite(p, 1, n, fp) == n && fflush(fp) == 0 && !ferror(fp))
        return NN_OK;
    e = errno ? errno : EIO;
    nn_why(why, whylen, NN_EIO, "write error: %s", strerror(e));
    errno = e;
    return NN_EIO;
}

/* Make the rename durable; best effort, as some file systems refuse. */
static void sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    int fd;

    if (!slash) {
        dir = strdup(".");
    } else {
        size_t n = slash == path ? 1 : (size_t)(slash - path);

        if ((dir = malloc(n + 1))) {
            memcpy(dir, path, n);
            dir[n] = '\0';
        }
    }
    if (!dir)
        return;
    if ((fd = open(dir, O_RDONLY)) >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

/* A device or a FIFO (/dev/null, /dev/full, a named pipe) cannot be
 * replaced by renaming a file over it, nor hold a partial file: write
 * straight to it. */
static int write_device(const char *path, nn_write_fn write, const void *arg,
                        char *why, size_t whylen)
{
    FILE *fp = fopen(path, "wb");
    int err, e;

    if (!fp)
        return nn_why(why, whylen, NN_EIO, "cannot open: %s",
                      strerror(errno));
    err = write(fp, arg, why, whylen);
    e = fclose(fp) != 0 ? (errno ? errno : EIO) : 0;
    if (!err && e)
        err = nn_why(why, whylen, NN_EIO, "write error: %s", strerror(e));
    return err;
}

int nn_replace_file(const char *path, nn_write_fn write, const void *arg,
                    char *why, size_t whylen)
{
    char *tmp = NULL;
    FILE *fp = NULL;
    int fd = -1, err, e;
    mode_t mask;
    struct stat st;

    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return write_device(path, write, arg, why, whylen);
    if (!(tmp = malloc(strlen(path) + sizeof ".tmpXXXXXX")))
        return nn_why(why, whylen, NN_ENOMEM, "%s", nn_strerror(NN_ENOMEM));
    strcpy(tmp, path);
    strcat(tmp, ".tmpXXXXXX");
    if ((fd = mkstemp(tmp)) < 0) {
        e = errno;
        free(tmp);
        return nn_why(why, whylen, NN_EIO,
                      "cannot create temporary file %s.tmpXXXXXX: %s", path,
                      strerror(e));
    }
    /* mkstemp makes the file 0600; give it what fopen would.  Reading the
     * umask means setting it: a brief window for other threads. */
    mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) {
        e = errno;
        err = nn_why(why, whylen, NN_EIO, "cannot set the mode of %s: %s",
                     tmp, strerror(e));
        goto fail;
    }
    if (!(fp = fdopen(fd, "wb"))) {
        e = errno;
        err = nn_why(why, whylen, NN_EIO, "cannot open %s: %s", tmp,
                     strerror(e));
        goto fail;
    }
    fd = -1;
    errno = 0;
    if ((err = write(fp, arg, why, whylen))) {
        if (err == NN_EIO)
            nn_why(why, whylen, err, "cannot write %s: %s", tmp,
                   strerror(errno ? errno : EIO));
        goto fail;
    }
    if (fsync(fileno(fp)) != 0) {
        e = errno;
        err = nn_why(why, whylen, NN_EIO, "cannot sync %s: %s", tmp,
                     strerror(e));
        goto fail;
    }
    e = fclose(fp) != 0 ? (errno ? errno : EIO) : 0;
    fp = NULL;
    if (e) {
        err = nn_why(why, whylen, NN_EIO, "cannot write %s: %s", tmp,
                     strerror(e));
        goto fail;
    }
    if (rename(tmp, path) != 0) {
        e = errno;
        err = nn_why(why, whylen, NN_EIO, "cannot rename %s to %s: %s", tmp,
                     path, strerror(e));
        goto fail;
    }
    sync_dir(path);
    free(tmp);
    return NN_OK;

fail:
    if (fp)
        fclose(fp);
    else if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return err;
}
