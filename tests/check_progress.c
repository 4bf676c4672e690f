/* check_progress.c - the tools' progress line: its text, and when it is
 * drawn and erased, on a fake clock. */
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "../cmd/progress.h"

static double fake_time;

static double fake_now(void)
{
    return fake_time;
}

START_TEST(test_format_total)
{
    char buf[256];

    /* 30 of 60 in 3 s: 10 a second, 3 s to go, half the bar. */
    progress_format(buf, sizeof buf, "epoch 2/5", "images", 30, 60, 3.0);
    ck_assert_str_eq(buf, "epoch 2/5 [##########..........]  50% 30/60 "
                     "images, 10/s, ETA 0:03");
    /* 1 of 3 in 1000 s: 2000 s left is 33:20; the bar rounds down. */
    progress_format(buf, sizeof buf, NULL, "records", 1, 3, 1000.0);
    ck_assert_str_eq(buf, "[######..............]  33% 1/3 records, 0/s, "
                     "ETA 33:20");
    /* Hours, and a rate in thousands. */
    progress_format(buf, sizeof buf, "", "x", 4500, 9000, 3600.0);
    ck_assert_str_eq(buf, "[##########..........]  50% 4500/9000 x, 1/s, "
                     "ETA 1:00:00");
    progress_format(buf, sizeof buf, NULL, "x", 25000, 100000, 2.0);
    ck_assert_ptr_nonnull(strstr(buf, " 12.5k/s, ETA 0:06"));
    progress_format(buf, sizeof buf, NULL, "x", 3000000, 6000000, 2.0);
    ck_assert_ptr_nonnull(strstr(buf, " 1.5M/s, "));
}
END_TEST

START_TEST(test_format_unknown)
{
    char buf[256];

    /* No rate before a tenth of a second has passed, no bar or ETA without
     * a total. */
    progress_format(buf, sizeof buf, NULL, "images", 5, 0, 0.05);
    ck_assert_str_eq(buf, "5 images, --/s");
    progress_format(buf, sizeof buf, NULL, "images", 5, 10, 0.05);
    ck_assert_ptr_nonnull(strstr(buf, "5/10 images, --/s, ETA --:--"));
    /* The last count gets its rate, however quick. */
    progress_format(buf, sizeof buf, NULL, "images", 10, 10, 0.05);
    ck_assert_ptr_nonnull(strstr(buf, "100% 10/10 images, 200/s, ETA 0:00"));
    /* Too long for the buffer: cut, still a string. */
    progress_format(buf, 12, "a long label here", "images", 5, 10, 1.0);
    ck_assert_str_eq(buf, "a long labe");
}
END_TEST

/* What p drew since the last call, from its temporary file. */
static char *drawn(FILE *fp)
{
    static char buf[4096];
    size_t n;

    fflush(fp);
    n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    return buf;
}

START_TEST(test_throttle_and_clear)
{
    struct progress p;
    FILE *fp = tmpfile();
    long pos;
    char *s;

    ck_assert_ptr_nonnull(fp);
    progress_start(&p, fp, NULL, "images", 100);
    p.now = fake_now;
    p.t0 = p.last = fake_time = 0.0;
    pos = ftell(fp);
    /* Nothing within the first tenth of a second. */
    fake_time = 0.05;
    progress_update(&p, 1);
    ck_assert_int_eq(ftell(fp), pos);
    /* Then one line, from the start of the line. */
    fake_time = 0.2;
    progress_update(&p, 20);
    fseek(fp, pos, SEEK_SET);
    s = drawn(fp);
    ck_assert_int_eq(s[0], '\r');
    ck_assert_ptr_nonnull(strstr(s, " 20/100 images, 100/s, ETA 0:01"));
    ck_assert_ptr_null(strchr(s, '\n'));
    /* Not again within a tenth of a second... */
    pos = ftell(fp);
    fake_time = 0.25;
    progress_update(&p, 30);
    ck_assert_int_eq(ftell(fp), pos);
    /* ...except for the last item. */
    fake_time = 0.26;
    progress_update(&p, 100);
    fseek(fp, pos, SEEK_SET);
    ck_assert_ptr_nonnull(strstr(drawn(fp), "100% 100/100"));
    /* finish overwrites the line with blanks and returns to its start;
     * afterwards nothing is drawn. */
    pos = ftell(fp);
    progress_finish(&p);
    fseek(fp, pos, SEEK_SET);
    s = drawn(fp);
    ck_assert_int_eq(s[0], '\r');
    ck_assert_int_eq(s[strlen(s) - 1], '\r');
    ck_assert_uint_eq(strspn(s + 1, " "), strlen(s) - 2);
    ck_assert_uint_ge(strlen(s), 40);
    pos = ftell(fp);
    fake_time = 5.0;
    progress_update(&p, 100);
    progress_clear(&p);
    ck_assert_int_eq(ftell(fp), pos);
    fclose(fp);
}
END_TEST

START_TEST(test_off)
{
    struct progress p;

    /* A NULL stream makes every call a no-op. */
    progress_start(&p, NULL, "x", "images", 10);
    progress_update(&p, 10);
    progress_clear(&p);
    progress_finish(&p);
    ck_assert_int_eq(p.width, 0);
    /* The environment decides, then the terminal; --no-progress wins. */
    setenv("NN_PROGRESS", "1", 1);
    ck_assert_ptr_eq(progress_stream(0), stderr);
    ck_assert_ptr_null(progress_stream(1));
    setenv("NN_PROGRESS", "0", 1);
    ck_assert_ptr_null(progress_stream(0));
    unsetenv("NN_PROGRESS");
}
END_TEST

Suite *progress_suite(void)
{
    Suite *s = suite_create("progress");
    TCase *tc = tcase_create("progress");

    tcase_add_test(tc, test_format_total);
    tcase_add_test(tc, test_format_unknown);
    tcase_add_test(tc, test_throttle_and_clear);
    tcase_add_test(tc, test_off);
    suite_add_tcase(s, tc);
    return s;
}
