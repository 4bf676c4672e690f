/* progress.c - one self-erasing progress line (bar, count, rate, ETA) on a
 * terminal, redrawn at most 10 times a second. */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"

#define BAR 20              /* characters inside the brackets */
#define INTERVAL 0.1        /* seconds between drawings */

FILE *progress_stream(int off)
{
    const char *env = getenv("NN_PROGRESS");

    if (off || (env && strcmp(env, "0") == 0))
        return NULL;
    if (env && strcmp(env, "1") == 0)
        return stderr;
    return isatty(STDERR_FILENO) ? stderr : NULL;
}

/* Columns of the terminal fp is, less one so that the line never wraps (a
 * wrapped line cannot be erased with \r); 79 if unknown. */
static int columns(FILE *fp)
{
    struct winsize ws;

    if (ioctl(fileno(fp), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
        return ws.ws_col - 1;
    return 79;
}

/* "12", "4.5k", "1.2M": counts per second that fit a short column. */
static void format_rate(char *buf, size_t len, double r)
{
    if (r < 1000)
        snprintf(buf, len, "%.0f", r);
    else if (r < 1e6)
        snprintf(buf, len, "%.1fk", r / 1e3);
    else
        snprintf(buf, len, "%.1fM", r / 1e6);
}

/* "0:07", "12:34", "1:02:03". */
static void format_time(char *buf, size_t len, double s)
{
    long t = s < 0 ? 0 : s > 359999 ? 359999 : (long)(s + 0.5);

    if (t >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

void progress_format(char *buf, size_t len, const char *label,
                     const char *unit, long done, long total,
                     double elapsed)
{
    char rate[32] = "--", eta[32] = "--:--", bar[BAR + 1];
    size_t n = 0;

    /* A rate measured over less than a tenth of a second is noise, unless
     * it is the final one. */
    if (done > 0 && elapsed > 0 && (elapsed >= INTERVAL || done == total)) {
        format_rate(rate, sizeof rate, done / elapsed);
        if (total > 0)
            format_time(eta, sizeof eta,
                        (total - done) * (elapsed / done));
    }
    if (label && *label)
        n += snprintf(buf + n, len - n, "%s ", label);
    if (n < len && total > 0) {
        long fill = done >= total ? BAR : done * BAR / total;

        memset(bar, '#', fill);
        memset(bar + fill, '.', BAR - fill);
        bar[BAR] = '\0';
        n += snprintf(buf + n, len - n, "[%s] %3ld%% %ld/%ld %s, %s/s, ETA %s",
                      bar, done >= total ? 100 : done * 100 / total, done,
                      total, unit, rate, eta);
    } else if (n < len) {
        snprintf(buf + n, len - n, "%ld %s, %s/s", done, unit, rate);
    }
}

void progress_start(struct progress *p, FILE *fp, const char *label,
                    const char *unit, long total)
{
    memset(p, 0, sizeof *p);
    p->fp = fp;
    p->label = label;
    p->unit = unit;
    p->total = total > 0 ? total : 0;
    p->now = monotonic;
    p->t0 = p->last = p->now();
}

void progress_update(struct progress *p, long done)
{
    char line[512];
    int cols, len;
    double t;

    if (!p->fp)
        return;
    p->done = done;
    t = p->now();
    if (t - p->last < INTERVAL && !(p->total > 0 && done == p->total))
        return;
    p->last = t;
    progress_format(line, sizeof line, p->label, p->unit, done, p->total,
                    t - p->t0);
    cols = columns(p->fp);
    len = (int)strlen(line);
    if (len > cols)
        len = cols;
    /* Pad over the rest of a longer previous line. */
    fprintf(p->fp, "\r%.*s%*s", len, line, p->width > len ? p->width - len : 0,
            "");
    fflush(p->fp);
    p->width = len;
}

void progress_clear(struct progress *p)
{
    if (!p->fp || p->width == 0)
        return;
    fprintf(p->fp, "\r%*s\r", p->width, "");
    fflush(p->fp);
    p->width = 0;
}

void progress_finish(struct progress *p)
{
    progress_clear(p);
    p->fp = NULL;
}
