// Small vectorised kernels for RankCollapseClustering and RankCollapseNetwork (not meant to be
// imported by users).
#ifndef RC_KERNELS_H
#define RC_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Whether this processor runs the AVX2 + FMA kernels (checked once per call; cheap).
int rc_kernels_have_avx2_fma(void);

/// One k-means assignment pass over `rows` rows of `x` (row stride `d`), float32, AVX2 + FMA.
///
/// For every row i: the products x_i · c_j with the `k` centroids `c` (k × d, row-major) are
/// accumulated with fused multiply-adds; the nearest centroid is the argmin of
/// ‖c_j‖² − 2 x_i · c_j (ties to the lower index; `centroid_norms` holds ‖c_j‖²). It writes
/// `labels[i]`, `best[i]` = max(0, ‖x_i‖² + min) and `second[i]` (the same for the runner-up,
/// +∞ when k = 1), and adds x_i to row labels[i] of `sums` (k × d, float32). `scratch` holds
/// 2k floats of working space.
///
/// Call only when rc_kernels_have_avx2_fma() returned 1.
void rc_kmeans_assign_f32_avx2(
    const float *x, int64_t rows, int64_t d, const float *row_norms, const float *centroids,
    const float *centroid_norms, int64_t k, int64_t *labels, float *best, float *second,
    float *sums, float *scratch);

/// z_ij ← tanh(z_ij + bias_j) for rows [row_begin, row_end) of a row-major matrix with `columns`
/// columns, float32, AVX2 + FMA (RankCollapseNetwork's forward pass). Call only when
/// rc_kernels_have_avx2_fma() returned 1.
void rc_tanh_bias_f32_avx2(
    float *z, const float *bias, int64_t row_begin, int64_t row_end, int64_t columns);

/// The float64 version of rc_tanh_bias_f32_avx2.
void rc_tanh_bias_f64_avx2(
    double *z, const double *bias, int64_t row_begin, int64_t row_end, int64_t columns);

#ifdef __cplusplus
}
#endif

#endif
