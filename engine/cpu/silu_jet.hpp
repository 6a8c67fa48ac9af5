// SiLU's second-order jet on the CPU (ops.hpp silu_jet, docs/autodiff.md): one pass over a layer's
// packed products, evaluating σ and its derivatives once per element for all of the slices.
// Elements are taken 512 bytes at a time (128 floats, a row of a width-128 layer) as fixed-size
// Eigen arrays: evaluated without run-time sizes, and each slice streams in runs that long
// (docs/performance.md has the measurements behind the size).
#pragma once

#include <Eigen/Core>

#include <cstdint>

#include "engine/cpu/logistic.hpp"
#include "engine/silu.hpp"

namespace ebm::cpu {

/// The shape of a packed jet [K, N, W]: slice 0 the values, slices 1 … K − 2 the directional
/// derivatives Fₘ, slice K − 1 the curvature sum S; a bias [W] is added to the values.
struct JetShape {
  int64_t slices;  // K
  int64_t rows;    // N
  int64_t width;   // W
  int64_t slice_stride() const { return rows * width; }
};

/// Elements per chunk; a chunk is held as a fixed-size array, what is left of a row after the
/// full chunks as a dynamic one.
template <class T>
constexpr int64_t jet_chunk = 512 / sizeof(T);
template <class T>
using FullChunk = Eigen::Array<T, jet_chunk<T>, 1>;
template <class T>
using PartialChunk = Eigen::Array<T, Eigen::Dynamic, 1, 0, jet_chunk<T>, 1>;

/// a = value + bias, σ = σ(a), and silu′(a), silu″(a) and (when asked) silu‴(a) from them.
template <class Chunk>
struct SiluDerivatives {
  Chunk a, sigma, first, second, third;

  template <class Value, class Bias>
  SiluDerivatives(const Value& value, const Bias& bias, bool with_third) {
    a = value + bias;
    cpu::logistic(a, sigma);
    first = silu_first_derivative(a, sigma);
    second = silu_second_derivative(a, sigma);
    if (with_third) third = silu_third_derivative(a, sigma);
  }
};

/// Calls body.template operator()<Chunk>(offset, derivatives, length) for every chunk of every row
/// of a [N, W] slice, with Chunk the array type that holds it and the derivatives SiLU's at its
/// a = products[0] + bias (the third only when asked).
template <class T, class Body>
void for_each_chunk(const T* products, const T* bias, const JetShape& shape, bool with_third, Body&& body) {
  const auto visit = [&]<class Chunk>(int64_t offset, int64_t column, int64_t length) {
    using In = Eigen::Map<const Chunk>;
    const SiluDerivatives<Chunk> derivatives(In(products + offset, length), In(bias + column, length), with_third);
    body.template operator()<Chunk>(offset, derivatives, length);
  };
  for (int64_t row = 0; row < shape.rows; ++row) {
    const int64_t row_start = row * shape.width;
    int64_t column = 0;
    for (; column + jet_chunk<T> <= shape.width; column += jet_chunk<T>) {
      visit.template operator()<FullChunk<T>>(row_start + column, column, jet_chunk<T>);
    }
    if (column < shape.width) {
      visit.template operator()<PartialChunk<T>>(row_start + column, column, shape.width - column);
    }
  }
}

/// out = (silu(a), silu′(a)·Fₘ, silu′(a)·S + silu″(a)·Σₘ Fₘ²) with a = products[0] + bias.
template <class T>
void silu_jet(const T* products, const T* bias, const JetShape& shape, T* out) {
  const int64_t stride = shape.slice_stride();
  const int64_t last = shape.slices - 1;
  for_each_chunk(products, bias, shape, false, [&]<class Chunk>(int64_t offset, const SiluDerivatives<Chunk>& d, int64_t length) {
    using In = Eigen::Map<const Chunk>;
    using Out = Eigen::Map<Chunk>;
    Chunk squares = Chunk::Zero(length);
    for (int64_t m = 1; m < last; ++m) {
      const In direction(products + m * stride + offset, length);
      squares += direction.square();
      Out(out + m * stride + offset, length) = d.first * direction;
    }
    Out(out + last * stride + offset, length) = d.first * In(products + last * stride + offset, length) + d.second * squares;
    Out(out + offset, length) = d.a * d.sigma;
  });
}

/// out = the gradient of ⟨g, silu_jet(products, bias)⟩ with respect to products:
///   slice 0: silu′·g₀ + silu″·(Σₘ gₘFₘ + S·g_S) + silu‴·Σₘ Fₘ²·g_S,
///   slice m: silu′·gₘ + 2 silu″·Fₘ·g_S,
///   slice K − 1: silu′·g_S.
template <class T>
void silu_jet_backward(const T* g, const T* products, const T* bias, const JetShape& shape, T* out) {
  const int64_t stride = shape.slice_stride();
  const int64_t last = shape.slices - 1;
  for_each_chunk(products, bias, shape, true, [&]<class Chunk>(int64_t offset, const SiluDerivatives<Chunk>& d, int64_t length) {
    using In = Eigen::Map<const Chunk>;
    using Out = Eigen::Map<Chunk>;
    const In curvature_gradient(g + last * stride + offset, length);  // g_S
    const Chunk twice_second_g = T(2) * d.second * curvature_gradient;
    Chunk squares = Chunk::Zero(length);
    Chunk dots = Chunk::Zero(length);
    for (int64_t m = 1; m < last; ++m) {
      const In direction(products + m * stride + offset, length);
      const In direction_gradient(g + m * stride + offset, length);
      squares += direction.square();
      dots += direction * direction_gradient;
      Out(out + m * stride + offset, length) = d.first * direction_gradient + twice_second_g * direction;
    }
    const In curvature(products + last * stride + offset, length);
    Out(out + last * stride + offset, length) = d.first * curvature_gradient;
    Out(out + offset, length) = d.first * In(g + offset, length) + d.second * (dots + curvature * curvature_gradient) +
                                d.third * squares * curvature_gradient;
  });
}

}  // namespace ebm::cpu
