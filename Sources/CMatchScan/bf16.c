#include "cmatch_scan.h"
#include <string.h>

float cmatch_dot(const float *a, const float *b, ptrdiff_t d) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    ptrdiff_t i = 0;
    for (; i + 4 <= d; i += 4) {
        s0 += (double)a[i] * b[i];
        s1 += (double)a[i + 1] * b[i + 1];
        s2 += (double)a[i + 2] * b[i + 2];
        s3 += (double)a[i + 3] * b[i + 3];
    }
    for (; i < d; i++) s0 += (double)a[i] * b[i];
    return (float)((s0 + s1) + (s2 + s3));
}

/// Round to nearest even, as a bfloat16 bit pattern (inputs are finite).
static inline uint32_t to_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    u += 0x7FFF + ((u >> 16) & 1);
    return u >> 16;
}

void cmatch_pack_bf16_groups(const float *rows, ptrdiff_t n, ptrdiff_t d, uint32_t *out) {
    ptrdiff_t groups = (n + 15) / 16, pairs = d / 2;
    for (ptrdiff_t g = 0; g < groups; g++) {
        for (ptrdiff_t kk = 0; kk < pairs; kk++) {
            uint32_t *dst = out + (g * pairs + kk) * 16;
            for (int lane = 0; lane < 16; lane++) {
                ptrdiff_t r = g * 16 + lane;
                if (r < n) {
                    const float *row = rows + r * d;
                    dst[lane] = to_bf16(row[2 * kk]) | (to_bf16(row[2 * kk + 1]) << 16);
                } else {
                    dst[lane] = 0;
                }
            }
        }
    }
}

void cmatch_pack_bf16_pairs(const float *rows, ptrdiff_t m, ptrdiff_t d, uint32_t *out) {
    ptrdiff_t pairs = d / 2;
    for (ptrdiff_t r = 0; r < m; r++) {
        for (ptrdiff_t kk = 0; kk < pairs; kk++) {
            out[r * pairs + kk] = to_bf16(rows[r * d + 2 * kk]) | (to_bf16(rows[r * d + 2 * kk + 1]) << 16);
        }
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define CMATCH_HAVE_BF16 1

int cmatch_bf16_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512f");
}

#define BF16_TARGET __attribute__((target("avx512f,avx512bf16,avx512vl,avx512bw")))

/// Emits the candidates of one 16-score vector.
BF16_TARGET static inline ptrdiff_t emit(__m512 acc, float scale, const float *bound, ptrdiff_t col0, ptrdiff_t n,
                                         float threshold, int32_t row, int32_t *rows_out, int32_t *cols_out, ptrdiff_t count) {
    __m512 v = _mm512_mul_ps(acc, _mm512_set1_ps(scale));
    __mmask16 valid = col0 + 16 <= n ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - col0)) - 1);
    if (bound) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(valid, bound + col0));
    __mmask16 hits = _mm512_mask_cmp_ps_mask(valid, v, _mm512_set1_ps(threshold), _CMP_GE_OQ);
    while (hits) {
        int lane = __builtin_ctz(hits);
        hits &= hits - 1;
        rows_out[count] = row;
        cols_out[count] = (int32_t)(col0 + lane);
        count++;
    }
    return count;
}

BF16_TARGET ptrdiff_t cmatch_bf16_candidates(const uint32_t *products, ptrdiff_t m, const uint32_t *creators, ptrdiff_t n,
                                             ptrdiff_t d, const float *thresholds, float scale, const float *bound,
                                             int32_t *rows_out, int32_t *cols_out) {
    const ptrdiff_t pairs = d / 2, groups = (n + 15) / 16;
    ptrdiff_t count = 0;
    ptrdiff_t r0 = 0;
    // Full 4-row × 4-group (64 creators) blocks: sixteen accumulators stay in registers.
    for (; r0 + 4 <= m; r0 += 4) {
        const uint32_t *a0 = products + (r0 + 0) * pairs, *a1 = products + (r0 + 1) * pairs;
        const uint32_t *a2 = products + (r0 + 2) * pairs, *a3 = products + (r0 + 3) * pairs;
        ptrdiff_t g0 = 0;
        for (; g0 + 4 <= groups; g0 += 4) {
            const uint32_t *b = creators + g0 * pairs * 16;
            __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c03 = c00;
            __m512 c10 = c00, c11 = c00, c12 = c00, c13 = c00;
            __m512 c20 = c00, c21 = c00, c22 = c00, c23 = c00;
            __m512 c30 = c00, c31 = c00, c32 = c00, c33 = c00;
            for (ptrdiff_t kk = 0; kk < pairs; kk++) {
                __m512bh b0 = (__m512bh)_mm512_loadu_si512(b + (0 * pairs + kk) * 16);
                __m512bh b1 = (__m512bh)_mm512_loadu_si512(b + (1 * pairs + kk) * 16);
                __m512bh b2 = (__m512bh)_mm512_loadu_si512(b + (2 * pairs + kk) * 16);
                __m512bh b3 = (__m512bh)_mm512_loadu_si512(b + (3 * pairs + kk) * 16);
                __m512bh x;
                x = (__m512bh)_mm512_set1_epi32((int)a0[kk]);
                c00 = _mm512_dpbf16_ps(c00, x, b0); c01 = _mm512_dpbf16_ps(c01, x, b1);
                c02 = _mm512_dpbf16_ps(c02, x, b2); c03 = _mm512_dpbf16_ps(c03, x, b3);
                x = (__m512bh)_mm512_set1_epi32((int)a1[kk]);
                c10 = _mm512_dpbf16_ps(c10, x, b0); c11 = _mm512_dpbf16_ps(c11, x, b1);
                c12 = _mm512_dpbf16_ps(c12, x, b2); c13 = _mm512_dpbf16_ps(c13, x, b3);
                x = (__m512bh)_mm512_set1_epi32((int)a2[kk]);
                c20 = _mm512_dpbf16_ps(c20, x, b0); c21 = _mm512_dpbf16_ps(c21, x, b1);
                c22 = _mm512_dpbf16_ps(c22, x, b2); c23 = _mm512_dpbf16_ps(c23, x, b3);
                x = (__m512bh)_mm512_set1_epi32((int)a3[kk]);
                c30 = _mm512_dpbf16_ps(c30, x, b0); c31 = _mm512_dpbf16_ps(c31, x, b1);
                c32 = _mm512_dpbf16_ps(c32, x, b2); c33 = _mm512_dpbf16_ps(c33, x, b3);
            }
            ptrdiff_t col = g0 * 16;
            float t0 = thresholds[r0], t1 = thresholds[r0 + 1], t2 = thresholds[r0 + 2], t3 = thresholds[r0 + 3];
            count = emit(c00, scale, bound, col, n, t0, (int32_t)r0, rows_out, cols_out, count);
            count = emit(c01, scale, bound, col + 16, n, t0, (int32_t)r0, rows_out, cols_out, count);
            count = emit(c02, scale, bound, col + 32, n, t0, (int32_t)r0, rows_out, cols_out, count);
            count = emit(c03, scale, bound, col + 48, n, t0, (int32_t)r0, rows_out, cols_out, count);
            count = emit(c10, scale, bound, col, n, t1, (int32_t)r0 + 1, rows_out, cols_out, count);
            count = emit(c11, scale, bound, col + 16, n, t1, (int32_t)r0 + 1, rows_out, cols_out, count);
            count = emit(c12, scale, bound, col + 32, n, t1, (int32_t)r0 + 1, rows_out, cols_out, count);
            count = emit(c13, scale, bound, col + 48, n, t1, (int32_t)r0 + 1, rows_out, cols_out, count);
            count = emit(c20, scale, bound, col, n, t2, (int32_t)r0 + 2, rows_out, cols_out, count);
            count = emit(c21, scale, bound, col + 16, n, t2, (int32_t)r0 + 2, rows_out, cols_out, count);
            count = emit(c22, scale, bound, col + 32, n, t2, (int32_t)r0 + 2, rows_out, cols_out, count);
            count = emit(c23, scale, bound, col + 48, n, t2, (int32_t)r0 + 2, rows_out, cols_out, count);
            count = emit(c30, scale, bound, col, n, t3, (int32_t)r0 + 3, rows_out, cols_out, count);
            count = emit(c31, scale, bound, col + 16, n, t3, (int32_t)r0 + 3, rows_out, cols_out, count);
            count = emit(c32, scale, bound, col + 32, n, t3, (int32_t)r0 + 3, rows_out, cols_out, count);
            count = emit(c33, scale, bound, col + 48, n, t3, (int32_t)r0 + 3, rows_out, cols_out, count);
        }
        // Remaining groups of these four rows, one group at a time.
        for (; g0 < groups; g0++) {
            const uint32_t *b = creators + g0 * pairs * 16;
            __m512 c0 = _mm512_setzero_ps(), c1 = c0, c2 = c0, c3 = c0;
            for (ptrdiff_t kk = 0; kk < pairs; kk++) {
                __m512bh bb = (__m512bh)_mm512_loadu_si512(b + kk * 16);
                c0 = _mm512_dpbf16_ps(c0, (__m512bh)_mm512_set1_epi32((int)a0[kk]), bb);
                c1 = _mm512_dpbf16_ps(c1, (__m512bh)_mm512_set1_epi32((int)a1[kk]), bb);
                c2 = _mm512_dpbf16_ps(c2, (__m512bh)_mm512_set1_epi32((int)a2[kk]), bb);
                c3 = _mm512_dpbf16_ps(c3, (__m512bh)_mm512_set1_epi32((int)a3[kk]), bb);
            }
            count = emit(c0, scale, bound, g0 * 16, n, thresholds[r0], (int32_t)r0, rows_out, cols_out, count);
            count = emit(c1, scale, bound, g0 * 16, n, thresholds[r0 + 1], (int32_t)r0 + 1, rows_out, cols_out, count);
            count = emit(c2, scale, bound, g0 * 16, n, thresholds[r0 + 2], (int32_t)r0 + 2, rows_out, cols_out, count);
            count = emit(c3, scale, bound, g0 * 16, n, thresholds[r0 + 3], (int32_t)r0 + 3, rows_out, cols_out, count);
        }
    }
    // Remaining rows, one at a time.
    for (; r0 < m; r0++) {
        const uint32_t *a = products + r0 * pairs;
        for (ptrdiff_t g0 = 0; g0 < groups; g0++) {
            const uint32_t *b = creators + g0 * pairs * 16;
            __m512 c = _mm512_setzero_ps();
            for (ptrdiff_t kk = 0; kk < pairs; kk++) {
                c = _mm512_dpbf16_ps(c, (__m512bh)_mm512_set1_epi32((int)a[kk]), (__m512bh)_mm512_loadu_si512(b + kk * 16));
            }
            count = emit(c, scale, bound, g0 * 16, n, thresholds[r0], (int32_t)r0, rows_out, cols_out, count);
        }
    }
    return count;
}
#else
int cmatch_bf16_supported(void) { return 0; }

ptrdiff_t cmatch_bf16_candidates(const uint32_t *products, ptrdiff_t m, const uint32_t *creators, ptrdiff_t n,
                                 ptrdiff_t d, const float *thresholds, float scale, const float *bound,
                                 int32_t *rows_out, int32_t *cols_out) {
    (void)products; (void)m; (void)creators; (void)n; (void)d; (void)thresholds; (void)scale; (void)bound;
    (void)rows_out; (void)cols_out;
    return 0;
}
#endif
