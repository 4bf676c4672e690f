/* files.c - the inputs and outputs of a run, checked before any work so
 * that an input is never overwritten and an output that cannot be written
 * fails the run before it starts (docs/outputs.md). */
#define _XOPEN_SOURCE 700     /* realpath */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "util.h"

struct file {
    const char *path, *role;
    int replaced;       /* by renaming a new file over it */
};

struct files {
    struct file *f;
    int n, cap;
};

static struct files inputs, outputs;

static void add(struct files *l, const char *path, const char *role,
                int replaced)
{
    if (l->n == l->cap) {
        struct file *f = realloc(l->f, (l->cap = l->cap ? 2 * l->cap : 8) *
                                 sizeof *f);
        if (!f)
            die("out of memory");
        l->f = f;
    }
    l->f[l->n++] = (struct file){ path, role, replaced };
}

void file_input(const char *path, const char *role)
{
    add(&inputs, path, role, 0);
}

void file_output(const char *path, const char *role)
{
    add(&outputs, path, role, 0);
}

void file_replaced(const char *path, const char *role)
{
    add(&outputs, path, role, 1);
}

/* The file behind path ("-": the standard stream fd), followed through
 * symbolic links; 0 if there is none. */
static int file_stat(const char *path, int fd, struct stat *st)
{
    if (strcmp(path, "-") == 0)
        return fstat(fd, st) == 0;
    return stat(path, st) == 0;
}

/* Whether a and b are the same regular file.  Devices and pipes are not
 * compared: /dev/null may be an input and an output at once. */
static int same_file(const struct stat *a, const struct stat *b)
{
    return S_ISREG(a->st_mode) && S_ISREG(b->st_mode) &&
           a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* The directory that holds path, for a file that does not exist yet:
 * into buf (PATH_MAX bytes). */
static const char *dir_of(const char *path, char *buf)
{
    snprintf(buf, PATH_MAX, "%s", path);
    return dirname(buf);
}

/* The same path for two files that do not exist yet: their directories
 * are the same and their last components equal. */
static int same_new_path(const char *a, const char *b)
{
    char da[PATH_MAX], db[PATH_MAX], ba[PATH_MAX], bb[PATH_MAX];
    struct stat sa, sb;

    snprintf(ba, sizeof ba, "%s", a);
    snprintf(bb, sizeof bb, "%s", b);
    if (strcmp(basename(ba), basename(bb)) != 0)
        return 0;
    return stat(dir_of(a, da), &sa) == 0 && stat(dir_of(b, db), &sb) == 0 &&
           sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* path names the file: an output's, or when that is standard output, the
 * input's that it is. */
static void clash(const char *path, const char *role, const char *other)
{
    usage_error("%s: is both %s and %s; an input is never overwritten, "
                "nor one output by another", path, role, other);
}

/* An output that cannot be written, found before the work starts. */
static void check_writable(const struct file *f)
{
    char buf[PATH_MAX];
    const char *dir;
    struct stat st;

    if (strcmp(f->path, "-") == 0)
        return;
    if (lstat(f->path, &st) == 0 && S_ISLNK(st.st_mode) &&
        stat(f->path, &st) != 0)
        die("%s: a symbolic link to a missing file, not a file for %s",
            f->path, f->role);
    if (stat(f->path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            die("%s: is a directory, not a file for %s", f->path, f->role);
        if (access(f->path, W_OK) != 0)
            die("%s:", f->path);
        if (!S_ISREG(st.st_mode) || !f->replaced)
            return;     /* written in place */
    }
    /* A new file, or a file replaced by renaming a new one over it. */
    dir = dir_of(file_target(f->path), buf);
    if (access(dir, W_OK) != 0)
        die("%s: cannot write in %s:", f->path, dir);
}

void files_check(void)
{
    struct stat *in = calloc(inputs.n + 1, sizeof *in), out, prev;
    int *have = calloc(inputs.n + 1, sizeof *have);

    if (!in || !have)
        die("out of memory");
    for (int i = 0; i < inputs.n; i++)
        have[i] = file_stat(inputs.f[i].path, 0, &in[i]);
    for (int o = 0; o < outputs.n; o++) {
        const struct file *f = &outputs.f[o];
        int exists = file_stat(f->path, 1, &out);

        for (int i = 0; i < inputs.n; i++)
            if ((exists && have[i] && same_file(&out, &in[i])) ||
                (strcmp(f->path, "-") && !strcmp(f->path, inputs.f[i].path)))
                clash(strcmp(f->path, "-") ? f->path
                      : strcmp(inputs.f[i].path, "-") ? inputs.f[i].path
                      : "standard input", f->role, inputs.f[i].role);
        for (int p = 0; p < o; p++) {
            const char *a = f->path, *b = outputs.f[p].path;

            if (!strcmp(a, "-") || !strcmp(b, "-"))
                continue;
            if (!strcmp(a, b) ||
                (exists && file_stat(b, 1, &prev) && same_file(&out, &prev)) ||
                (!exists && same_new_path(a, b)))
                clash(a, f->role, outputs.f[p].role);
        }
    }
    for (int o = 0; o < outputs.n; o++)
        check_writable(&outputs.f[o]);
    free(in);
    free(have);
}

int file_is_input(const char *path)
{
    struct stat a, b;

    if (!file_stat(path, 1, &a))
        return 0;
    for (int i = 0; i < inputs.n; i++)
        if (!strcmp(path, inputs.f[i].path) ||
            (file_stat(inputs.f[i].path, 0, &b) && same_file(&a, &b)))
            return 1;
    return 0;
}

const char *file_target(const char *path)
{
    static char *real;  /* the last target, kept until the next call */
    struct stat st;

    free(real);
    real = NULL;
    if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode) ||
        !(real = realpath(path, NULL)))
        return path;
    return real;
}

static sigset_t held;

void block_signals(void)
{
    sigemptyset(&held);
    sigaddset(&held, SIGINT);
    sigaddset(&held, SIGTERM);
    sigaddset(&held, SIGHUP);
    sigaddset(&held, SIGQUIT);
    sigprocmask(SIG_BLOCK, &held, NULL);
}

void unblock_signals(void)
{
    sigprocmask(SIG_UNBLOCK, &held, NULL);
}
