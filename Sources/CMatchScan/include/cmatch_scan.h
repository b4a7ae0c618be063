#ifndef CMATCH_SCAN_H
#define CMATCH_SCAN_H

#include <stddef.h>

/// The index of the first j in [start, n) with row[j] >= threshold, or n when there is none.
/// Sixteen scores per step: four vector max operations and one compare, so a scan that rejects
/// almost every score runs at memory speed.
ptrdiff_t cmatch_first_at_least(const float *row, ptrdiff_t start, ptrdiff_t n, float threshold);

/// The same for row[j] * scale + bound[j].
ptrdiff_t cmatch_first_at_least_affine(const float *row, const float *bound, ptrdiff_t start, ptrdiff_t n,
                                       float scale, float threshold);

#endif

#ifndef CMATCH_SCAN_BF16_H
#define CMATCH_SCAN_BF16_H
#include <stdint.h>

/// 1 when this CPU runs the AVX-512 BF16 pre-filter, else 0.
int cmatch_bf16_supported(void);

/// Packs n rows of d floats (d even) as bfloat16, in groups of 16 rows: for group g and component pair
/// kk, 16 consecutive uint32 hold (row[2kk], row[2kk+1]) of the group's rows. Rows past n are zero.
/// `out` holds ceil(n / 16) * 16 * d / 2 uint32.
void cmatch_pack_bf16_groups(const float *rows, ptrdiff_t n, ptrdiff_t d, uint32_t *out);

/// Packs m rows of d floats (d even) as bfloat16 pairs: out[r * d/2 + kk] = (row[2kk], row[2kk+1]).
void cmatch_pack_bf16_pairs(const float *rows, ptrdiff_t m, ptrdiff_t d, uint32_t *out);

/// Approximate scores of m packed products against n packed creators (bfloat16 products, float32
/// accumulation), and the (row, column) of every score s with s * scale + bound[column] >= threshold[row]
/// (bound may be NULL for 0). Returns how many pairs it wrote to rows_out / cols_out (room for m * n).
ptrdiff_t cmatch_bf16_candidates(const uint32_t *products, ptrdiff_t m, const uint32_t *creators, ptrdiff_t n,
                                 ptrdiff_t d, const float *thresholds, float scale, const float *bound,
                                 int32_t *rows_out, int32_t *cols_out);

/// The dot product of two float vectors accumulated in double precision, rounded once to float: the
/// score every search path offers, so results agree whatever path or tile produced the candidate.
float cmatch_dot(const float *a, const float *b, ptrdiff_t d);
#endif
