// SiLU's second-order jet on the CPU (ops.hpp silu_jet, docs/autodiff.md): one pass over a layer's
// packed products, evaluating σ and its derivatives once per element for all of the slices.
#pragma once

#include <Eigen/Core>

#include <cstdint>

#include "engine/cpu/blocks.hpp"

namespace ebm::cpu {

/// The shape of a packed jet [K, N, W]: slice 0 the values, slices 1 … K − 2 the directional
/// derivatives Fₘ, slice K − 1 the curvature sum S; `bias` [W] is added to the values.
struct JetShape {
  int64_t slices;  // K
  int64_t rows;    // N
  int64_t width;   // W
  int64_t slice_stride() const { return rows * width; }
};

/// SiLU and its first three derivatives at a = value + bias, for one block of a row.
template <class T>
struct SiluDerivatives {
  BlockArray<T> a, sigma, first, second, third;

  SiluDerivatives(const T* value, const T* bias, int64_t length, bool with_third) {
    using Map = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
    a = Map(value, length) + Map(bias, length);
    sigma = a.logistic();
    const BlockArray<T> s = sigma * (T(1) - sigma);   // σ′ of the logistic
    const BlockArray<T> t = T(1) - T(2) * sigma;
    first = sigma * (T(1) + a * (T(1) - sigma));      // silu′ = σ(1 + a(1 − σ))
    second = s * (T(2) + a * t);                      // silu″ = s(2 + at)
    if (with_third) third = s * (T(3) * t + a * (T(1) - T(6) * s));  // silu‴ = s(3t + a(1 − 6s))
  }
};

/// Calls body(offset, width offset, length) for every block of every row of a [N, W] slice.
template <class Body>
void for_each_row_block(const JetShape& shape, Body&& body) {
  for (int64_t row = 0; row < shape.rows; ++row) {
    for_each_block(shape.width, [&](int64_t column, int64_t length) { body(row * shape.width + column, column, length); });
  }
}

/// out = (silu(a), silu′(a)·Fₘ, silu′(a)·S + silu″(a)·Σₘ Fₘ²) with a = products[0] + bias.
template <class T>
void silu_jet(const T* products, const T* bias, const JetShape& shape, T* out) {
  using Map = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
  using OutMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
  const int64_t stride = shape.slice_stride();
  const int64_t last = shape.slices - 1;
  for_each_row_block(shape, [&](int64_t offset, int64_t column, int64_t length) {
    const SiluDerivatives<T> d(products + offset, bias + column, length, false);
    BlockArray<T> squares = BlockArray<T>::Zero(length);
    for (int64_t m = 1; m < last; ++m) {
      const Map direction(products + m * stride + offset, length);
      squares += direction.square();
      OutMap(out + m * stride + offset, length) = d.first * direction;
    }
    OutMap(out + last * stride + offset, length) = d.first * Map(products + last * stride + offset, length) + d.second * squares;
    OutMap(out + offset, length) = d.a * d.sigma;
  });
}

/// out = the gradient of ⟨g, silu_jet(products, bias)⟩ with respect to products:
///   slice 0: silu′·g₀ + silu″·(Σₘ gₘFₘ + S·g_S) + silu‴·Σₘ Fₘ²·g_S,
///   slice m: silu′·gₘ + 2 silu″·Fₘ·g_S,
///   slice K − 1: silu′·g_S.
template <class T>
void silu_jet_backward(const T* g, const T* products, const T* bias, const JetShape& shape, T* out) {
  using Map = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
  using OutMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
  const int64_t stride = shape.slice_stride();
  const int64_t last = shape.slices - 1;
  for_each_row_block(shape, [&](int64_t offset, int64_t column, int64_t length) {
    const SiluDerivatives<T> d(products + offset, bias + column, length, true);
    const Map curvature_gradient(g + last * stride + offset, length);  // g_S
    const BlockArray<T> twice_second_g = T(2) * d.second * curvature_gradient;
    BlockArray<T> squares = BlockArray<T>::Zero(length);
    BlockArray<T> dots = BlockArray<T>::Zero(length);
    for (int64_t m = 1; m < last; ++m) {
      const Map direction(products + m * stride + offset, length);
      const Map direction_gradient(g + m * stride + offset, length);
      squares += direction.square();
      dots += direction * direction_gradient;
      OutMap(out + m * stride + offset, length) = d.first * direction_gradient + twice_second_g * direction;
    }
    const Map curvature(products + last * stride + offset, length);
    OutMap(out + last * stride + offset, length) = d.first * curvature_gradient;
    OutMap(out + offset, length) = d.first * Map(g + offset, length) + d.second * (dots + curvature * curvature_gradient) +
                                   d.third * squares * curvature_gradient;
  });
}

}  // namespace ebm::cpu
