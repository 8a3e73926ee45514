// Fused bias + tanh passes for RankCollapseNetwork, compiled for AVX2 + FMA per function so that
// the loops run eight floats (four doubles) per instruction; the package itself targets the
// baseline instruction set, where the Swift versions of the same formulas run four (two).
//
// The formulas are those of `Float.branchFreeTanh` and `Double.branchFreeTanh` in
// RankCollapseTensor (a fitted rational approximation in single precision; Lambert's continued
// fraction below 1/4 and a Padé form of e^(−2|x|) above in double precision). With fused
// multiply-adds the last bits can differ from the Swift versions.
#include "rc_kernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)

__attribute__((target("avx2,fma"), always_inline)) static inline float tanh_f32(float x) {
  const float a = fabsf(x);
  const float c = a > 9.0f ? 9.0f : a;
  const float t = c * c;
  float p = -0x1.7f737ap-44f;
  p = p * t + 0x1.d0eb12p-35f;
  p = p * t - 0x1.5ba662p-26f;
  p = p * t + 0x1.765448p-17f;
  p = p * t + 0x1.96da76p-9f;
  p = p * t + 0x1.0bf638p-3f;
  p = p * t + 1.0f;
  float q = 0x1.0b0002p-12f;
  q = q * t + 0x1.915578p-6f;
  q = q * t + 0x1.db506ep-2f;
  q = q * t + 1.0f;
  float r = c * p / q;
  r = r > 1.0f ? 1.0f : r;
  return copysignf(r, x);
}

__attribute__((target("avx2,fma"), always_inline)) static inline double tanh_f64(double x) {
  const double a = fabs(x);
  const double c = a > 19.1 ? 19.1 : a;
  const double t = a * a;
  double sn = 0x1.29f6b20961c00p-16;
  sn = sn * t + 0x1.c01c01c01c01cp-9;
  sn = sn * t + 0x1.1111111111111p-3;
  sn = sn * t + 1.0;
  double sd = 0x1.08db48ebe51c7p-21;
  sd = sd * t + 0x1.45e5d2ba42ea0p-12;
  sd = sd * t + 0x1.a41a41a41a41ap-6;
  sd = sd * t + 0x1.ddddddddddddep-2;
  sd = sd * t + 1.0;
  const double shifter = 6755399441055744.0;
  const double y = 2.0 * c;
  const double shifted = y * -1.4426950408889634 + shifter;
  const double n = shifted - shifter;
  const double r = (-y - n * 0x1.62e42fee00000p-1) - n * 0x1.a39ef35793c76p-33;
  const double r2 = r * r;
  double even = 0x1.937e11175f095p-20;
  even = even * r2 + 0x1.4afd6a052bf5bp-10;
  even = even * r2 + 0x1.d1745d1745d17p-4;
  even = even * r2 + 1.0;
  double odd = 0x1.08cabb37565e2p-14;
  odd = odd * r2 + 0x1.f07c1f07c1f08p-7;
  odd = odd * r2 + 0.5;
  odd *= r;
  uint64_t shifted_bits, shifter_bits;
  memcpy(&shifted_bits, &shifted, sizeof shifted_bits);
  memcpy(&shifter_bits, &shifter, sizeof shifter_bits);
  const uint64_t scale_bits = (shifted_bits - shifter_bits + 1023u) << 52;
  double scale;
  memcpy(&scale, &scale_bits, sizeof scale);
  const double scaled = scale * (even + odd);
  const double denominator = even - odd;
  const int small = a < 0.25;
  const double numerator = small ? a * sn : denominator - scaled;
  const double divisor = small ? sd : denominator + scaled;
  return copysign(numerator / divisor, x);
}

__attribute__((target("avx2,fma"))) void rc_tanh_bias_f32_avx2(
    float *z, const float *bias, int64_t row_begin, int64_t row_end, int64_t columns) {
  for (int64_t i = row_begin; i < row_end; i++) {
    float *restrict row = z + i * columns;
    const float *restrict b = bias;
    for (int64_t j = 0; j < columns; j++) row[j] = tanh_f32(row[j] + b[j]);
  }
}

__attribute__((target("avx2,fma"))) void rc_tanh_bias_f64_avx2(
    double *z, const double *bias, int64_t row_begin, int64_t row_end, int64_t columns) {
  for (int64_t i = row_begin; i < row_end; i++) {
    double *restrict row = z + i * columns;
    const double *restrict b = bias;
    for (int64_t j = 0; j < columns; j++) row[j] = tanh_f64(row[j] + b[j]);
  }
}

#else

void rc_tanh_bias_f32_avx2(
    float *z, const float *bias, int64_t row_begin, int64_t row_end, int64_t columns) {
  (void)z, (void)bias, (void)row_begin, (void)row_end, (void)columns;
}

void rc_tanh_bias_f64_avx2(
    double *z, const double *bias, int64_t row_begin, int64_t row_end, int64_t columns) {
  (void)z, (void)bias, (void)row_begin, (void)row_end, (void)columns;
}

#endif
