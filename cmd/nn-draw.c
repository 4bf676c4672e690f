/* nn-draw - draw a digit in the terminal (ncurses, mouse or keyboard) and
 * write its vector; with a model, the prediction is shown as you draw. */
#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "nn.h"
#include "util.h"

enum {
    N = 28,                 /* the grid: N x N cells */
    MARGIN = 4,             /* cells of blank paper around it when rendered */
    SCALE = 4,              /* pixels per cell in the rendered image */
    IMG = (N + 2 * MARGIN) * SCALE,
    GRID_Y = 2, GRID_X = 1, /* screen position of cell (0, 0) */
    PANEL_X = GRID_X + 2 * N + 3,
    BAR = 20,               /* columns of a probability bar */
    MIN_COLS = PANEL_X + 34,
    MIN_ROWS = GRID_Y + N + 3
};

struct opts {
    const char *model;
    int binary, label, multi;
};

/* What the screen shows and what is written. */
struct app {
    const struct opts *o;
    nn_model *m;
    float *y;                   /* n_out probabilities */
    unsigned char pen[N][N];    /* cells painted by the user */
    float ink[N][N];            /* pen with the soft brush around it */
    float x[N * N];             /* the vector the model sees */
    int have_x;                 /* x is valid (there is ink) */
    char prep_why[128];         /* why x is not valid despite ink */
    int cx, cy;                 /* keyboard cursor */
    int pen_down;               /* 'p': moving the cursor paints */
    int drag, last_x, last_y;   /* mouse: 1 painting, -1 erasing, 0 no */
    char msg[128];              /* status line */
    long written;               /* records accepted */
    int err;                    /* why writing one failed */
    nn_vec_writer *w;
    nn_data *held;              /* records kept until the end when stdout
                                   is the terminal */
};

static void usage(void)
{
    printf("Usage: %s [OPTIONS] [MODEL]\n"
"Draw a digit in the terminal with the mouse or the keyboard, on a 28x28\n"
"grid, and write it to standard output as one vector record, preprocessed\n"
"as img2vec does.  With MODEL (a model file), the predicted class and the\n"
"probability of every class are shown as you draw.\n"
"\n"
"  -m, --model MODEL    the model to show predictions of (or give MODEL)\n"
"  -l, --label N        give the records the label N ('?' without)\n"
"      --multi          stay open after Enter, for more digits\n"
"  -b, --binary         binary vector stream (float32) instead of text\n"
"  -h, --help           show this help and exit\n"
"      --version        show the version and exit\n"
"\n"
"Mouse: the left button paints, the right button (or Ctrl with the left)\n"
"erases; drag to draw strokes.  Keys: arrows move the cursor, space paints,\n"
"x or Backspace erases, p puts the pen down or lifts it (moving then\n"
"paints), c clears, Enter writes the digit, q or Esc quits.  The exit\n"
"status is 0 if a digit was written, 1 if none was.\n", argv0);
}

enum { OPT_MULTI = 256, OPT_VERSION };

static void parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        { "model", required_argument, NULL, 'm' },
        { "label", required_argument, NULL, 'l' },
        { "multi", no_argument, NULL, OPT_MULTI },
        { "binary", no_argument, NULL, 'b' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, OPT_VERSION },
        { NULL, 0, NULL, 0 }
    };
    int c;

    memset(o, 0, sizeof *o);
    o->label = -1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":m:l:bh", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': o->model = optarg; break;
        case 'l': o->label = (int)parse_int(optarg, 0, NN_MAX_CLASSES - 1, "--label"); break;
        case OPT_MULTI: o->multi = 1; break;
        case 'b': o->binary = 1; break;
        case 'h': usage(); exit(close_stdout());
        case OPT_VERSION: print_version(); exit(close_stdout());
        default: option_error(c, argv);
        }
    }
    if (argc - optind > 1)
        usage_error("too many operands");
    if (optind < argc && o->model)
        usage_error("two models given (-m and an operand)");
    if (optind < argc)
        o->model = argv[optind];
}

/* ------------------------------------------------------------------------ */
/* The drawing and what the network sees. */

/* A pen of soft ink: a painted cell is full ink, its 4 neighbours a quarter
 * and its diagonal neighbours a tenth, which gives strokes grey,
 * anti-aliased edges; the preprocessing then brings them to MNIST's width.
 * A stronger halo (a half and a quarter) read small drawings worse: MNIST's
 * test digits thinned to one cell and drawn at half size in a corner gave
 * 85.0% against 87.7% with this one (3000 digits).  ink is recomputed from
 * pen after every change, so erasing a cell also takes away its share of
 * the soft edge. */
static void brush(struct app *a)
{
    static const float k[3][3] = {
        { 0.1f, 0.25f, 0.1f }, { 0.25f, 1.0f, 0.25f }, { 0.1f, 0.25f, 0.1f }
    };

    memset(a->ink, 0, sizeof a->ink);
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) {
            if (!a->pen[y][x])
                continue;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int ny = y + dy, nx = x + dx;
                    if (ny >= 0 && ny < N && nx >= 0 && nx < N &&
                        a->ink[ny][nx] < k[dy + 1][dx + 1])
                        a->ink[ny][nx] = k[dy + 1][dx + 1];
                }
        }
}

/* Ink at a point in cell coordinates (cell centres at integers), bilinear
 * between cells, none outside the grid. */
static float ink_at(const struct app *a, double fy, double fx)
{
    int y0 = (int)floor(fy), x0 = (int)floor(fx);
    double ay = fy - y0, ax = fx - x0, v = 0;

    for (int dy = 0; dy <= 1; dy++)
        for (int dx = 0; dx <= 1; dx++) {
            int y = y0 + dy, x = x0 + dx;
            if (y >= 0 && y < N && x >= 0 && x < N)
                v += (dy ? ay : 1 - ay) * (dx ? ax : 1 - ax) * a->ink[y][x];
        }
    return (float)v;
}

/* Dark ink on white paper, IMG x IMG pixels, with a margin of paper so that
 * a stroke along the grid's edge is not taken for a ruled line. */
static void render(const struct app *a, uint8_t *gray)
{
    for (int py = 0; py < IMG; py++)
        for (int px = 0; px < IMG; px++) {
            double fy = (py + 0.5) / SCALE - MARGIN - 0.5;
            double fx = (px + 0.5) / SCALE - MARGIN - 0.5;
            float v = ink_at(a, fy, fx);
            gray[py * IMG + px] = (uint8_t)lrintf(255.0f * (1.0f - v));
        }
}

/* After a change: the brush, the vector (through img2vec's preprocessing)
 * and the model's probabilities. */
static void update(struct app *a)
{
    static uint8_t gray[IMG * IMG];
    char why[128] = "";
    nn_prep_opts po;
    int any = 0, err;

    brush(a);
    for (int i = 0; i < N * N; i++)
        any |= a->pen[i / N][i % N];
    a->have_x = 0;
    a->prep_why[0] = '\0';
    if (!any)
        return;
    render(a, gray);
    nn_prep_opts_default(&po);
    po.invert = 1;
    err = nn_prep_digit(gray, IMG, IMG, &po, a->x, why, sizeof why);
    if (err) {
        snprintf(a->prep_why, sizeof a->prep_why, "%s",
                 why[0] ? why : nn_strerror(err));
        return;
    }
    a->have_x = 1;
    if (a->m)
        nn_predict(a->m, a->x, 1, a->y);
}

static void set_cell(struct app *a, int y, int x, int on)
{
    if (y >= 0 && y < N && x >= 0 && x < N)
        a->pen[y][x] = (unsigned char)on;
}

/* Mouse strokes: every cell on the line from the last position, so a fast
 * drag leaves no gaps. */
static void stroke(struct app *a, int y1, int x1, int on)
{
    int y0 = a->last_y, x0 = a->last_x;
    int dx = abs(x1 - x0), dy = -abs(y1 - y0);
    int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, e = dx + dy;

    if (y0 < 0) {
        y0 = y1;
        x0 = x1;
    }
    for (;;) {
        set_cell(a, y0, x0, on);
        if (x0 == x1 && y0 == y1)
            break;
        if (2 * e >= dy) {
            e += dy;
            x0 += sx;
        }
        if (2 * e <= dx) {
            e += dx;
            y0 += sy;
        }
    }
    a->last_y = y1;
    a->last_x = x1;
}

/* ------------------------------------------------------------------------ */
/* The screen. */

/* Grey ramp for the preview, dark to light. */
static const char ramp[] = " .:-=+*#%@";

static void draw_grid(const struct app *a)
{
    mvaddch(GRID_Y - 1, GRID_X - 1, '+');
    for (int x = 0; x < 2 * N; x++)
        addch('-');
    addch('+');
    for (int y = 0; y < N; y++) {
        mvaddch(GRID_Y + y, GRID_X - 1, '|');
        for (int x = 0; x < N; x++) {
            float v = a->ink[y][x];
            int cursor = y == a->cy && x == a->cx;
            const char *s = a->pen[y][x] ? "##" : v >= 0.2f ? "::"
                          : v > 0 ? ".." : "  ";
            /* Reverse video contrasts on dark and light themes alike. */
            attr_t at = a->pen[y][x] ? A_REVERSE : A_NORMAL;
            if (cursor) {
                s = "[]";
                at = a->pen[y][x] ? A_REVERSE : A_BOLD;
            }
            attrset(at);
            addstr(s);
            attrset(A_NORMAL);
        }
        addch('|');
    }
    mvaddch(GRID_Y + N, GRID_X - 1, '+');
    for (int x = 0; x < 2 * N; x++)
        addch('-');
    addch('+');
}

/* Class i's name, cut to fit the panel. */
static void class_name(const nn_model *m, int i, char *buf, size_t len)
{
    const char *name = nn_model_class_name(m, i);
    if (name)
        snprintf(buf, len, "%.8s", name);
    else
        snprintf(buf, len, "%d", i);
}

static void draw_panel(const struct app *a)
{
    int row = GRID_Y - 1, k = a->m ? nn_model_n_out(a->m) : 0;
    char name[16];

    if (!a->m) {
        mvaddstr(row, PANEL_X, "no model: nn-draw -m MODEL");
        mvaddstr(row + 1, PANEL_X, "shows the prediction");
    } else if (!a->have_x) {
        mvaddstr(row, PANEL_X, a->prep_why[0] ? "not read as a digit"
                                              : "draw a digit");
    } else {
        int best = nn_argmax(a->y, k);
        class_name(a->m, best, name, sizeof name);
        attron(A_BOLD);
        mvprintw(row, PANEL_X, "prediction: %s  %5.1f%%", name,
                 100.0 * a->y[best]);
        attroff(A_BOLD);
    }
    row += 2;
    /* One bar per class, as many as fit above the preview. */
    for (int i = 0; i < k && i < 10; i++, row++) {
        float p = a->have_x ? a->y[i] : 0.0f;
        int len = (int)lrintf(p * BAR);
        class_name(a->m, i, name, sizeof name);
        mvprintw(row, PANEL_X, "%8.8s |", name);
        for (int j = 0; j < BAR; j++)
            addch(j < len ? '#' : ' ');
        if (a->have_x)
            printw("| %5.1f%%", 100.0 * p);
        else
            addch('|');
    }
    if (k > 10)
        mvprintw(row++, PANEL_X, "(%d more classes)", k - 10);
    row = GRID_Y + N - 14 - 1;
    mvaddstr(row++, PANEL_X, "the network sees:");
    for (int y = 0; y < N; y += 2, row++) {
        move(row, PANEL_X);
        for (int x = 0; x < N; x++) {
            float v = a->have_x ? (a->x[y * N + x] + a->x[(y + 1) * N + x]) / 2
                                : 0.0f;
            int i = (int)(v * (sizeof ramp - 1));
            addch(ramp[i > (int)sizeof ramp - 2 ? (int)sizeof ramp - 2 : i]);
        }
    }
}

static void draw(const struct app *a)
{
    char title[128];

    erase();
    if (COLS < MIN_COLS || LINES < MIN_ROWS) {
        mvprintw(0, 0, "The terminal is %dx%d; nn-draw needs %dx%d.",
                 COLS, LINES, MIN_COLS, MIN_ROWS);
        mvaddstr(1, 0, "Make it larger, or press q to quit.");
        refresh();
        return;
    }
    snprintf(title, sizeof title, "nn-draw: draw a digit; mouse: left "
             "paints, right erases");
    if (a->o->label >= 0)
        snprintf(title + strlen(title), sizeof title - strlen(title),
                 " (label %d)", a->o->label);
    if (a->o->multi)
        snprintf(title + strlen(title), sizeof title - strlen(title),
                 "; %ld written", a->written);
    if (a->pen_down)
        snprintf(title + strlen(title), sizeof title - strlen(title),
                 "; pen down");
    mvaddstr(0, 0, title);
    draw_grid(a);
    draw_panel(a);
    mvaddstr(GRID_Y + N + 1, 0, a->msg);
    mvaddstr(GRID_Y + N + 2, 0, "arrows move, space paints, x erases, "
             "p pen up/down, c clears, Enter writes, q quits");
    refresh();
}

/* ------------------------------------------------------------------------ */
/* Input. */

/* Write the drawing as a record (or say why not); 0, or NN_EIO or
 * NN_ENOMEM, also kept in a->err. */
static int accept_digit(struct app *a)
{
    int err;

    if (!a->have_x) {
        snprintf(a->msg, sizeof a->msg, "%s", a->prep_why[0]
                 ? a->prep_why : "nothing drawn yet: draw a digit first");
        return 0;
    }
    if (a->held)
        err = nn_data_add(a->held, a->x, a->o->label);
    else if (!(err = nn_vec_write(a->w, a->x, a->o->label)) && fflush(stdout))
        err = NN_EIO;
    if (err)
        return a->err = err;
    a->written++;
    snprintf(a->msg, sizeof a->msg, "record %ld written", a->written);
    return 0;
}

static void clear_grid(struct app *a)
{
    memset(a->pen, 0, sizeof a->pen);
    update(a);
}

static void mouse_event(struct app *a, const MEVENT *ev)
{
    mmask_t press = BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON3_PRESSED |
                    BUTTON3_CLICKED;
    mmask_t release = BUTTON1_RELEASED | BUTTON1_CLICKED | BUTTON3_RELEASED |
                      BUTTON3_CLICKED;
    int y = ev->y - GRID_Y, x = ev->x < GRID_X ? -1 : (ev->x - GRID_X) / 2;

    if (ev->bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
        a->drag = ev->bstate & BUTTON_CTRL ? -1 : 1;
    else if (ev->bstate & (BUTTON3_PRESSED | BUTTON3_CLICKED))
        a->drag = -1;
    if (!a->drag)
        return;
    if ((ev->bstate & press) || y < 0 || y >= N || x < 0 || x >= N)
        a->last_y = a->last_x = -1;     /* a new stroke */
    if (y >= 0 && y < N && x >= 0 && x < N) {
        stroke(a, y, x, a->drag > 0);
        a->cy = y;
        a->cx = x;
    }
    if (ev->bstate & release)
        a->drag = 0;
}

/* One event per KEY_MOUSE.  When a press and the next event reach ncurses
 * together it may queue both and hand out only the later one; motion
 * without a known button is then ignored rather than guessed. */
static void on_mouse(struct app *a)
{
    MEVENT ev;

    if (getmouse(&ev) != OK)
        return;
    mouse_event(a, &ev);
    update(a);
}

static void move_cursor(struct app *a, int dy, int dx)
{
    a->cy = (a->cy + dy + N) % N;
    a->cx = (a->cx + dx + N) % N;
    if (a->pen_down) {
        set_cell(a, a->cy, a->cx, 1);
        update(a);
    }
}

enum { GO_ON, QUIT, DONE, FAILED };

/* One key; what happens next. */
static int on_key(struct app *a, int ch)
{
    int small = COLS < MIN_COLS || LINES < MIN_ROWS;

    a->msg[0] = '\0';
    if (ch == 'q' || ch == 'Q' || ch == 27 || ch == 3)     /* Esc, Ctrl-C */
        return QUIT;
    if (small)
        return GO_ON;
    switch (ch) {
    case KEY_UP: move_cursor(a, -1, 0); break;
    case KEY_DOWN: move_cursor(a, 1, 0); break;
    case KEY_LEFT: move_cursor(a, 0, -1); break;
    case KEY_RIGHT: move_cursor(a, 0, 1); break;
    case ' ':
        set_cell(a, a->cy, a->cx, 1);
        update(a);
        break;
    case 'x': case KEY_BACKSPACE: case KEY_DC: case 127: case 8:
        set_cell(a, a->cy, a->cx, 0);
        update(a);
        break;
    case 'p':
        a->pen_down = !a->pen_down;
        if (a->pen_down)
            set_cell(a, a->cy, a->cx, 1);
        update(a);
        break;
    case 'c':
        clear_grid(a);
        break;
    case '\n': case '\r': case KEY_ENTER:
        if (accept_digit(a))
            return FAILED;
        if (a->written && !a->o->multi)
            return DONE;
        if (a->written && a->have_x)
            clear_grid(a);
        break;
    case KEY_MOUSE:
        on_mouse(a);
        break;
    default:
        break;
    }
    return GO_ON;
}

/* xterm's button-event mouse tracking (1002): motion is reported while a
 * button is held, which is what drag painting needs. */
static void drag_tracking(FILE *tty, int on)
{
    fputs(on ? "\033[?1002h" : "\033[?1002l", tty);
    fflush(tty);
}

/* The session on the terminal: /dev/tty, not stdout, which carries the
 * records.  Returns GO_ON's siblings: DONE, QUIT or FAILED. */
static int session(struct app *a)
{
    FILE *tty = fopen("/dev/tty", "r+");
    const char *term = getenv("TERM");
    SCREEN *scr;
    int how = GO_ON, cols, rows;

    if (!tty)
        die("/dev/tty: %s (nn-draw needs a terminal)", strerror(errno));
    if (!term || !*term)
        die("TERM is not set (nn-draw needs a terminal)");
    if (!(scr = newterm(NULL, tty, tty)))
        die("cannot use the terminal (TERM=%s)", term);
    cols = COLS;
    rows = LINES;
    if (cols < MIN_COLS || rows < MIN_ROWS) {
        endwin();
        delscreen(scr);
        fclose(tty);
        die("the terminal is %dx%d; nn-draw needs at least %dx%d "
            "(columns x rows)", cols, rows, MIN_COLS, MIN_ROWS);
    }
    raw();
    noecho();
    keypad(stdscr, TRUE);
    set_escdelay(100);      /* Esc alone quits: not a split sequence */
    curs_set(0);
    mouseinterval(0);
    mousemask(ALL_MOUSE_EVENTS | REPORT_MOUSE_POSITION, NULL);
    drag_tracking(tty, 1);
    update(a);
    while (how == GO_ON) {
        int ch;
        draw(a);
        errno = 0;
        /* ERR from a blocking getch: the terminal is gone (hung up,
         * closed); stop rather than ask it again and again. */
        if ((ch = getch()) == ERR && errno != EINTR)
            how = QUIT;
        else if (ch != ERR)
            how = on_key(a, ch);
    }
    drag_tracking(tty, 0);
    endwin();
    delscreen(scr);
    fclose(tty);
    return how;
}

int main(int argc, char **argv)
{
    struct opts o;
    struct app a;
    int how, err = 0, format;

    setprog(argv[0]);
    parse_args(argc, argv, &o);
    if (o.model)
        file_input(o.model, "the model");
    file_output("-", "standard output");
    files_check();
    memset(&a, 0, sizeof a);
    a.o = &o;
    a.cy = a.cx = N / 2;
    a.last_y = a.last_x = -1;
    if (o.model) {
        a.m = load_model(o.model);
        if (nn_model_n_in(a.m) != N * N)
            die("%s: the model takes %d values, not a 28x28 image (784)",
                o.model, nn_model_n_in(a.m));
        if (!(a.y = malloc(nn_model_n_out(a.m) * sizeof *a.y)))
            die("out of memory");
    }
    format = o.binary ? NN_VEC_F32 : NN_VEC_TEXT;
    if (nn_vec_writer_new(&a.w, stdout, format, N * N))
        die("out of memory");
    /* Records written to the terminal would scribble over the screen: keep
     * them until it is closed. */
    if (isatty(STDOUT_FILENO) && nn_data_new(&a.held, N * N))
        die("out of memory");

    how = session(&a);

    for (int i = 0; a.held && i < a.held->n && !err; i++) {
        float row[N * N];
        err = nn_vec_write(a.w, nn_data_row(a.held, i, row), a.held->label[i]);
    }
    nn_vec_writer_free(a.w);
    nn_data_free(a.held);
    nn_model_free(a.m);
    free(a.y);
    if (how == FAILED && a.err == NN_ENOMEM)
        die("out of memory");
    if (close_stdout() || how == FAILED)
        return 1;
    if (a.written == 0) {
        warn("nothing written (quit without a digit)");
        return 1;
    }
    return 0;
}
