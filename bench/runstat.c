/* runstat.c - run a command; write its wall time, peak memory and CPU time
 * to a file.  GNU time is not on every machine, and the bench needs all three
 * figures (CPU time over wall time: how many cores a run kept busy). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../cmd/util.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void usage(void)
{
    printf("Usage: %s FILE COMMAND [ARG...]\n"
"Run COMMAND and write to FILE one line: its wall time in seconds, the\n"
"peak resident memory in KiB of the largest process it ran (itself or a\n"
"child it waited for, e.g. one stage of `sh -c 'a | b'`), and the CPU time\n"
"in seconds (user and system) of all the processes it waited for.  The\n"
"exit status is COMMAND's, or 128 + the signal that ended it.\n", argv0);
}

int main(int argc, char **argv)
{
    struct rusage ru;
    char tmp[4096];
    double t0, wall;
    int status;
    pid_t pid;
    FILE *fp;

    setprog(argv[0]);
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage();
        return close_stdout();
    }
    if (argc < 3)
        usage_error("need FILE and COMMAND");
    if (snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]) >= (int)sizeof tmp)
        usage_error("%s: name too long", argv[1]);

    t0 = now();
    if ((pid = fork()) < 0)
        die("fork:");
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        fprintf(stderr, "%s: %s: %s\n", argv0, argv[2], strerror(errno));
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            die("waitpid:");
    wall = now() - t0;
    if (getrusage(RUSAGE_CHILDREN, &ru))
        die("getrusage:");

    /* Written whole or not at all: a temporary file, then rename. */
    if (!(fp = fopen(tmp, "w")))
        die("%s:", tmp);
    fprintf(fp, "%.4f %ld %.4f\n", wall, ru.ru_maxrss,
            ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
            ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6);
    if (fclose(fp) || rename(tmp, argv[1])) {
        remove(tmp);
        die("%s: cannot write:", argv[1]);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
