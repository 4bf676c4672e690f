/* json.c - JSON documents in memory, both ways, for the model files: a
 * reader that parses a whole document into a small tree, and a writer
 * that lays a document out in a buffer.
 *
 * The reader accepts what cJSON 1.7 accepts and, on a syntax error, points
 * where cJSON points, so that messages did not change when nnpipe stopped
 * parsing through cJSON.  Its one addition is speed: a model file is
 * almost all numbers in arrays, and an array of numbers that are finite as
 * floats is kept as a block of floats (NN_JSON_FLOATS), each number read
 * by numtext's exact scanner, without a node per number.  Any other array
 * is parsed again from its start as a list of nodes, so the fast path
 * never decides what is an error or where. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

enum { NESTING_LIMIT = 1000,    /* cJSON's */
       BLOCK = 1 << 16 };       /* arena block bytes */

/* The strictest alignment of anything stored in a block (C99 has no
 * max_align_t). */
typedef union { double d; long l; void *p; } align_t;

struct block {
    struct block *next;
    size_t used, size;
    align_t data[];
};

struct nn_json_doc {
    nn_json *root;
    struct block *blocks;       /* nodes and strings */
    float *pool;                /* the numbers of every NN_JSON_FLOATS */
    long npool, cap;
};

/* ------------------------------------------------------------------------ */
/* Memory: an arena for nodes and strings, a pool for float arrays. */

static void *arena(nn_json_doc *d, size_t n)
{
    struct block *b = d->blocks;

    n = (n + sizeof(align_t) - 1) / sizeof(align_t) * sizeof(align_t);
    if (!b || b->size - b->used < n) {
        size_t size = n > BLOCK ? n : BLOCK;

        if (!(b = malloc(sizeof *b + size)))
            return NULL;
        b->next = d->blocks;
        b->used = 0;
        b->size = size;
        d->blocks = b;
    }
    b->used += n;
    return (char *)b->data + b->used - n;
}

static int pool_push(nn_json_doc *d, float v)
{
    if (d->npool == d->cap) {
        long cap = d->cap ? 2 * d->cap : 4096;
        float *p = realloc(d->pool, (size_t)cap * sizeof *p);

        if (!p)
            return NN_ENOMEM;
        d->pool = p;
        d->cap = cap;
    }
    d->pool[d->npool++] = v;
    return NN_OK;
}

void nn_json_free(nn_json_doc *d)
{
    struct block *b, *next;

    if (!d)
        return;
    for (b = d->blocks; b; b = next) {
        next = b->next;
        free(b);
    }
    free(d->pool);
    free(d);
}

nn_json *nn_json_root(const nn_json_doc *d)
{
    return d->root;
}

/* ------------------------------------------------------------------------ */
/* Parsing, step for step as cJSON 1.7.15 does it.  off is cJSON's buffer
 * offset: where it stands when it fails is where the message points. */

struct parser {
    const char *s;
    size_t len, off;
    int depth;
    int nomem;
    nn_json_doc *doc;
};

/* Bytes up to 32 are white space to cJSON; at the end it steps back onto
 * the last byte. */
static void skip_ws(struct parser *p)
{
    if (p->off >= p->len)
        return;
    while (p->off < p->len && (unsigned char)p->s[p->off] <= 32)
        p->off++;
    if (p->off == p->len)
        p->off--;
}

static int at(const struct parser *p, char c)
{
    return p->off < p->len && p->s[p->off] == c;
}

static int fail(struct parser *p, size_t off)
{
    p->off = off;
    return -1;
}

/* The bytes cJSON takes for a number. */
static int number_byte(char c)
{
    return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == 'e' ||
           c == 'E' || c == '.';
}

/* A number where cJSON sees one: the bytes of [0-9+-eE.] there go to
 * strtod, and the number is what strtod takes of them.  Its length, 0 if
 * strtod takes nothing.  A JSON number followed by none of those bytes,
 * the usual case, is read by numtext's scanner, which gives strtod's
 * value. */
static size_t number(const char *s, const char *end, double *out)
{
    const char *next;
    size_t n, took;

    if (nn_scan_json(s, end, out, &next) == 0 &&
        (next == end || !number_byte(*next)))
        return (size_t)(next - s);
    for (n = 0; s + n < end && number_byte(s[n]); n++)
        ;
    return nn_scan_prefix(s, n, out, &took) == NN_OK ? took : 0;
}

/* 4 hex digits at s; 0 if one is not (cJSON's rule). */
static unsigned hex4(const char *s)
{
    unsigned h = 0;

    for (int i = 0; i < 4; i++) {
        int c = s[i];
        h <<= 4;
        if (c >= '0' && c <= '9')
            h |= (unsigned)(c - '0');
        else if (c >= 'A' && c <= 'F')
            h |= (unsigned)(c - 'A' + 10);
        else if (c >= 'a' && c <= 'f')
            h |= (unsigned)(c - 'a' + 10);
        else
            return 0;
    }
    return h;
}

/* The escape \uXXXX (and its low surrogate) at s, before end, as UTF-8 at
 * *out; the escape's length, 0 if it is not a valid one. */
static size_t utf16_escape(const char *s, const char *end, char **out)
{
    unsigned long c;
    unsigned first, second;
    size_t len = 6;
    int n;

    if (end - s < 6)
        return 0;
    first = hex4(s + 2);
    if (first >= 0xDC00 && first <= 0xDFFF)
        return 0;
    c = first;
    if (first >= 0xD800 && first <= 0xDBFF) {
        if (end - (s + 6) < 6 || s[6] != '\\' || s[7] != 'u')
            return 0;
        second = hex4(s + 8);
        if (second < 0xDC00 || second > 0xDFFF)
            return 0;
        c = 0x10000 + (((first & 0x3FF) << 10) | (second & 0x3FF));
        len = 12;
    }
    static const unsigned char lead[5] = { 0, 0x00, 0xC0, 0xE0, 0xF0 };
    n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    for (int i = n - 1; i > 0; i--) {
        (*out)[i] = (char)(0x80 | (c & 0x3F));
        c >>= 6;
    }
    (*out)[0] = (char)(lead[n] | c);
    *out += n;
    return len;
}

/* The string at off (its opening quote), unescaped, into the arena. */
static int parse_string(struct parser *p, const char **out)
{
    size_t o = p->off, end = o + 1, i;
    char *str, *w;

    if (o >= p->len || p->s[o] != '"')
        return fail(p, o + 1);
    while (end < p->len && p->s[end] != '"') {
        if (p->s[end] == '\\') {
            if (end + 1 >= p->len)
                return fail(p, o + 1);
            end++;
        }
        end++;
    }
    if (end >= p->len)
        return fail(p, o + 1);
    if (!(str = w = arena(p->doc, end - o))) {
        p->nomem = 1;
        return fail(p, o);
    }
    for (i = o + 1; i < end;) {
        const char *e = p->s + i;
        size_t k = 2;

        if (*e != '\\') {
            *w++ = p->s[i++];
            continue;
        }
        switch (e[1]) {
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case '"': case '\\': case '/': *w++ = e[1]; break;
        case 'u':
            if (!(k = utf16_escape(e, p->s + end, &w)))
                return fail(p, i);
            break;
        default:
            return fail(p, i);
        }
        i += k;
    }
    *w = '\0';
    *out = str;
    p->off = end + 1;
    return 0;
}

static int parse_value(struct parser *p, nn_json *v);

/* An array whose elements are all numbers within the float range, into
 * the float pool; 1 if it is one, else 0 with nothing kept.  Where it
 * stops does not matter (the array is parsed again), so white space is
 * skipped plainly here. */
static int float_array(struct parser *p, nn_json *v)
{
    nn_json_doc *d = p->doc;
    const char *c = p->s + p->off + 1, *end = p->s + p->len;
    long mark = d->npool;
    double x;
    size_t n;

    for (;;) {
        /* Most of a model file: "number," again and again. */
        d->npool += nn_scan_json_floats(c, end, d->pool + d->npool,
                                        d->cap - d->npool, &c);
        while (c < end && (unsigned char)*c <= 32)
            c++;
        if (c == end || !(*c == '-' || (*c >= '0' && *c <= '9')))
            break;
        n = number(c, end, &x);
        if (!n || !(fabs(x) < NN_FLOAT_LIMIT))
            break;
        if (d->npool < d->cap)
            d->pool[d->npool++] = (float)x;
        else if (pool_push(d, (float)x) != NN_OK) {
            p->nomem = 1;
            break;
        }
        c += n;
        while (c < end && (unsigned char)*c <= 32)
            c++;
        if (c < end && *c == ',') {
            c++;
            continue;
        }
        if (c == end || *c != ']')
            break;
        p->off = (size_t)(c + 1 - p->s);
        v->type = NN_JSON_FLOATS;
        v->n = d->npool - mark;
        v->off = mark;
        return 1;
    }
    d->npool = mark;
    return 0;
}

/* Elements or members of an array or object at off ('[' or '{'). */
static int parse_list(struct parser *p, nn_json *v, int object)
{
    char close = object ? '}' : ']';
    nn_json **tail = &v->child;

    if (p->depth >= NESTING_LIMIT)
        return -1;
    if (!object && float_array(p, v))
        return 0;
    if (p->nomem)
        return -1;
    p->depth++;
    v->type = object ? NN_JSON_OBJECT : NN_JSON_ARRAY;
    p->off++;
    skip_ws(p);
    if (at(p, close))
        goto done;
    if (p->off >= p->len)
        return fail(p, p->off - 1);
    p->off--;
    do {
        nn_json *c = arena(p->doc, sizeof *c);

        if (!c) {
            p->nomem = 1;
            return -1;
        }
        memset(c, 0, sizeof *c);
        *tail = c;
        tail = &c->next;
        v->n++;
        p->off++;
        skip_ws(p);
        if (object) {
            if (parse_string(p, &c->key) != 0)
                return -1;
            skip_ws(p);
            if (!at(p, ':'))
                return -1;
            p->off++;
            skip_ws(p);
        }
        if (parse_value(p, c) != 0)
            return -1;
        skip_ws(p);
    } while (at(p, ','));
    if (!at(p, close))
        return -1;
done:
    p->depth--;
    p->off++;
    return 0;
}

static int parse_value(struct parser *p, nn_json *v)
{
    static const struct { const char *word; int type; } words[] = {
        { "null", NN_JSON_NULL }, { "false", NN_JSON_FALSE },
        { "true", NN_JSON_TRUE },
    };
    const char *c = p->s + p->off;
    size_t n;

    for (int i = 0; i < 3; i++) {
        size_t k = strlen(words[i].word);

        if (p->off + k <= p->len && memcmp(c, words[i].word, k) == 0) {
            v->type = words[i].type;
            p->off += k;
            return 0;
        }
    }
    if (p->off >= p->len)
        return -1;
    if (*c == '"') {
        v->type = NN_JSON_STRING;
        return parse_string(p, &v->str);
    }
    if (*c == '-' || (*c >= '0' && *c <= '9')) {
        if (!(n = number(c, p->s + p->len, &v->num)))
            return -1;
        v->type = NN_JSON_NUMBER;
        p->off += n;
        return 0;
    }
    if (*c == '[' || *c == '{')
        return parse_list(p, v, *c == '{');
    return -1;
}

/* The float arrays' pointers, once the pool has stopped moving. */
static void point_floats(nn_json_doc *d, nn_json *v)
{
    for (; v; v = v->next) {
        if (v->type == NN_JSON_FLOATS)
            v->v = d->pool + v->off;
        point_floats(d, v->child);
    }
}

/* ------------------------------------------------------------------------ */
/* Where the document went wrong, in words. */

void nn_json_position(const char *s, size_t off, long *line, long *col)
{
    size_t i, start = 0;

    *line = 1;
    for (i = 0; i < off; i++)
        if (s[i] == '\n') {
            ++*line;
            start = i + 1;
        }
    *col = (long)(off - start) + 1;
}

size_t nn_utf8_bad(const char *buf, size_t len)
{
    const unsigned char *s = (const unsigned char *)buf;
    size_t i = 0, k, n;
    unsigned long c;
    uint64_t w;

    while (i < len) {
        if (len - i >= 32) {            /* ASCII, 32 bytes at a time */
            uint64_t x[4];

            memcpy(x, s + i, sizeof x);
            if (!((x[0] | x[1] | x[2] | x[3]) & 0x8080808080808080ULL)) {
                i += 32;
                continue;
            }
        }
        if (len - i >= 8) {             /* ASCII, eight bytes at a time */
            memcpy(&w, s + i, sizeof w);
            if (!(w & 0x8080808080808080ULL)) {
                i += 8;
                continue;
            }
        }
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        if (s[i] >= 0xc2 && s[i] <= 0xdf)
            n = 1, c = s[i] & 0x1f;
        else if (s[i] >= 0xe0 && s[i] <= 0xef)
            n = 2, c = s[i] & 0x0f;
        else if (s[i] >= 0xf0 && s[i] <= 0xf4)
            n = 3, c = s[i] & 0x07;
        else
            return i;
        for (k = 1; k <= n; k++) {
            if (i + k == len)
                return len;
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
            c = c << 6 | (s[i + k] & 0x3f);
        }
        if ((n == 2 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
            (n == 3 && (c < 0x10000 || c > 0x10ffff)))
            return i;
        i += n + 1;
    }
    return len;
}

/* Does buf end inside a string, array or object (a cut-off document), with
 * the brackets so far matched?  *str is where an unterminated string
 * begins, or len. */
static int unclosed(const char *buf, size_t len, size_t *str)
{
    char open[NESTING_LIMIT];
    size_t i, start = len, depth = 0;
    int in = 0;

    for (i = 0; i < len; i++) {
        char ch = buf[i];

        if (in) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in = 0;
        } else if (ch == '"') {
            in = 1;
            start = i;
        } else if (ch == '[' || ch == '{') {
            if (depth == sizeof open)
                return 0;   /* too deep to parse anyway */
            open[depth++] = ch;
        } else if (ch == ']' || ch == '}') {
            if (depth == 0 || open[--depth] != (ch == ']' ? '[' : '{'))
                return 0;
        }
    }
    *str = in ? start : len;
    return in || depth > 0;
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

int nn_json_parse(nn_json_doc **out, const char *s, size_t len, char *why,
                  size_t whylen)
{
    struct parser p = { s, len, 0, 0, 0, NULL };
    nn_json_doc *d;
    long line, col;
    size_t off, str = len;
    int cut;

    *out = NULL;
    if (!(d = calloc(1, sizeof *d)) || !(d->root = arena(d, sizeof *d->root))) {
        nn_json_free(d);
        return nn_why(why, whylen, NN_ENOMEM, "%s", nn_strerror(NN_ENOMEM));
    }
    memset(d->root, 0, sizeof *d->root);
    /* Room for every number the text can hold (each takes two bytes with
     * its comma), so that the pool never moves; untouched pages cost
     * nothing.  Without it the pool grows as it fills. */
    if ((d->pool = nn_alloc_big((len / 2 + 1) * sizeof *d->pool)))
        d->cap = (long)(len / 2 + 1);
    p.doc = d;
    if (len > 4 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
        p.off = 3;              /* cJSON skips one byte order mark too */
    skip_ws(&p);
    if (len > 0 && parse_value(&p, d->root) == 0) {
        for (off = p.off; off < len && is_space(s[off]); off++)
            ;
        if (off < len) {
            nn_json_free(d);
            nn_json_position(s, off, &line, &col);
            return nn_why(why, whylen, NN_EFORMAT,
                          "not valid JSON: unexpected text after the end of "
                          "the document at line %ld, column %ld", line, col);
        }
        point_floats(d, d->root);
        *out = d;
        return NN_OK;
    }
    nn_json_free(d);
    if (p.nomem)
        return nn_why(why, whylen, NN_ENOMEM, "%s", nn_strerror(NN_ENOMEM));
    off = p.off < len ? p.off : len > 0 ? len - 1 : 0;
    /* cJSON points at the value it could not parse: at the last byte for
     * a cut-off number or array, at or just after the opening quote of a
     * cut-off string. */
    cut = unclosed(s, len, &str)
        && (off + 1 >= len || off == str || off == str + 1);
    nn_json_position(s, cut ? len : off, &line, &col);
    if (cut)
        return nn_why(why, whylen, NN_EFORMAT, "not valid JSON: unexpected "
                      "end of input at line %ld, column %ld (truncated "
                      "file?)", line, col);
    return nn_why(why, whylen, NN_EFORMAT, "not valid JSON: syntax error at "
                  "line %ld, column %ld", line, col);
}

/* ------------------------------------------------------------------------ */
/* Writing: members one a line, indented two spaces a level; "flat" arrays
 * (of numbers or strings) on one line, as ", "-separated items. */

static void put(nn_jw *w, const char *s, size_t n)
{
    if (w->err)
        return;
    if (w->len + n + 1 > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        char *p;

        while (w->len + n + 1 > cap)
            cap *= 2;
        if (!(p = realloc(w->p, cap))) {
            w->err = NN_ENOMEM;
            return;
        }
        w->p = p;
        w->cap = cap;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

static void indent(nn_jw *w, int depth)
{
    while (depth-- > 0)
        put(w, "  ", 2);
}

/* Before a value: its separator, its place, and its key in an object (in
 * an array the key is only the caller's name for it). */
static void item(nn_jw *w, const char *key)
{
    int d = w->depth;

    if (d > 0) {
        int first = w->items[d - 1]++ == 0;

        if (!w->flat[d - 1]) {
            put(w, first ? "\n" : ",\n", first ? 1 : 2);
            indent(w, d);
        } else if (!first) {
            put(w, ", ", 2);
        }
    }
    if (key && d > 0 && w->object[d - 1]) {
        put(w, "\"", 1);
        put(w, key, strlen(key));
        put(w, "\": ", 3);
    }
}

void nn_jw_open(nn_jw *w, const char *key, int object, int flat)
{
    item(w, key);
    put(w, object ? "{" : "[", 1);
    if (w->depth == NN_JW_DEPTH) {
        w->err = NN_EINVAL;
        return;
    }
    w->flat[w->depth] = flat;
    w->items[w->depth] = 0;
    w->object[w->depth] = object;
    w->depth++;
}

void nn_jw_close(nn_jw *w)
{
    int d;

    if (w->depth == 0) {
        w->err = NN_EINVAL;
        return;
    }
    d = --w->depth;

    if (!w->flat[d] && w->items[d]) {
        put(w, "\n", 1);
        indent(w, d);
    }
    put(w, w->object[d] ? "}" : "]", 1);
    if (d == 0)
        put(w, "\n", 1);
}

void nn_jw_raw(nn_jw *w, const char *key, const char *text)
{
    item(w, key);
    put(w, text, strlen(text));
}

void nn_jw_str(nn_jw *w, const char *key, const char *s)
{
    static const char esc[] = "\"\\\b\f\n\r\t", name[] = "\"\\bfnrt";
    char u[8];

    item(w, key);
    put(w, "\"", 1);
    for (; *s; s++) {
        const char *e = strchr(esc, *s);   /* *s is not NUL here */

        if (e) {
            put(w, "\\", 1);
            put(w, name + (e - esc), 1);
        } else if ((unsigned char)*s < 32) {
            snprintf(u, sizeof u, "\\u%04x", (unsigned char)*s);
            put(w, u, 6);
        } else {
            put(w, s, 1);
        }
    }
    put(w, "\"", 1);
}

long nn_jw_floats(nn_jw *w, const char *key, const float *v, long n)
{
    char s[NN_NUM_CHARS];

    for (long i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return i;
    item(w, key);
    put(w, "[", 1);
    for (long i = 0; i < n; i++) {
        int k = nn_format_float(s, v[i], 1);

        if (i > 0)
            put(w, ",", 1);
        put(w, s, (size_t)k);
    }
    put(w, "]", 1);
    return -1;
}
