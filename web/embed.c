/* embed.c - the page's files as C arrays, so that nn-serve serves them
 * from the binary and needs no file beside it: web/embed FILE... writes
 * web/assets.c (the table serve_assets of cmd/serve.h) to standard output.
 * Each FILE is served as /BASENAME, with a type from its extension. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *type_of(const char *name)
{
    static const char *const types[][2] = {
        { ".html", "text/html; charset=utf-8" },
        { ".js", "text/javascript; charset=utf-8" },
        { ".css", "text/css; charset=utf-8" },
        { ".svg", "image/svg+xml" },
        { ".png", "image/png" },
    };
    const char *dot = strrchr(name, '.');

    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i][0]) == 0)
            return types[i][1];
    return "application/octet-stream";
}

static const char *base(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int main(int argc, char **argv)
{
    printf("/* Made by web/embed from web/: do not edit. */\n"
           "#include \"serve.h\"\n\n");
    for (int i = 1; i < argc; i++) {
        FILE *fp = fopen(argv[i], "rb");
        long n = 0;
        int c;

        if (!fp) {
            fprintf(stderr, "embed: %s: ", argv[i]);
            perror(NULL);
            return 1;
        }
        printf("static const unsigned char file%d[] = {", i);
        while ((c = getc(fp)) != EOF)
            printf("%s%d,", n++ % 20 ? "" : "\n    ", c);
        if (ferror(fp)) {
            fprintf(stderr, "embed: %s: read error\n", argv[i]);
            return 1;
        }
        fclose(fp);
        printf("%s0\n};\n", n % 20 ? "" : "\n    ");
    }
    printf("\nconst struct asset serve_assets[] = {\n");
    for (int i = 1; i < argc; i++)
        printf("    { \"/%s\", \"%s\", file%d, sizeof file%d - 1 },\n",
               base(argv[i]), type_of(argv[i]), i, i);
    printf("    { 0, 0, 0, 0 }\n};\n");
    return fflush(stdout) != 0 || ferror(stdout);
}
