/* check_numtext.c - the decimal scanner against strtof and strtod (fast
 * paths and fallbacks), and the shortest formatter's rule and round
 * trips (lib/numtext.c). */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"
#include "tests.h"

static uint64_t state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static uint32_t fbits(float f)
{
    uint32_t u;

    memcpy(&u, &f, sizeof u);
    return u;
}

static uint64_t dbits(double d)
{
    uint64_t u;

    memcpy(&u, &d, sizeof u);
    return u;
}

/* A random decimal in t: sign, up to `digits` digits with a point
 * anywhere (or none), leading zeros, an exponent; JSON's grammar when
 * json is set. */
static void random_decimal(char *t, int digits, int json)
{
    int nd = 1 + (int)(rnd() % digits), point = (int)(rnd() % (nd + 2));
    int zeros = rnd() % 3 ? 0 : (int)(rnd() % 12);

    if (rnd() % 4 == 0)
        *t++ = json || rnd() % 2 ? '-' : '+';
    if (point == 0 || (json && point > nd)) {
        *t++ = '0';
        *t++ = '.';
        for (int j = 0; j < zeros; j++)
            *t++ = '0';
        point = -1;
    }
    for (int j = 0; j < nd; j++) {
        if (j == point)
            *t++ = '.';
        /* JSON: no leading zero before more digits */
        *t++ = (char)(j == 0 && point != -1 ? '1' + rnd() % 9
                                            : '0' + rnd() % 10);
    }
    if (rnd() % 3 == 0)
        t += sprintf(t, "e%s%d", rnd() % 2 ? "-" : "", (int)(rnd() % 45));
    *t = '\0';
}

/* Tokens read as strtof reads them, fast path or not. */
START_TEST(test_scan_float)
{
    static const char *const special[] = {
        "0", "-0", "0.003921569", "5.", ".5", "+.5", "1e-3", "0x1p-3",
        "000000000000.1000000000000", "1e", "1e+", "-", "+", ".", "",
        "1.5x", "3.4028235e38", "3.4028236e38", "1e39", "-1e39", "1e-50",
        "1.4e-45", "16777217", "0.12345678901234567890123456789012345678"
        "9012345678901234567890123456789", "inf", "-INF", "nan",
        "infinity", " 1", "\v1", "1 ", "1,5", "0.1e1", "9999999999e-5",
        "123456789e-11", "123456789e6", "1000000000", "0.000000000001",
    };
    char t[64];

    for (size_t i = 0; i < sizeof special / sizeof special[0] + 100000; i++) {
        const char *s = t;
        char *end;
        float got = -1.0f, want;
        int err;

        if (i < sizeof special / sizeof special[0])
            s = special[i];
        else
            random_decimal(t, 12, 0);
        err = nn_scan_float(s, s + strlen(s), &got);
        want = strtof(s, &end);
        if (*s == '\0' || *end || s[0] == ' ' || s[0] == '\v') {
            ck_assert_msg(err == NN_NUM_BAD, "'%s': %d", s, err);
        } else if (isnan(want) || (isinf(want) && strchr("iI", s[strspn(s, "+-")]))) {
            ck_assert_msg(err == NN_NUM_NONFINITE, "'%s': %d", s, err);
        } else if (isinf(want)) {
            ck_assert_msg(err == NN_NUM_RANGE, "'%s': %d", s, err);
        } else {
            ck_assert_msg(err == NN_NUM_OK, "'%s': %d", s, err);
            ck_assert_msg(fbits(got) == fbits(want), "'%s': %a, strtof %a",
                          s, (double)got, (double)want);
        }
    }
}
END_TEST

/* JSON numbers read as strtod reads them, with the end where JSON's
 * grammar ends them; what is not a JSON number is refused. */
START_TEST(test_scan_json)
{
    static const struct { const char *s; int len; } special[] = {
        { "0", 1 }, { "-0", 2 }, { "01", 1 }, { "-01", 2 }, { "0.5,", 3 },
        { "1e5]", 3 }, { "1E+5", 4 }, { "1.5e-7}", 6 }, { "1.", -1 },
        { ".5", -1 }, { "-", -1 }, { "+1", -1 }, { "1e", -1 },
        { "1e+", -1 }, { "-.5", -1 }, { "1.5.3", 3 }, { "2x", 1 },
        { "123456789012345678901234567890", 30 },
        { "1.0000000000000000000000000000000000000000000000000000000000000",
          63 },
        { "1.00000000000000000000000000000000000000000000000000000000000000",
          64 },
        { "1e400", 5 }, { "-1e-400", 7 }, { "9007199254740993", 16 },
    };
    char t[80];     /* room for the 64-character number and its NUL */

    for (size_t i = 0; i < sizeof special / sizeof special[0] + 100000; i++) {
        const char *s = t, *next = NULL;
        int len;
        double got = -1, want;

        if (i < sizeof special / sizeof special[0]) {
            s = special[i].s;
            len = special[i].len;
        } else {
            random_decimal(t, 20, 1);
            len = (int)strlen(t);
        }
        if (len < 0) {
            ck_assert_msg(nn_scan_json(s, s + strlen(s), &got, &next) == -1,
                          "'%s' taken", s);
            continue;
        }
        ck_assert_msg(nn_scan_json(s, s + strlen(s), &got, &next) == 0,
                      "'%s' refused", s);
        ck_assert_msg(next == s + len, "'%s': %d characters, expected %d",
                      s, (int)(next - s), len);
        memcpy(t, s, (size_t)len);      /* strtod on the number alone */
        t[len] = '\0';
        want = strtod(t, NULL);
        ck_assert_msg(dbits(got) == dbits(want), "'%s': %a, strtod %a", s,
                      got, want);
    }
    /* Never past the end it is given. */
    {
        const char *s = "12345";
        const char *next;
        double got;

        ck_assert_int_eq(nn_scan_json(s, s + 3, &got, &next), 0);
        ck_assert_ptr_eq(next, s + 3);
        ck_assert(got == 123.0);
    }
}
END_TEST

/* JSON numbers with room after them (as in a model file, where the
 * scanner takes the short form eight bytes at a time): each read as
 * strtod reads it, and as a float as (float)strtod gives it, ending where
 * the number ends.  The edges: subnormals, overflow, 9- and 17-digit
 * mantissas, 15 and 16 significant digits, 22 and 23 digits after the
 * point, 7 and 8 digits before it, runs of zeros, exponents, ties of
 * double and of float; then random decimals and the shortest texts of
 * random floats. */
START_TEST(test_scan_json_room)
{
    static const char *const special[] = {
        "0", "-0", "0.0", "-0.0", "1", "-1", "0.5", "9", "10",
        "1e-310", "-4.9406564584124654e-324", "2.2250738585072011e-308",
        "2.2250738585072014e-308", "1.7976931348623157e308", "1.8e308",
        "-1e309", "1e-400", "0.000000000000000000001",
        "0.00000000000000000000000000000000000000000000001",
        "0.123456789", "-0.00123456789", "123456789.5", "0.987654321",
        "0.12345678901234567", "-1.2345678901234567", "98765432109876543",
        "0.123456789012345", "0.1234567890123456", "123456789012345",
        "1234567890123456", "0.0000000000000000000001",
        "0.00000000000000000000001", "0.0000000000000000000000001",
        "1234567.5", "12345678.5", "1234567", "12345678", "99999999",
        "0.00000000", "0.000000001", "0.0000000012345678",
        "0.00000000123456789", "1.0000000000000001", "1e22", "1e23",
        "1.5e-7", "-2.5E+3", "3e0", "9007199254740993", "9007199254740992",
        "9007199254740995", "0.1", "0.2", "0.3", "1.00000005960464477539",
        "1.000000059604644775390625", "1.0000000596046448",
        "1.00000017881393432617187500", "16777217", "16777219",
        "3.4028235677973366e38", "3.4028235e38", "1.17549435e-38",
        "1.4e-45", "7e-46", "0.7006492321624085e-45",
    };
    char t[96], buf[160];

    for (size_t i = 0; i < sizeof special / sizeof special[0] + 200000;
         i++) {
        const char *s = t, *next = NULL;
        double got = -1, want;
        size_t len;

        if (i < sizeof special / sizeof special[0]) {
            s = special[i];
        } else if (i % 2) {
            random_decimal(t, 20, 1);
        } else {
            uint32_t b = (uint32_t)rnd();
            float f;

            memcpy(&f, &b, sizeof f);
            if (!isfinite(f))
                f = (float)(i % 1000) / 7.0f;
            if (i % 4 == 0)
                f = ldexpf(f, -(int)(rnd() % 40)) * 1e-30f;  /* small */
            nn_format_float(t, f, 1);
        }
        len = strlen(s);
        snprintf(buf, sizeof buf, "%s,%*s]", s, 40, "");
        ck_assert_int_eq(nn_scan_json(buf, buf + strlen(buf), &got, &next),
                         0);
        ck_assert_msg(next == buf + len, "'%s': %d characters, expected %d",
                      s, (int)(next - buf), (int)len);
        want = strtod(s, NULL);
        ck_assert_msg(dbits(got) == dbits(want), "'%s': %a, strtod %a", s,
                      got, want);
        ck_assert_msg(fbits((float)got) == fbits((float)want),
                      "'%s': float %a, want %a", s, (double)(float)got,
                      (double)(float)want);
    }
}
END_TEST

/* Runs of "number," as nn_scan_json_floats takes them: each float the
 * float of strtod's double, the run stopped (and the number left) where
 * the short form ends: an exponent, 16 digits, no comma after it, or too
 * near the end; never more than n. */
START_TEST(test_scan_json_floats)
{
    static const char *const stop_at[] = {
        "1e5", "0.1234567890123456", "12345678.5", "0.5 ", "0.5]", "0.5e",
        "1.", "-", "+1", "01", "0.00000000000000000000001",
    };
    char *buf = malloc(1 << 20), *p;
    float *out = malloc(100000 * sizeof *out);
    const char *stop;
    long n = 0, got;

    ck_assert(buf && out);
    for (size_t k = 0; k < sizeof stop_at / sizeof stop_at[0]; k++) {
        p = buf;
        n = 0;
        for (; n < 50000; n++) {    /* shortest texts of floats, no 'e' */
            char t[NN_NUM_CHARS];
            int len;
            float f;

            do {        /* and fewer than 8 digits before the point */
                uint32_t b = (uint32_t)rnd();

                memcpy(&f, &b, sizeof f);
                if (b % 2)
                    f = (float)(int32_t)b * 1e-9f;
                len = isfinite(f) ? nn_format_float(t, f, 1) : 0;
            } while (len == 0 || strchr(t, 'e') || fabsf(f) >= 1e7f);
            memcpy(p, t, (size_t)len);
            p += len;
            *p++ = ',';
        }
        p += sprintf(p, "%s,%64s", stop_at[k], "");
        got = nn_scan_json_floats(buf, p, out, 100000, &stop);
        ck_assert_msg(got == n, "'%s': %ld of %ld taken", stop_at[k], got, n);
        ck_assert_msg(strncmp(stop, stop_at[k], strlen(stop_at[k])) == 0,
                      "'%s': stopped at '%.20s'", stop_at[k], stop);
        for (p = buf, got = 0; got < n; got++) {
            char *e;
            double want = strtod(p, &e);

            ck_assert_msg(fbits(out[got]) == fbits((float)want),
                          "'%.*s': %a, want %a", (int)(e - p), p,
                          (double)out[got], (double)(float)want);
            p = e + 1;
        }
    }
    /* n bounds it; none taken near the end. */
    ck_assert_int_eq(nn_scan_json_floats(buf, buf + strlen(buf), out, 7,
                                         &stop), 7);
    strcpy(buf, "0.5,0.25,");
    ck_assert_int_eq(nn_scan_json_floats(buf, buf + strlen(buf), out, 9,
                                         &stop), 0);
    ck_assert_ptr_eq(stop, buf);
    free(buf);
    free(out);
}
END_TEST

/* The formatter's rule, restated: the shortest of %.6g..%.9g that strtof
 * reads back, and with via_double strtod-then-float too; every result
 * reads back. */
START_TEST(test_format_float)
{
    static const struct { float f; const char *s, *s2; } known[] = {
        { 0.0f, "0", "0" }, { -0.0f, "-0", "-0" }, { 0.1f, "0.1", "0.1" },
        { 1e-45f, "1.4013e-45", "1.4013e-45" },
        { 123456792.0f, "1.2345679e+08", "1.2345679e+08" },
        { 16777216.0f, "16777216", "16777216" },
        { 3.4028235e38f, "3.4028235e+38", "3.4028235e+38" },
        { 1.0f / 3, "0.33333334", "0.33333334" },
        /* 7.038531e-26 reads as a neighbour through a double */
        { 0x1.5c87fap-84f, "7.038531e-26", "7.0385307e-26" },
    };
    char s[NN_NUM_CHARS], want[NN_NUM_CHARS];

    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        ck_assert_int_eq(nn_format_float(s, known[i].f, 0),
                         (int)strlen(known[i].s));
        ck_assert_str_eq(s, known[i].s);
        ck_assert_int_eq(nn_format_float(s, known[i].f, 1),
                         (int)strlen(known[i].s2));
        ck_assert_str_eq(s, known[i].s2);
    }
    for (int i = 0; i < 100000; i++) {
        uint32_t u = (uint32_t)rnd();
        int via_double = i & 1, p;
        float f;

        if (i < 256)
            f = nn_pixel(i);
        else
            memcpy(&f, &u, sizeof f);
        if (!isfinite(f))
            continue;
        for (p = 6; p <= 9; p++) {
            snprintf(want, sizeof want, "%.*g", p, (double)f);
            if (fbits(strtof(want, NULL)) == fbits(f) &&
                (!via_double || fbits((float)strtod(want, NULL)) == fbits(f)))
                break;
        }
        ck_assert_int_le(p, 9);
        ck_assert_int_eq(nn_format_float(s, f, via_double),
                         (int)strlen(want));
        ck_assert_str_eq(s, want);
    }
}
END_TEST

START_TEST(test_format_double)
{
    char s[NN_NUM_CHARS];

    nn_format_double(s, 0.1);
    ck_assert_str_eq(s, "0.1");
    nn_format_double(s, -1);
    ck_assert_str_eq(s, "-1");
    nn_format_double(s, 0.9831);
    ck_assert_str_eq(s, "0.9831");
    nn_format_double(s, 1.0 / 3);
    ck_assert_str_eq(s, "0.3333333333333333");
    for (int i = 0; i < 100000; i++) {
        uint64_t u = rnd();
        double d;

        memcpy(&d, &u, sizeof d);
        if (!isfinite(d))
            continue;
        nn_format_double(s, d);
        ck_assert_msg(dbits(strtod(s, NULL)) == dbits(d), "%s for %a", s, d);
        ck_assert_uint_le(strlen(s), 24);
    }
}
END_TEST

Suite *numtext_suite(void)
{
    Suite *s = suite_create("numtext");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);          /* loops of checks on a busy machine */
    tcase_add_test(tc, test_scan_float);
    tcase_add_test(tc, test_scan_json);
    tcase_add_test(tc, test_scan_json_room);
    tcase_add_test(tc, test_scan_json_floats);
    tcase_add_test(tc, test_format_float);
    tcase_add_test(tc, test_format_double);
    suite_add_tcase(s, tc);
    return s;
}
