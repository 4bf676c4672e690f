#!/bin/sh
# make-fixtures.sh - regenerate the image fixtures of tests/check_img.c
# (described in tests/data/README.md, "Image fixtures").
#
# One 40x30 picture (a dark blue "7" and a red square on cream paper) saved
# in every variant the decoder handles.  The tests need only the files this
# writes, not these tools:
#     apt-get install netpbm libjpeg-turbo-progs imagemagick \
#         libimage-exiftool-perl libjpeg62-turbo-dev
# Run from anywhere; writes into the directory of this script.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The picture, as plain Netpbm text.  mode: rgb, gray (Rec. 601 luma,
# rounded: paper 230, ink 38, red 88), rgb0 / gray0 (rgb / gray with the
# paper / a 3-pixel border black, the colour hidden under alpha 0), strokes
# (alpha mask: 255 on ink and red) and border (alpha mask: 0 on the border).
picture() {
    awk -v mode="$1" 'BEGIN {
        W = 40; H = 30
        if (mode == "rgb" || mode == "rgb0") print "P3"; else print "P2"
        print W, H; print 255
        for (y = 0; y < H; y++) {
            line = ""
            for (x = 0; x < W; x++) {
                xc = 25 - int((y - 8) * 10 / 16)
                if (y >= 3 && y <= 7 && x >= 6 && x <= 27 ||
                    y >= 8 && y <= 24 && x >= xc - 2 && x <= xc + 2) {
                    r = 25; g = 35; b = 90; k = 1          # ink
                } else if (x >= 31 && x <= 34 && y >= 21 && y <= 24) {
                    r = 200; g = 40; b = 40; k = 1         # red square
                } else {
                    r = 235; g = 230; b = 215; k = 0       # paper
                }
                rim = x < 3 || y < 3 || x >= W - 3 || y >= H - 3
                if (mode == "rgb0" && !k) r = g = b = 0
                lum = int((299 * r + 587 * g + 114 * b + 500) / 1000)
                if (mode == "rgb" || mode == "rgb0") v = r " " g " " b
                else if (mode == "gray") v = lum
                else if (mode == "gray0") v = rim ? 0 : lum
                else if (mode == "strokes") v = k ? 255 : 0
                else v = rim ? 0 : 255
                line = line (x ? " " : "") v
            }
            print line
        }
    }'
}

picture rgb > p3.ppm
picture gray > p2.pgm
ppmtoppm < p3.ppm > p6.ppm
pgmtopgm < p2.pgm > p5.pgm
pamdepth 65535 p6.ppm > p6-16.ppm
pamdepth 65535 p5.pgm > p5-16.pgm
pnmtoplainpnm p6-16.ppm > p3-16.ppm
pnmtoplainpnm p5-16.pgm > p2-16.pgm
pgmtopbm -threshold -value 0.5 p5.pgm > p4.pbm
pnmtoplainpnm p4.pbm > p1.pbm

# PNG.  gray.png is the reference the tests compare everything with.
pamtopng p5.pgm > gray.png
pamtopng p6.ppm > rgb.png
pamtopng p5-16.pgm > gray16.png
pamtopng p6-16.ppm > rgb16.png
pnmtopng p6.ppm > palette.png                   # 3 colours: a palette
pnmtopng -transparent=rgb:eb/e6/d7 p6.ppm > palette-trns.png
pnmtopng -interlace p5.pgm > interlaced.png
picture rgb0 > "$tmp/rgb0.ppm"
picture gray0 > "$tmp/gray0.pgm"
picture strokes > "$tmp/strokes.pgm"
picture border > "$tmp/border.pgm"
pamstack -quiet -tupletype=RGB_ALPHA "$tmp/rgb0.ppm" "$tmp/strokes.pgm" |
    pamtopng > rgba.png                         # strokes on a clear sheet
pamstack -quiet -tupletype=GRAYSCALE_ALPHA "$tmp/gray0.pgm" "$tmp/border.pgm" |
    pamtopng > graya.png                        # paper with a clear border

# JPEG.
cjpeg -quality 95 p6.ppm > baseline.jpg         # YCbCr 4:2:0
cjpeg -quality 95 -progressive p6.ppm > progressive.jpg
cjpeg -quality 95 -grayscale p6.ppm > gray.jpg
cjpeg -quality 95 -rgb p6.ppm > rgbcs.jpg       # stored as RGB
convert p6.ppm -colorspace CMYK -quality 95 cmyk.jpg   # YCCK, Adobe
# CMYK without YCCK, from a small libjpeg program: cmyk-adobe.jpg has an
# Adobe APP14 marker and values inverted as Photoshop stores them;
# cmyk-plain.jpg has no Adobe marker and plain values (255 = full ink).
cat > "$tmp/cmyk.c" <<'CEOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
int main(int argc, char **argv)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    int w, h, m, x, i, adobe = argc > 1 && strcmp(argv[1], "adobe") == 0;
    unsigned char *rgb, *row;

    if (scanf("P6 %d %d %d", &w, &h, &m) != 3 || m != 255 || getchar() < 0)
        return 1;
    rgb = malloc((size_t)w * h * 3);
    row = malloc((size_t)w * 4);
    if (!rgb || !row || fread(rgb, 3, (size_t)w * h, stdin) != (size_t)w * h)
        return 1;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, stdout);
    c.image_width = w;
    c.image_height = h;
    c.input_components = 4;
    c.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&c);
    jpeg_set_colorspace(&c, JCS_CMYK);
    c.write_Adobe_marker = adobe;
    jpeg_set_quality(&c, 95, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < (unsigned)h) {
        const unsigned char *p = rgb + (size_t)c.next_scanline * w * 3;
        for (x = 0; x < w; x++) {       /* naive: K = 255 - max(R, G, B) */
            int r = p[3 * x], g = p[3 * x + 1], b = p[3 * x + 2];
            int mx = r > g ? (r > b ? r : b) : (g > b ? g : b);
            unsigned char *q = row + 4 * x;
            q[0] = mx ? (mx - r) * 255 / mx : 0;
            q[1] = mx ? (mx - g) * 255 / mx : 0;
            q[2] = mx ? (mx - b) * 255 / mx : 0;
            q[3] = 255 - mx;
            for (i = 0; adobe && i < 4; i++)
                q[i] = 255 - q[i];
        }
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    return 0;
}
CEOF
${CC:-cc} -o "$tmp/cmyk" "$tmp/cmyk.c" -ljpeg
"$tmp/cmyk" adobe < p6.ppm > cmyk-adobe.jpg
"$tmp/cmyk" plain < p6.ppm > cmyk-plain.jpg
# orient-N.jpg: stored turned so that orientation tag N makes it upright.
# EXIF written big-endian for even N, little-endian for odd N.
for n in 1 2 3 4 5 6 7 8; do
    case $n in
    1) op= ;;
    2) op=-flop ;;
    3) op='-rotate 180' ;;
    4) op=-flip ;;
    5) op=-transpose ;;
    6) op='-rotate -90' ;;
    7) op=-transverse ;;
    8) op='-rotate 90' ;;
    esac
    # shellcheck disable=SC2086
    convert p6.ppm $op "$tmp/o.ppm"
    cjpeg -quality 95 "$tmp/o.ppm" > orient-$n.jpg
    if [ $((n % 2)) -eq 0 ]; then bo=MM; else bo=II; fi
    exiftool -q -n -Orientation=$n -ExifByteOrder=$bo -overwrite_original \
        orient-$n.jpg
done

# TIFF, uncompressed unless named otherwise.
pamtotiff -truecolor p6.ppm 2>/dev/null > tiff-rgb.tif  # little-endian
convert p6.ppm -compress none -define tiff:endian=msb tiff-rgb-mm.tif
pamtotiff p5.pgm > tiff-gray.tif
pamtotiff p5-16.pgm > tiff-gray16.tif
pamtotiff p6.ppm 2>/dev/null > tiff-palette.tif  # 3 colours: a palette
pamtotiff p4.pbm > tiff-bilevel.tif
convert rgba.png -compress none tiff-rgba.tif   # unassociated alpha
convert rgba.png -compress none -define tiff:alpha=associated \
    tiff-rgba-assoc.tif
convert p6.ppm -rotate -90 -compress none -orient RightTop tiff-orient6.tif
pamtotiff -lzw p6.ppm 2>/dev/null > tiff-lzw.tif  # refused: LZW

ls -l ./*.p?m ./*.png ./*.jpg ./*.tif
