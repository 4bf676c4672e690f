/* classify.c - libnn from C: read a model and a vector stream, print the
 * class of each record.  Build against an installed libnn:
 *
 *     cc -o classify classify.c $(pkg-config --cflags --libs libnn)
 *     ./classify model.json < test.vec
 */
#include <stdio.h>
#include <stdlib.h>

#include <nn.h>

int main(int argc, char **argv)
{
    nn_model *m;
    nn_vec_reader *r;
    char why[256] = "";
    const float *x;
    float *y;
    int label, got, err;
    FILE *fp;

    if (argc != 2) {
        fprintf(stderr, "usage: classify MODEL < VECTORS\n");
        return 2;
    }
    if (!(fp = fopen(argv[1], "rb"))) {
        perror(argv[1]);
        return 1;
    }
    err = nn_model_read(&m, fp, why, sizeof why);
    fclose(fp);
    if (err) {
        fprintf(stderr, "%s: %s\n", argv[1], why[0] ? why : nn_strerror(err));
        return 1;
    }
    y = malloc(nn_model_n_out(m) * sizeof *y);
    if (!y || nn_vec_reader_new(&r, stdin, nn_model_n_in(m)))
        return 1;
    while ((got = nn_vec_read(r, &x, &label, why, sizeof why)) > 0) {
        if (nn_vec_dim(r) != nn_model_n_in(m)) {
            fprintf(stderr, "record has %d values, model takes %d\n",
                    nn_vec_dim(r), nn_model_n_in(m));
            return 1;
        }
        nn_predict(m, x, 1, y);
        printf("%d\n", nn_argmax(y, nn_model_n_out(m)));
    }
    if (got < 0) {
        fprintf(stderr, "stdin: %s\n", why);
        return 1;
    }
    nn_vec_reader_free(r);
    nn_model_free(m);
    free(y);
    return 0;
}
