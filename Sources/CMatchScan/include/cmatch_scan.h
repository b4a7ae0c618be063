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
