/* sparse_vec.h - lib/sparse.c's kernels for one vector width, included
 * there once for each: VW (floats a vector), vec (the vector type) and
 * KERNEL(name) (the name for this width) are defined by the includer. */

/* Columns [j0, j0 + nv*VW) of C (the last vector moved back to end at n)
 * for rows 0..rows-1.  Inlined with nv a constant, so the loops over v
 * unroll into registers and constant offsets. */
static inline __attribute__((always_inline)) void
KERNEL(strip)(float *C, int rows, int n, const int *ptr, const int *idx,
              const float *val, const float *Bm, const float *init, int j0,
              const int nv)
{
    int last = j0 + (nv - 1) * VW < n - VW ? (nv - 1) * VW : n - VW - j0;
#define OFF(v) ((v) == nv - 1 ? last : (v) * VW)

    for (int i = 0; i < rows; i++) {
        float *c = C + (long)i * n + j0;
        vec s[NV_MAX];
        for (int v = 0; v < nv; v++)
            s[v] = init ? *(const vec *)(init + j0 + OFF(v)) : (vec){ 0 };
        for (int e = ptr[i]; e < ptr[i + 1]; e++) {
            const float *b = Bm + (long)idx[e] * n + j0;
            float x = val[e];
            for (int v = 0; v < nv; v++)
                s[v] += x * *(const vec *)(b + OFF(v));
        }
        for (int v = 0; v < nv; v++)
            *(vec *)(c + OFF(v)) = s[v];
    }
#undef OFF
}

/* All columns of C, in strips of up to nvmax vectors: as many as the
 * CPU's vector registers hold, leaving room for the loads. */
static inline __attribute__((always_inline)) void
KERNEL(spmm_strips)(float *C, int rows, int n, const int *ptr, const int *idx,
    const float *val, const float *Bm, const float *init, const int nvmax)
{
    int nvec = (n + VW - 1) / VW;

    for (int v0 = 0; v0 < nvec; v0 += nvmax) {
        int j0 = v0 * VW;
#define STRIP(k) case k: KERNEL(strip)(C, rows, n, ptr, idx, val, Bm, init, j0, k); break
        switch (nvec - v0 < nvmax ? nvec - v0 : nvmax) {
        STRIP(1); STRIP(2); STRIP(3); STRIP(4); STRIP(5); STRIP(6);
        STRIP(7); STRIP(8); STRIP(9); STRIP(10); STRIP(11); STRIP(12);
        STRIP(13); STRIP(14); STRIP(15);
        default: KERNEL(strip)(C, rows, n, ptr, idx, val, Bm, init, j0, nvmax);
        }
#undef STRIP
    }
}

/* Columns [j0, j0 + nv*VW) of C, through the tile T (rows x nv*VW). */
static inline __attribute__((always_inline)) void
KERNEL(tile_by_cols)(float *C, float *T, int rows, int n, int k,
    const int *ptr, const int *idx, const float *val, const float *Bm,
    const float *init, int j0, const int nv)
{
    for (int i = 0; i < rows; i++)
        for (int v = 0; v < nv; v++)
            *(vec *)(T + ((long)i * nv + v) * VW) =
                init ? *(const vec *)(init + j0 + v * VW) : (vec){ 0 };
    for (int c = 0; c < k; c++) {
        int end = ptr[c + 1];
        vec b[TW / 8];      /* room for the narrower vectors */
        for (int v = 0; v < nv; v++)
            b[v] = *(const vec *)(Bm + (long)c * n + j0 + v * VW);
        for (int e = ptr[c]; e < end; e++) {
            float *t = T + (long)idx[e] * nv * VW, x = val[e];
            for (int v = 0; v < nv; v++)
                *(vec *)(t + v * VW) += x * b[v];
        }
    }
    for (int i = 0; i < rows; i++)
        memcpy(C + (long)i * n + j0, T + (long)i * nv * VW,
               nv * VW * sizeof *T);
}

/* Tiles t0 .. t1-1 of C, each nv vectors wide; the last one moved back to
 * end at n: the columns it shares with the one before get the same values
 * again. */
static inline __attribute__((always_inline)) void
KERNEL(tiles_by_cols)(float *C, float *T, int rows, int n, int k,
    const int *ptr, const int *idx, const float *val, const float *Bm,
    const float *init, int nv, int t0, int t1)
{
    int w = nv * VW;

    for (int t = t0; t < t1; t++) {
        int j0 = t * w < n - w ? t * w : n - w;
#define TILE(m) case m: KERNEL(tile_by_cols)(C, T, rows, n, k, ptr, idx, val, Bm, \
                                             init, j0, m); break
        switch (nv) {
        TILE(1); TILE(2); TILE(3); TILE(4); TILE(5); TILE(6); TILE(7);
        default: KERNEL(tile_by_cols)(C, T, rows, n, k, ptr, idx, val, Bm,
                                      init, j0, 8);
        }
#undef TILE
    }
}

