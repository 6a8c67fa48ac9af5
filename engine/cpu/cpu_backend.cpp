// The CPU backend: Eigen's vectorised array expressions for elementwise maps and reductions,
// a packed GEMM in Eigen's packet primitives for matmul (engine/cpu/gemm.hpp). This file is
// compiled once per instruction-set level, EBM_CPU_LEVEL naming it (cmake/cpu_levels.cmake);
// engine/cpu/dispatch.cpp chooses one at run time.
#include "engine/cpu/intrinsics.hpp"  // first: before Eigen includes the intrinsics

#include <Eigen/Core>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "engine/backend.hpp"
#include "engine/cpu/buffer_cache.hpp"
#include "engine/cpu/gemm.hpp"
#include "engine/cpu/logistic.hpp"
#include "engine/cpu/silu_jet.hpp"
#include "engine/cpu/strided_loop.hpp"
#include "engine/dtype_dispatch.hpp"
#include "engine/philox.hpp"
#include "engine/silu.hpp"

#ifndef EBM_CPU_LEVEL
#error "cpu_backend.cpp is compiled once per level, with EBM_CPU_LEVEL naming it (cmake/cpu_levels.cmake)"
#endif

namespace ebm::cpu::EBM_CPU_LEVEL {
namespace {

template <class T>
using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
template <class T>
using ArrayMap = Eigen::Map<Array<T>>;
template <class T>
using ConstArrayMap = Eigen::Map<const Array<T>>;
template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Kernels that use σ(x) more than once evaluate it once per block of this many elements, into
/// an array on the stack, instead of once per use or into a heap temporary.
constexpr int64_t block_size = 256;
template <class T>
using BlockArray = Eigen::Array<T, Eigen::Dynamic, 1, 0, block_size, 1>;

/// Calls body(start, length) for consecutive blocks covering [0, n).
template <class Body>
void for_each_block(int64_t n, Body&& body) {
  for (int64_t start = 0; start < n; start += block_size) body(start, std::min(block_size, n - start));
}

/// out = f(a, σ(a), start, length) block by block over the array a, with σ evaluated once per block.
template <class In, class Out, class F>
void map_with_logistic(const In& input, Out& out, F&& f) {
  for_each_block(input.size(), [&](int64_t start, int64_t length) {
    const auto a = input.segment(start, length);
    BlockArray<typename In::Scalar> sigma;
    cpu::logistic(a, sigma);
    out.segment(start, length) = f(a, sigma, start, length);
  });
}

/// out = f(x) block by block. A block holding a special value that f gets wrong, found by
/// `special` (a vectorised min or max of the block, still in L1), is then rewritten by
/// fix(x, f(x)): a select, which Eigen 3.4 evaluates one element at a time, so only where needed.
template <class In, class Out, class F, class Special, class Fix>
void map_patching(const In& input, Out& out, F&& f, Special&& special, Fix&& fix) {
  for_each_block(input.size(), [&](int64_t start, int64_t length) {
    const auto x = input.segment(start, length);
    auto y = out.segment(start, length);
    y = f(x);
    if (special(x)) y = fix(x, y);
  });
}

/// Eigen's fast vectorised square root (a reciprocal estimate and Newton steps) gives NaN at +∞
/// and 0 for a subnormal x: sqrt_is_special finds such x in an array, and sqrt_fix rewrites them,
/// the subnormal ones scaled into the normal range first, √x = √(2⁶⁴x)/2³².
constexpr auto sqrt_is_special = [](const auto& v) {
  using T = typename std::decay_t<decltype(v)>::Scalar;
  return v.maxCoeff() == std::numeric_limits<T>::infinity() || ((v > T(0)) && (v < std::numeric_limits<T>::min())).any();
};
constexpr auto sqrt_fix = [](const auto& v, const auto& result) {
  using T = typename std::decay_t<decltype(v)>::Scalar;
  return (v == std::numeric_limits<T>::infinity())
      .select(v, (v > T(0) && v < std::numeric_limits<T>::min()).select((v * T(18446744073709551616.0)).sqrt() * T(1.0 / 4294967296.0), result));
};

template <class T>
ConstArrayMap<T> flat(const Tensor& t) {
  return ConstArrayMap<T>(t.data<T>(), t.numel());
}
template <class T>
ArrayMap<T> flat(Tensor& t) {
  return ArrayMap<T>(t.data<T>(), t.numel());
}

/// A run of `length` elements of operand data at `offset` with stride 0 (one value repeated) or 1.
template <class T>
auto run_of(const T* data, int64_t offset, int64_t length, int64_t stride) {
  using Stride = Eigen::InnerStride<Eigen::Dynamic>;
  return Eigen::Map<const Array<T>, 0, Stride>(data + offset, length, Stride(stride));
}

template <class T>
struct BinaryApply {
  template <class X, class Y>
  static void into(BinaryKernel kernel, const X& x, const Y& y, ArrayMap<T>& out) {
    switch (kernel) {
      case BinaryKernel::Add: out = x + y; break;
      case BinaryKernel::Subtract: out = x - y; break;
      case BinaryKernel::Multiply: out = x * y; break;
      case BinaryKernel::Divide: out = x / y; break;
      case BinaryKernel::Greater: out = (x > y).template cast<T>(); break;
      case BinaryKernel::Less: out = (x < y).template cast<T>(); break;
      case BinaryKernel::GreaterEqual: out = (x >= y).template cast<T>(); break;
      case BinaryKernel::LessEqual: out = (x <= y).template cast<T>(); break;
    }
  }
};

JetShape jet_shape(const Tensor& products) { return {products.size(0), products.size(1), products.size(2)}; }

class CpuBackend final : public Backend {
 public:
  void* allocate(std::size_t bytes) const override { return take_buffer(bytes); }
  void deallocate(void* data) const override { std::free(data); }
  void deallocate(void* data, std::size_t bytes) const override { give_back_buffer(data, bytes); }
  void copy_from_host(void* device_data, const void* host_data, std::size_t bytes) const override {
    if (bytes > 0) std::memcpy(device_data, host_data, bytes);
  }
  void copy_to_host(void* host_data, const void* device_data, std::size_t bytes) const override {
    if (bytes > 0) std::memcpy(host_data, device_data, bytes);
  }

  void fill(Tensor& out, double value) const override {
    with_type(out.dtype(), [&](auto zero) {
      using T = decltype(zero);
      flat<T>(out).setConstant(static_cast<T>(value));
    });
  }

  void convert(const Tensor& a, Tensor& out) const override {
    with_type(a.dtype(), [&](auto from) {
      with_type(out.dtype(), [&](auto to) {
        using From = decltype(from);
        using To = decltype(to);
        flat<To>(out) = flat<From>(a).template cast<To>();
      });
    });
  }

  void unary(UnaryKernel kernel, const Tensor& a, Tensor& out) const override {
    with_type(a.dtype(), [&](auto zero) {
      using T = decltype(zero);
      const auto x = flat<T>(a);
      auto y = flat<T>(out);
      switch (kernel) {
        case UnaryKernel::Exp:
          // Eigen's vectorised exp clamps its argument (to about ±709 in double, ±88.38 in float),
          // so exp(−∞) would be a tiny positive number: below the clamp, flush to 0 (the exact
          // value there is subnormal or 0). Above it, float32 overflows early (exp(88.5) = ∞, where
          // it is 2.7·10³⁸): there eˣ = e^(x − 64 ln 2)·2⁶⁴, as the scalar tail and the GPU give.
          map_patching(
              x, y, [](const auto& v) { return v.exp(); },
              [](const auto& v) { return v.minCoeff() < exp_lower_limit<T>() || v.maxCoeff() > -exp_lower_limit<T>(); },
              [](const auto& v, const auto& result) {
                return (v < exp_lower_limit<T>())
                    .select(T(0), (v > -exp_lower_limit<T>()).select((v - T(44.3614195558365)).exp() * T(18446744073709551616.0), result));
              });
          break;
        case UnaryKernel::Log:
          // Eigen's vectorised log takes a subnormal x for the smallest normal number: such x are
          // scaled into the normal range first, log x = log(2⁶⁴x) − 64 ln 2.
          map_patching(
              x, y, [](const auto& v) { return v.log(); },
              [](const auto& v) { return v.minCoeff() < std::numeric_limits<T>::min(); },
              [](const auto& v, const auto& result) {
                return (v > T(0) && v < std::numeric_limits<T>::min())
                    .select((v * T(18446744073709551616.0)).log() - T(64 * 0.6931471805599453), result);
              });
          break;
        case UnaryKernel::Sqrt: map_patching(x, y, [](const auto& v) { return v.sqrt(); }, sqrt_is_special, sqrt_fix); break;
        case UnaryKernel::Square: y = x.square(); break;
        case UnaryKernel::Abs: y = x.abs(); break;
        case UnaryKernel::Sign: y = x.sign(); break;
        case UnaryKernel::Sin: y = x.sin(); break;
        case UnaryKernel::Cos: y = x.cos(); break;
        case UnaryKernel::Tanh: y = x.tanh(); break;
        case UnaryKernel::Sigmoid:
          map_with_logistic(x, y, [](const auto&, const auto& sigma, int64_t, int64_t) { return sigma; });
          break;
        case UnaryKernel::Softplus:
          // Below the exp limit softplus(x) = log(1 + eˣ) = eˣ, subnormal, where Eigen's clamped
          // exp would give 0: there e^(x + 64 ln 2)·2⁻⁶⁴.
          map_patching(
              x, y, [](const auto& v) { return v.max(T(0)) + (-v.abs()).exp().log1p(); },
              [](const auto& v) { return v.minCoeff() < exp_lower_limit<T>(); },
              [](const auto& v, const auto& result) {
                return (v < exp_lower_limit<T>()).select((v + T(44.3614195558365)).exp() * T(5.421010862427522e-20), result);
              });
          break;
        case UnaryKernel::Relu: y = x.max(T(0)); break;
        case UnaryKernel::Silu:
          // x·σ(x) → 0 as x → −∞; at −∞ itself the product would be −∞·σ(−∞), −∞·0 = NaN or −∞.
          for_each_block(x.size(), [&](int64_t start, int64_t length) {
            const auto a = x.segment(start, length);
            BlockArray<T> sigma;
            cpu::logistic(a, sigma);
            auto z = y.segment(start, length);
            z = a * sigma;
            if (a.minCoeff() == -std::numeric_limits<T>::infinity()) z = (a == -std::numeric_limits<T>::infinity()).select(T(0), z);
          });
          break;
      }
    });
  }

  void affine(const Tensor& a, double scale, double shift, Tensor& out) const override {
    with_type(a.dtype(), [&](auto zero) {
      using T = decltype(zero);
      flat<T>(out) = flat<T>(a) * static_cast<T>(scale) + static_cast<T>(shift);
    });
  }

  void power(const Tensor& a, double exponent, Tensor& out) const override {
    with_type(a.dtype(), [&](auto zero) {
      using T = decltype(zero);
      flat<T>(out) = flat<T>(a).pow(static_cast<T>(exponent));
    });
  }

  void clamp(const Tensor& a, double low, double high, Tensor& out) const override {
    with_type(a.dtype(), [&](auto zero) {
      using T = decltype(zero);
      flat<T>(out) = flat<T>(a).max(static_cast<T>(low)).min(static_cast<T>(high));
    });
  }

  void binary(BinaryKernel kernel, const Tensor& a, const Tensor& b, Tensor& out) const override {
    with_type(out.dtype(), [&](auto zero) {
      using T = decltype(zero);
      const T* x = a.data<T>();
      const T* y = b.data<T>();
      T* z = out.data<T>();
      // Fast paths: same shapes, or one operand a single value.
      const int64_t n = out.numel();
      ArrayMap<T> result(z, n);
      if (a.numel() == n && b.numel() == n) {
        BinaryApply<T>::into(kernel, ConstArrayMap<T>(x, n), ConstArrayMap<T>(y, n), result);
        return;
      }
      if (a.numel() == n && b.numel() == 1) {
        BinaryApply<T>::into(kernel, ConstArrayMap<T>(x, n), Array<T>::Constant(n, *y), result);
        return;
      }
      if (a.numel() == 1 && b.numel() == n) {
        BinaryApply<T>::into(kernel, Array<T>::Constant(n, *x), ConstArrayMap<T>(y, n), result);
        return;
      }
      // [N, H] with a row [H] (a bias): row by row.
      const int64_t width = out.dim() == 2 ? out.size(1) : 0;
      const auto is_row = [width](const Tensor& t) { return width > 1 && t.numel() == width && (t.dim() == 1 || t.size(0) == 1); };
      if (a.numel() == n && is_row(b)) {
        for (int64_t row = 0; row < out.size(0); ++row) {
          ArrayMap<T> out_row(z + row * width, width);
          BinaryApply<T>::into(kernel, ConstArrayMap<T>(x + row * width, width), ConstArrayMap<T>(y, width), out_row);
        }
        return;
      }
      for_each_run<3>(out.shape(),
                      {broadcast_strides(a.shape(), out.shape()), broadcast_strides(b.shape(), out.shape()),
                       broadcast_strides(out.shape(), out.shape())},
                      [&](const std::array<int64_t, 3>& at, int64_t length, const std::array<int64_t, 3>& step) {
                        ArrayMap<T> result(z + at[2], length);
                        const bool x_runs = step[0] != 0;
                        const bool y_runs = step[1] != 0;
                        if (x_runs && y_runs) {
                          BinaryApply<T>::into(kernel, ConstArrayMap<T>(x + at[0], length),
                                               ConstArrayMap<T>(y + at[1], length), result);
                        } else if (x_runs) {
                          BinaryApply<T>::into(kernel, ConstArrayMap<T>(x + at[0], length),
                                               Array<T>::Constant(length, y[at[1]]), result);
                        } else if (y_runs) {
                          BinaryApply<T>::into(kernel, Array<T>::Constant(length, x[at[0]]),
                                               ConstArrayMap<T>(y + at[1], length), result);
                        } else {
                          BinaryApply<T>::into(kernel, Array<T>::Constant(length, x[at[0]]),
                                               Array<T>::Constant(length, y[at[1]]), result);
                        }
                      });
    });
  }

  void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) const override {
    with_type(out.dtype(), [&](auto zero) {
      using T = decltype(zero);
      const T* c = cond.data<T>();
      const T* x = a.data<T>();
      const T* y = b.data<T>();
      T* z = out.data<T>();
      for_each_run<4>(out.shape(),
                      {broadcast_strides(cond.shape(), out.shape()), broadcast_strides(a.shape(), out.shape()),
                       broadcast_strides(b.shape(), out.shape()), broadcast_strides(out.shape(), out.shape())},
                      [&](const std::array<int64_t, 4>& at, int64_t length, const std::array<int64_t, 4>& step) {
                        ArrayMap<T>(z + at[3], length) =
                            (run_of(c, at[0], length, step[0]) != T(0))
                                .select(run_of(x, at[1], length, step[1]), run_of(y, at[2], length, step[2]));
                      });
    });
  }

  void add_scaled_(Tensor& a, const Tensor& b, double scale) const override {
    with_type(a.dtype(), [&](auto zero) {
      using T = decltype(zero);
      T* x = a.data<T>();
      const T* y = b.data<T>();
      const T factor = static_cast<T>(scale);
      for_each_run<2>(a.shape(), {broadcast_strides(a.shape(), a.shape()), broadcast_strides(b.shape(), a.shape())},
                      [&](const std::array<int64_t, 2>& at, int64_t length, const std::array<int64_t, 2>& step) {
                        ArrayMap<T>(x + at[0], length) += factor * run_of(y, at[1], length, step[1]);
                      });
    });
  }

  void silu_backward(const Tensor& g, const Tensor& a, Tensor& out) const override {
    with_type(out.dtype(), [&](auto zero) {
      using T = decltype(zero);
      const auto outer = flat<T>(g);
      auto y = flat<T>(out);
      map_with_logistic(flat<T>(a), y, [&](const auto& x, const auto& sigma, int64_t start, int64_t length) {
        return outer.segment(start, length) * silu_first_derivative(x, sigma);
      });
    });
  }

  void silu_second_derivative(const Tensor& a, Tensor& out) const override {
    map_silu(a, out, [](const auto& x, const auto& sigma) { return ebm::silu_second_derivative(x, sigma); });
  }

  void silu_third_derivative(const Tensor& a, Tensor& out) const override {
    map_silu(a, out, [](const auto& x, const auto& sigma) { return ebm::silu_third_derivative(x, sigma); });
  }

  void adam_update_(Tensor& parameter, Tensor& first_moment, Tensor& second_moment, const Tensor& gradient,
                    const AdamCoefficients& c) const override {
    with_type(parameter.dtype(), [&](auto zero) {
      using T = decltype(zero);
      auto theta = flat<T>(parameter);
      auto m = flat<T>(first_moment);
      auto v = flat<T>(second_moment);
      const auto grad = flat<T>(gradient);
      for_each_block(theta.size(), [&](int64_t start, int64_t length) {
        auto theta_block = theta.segment(start, length);
        auto m_block = m.segment(start, length);
        auto v_block = v.segment(start, length);
        const BlockArray<T> g = grad.segment(start, length) + T(c.weight_decay) * theta_block;
        m_block = T(c.beta1) * m_block + T(1 - c.beta1) * g;
        v_block = T(c.beta2) * v_block + T(1 - c.beta2) * g.square();
        const BlockArray<T> scaled = T(c.second_moment_scale) * v_block;
        BlockArray<T> root = scaled.sqrt();
        if (sqrt_is_special(scaled)) root = sqrt_fix(scaled, root);
        theta_block -= T(c.step_size) * m_block / (root + T(c.eps));
      });
    });
  }

  void expand(const Tensor& a, Tensor& out) const override {
    with_type(out.dtype(), [&](auto zero) {
      using T = decltype(zero);
      const T* x = a.data<T>();
      T* z = out.data<T>();
      for_each_run<2>(out.shape(), {broadcast_strides(a.shape(), out.shape()), broadcast_strides(out.shape(), out.shape())},
                      [&](const std::array<int64_t, 2>& at, int64_t length, const std::array<int64_t, 2>& step) {
                        ArrayMap<T>(z + at[1], length) = run_of(x, at[0], length, step[0]);
                      });
    });
  }

  void sum_to(const Tensor& a, Tensor& out) const override {
    const bool rows_into_row = a.dim() == 2 && out.numel() == a.size(1) && (out.dim() == 1 || (out.dim() == 2 && out.size(0) == 1));
    if (out.numel() == 1 || rows_into_row) {
      with_type(a.dtype(), [&](auto zero) {
        using T = decltype(zero);
        if (out.numel() == 1) {
          *out.data<T>() = flat<T>(a).sum();
        } else {
          const Eigen::Map<const Matrix<T>> x(a.data<T>(), a.size(0), a.size(1));
          Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>>(out.data<T>(), a.size(1)) = x.colwise().sum();
        }
      });
      return;
    }
    reduce_to(a, out, 0.0, [](auto& target, const auto& run) { target += run.sum(); },
              [](auto& targets, const auto& run) { targets += run; });
  }

  void max_to(const Tensor& a, Tensor& out) const override {
    // NaN propagates, as in every other op: the max of anything with NaN is NaN.
    reduce_to(a, out, -std::numeric_limits<double>::infinity(),
              [](auto& target, const auto& run) {
                target = run.hasNaN() || std::isnan(target) ? std::numeric_limits<std::decay_t<decltype(target)>>::quiet_NaN()
                                                            : std::max(target, run.maxCoeff());
              },
              [](auto& targets, const auto& run) { targets = (targets.isNaN() || run.isNaN()).select(targets + run, targets.max(run)); });
  }

  void silu_jet(const Tensor& products, const Tensor& bias, Tensor& out) const override {
    with_type(out.dtype(), [&](auto zero) {
      using T = decltype(zero);
      cpu::silu_jet(products.data<T>(), bias.data<T>(), jet_shape(products), out.data<T>());
    });
  }

  void silu_jet_backward(const Tensor& g, const Tensor& products, const Tensor& bias, Tensor& out) const override {
    with_type(out.dtype(), [&](auto zero) {
      using T = decltype(zero);
      cpu::silu_jet_backward(g.data<T>(), products.data<T>(), bias.data<T>(), jet_shape(products), out.data<T>());
    });
  }

  void matmul(const Tensor& a, bool transpose_a, const Tensor& b, bool transpose_b, Tensor& out,
              bool accumulate) const override {
    with_type(out.dtype(), [&](auto zero) {
      using T = decltype(zero);
      matrix_product(a.data<T>(), transpose_a, b.data<T>(), transpose_b, out.data<T>(), out.size(0), out.size(1),
                     transpose_a ? a.size(0) : a.size(1), accumulate);
    });
  }

  void transpose(const Tensor& a, Tensor& out) const override {
    with_type(out.dtype(), [&](auto zero) {
      using T = decltype(zero);
      const Eigen::Map<const Matrix<T>> x(a.data<T>(), a.size(0), a.size(1));
      Eigen::Map<Matrix<T>>(out.data<T>(), out.size(0), out.size(1)) = x.transpose();
    });
  }

  void slice(const Tensor& a, int64_t dim, int64_t start, Tensor& out) const override {
    copy_blocks(a, out, dim, /*into_at=*/0, out.size(dim), /*from_at=*/start);
  }

  void slice_assign(const Tensor& src, int64_t dim, int64_t start, Tensor& out) const override {
    copy_blocks(src, out, dim, /*into_at=*/start, src.size(dim), /*from_at=*/0);
  }

  void gather_rows(const Tensor& a, const std::vector<int64_t>& rows, Tensor& out) const override {
    with_type(out.dtype(), [&](auto zero) {
      using T = decltype(zero);
      const int64_t width = a.size(0) == 0 ? 0 : a.numel() / a.size(0);
      const T* x = a.data<T>();
      T* z = out.data<T>();
      for (std::size_t i = 0; i < rows.size(); ++i) {
        ArrayMap<T>(z + static_cast<int64_t>(i) * width, width) = ConstArrayMap<T>(x + rows[i] * width, width);
      }
    });
  }

  void scatter_rows(const Tensor& src, const std::vector<int64_t>& rows, Tensor& out, bool accumulate) const override {
    with_type(out.dtype(), [&](auto zero) {
      using T = decltype(zero);
      const int64_t width = src.size(0) == 0 ? 0 : src.numel() / src.size(0);
      const T* x = src.data<T>();
      T* z = out.data<T>();
      for (std::size_t i = 0; i < rows.size(); ++i) {
        ArrayMap<T> target(z + rows[i] * width, width);
        const ConstArrayMap<T> row(x + static_cast<int64_t>(i) * width, width);
        if (accumulate) {
          target += row;
        } else {
          target = row;
        }
      }
    });
  }

  void random_uniform(Tensor& out, uint64_t seed, uint64_t first_block) const override {
    with_type(out.dtype(), [&](auto zero) {
      using T = decltype(zero);
      constexpr int lanes = philox::per_block<T>;
      T* z = out.data<T>();
      const int64_t n = out.numel();
      for (int64_t i = 0; i < n; i += lanes) {
        const auto draws = philox::uniforms<T>(philox::stream_block(seed, first_block + static_cast<uint64_t>(i / lanes)));
        for (int lane = 0; lane < lanes && i + lane < n; ++lane) z[i + lane] = draws.value[lane];
      }
    });
  }

  /// Box–Muller on lane pairs (2k, 2k+1) of the stream: r = √(−2 log u₂ₖ), θ = 2πu₂ₖ₊₁,
  /// z₂ₖ = r cos θ, z₂ₖ₊₁ = r sin θ, with u in (0, 1) (philox::open_uniform). Evaluated in T,
  /// vectorised over a block of pairs at a time.
  void random_normal(Tensor& out, uint64_t seed, uint64_t first_block) const override {
    with_type(out.dtype(), [&](auto zero) {
      using T = decltype(zero);
      constexpr int64_t pairs_per_block = philox::per_block<T> / 2;
      T* z = out.data<T>();
      const int64_t n = out.numel();
      for_each_block((n + 1) / 2, [&](int64_t first_pair, int64_t pairs) {
        BlockArray<T> radius_uniform(pairs);
        BlockArray<T> angle_uniform(pairs);
        philox::Block block{};
        for (int64_t k = 0; k < pairs; ++k) {
          const int64_t pair = first_pair + k;
          if (k == 0 || pair % pairs_per_block == 0) {
            block = philox::stream_block(seed, first_block + static_cast<uint64_t>(pair / pairs_per_block));
          }
          const int lane = static_cast<int>(2 * (pair % pairs_per_block));
          radius_uniform[k] = static_cast<T>(philox::open_uniform<T>(block, lane));
          angle_uniform[k] = static_cast<T>(philox::open_uniform<T>(block, lane + 1));
        }
        const BlockArray<T> radius = (T(-2) * radius_uniform.log()).sqrt();
        const BlockArray<T> angle = T(6.283185307179586) * angle_uniform;
        const BlockArray<T> cosines = radius * angle.cos();
        const BlockArray<T> sines = radius * angle.sin();
        for (int64_t k = 0; k < pairs; ++k) {
          const int64_t at = 2 * (first_pair + k);
          z[at] = cosines[k];
          if (at + 1 < n) z[at + 1] = sines[k];
        }
      });
    });
  }

 private:
  /// out = f(a, σ(a)) elementwise, σ evaluated once per block.
  template <class F>
  static void map_silu(const Tensor& a, Tensor& out, F&& f) {
    with_type(out.dtype(), [&](auto zero) {
      using T = decltype(zero);
      auto y = flat<T>(out);
      map_with_logistic(flat<T>(a), y, [&](const auto& x, const auto& sigma, int64_t, int64_t) { return f(x, sigma); });
    });
  }

  /// out = reduction of a over the dimensions that out broadcasts along: every run of a is folded
  /// into one element of out (fold_one) or, when out runs with it, elementwise (fold_run).
  template <class FoldOne, class FoldRun>
  void reduce_to(const Tensor& a, Tensor& out, double initial, FoldOne&& fold_one, FoldRun&& fold_run) const {
    with_type(a.dtype(), [&](auto zero) {
      using T = decltype(zero);
      flat<T>(out).setConstant(static_cast<T>(initial));
      const T* x = a.data<T>();
      T* z = out.data<T>();
      for_each_run<2>(a.shape(), {broadcast_strides(a.shape(), a.shape()), broadcast_strides(out.shape(), a.shape())},
                      [&](const std::array<int64_t, 2>& at, int64_t length, const std::array<int64_t, 2>& step) {
                        const ConstArrayMap<T> run(x + at[0], length);
                        if (step[1] == 0) {
                          fold_one(z[at[1]], run);
                        } else {
                          ArrayMap<T> targets(z + at[1], length);
                          fold_run(targets, run);
                        }
                      });
    });
  }

  /// Copies `count` slices along dim from `from` (starting at from_at) into `to` (starting at
  /// into_at): each outer index moves one contiguous block of count × inner elements.
  static void copy_blocks(const Tensor& from, Tensor& to, int64_t dim, int64_t into_at,
                          int64_t count, int64_t from_at) {
    int64_t outer = 1;
    for (int64_t d = 0; d < dim; ++d) outer *= from.size(d);
    int64_t inner = 1;
    for (int64_t d = dim + 1; d < from.dim(); ++d) inner *= from.size(d);
    const std::size_t bytes = element_size(from.dtype());
    const auto* source = static_cast<const char*>(from.raw_data());
    auto* target = static_cast<char*>(to.raw_data());
    const int64_t from_extent = from.size(dim);
    const int64_t to_extent = to.size(dim);
    for (int64_t o = 0; o < outer; ++o) {
      std::memcpy(target + ((o * to_extent + into_at) * inner) * bytes,
                  source + ((o * from_extent + from_at) * inner) * bytes, static_cast<std::size_t>(count * inner) * bytes);
    }
  }
};

}  // namespace

/// This level's backend: the one symbol its object file keeps global (cmake/cpu_levels.cmake).
__attribute__((visibility("default"))) const Backend& backend() {
  static const CpuBackend* instance = new CpuBackend();  // never destroyed: tensors may outlive main()
  return *instance;
}

}  // namespace ebm::cpu::EBM_CPU_LEVEL
