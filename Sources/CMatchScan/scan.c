#include "cmatch_scan.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define CMATCH_SSE 1
#endif

ptrdiff_t cmatch_first_at_least(const float *row, ptrdiff_t start, ptrdiff_t n, float threshold) {
    ptrdiff_t j = start;
#ifdef CMATCH_SSE
    const __m128 t = _mm_set1_ps(threshold);
    for (; j + 16 <= n; j += 16) {
        __m128 a = _mm_loadu_ps(row + j);
        __m128 b = _mm_loadu_ps(row + j + 4);
        __m128 c = _mm_loadu_ps(row + j + 8);
        __m128 d = _mm_loadu_ps(row + j + 12);
        __m128 m = _mm_max_ps(_mm_max_ps(a, b), _mm_max_ps(c, d));
        if (_mm_movemask_ps(_mm_cmpge_ps(m, t))) break;
    }
#endif
    for (; j < n; j++) {
        if (row[j] >= threshold) return j;
    }
    return n;
}

ptrdiff_t cmatch_first_at_least_affine(const float *row, const float *bound, ptrdiff_t start, ptrdiff_t n,
                                       float scale, float threshold) {
    ptrdiff_t j = start;
#ifdef CMATCH_SSE
    const __m128 t = _mm_set1_ps(threshold);
    const __m128 s = _mm_set1_ps(scale);
    for (; j + 16 <= n; j += 16) {
        __m128 a = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(row + j), s), _mm_loadu_ps(bound + j));
        __m128 b = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(row + j + 4), s), _mm_loadu_ps(bound + j + 4));
        __m128 c = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(row + j + 8), s), _mm_loadu_ps(bound + j + 8));
        __m128 d = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(row + j + 12), s), _mm_loadu_ps(bound + j + 12));
        __m128 m = _mm_max_ps(_mm_max_ps(a, b), _mm_max_ps(c, d));
        if (_mm_movemask_ps(_mm_cmpge_ps(m, t))) break;
    }
#endif
    for (; j < n; j++) {
        if (row[j] * scale + bound[j] >= threshold) return j;
    }
    return n;
}
