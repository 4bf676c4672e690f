/* sniff.c - what kind of file starts with these bytes: the one recogniser
 * behind every reader's "this is a JPEG image, not ..." and behind the
 * image decoders' dispatch, so that each magic number is written once. */
#include <string.h>

#include "nn_internal.h"

static int has(const uint8_t *b, size_t n, size_t off, const char *s,
               size_t slen)
{
    return n >= off + slen && memcmp(b + off, s, slen) == 0;
}
#define HAS(b, n, off, lit) has(b, n, off, lit, sizeof lit - 1)

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Case-insensitive: does b[0..n-1] start with s? */
static int starts_nocase(const uint8_t *b, size_t n, const char *s)
{
    size_t i;

    for (i = 0; s[i]; i++)
        if (i >= n || lower(b[i]) != s[i])
            return 0;
    return 1;
}

/* Does s occur (case-insensitive) in the first n bytes of b? */
static int contains_nocase(const uint8_t *b, size_t n, const char *s)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (starts_nocase(b + i, n - i, s))
            return 1;
    return 0;
}

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
           c == '\r';
}

/* No NUL or other control bytes in the first 512: text (UTF-8 allowed). */
static int is_text(const uint8_t *b, size_t n)
{
    size_t i;

    if (n > 512)
        n = 512;
    for (i = 0; i < n; i++)
        if ((b[i] < 0x20 && !is_space(b[i])) || b[i] == 0x7f)
            return 0;
    return n > 0;
}

size_t nn_utf8_bom(const uint8_t *b, size_t n)
{
    return HAS(b, n, 0, "\xef\xbb\xbf") ? 3 : 0;
}

/* An ISO base media file (HEIC, AVIF, MP4): "ftyp" box at offset 4. */
static int ftyp_kind(const uint8_t *b, size_t n)
{
    static const char *const heic[] = { "heic", "heix", "hevc", "hevx",
        "heim", "heis", "hevm", "hevs", "mif1", "msf1" };
    size_t box, i;

    if (!HAS(b, n, 4, "ftyp") || n < 12)
        return NN_KIND_UNKNOWN;
    box = (size_t)b[0] << 24 | (size_t)b[1] << 16 | (size_t)b[2] << 8 | b[3];
    if (box > n)
        box = n;
    /* major brand at 8, minor version at 12, compatible brands from 16 */
    for (i = 8; i + 4 <= box; i += 4) {
        if (i == 12)
            continue;
        if (has(b, n, i, "avif", 4) || has(b, n, i, "avis", 4))
            return NN_KIND_AVIF;
    }
    for (i = 0; i < sizeof heic / sizeof heic[0]; i++)
        if (has(b, n, 8, heic[i], 4))
            return NN_KIND_HEIC;
    return NN_KIND_VIDEO;
}

/* Text: an HTML page, an SVG drawing, or other text. */
static int text_kind(const uint8_t *b, size_t n)
{
    size_t i = nn_utf8_bom(b, n);

    while (i < n && is_space(b[i]))
        i++;
    if (starts_nocase(b + i, n - i, "<!doctype html") ||
        starts_nocase(b + i, n - i, "<html") ||
        starts_nocase(b + i, n - i, "<head") ||
        starts_nocase(b + i, n - i, "<body"))
        return NN_KIND_HTML;
    if (starts_nocase(b + i, n - i, "<svg") ||
        (starts_nocase(b + i, n - i, "<?xml") &&
         contains_nocase(b, n < 4096 ? n : 4096, "<svg")))
        return NN_KIND_SVG;
    return NN_KIND_TEXT;
}

int nn_file_kind(const uint8_t *b, size_t n)
{
    static const int pnm[] = { NN_KIND_PBM, NN_KIND_PGM, NN_KIND_PPM };
    int k;

    if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return NN_KIND_JPEG;
    if (n == 2 && b[0] == 0xFF && b[1] == 0xD8)
        return NN_KIND_JPEG;    /* cut short: the decoder says so */
    if (HAS(b, n, 0, "\x89PNG") || (n < 4 && n > 0 &&
                                    has(b, n, 0, "\x89PNG", n)))
        return NN_KIND_PNG;
    if (HAS(b, n, 0, "\x89NNV"))
        return NN_KIND_NNV;
    if (n >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7' &&
        (n == 2 || is_space(b[2]) || b[2] == '#'))
        return b[1] == '7' ? NN_KIND_PAM : pnm[(b[1] - '1') % 3];
    if (HAS(b, n, 0, "II*\0") || HAS(b, n, 0, "MM\0*"))
        return NN_KIND_TIFF;
    if (HAS(b, n, 0, "II+\0") || HAS(b, n, 0, "MM\0+"))
        return NN_KIND_BIGTIFF;
    if (HAS(b, n, 0, "GIF8"))
        return NN_KIND_GIF;
    if (HAS(b, n, 0, "BM") && n >= 18 &&
        (b[14] == 12 || b[14] == 16 || b[14] == 40 || b[14] == 52 ||
         b[14] == 56 || b[14] == 64 || b[14] == 108 || b[14] == 124) &&
        b[15] == 0 && b[16] == 0 && b[17] == 0)
        return NN_KIND_BMP;
    if (HAS(b, n, 0, "RIFF") && HAS(b, n, 8, "WEBP"))
        return NN_KIND_WEBP;
    if ((k = ftyp_kind(b, n)) != NN_KIND_UNKNOWN)
        return k;
    if (HAS(b, n, 0, "%PDF-"))
        return NN_KIND_PDF;
    if (HAS(b, n, 0, "\0\0\0\x0cjP  \r\n\x87\n") ||
        HAS(b, n, 0, "\xff\x4f\xff\x51"))
        return NN_KIND_JP2;
    if (HAS(b, n, 0, "\0\0\0\x0cJXL \r\n\x87\n") || HAS(b, n, 0, "\xff\x0a"))
        return NN_KIND_JXL;
    if (HAS(b, n, 0, "8BPS"))
        return NN_KIND_PSD;
    if (HAS(b, n, 0, "\0\0\1\0") && n >= 6 && (b[4] | b[5]) != 0)
        return NN_KIND_ICO;
    if (HAS(b, n, 0, "\0\0\x08"))
        return NN_KIND_IDX;
    if (HAS(b, n, 0, "\x1f\x8b"))
        return NN_KIND_GZIP;
    if (HAS(b, n, 0, "PK\3\4"))
        return NN_KIND_ZIP;
    if (HAS(b, n, 0, "BZh") && n >= 10 && b[3] >= '1' && b[3] <= '9' &&
        HAS(b, n, 4, "1AY&SY"))
        return NN_KIND_BZIP2;
    if (HAS(b, n, 0, "\xfd" "7zXZ\0"))
        return NN_KIND_XZ;
    if (HAS(b, n, 0, "\x28\xb5\x2f\xfd"))
        return NN_KIND_ZSTD;
    if (HAS(b, n, 0, "7z\xbc\xaf\x27\x1c"))
        return NN_KIND_7Z;
    if (is_text(b, n))
        return text_kind(b, n);
    return NN_KIND_UNKNOWN;
}

const char *nn_kind_name(int kind)
{
    static const char *const names[] = {
        [NN_KIND_UNKNOWN] = NULL, [NN_KIND_JPEG] = "JPEG",
        [NN_KIND_PNG] = "PNG", [NN_KIND_PBM] = "PBM", [NN_KIND_PGM] = "PGM",
        [NN_KIND_PPM] = "PPM", [NN_KIND_TIFF] = "TIFF", [NN_KIND_PAM] = "PAM",
        [NN_KIND_BIGTIFF] = "TIFF", [NN_KIND_GIF] = "GIF",
        [NN_KIND_BMP] = "BMP", [NN_KIND_WEBP] = "WebP",
        [NN_KIND_HEIC] = "HEIC", [NN_KIND_AVIF] = "AVIF",
        [NN_KIND_VIDEO] = "video", [NN_KIND_PDF] = "PDF",
        [NN_KIND_JP2] = "JPEG 2000", [NN_KIND_JXL] = "JPEG XL",
        [NN_KIND_PSD] = "PSD", [NN_KIND_ICO] = "ICO",
        [NN_KIND_IDX] = "IDX", [NN_KIND_NNV] = "binary vector stream",
        [NN_KIND_GZIP] = "gzip", [NN_KIND_ZIP] = "ZIP",
        [NN_KIND_BZIP2] = "bzip2", [NN_KIND_XZ] = "xz",
        [NN_KIND_ZSTD] = "zstd", [NN_KIND_7Z] = "7-Zip",
        [NN_KIND_HTML] = "HTML", [NN_KIND_SVG] = "SVG",
        [NN_KIND_TEXT] = "text",
    };

    return kind >= 0 && kind < (int)(sizeof names / sizeof names[0])
        ? names[kind] : NULL;
}
