// The op table: every op of engine/ops.hpp with sample input shapes and an independent reference
// computed with plain loops over doubles. The rows name no device: the checks make the inputs (on
// whichever device they test), a row only calls ops on them and makes any constant it needs on
// their device, so the CPU checks (tests/op_table.cpp) and a device's checks run the same rows.
// tests/check_op_rows.cmake reads the op lambdas `(auto& x) { … }` and fails when an op of
// engine/ops.hpp has no row here.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include <ebm.hpp>

namespace ebm::testing {

/// A reference value: shape and row-major elements, computed without the engine.
struct Reference {
  Shape shape;
  std::vector<double> values;
};

using Op = std::function<Tensor(const std::vector<Tensor>&)>;
using ReferenceOp = std::function<Reference(const std::vector<Reference>&)>;

/// Whether an op has derivatives. The comparisons, sign and amax have none (engine/ops.hpp): their
/// rows check that the result never requires grad, in place of gradcheck and gradgradcheck.
enum class Differentiable { Yes, No };

/// One row: an op on inputs of `shapes`, sampled in [low, high] away from `kinks`.
struct OpCase {
  std::string name;
  std::vector<Shape> shapes;
  Op op;
  ReferenceOp reference;
  double low = -2.0;
  double high = 2.0;
  std::vector<double> kinks = {};
  Differentiable differentiable = Differentiable::Yes;
};

inline int64_t count(const Shape& shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
}

inline std::vector<int64_t> unravel(int64_t flat, const Shape& shape) {
  std::vector<int64_t> index(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

inline int64_t ravel(const std::vector<int64_t>& index, const Shape& shape) {
  int64_t flat = 0;
  for (std::size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + index[d];
  return flat;
}

/// The element of `r` that broadcasting maps to multi-index `index` of a larger shape.
inline double broadcast_at(const Reference& r, const std::vector<int64_t>& index) {
  std::vector<int64_t> own(r.shape.size());
  const std::size_t offset = index.size() - r.shape.size();
  for (std::size_t d = 0; d < r.shape.size(); ++d) own[d] = r.shape[d] == 1 ? 0 : index[offset + d];
  return r.values[static_cast<std::size_t>(ravel(own, r.shape))];
}

inline Shape broadcast_shape(const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()), 1);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int64_t x = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    const int64_t y = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    out[i] = std::max(x, y);
  }
  return out;
}

inline ReferenceOp elementwise(std::function<double(double)> f) {
  return [f](const std::vector<Reference>& in) {
    Reference out = in[0];
    for (double& v : out.values) v = f(v);
    return out;
  };
}

inline ReferenceOp binary(std::function<double(double, double)> f) {
  return [f](const std::vector<Reference>& in) {
    Reference out{broadcast_shape(in[0].shape, in[1].shape), {}};
    for (int64_t i = 0; i < count(out.shape); ++i) {
      const auto index = unravel(i, out.shape);
      out.values.push_back(f(broadcast_at(in[0], index), broadcast_at(in[1], index)));
    }
    return out;
  };
}

/// Folds dimension dim of in[0] with f (start value `initial`), keeping it with extent 1.
inline ReferenceOp fold_dim(int64_t dim, std::function<double(const std::vector<double>&)> f, bool keepdim) {
  return [=](const std::vector<Reference>& in) {
    const Reference& a = in[0];
    Shape kept = a.shape;
    kept[static_cast<std::size_t>(dim)] = 1;
    Reference out{kept, {}};
    for (int64_t i = 0; i < count(kept); ++i) {
      auto index = unravel(i, kept);
      std::vector<double> line;
      for (int64_t k = 0; k < a.shape[static_cast<std::size_t>(dim)]; ++k) {
        index[static_cast<std::size_t>(dim)] = k;
        line.push_back(a.values[static_cast<std::size_t>(ravel(index, a.shape))]);
      }
      out.values.push_back(f(line));
    }
    if (!keepdim) out.shape.erase(out.shape.begin() + dim);
    return out;
  };
}

inline double total(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }
inline double log_total_exp(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += std::exp(x);
  return std::log(s);
}
inline double largest(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }

inline Reference matmul_reference(const Reference& a, const Reference& b, bool ta, bool tb) {
  const auto at = [&](const Reference& r, bool t, int64_t i, int64_t j) {
    return t ? r.values[static_cast<std::size_t>(j * r.shape[1] + i)] : r.values[static_cast<std::size_t>(i * r.shape[1] + j)];
  };
  const int64_t n = ta ? a.shape[1] : a.shape[0];
  const int64_t k = ta ? a.shape[0] : a.shape[1];
  const int64_t m = tb ? b.shape[0] : b.shape[1];
  Reference out{{n, m}, {}};
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < m; ++j) {
      double s = 0;
      for (int64_t l = 0; l < k; ++l) s += at(a, ta, i, l) * at(b, tb, l, j);
      out.values.push_back(s);
    }
  }
  return out;
}

/// product + bias, the bias broadcast over product's rows.
inline Reference with_bias(Reference product, const Reference& bias) {
  for (int64_t i = 0; i < count(product.shape); ++i) product.values[static_cast<std::size_t>(i)] += broadcast_at(bias, unravel(i, product.shape));
  return product;
}

/// Elements of in[0] (2-D) with dim-1 indices in [start, end).
inline Reference columns(const Reference& a, int64_t start, int64_t end) {
  Reference out{{a.shape[0], end - start}, {}};
  for (int64_t i = 0; i < a.shape[0]; ++i) {
    for (int64_t j = start; j < end; ++j) out.values.push_back(a.values[static_cast<std::size_t>(i * a.shape[1] + j)]);
  }
  return out;
}

inline Reference reshaped(Reference r, Shape shape) {
  r.shape = std::move(shape);
  return r;
}

/// Zeros of `shape` with a placed at `start` along dim: the adjoint of a slice.
inline Reference placed(const Reference& a, const Shape& shape, int64_t dim, int64_t start) {
  Reference out{shape, std::vector<double>(static_cast<std::size_t>(count(shape)), 0.0)};
  for (int64_t i = 0; i < count(a.shape); ++i) {
    auto index = unravel(i, a.shape);
    index[static_cast<std::size_t>(dim)] += start;
    out.values[static_cast<std::size_t>(ravel(index, shape))] = a.values[static_cast<std::size_t>(i)];
  }
  return out;
}

/// a's rows (along dimension 0) at `rows`, in that order.
inline Reference rows_of(const Reference& a, const std::vector<int64_t>& rows) {
  const std::size_t width = a.values.size() / static_cast<std::size_t>(a.shape[0]);
  Reference out{a.shape, {}};
  out.shape[0] = static_cast<int64_t>(rows.size());
  for (int64_t row : rows) {
    for (std::size_t k = 0; k < width; ++k) out.values.push_back(a.values[static_cast<std::size_t>(row) * width + k]);
  }
  return out;
}

/// `into` with row i of src added to its row rows[i], for every i (repeated rows add up).
inline Reference rows_added(Reference into, const std::vector<int64_t>& rows, const Reference& src) {
  const std::size_t width = into.values.size() / static_cast<std::size_t>(into.shape[0]);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::size_t row = static_cast<std::size_t>(rows[i]);
    for (std::size_t k = 0; k < width; ++k) into.values[row * width + k] += src.values[i * width + k];
  }
  return into;
}

inline constexpr double kPi = 3.141592653589793;

/// silu and its first three derivatives at a, from σ's own (σ′ = s = σ(1 − σ), σ″ = s(1 − 2σ),
/// σ‴ = s((1 − 2σ)² − 2s)) by Leibniz's rule on a·σ(a).
inline std::array<double, 4> silu_and_derivatives(double a) {
  const double sigma = 1.0 / (1.0 + std::exp(-a)), s = sigma * (1 - sigma);
  const double sigma2 = s * (1 - 2 * sigma), sigma3 = s * ((1 - 2 * sigma) * (1 - 2 * sigma) - 2 * s);
  return {a * sigma, sigma + a * s, 2 * s + a * sigma2, 3 * sigma2 + a * sigma3};
}

/// SiLU's jet (ops.hpp silu_jet) of products [K, N, W] and bias [W], element by element.
inline Reference silu_jet_reference(const Reference& products, const Reference& bias) {
  const int64_t k = products.shape[0], points = products.shape[1] * products.shape[2], width = products.shape[2];
  const auto at = [&](int64_t slice, int64_t i) { return products.values[static_cast<std::size_t>(slice * points + i)]; };
  Reference out{products.shape, std::vector<double>(products.values.size())};
  for (int64_t i = 0; i < points; ++i) {
    const auto d = silu_and_derivatives(at(0, i) + bias.values[static_cast<std::size_t>(i % width)]);
    double squares = 0;
    for (int64_t m = 1; m < k - 1; ++m) {
      squares += at(m, i) * at(m, i);
      out.values[static_cast<std::size_t>(m * points + i)] = d[1] * at(m, i);
    }
    out.values[static_cast<std::size_t>(i)] = d[0];
    out.values[static_cast<std::size_t>((k - 1) * points + i)] = d[1] * at(k - 1, i) + d[2] * squares;
  }
  return out;
}

/// The gradient of ⟨g, silu_jet(products, bias)⟩ with respect to products, element by element.
inline Reference silu_jet_backward_reference(const Reference& g, const Reference& products, const Reference& bias) {
  const int64_t k = products.shape[0], points = products.shape[1] * products.shape[2], width = products.shape[2];
  const auto at = [&](const Reference& r, int64_t slice, int64_t i) { return r.values[static_cast<std::size_t>(slice * points + i)]; };
  Reference out{products.shape, std::vector<double>(products.values.size())};
  for (int64_t i = 0; i < points; ++i) {
    const auto d = silu_and_derivatives(at(products, 0, i) + bias.values[static_cast<std::size_t>(i % width)]);
    const double g_curvature = at(g, k - 1, i);
    double squares = 0, dots = 0;
    for (int64_t m = 1; m < k - 1; ++m) {
      squares += at(products, m, i) * at(products, m, i);
      dots += at(g, m, i) * at(products, m, i);
      out.values[static_cast<std::size_t>(m * points + i)] = d[1] * at(g, m, i) + 2 * d[2] * at(products, m, i) * g_curvature;
    }
    out.values[static_cast<std::size_t>(i)] =
        d[1] * at(g, 0, i) + d[2] * (dots + at(products, k - 1, i) * g_curvature) + d[3] * squares * g_curvature;
    out.values[static_cast<std::size_t>((k - 1) * points + i)] = d[1] * g_curvature;
  }
  return out;
}

inline std::vector<OpCase> op_table() {
  const auto sigmoid_of = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  // cond for where: 1, 0, 1, 0, … of the given shape, in the dtype and on the device of `like`.
  const auto alternating = [](const Shape& shape, const Tensor& like) {
    std::vector<double> v(static_cast<std::size_t>(count(shape)));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = i % 2 == 0 ? 1.0 : 0.0;
    return tensor(v, shape, like.dtype(), like.device());
  };
  return {
      {"add", {{2, 3}, {2, 3}}, [](auto& x) { return x[0] + x[1]; }, binary(std::plus<>())},
      {"add broadcast row", {{2, 3}, {3}}, [](auto& x) { return x[0] + x[1]; }, binary(std::plus<>())},
      {"add broadcast outer", {{2, 1}, {1, 3}}, [](auto& x) { return x[0] + x[1]; }, binary(std::plus<>())},
      {"add zero-dim", {{}, {2, 3}}, [](auto& x) { return x[0] + x[1]; }, binary(std::plus<>())},
      {"subtract broadcast", {{3}, {2, 3}}, [](auto& x) { return x[0] - x[1]; }, binary(std::minus<>())},
      {"multiply broadcast", {{2, 3}, {2, 1}}, [](auto& x) { return x[0] * x[1]; }, binary(std::multiplies<>())},
      {"multiply 3-D", {{2, 1, 3}, {4, 1}}, [](auto& x) { return x[0] * x[1]; }, binary(std::multiplies<>())},
      {"divide broadcast", {{2, 3}, {3}}, [](auto& x) { return x[0] / x[1]; }, binary(std::divides<>()), 0.5, 2.0},
      {"negate", {{2, 3}}, [](auto& x) { return -x[0]; }, elementwise([](double v) { return -v; })},
      {"tensor + scalar", {{2, 3}}, [](auto& x) { return x[0] + 2.5; }, elementwise([](double v) { return v + 2.5; })},
      {"scalar - tensor", {{2, 3}}, [](auto& x) { return 2.5 - x[0]; }, elementwise([](double v) { return 2.5 - v; })},
      {"tensor - scalar", {{2, 3}}, [](auto& x) { return x[0] - 1.5; }, elementwise([](double v) { return v - 1.5; })},
      {"scalar * tensor", {{2, 3}}, [](auto& x) { return 3.0 * x[0]; }, elementwise([](double v) { return 3 * v; })},
      {"tensor / scalar", {{2, 3}}, [](auto& x) { return x[0] / 4.0; }, elementwise([](double v) { return v / 4; })},
      {"scalar / tensor", {{2, 3}}, [](auto& x) { return 3.0 / x[0]; }, elementwise([](double v) { return 3 / v; }), 0.5, 2.0},
      {"scalar + tensor", {{2, 3}}, [](auto& x) { return 2.5 + x[0]; }, elementwise([](double v) { return 2.5 + v; })},
      {"tensor * scalar", {{2, 3}}, [](auto& x) { return x[0] * -1.5; }, elementwise([](double v) { return v * -1.5; })},
      {"affine", {{2, 3}}, [](auto& x) { return affine(x[0], -1.5, 0.25); },
       elementwise([](double v) { return -1.5 * v + 0.25; })},
      {"exp", {{2, 3}}, [](auto& x) { return exp(x[0]); }, elementwise([](double v) { return std::exp(v); })},
      {"log", {{2, 3}}, [](auto& x) { return log(x[0]); }, elementwise([](double v) { return std::log(v); }), 0.3, 3.0},
      {"sqrt", {{2, 3}}, [](auto& x) { return sqrt(x[0]); }, elementwise([](double v) { return std::sqrt(v); }), 0.3, 3.0},
      {"square", {{2, 3}}, [](auto& x) { return square(x[0]); }, elementwise([](double v) { return v * v; })},
      {"pow 3", {{2, 3}}, [](auto& x) { return pow(x[0], 3.0); }, elementwise([](double v) { return v * v * v; })},
      {"pow -1.5", {{2, 3}}, [](auto& x) { return pow(x[0], -1.5); }, elementwise([](double v) { return std::pow(v, -1.5); }), 0.4, 2.0},
      {"abs", {{2, 3}}, [](auto& x) { return abs(x[0]); }, elementwise([](double v) { return std::abs(v); }), -2, 2, {0.0}},
      {"sin", {{2, 3}}, [](auto& x) { return sin(x[0]); }, elementwise([](double v) { return std::sin(v); }), -kPi, kPi},
      {"cos", {{2, 3}}, [](auto& x) { return cos(x[0]); }, elementwise([](double v) { return std::cos(v); }), -kPi, kPi},
      {"tanh", {{2, 3}}, [](auto& x) { return tanh(x[0]); }, elementwise([](double v) { return std::tanh(v); })},
      {"sigmoid", {{2, 3}}, [](auto& x) { return sigmoid(x[0]); }, elementwise(sigmoid_of), -4, 4},
      {"softplus", {{2, 3}}, [](auto& x) { return softplus(x[0]); }, elementwise([](double v) { return std::log1p(std::exp(v)); }), -4, 4},
      {"relu", {{2, 3}}, [](auto& x) { return relu(x[0]); }, elementwise([](double v) { return v > 0 ? v : 0; }), -2, 2, {0.0}},
      {"silu", {{2, 3}}, [](auto& x) { return silu(x[0]); }, elementwise([=](double v) { return v * sigmoid_of(v); }), -4, 4},
      {"silu_backward", {{2, 3}, {2, 3}}, [](auto& x) { return silu_backward(x[0], x[1]); },
       binary([=](double g, double v) { return g * sigmoid_of(v) * (1 + v * (1 - sigmoid_of(v))); }), -4, 4},
      {"silu_backward broadcast", {{3}, {2, 3}}, [](auto& x) { return silu_backward(x[0], x[1]); },
       binary([=](double g, double v) { return g * sigmoid_of(v) * (1 + v * (1 - sigmoid_of(v))); }), -4, 4},
      {"silu_second_derivative", {{2, 3}}, [](auto& x) { return silu_second_derivative(x[0]); },
       elementwise([=](double v) {
         const double s = sigmoid_of(v);
         return s * (1 - s) * (2 + v * (1 - 2 * s));
       }), -4, 4},
      {"silu_third_derivative", {{2, 3}}, [](auto& x) { return silu_third_derivative(x[0]); },
       elementwise([=](double v) {  // silu‴ = 3σ″ + vσ‴ (Leibniz), with σ″ = s(1 − 2σ) and σ‴ = s((1 − 2σ)² − 2s)
         const double sigma = sigmoid_of(v), s = sigma * (1 - sigma);
         return 3 * s * (1 - 2 * sigma) + v * s * ((1 - 2 * sigma) * (1 - 2 * sigma) - 2 * s);
       }), -4, 4},
      {"silu_fourth_derivative", {{2, 3}}, [](auto& x) { return silu_fourth_derivative(x[0]); },
       elementwise([=](double v) {  // silu⁗ = 4σ‴ + vσ⁗ (Leibniz), with σ⁗ = s·t(t² − 8s), t = 1 − 2σ
         const double sigma = sigmoid_of(v), s = sigma * (1 - sigma), t = 1 - 2 * sigma;
         return 4 * s * (t * t - 2 * s) + v * s * t * (t * t - 8 * s);
       }), -4, 4},
      {"silu_jet", {{4, 2, 3}, {3}}, [](auto& x) { return silu_jet(x[0], x[1]); },
       [](auto& in) { return silu_jet_reference(in[0], in[1]); }, -3, 3},
      {"silu_jet, one direction", {{3, 2, 2}, {2}}, [](auto& x) { return silu_jet(x[0], x[1]); },
       [](auto& in) { return silu_jet_reference(in[0], in[1]); }, -3, 3},
      {"silu_jet, no directions", {{2, 2, 3}, {3}}, [](auto& x) { return silu_jet(x[0], x[1]); },
       [](auto& in) { return silu_jet_reference(in[0], in[1]); }, -3, 3},
      {"silu_jet_backward, no directions", {{2, 2, 3}, {2, 2, 3}, {3}}, [](auto& x) { return silu_jet_backward(x[0], x[1], x[2]); },
       [](auto& in) { return silu_jet_backward_reference(in[0], in[1], in[2]); }, -3, 3},
      {"silu_jet_backward", {{4, 2, 3}, {4, 2, 3}, {3}}, [](auto& x) { return silu_jet_backward(x[0], x[1], x[2]); },
       [](auto& in) { return silu_jet_backward_reference(in[0], in[1], in[2]); }, -3, 3},
      {"clamp", {{3, 4}}, [](auto& x) { return clamp(x[0], -0.5, 0.7); },
       elementwise([](double v) { return std::clamp(v, -0.5, 0.7); }), -2, 2, {-0.5, 0.7}},
      {"clone", {{2, 3}}, [](auto& x) { return clone(x[0]); }, elementwise([](double v) { return v; })},
      // float32 → float64 → float32 is exact, so the float32 pass checks both conversions. A gradient
      // across dtypes carries float32 rounding, too coarse for gradcheck in float64: the test case
      // "cast converts values and gradients" checks it.
      {"cast through float64", {{2, 3}}, [](auto& x) { return cast(cast(x[0], DType::Float64), x[0].dtype()); },
       elementwise([](double v) { return v; })},
      {"sign", {{3, 4}}, [](auto& x) { return sign(x[0]); },
       elementwise([](double v) { return v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0; }), -2, 2, {0.0}, Differentiable::No},
      {"sum", {{2, 3}}, [](auto& x) { return sum(x[0]); },
       [](auto& in) { return Reference{{}, {total(in[0].values)}}; }},
      {"sum dim 0", {{3, 4}}, [](auto& x) { return sum(x[0], 0); }, fold_dim(0, total, false)},
      {"sum dim -1 keepdim", {{3, 4}}, [](auto& x) { return sum(x[0], -1, true); }, fold_dim(1, total, true)},
      {"mean", {{3, 4}}, [](auto& x) { return mean(x[0]); },
       [](auto& in) { return Reference{{}, {total(in[0].values) / 12.0}}; }},
      {"mean dim 1", {{3, 4}}, [](auto& x) { return mean(x[0], 1); },
       fold_dim(1, [](auto& v) { return total(v) / double(v.size()); }, false)},
      {"logsumexp dim 1", {{3, 4}}, [](auto& x) { return logsumexp(x[0], 1); }, fold_dim(1, log_total_exp, false)},
      {"logsumexp dim 0 keepdim", {{3, 4}}, [](auto& x) { return logsumexp(x[0], 0, true); }, fold_dim(0, log_total_exp, true)},
      {"amax dim 1", {{3, 4}}, [](auto& x) { return amax(x[0], 1); }, fold_dim(1, largest, false), -2, 2, {}, Differentiable::No},
      {"amax dim -2 keepdim", {{3, 4}}, [](auto& x) { return amax(x[0], -2, true); }, fold_dim(0, largest, true), -2, 2, {},
       Differentiable::No},
      {"expand", {{3, 1}}, [](auto& x) { return expand(x[0], {2, 3, 4}); },
       [](auto& in) {
         Reference out{{2, 3, 4}, {}};
         for (int64_t i = 0; i < 24; ++i) out.values.push_back(broadcast_at(in[0], unravel(i, out.shape)));
         return out;
       }},
      {"sum_to", {{2, 3, 4}}, [](auto& x) { return sum_to(x[0], {3, 1}); },
       [](auto& in) {
         Reference out{{3, 1}, {0, 0, 0}};
         for (int64_t i = 0; i < 24; ++i) out.values[static_cast<std::size_t>(unravel(i, {2, 3, 4})[1])] += in[0].values[static_cast<std::size_t>(i)];
         return out;
       }},
      {"matmul", {{3, 4}, {4, 2}}, [](auto& x) { return matmul(x[0], x[1]); },
       [](auto& in) { return matmul_reference(in[0], in[1], false, false); }},
      {"matmul aᵀb", {{4, 3}, {4, 2}}, [](auto& x) { return matmul(x[0], x[1], true, false); },
       [](auto& in) { return matmul_reference(in[0], in[1], true, false); }},
      {"matmul abᵀ", {{3, 4}, {2, 4}}, [](auto& x) { return matmul(x[0], x[1], false, true); },
       [](auto& in) { return matmul_reference(in[0], in[1], false, true); }},
      {"matmul aᵀbᵀ", {{4, 3}, {2, 4}}, [](auto& x) { return matmul(x[0], x[1], true, true); },
       [](auto& in) { return matmul_reference(in[0], in[1], true, true); }},
      {"matmul, inner extent 1", {{3, 1}, {1, 4}}, [](auto& x) { return matmul(x[0], x[1]); },
       [](auto& in) { return matmul_reference(in[0], in[1], false, false); }},
      {"matmul aᵀbᵀ, inner extent 1", {{1, 3}, {4, 1}}, [](auto& x) { return matmul(x[0], x[1], true, true); },
       [](auto& in) { return matmul_reference(in[0], in[1], true, true); }},
      {"matmul abᵀ, 10 columns", {{3, 4}, {10, 4}}, [](auto& x) { return matmul(x[0], x[1], false, true); },
       [](auto& in) { return matmul_reference(in[0], in[1], false, true); }},
      {"matmul, inner extent 10", {{3, 10}, {10, 2}}, [](auto& x) { return matmul(x[0], x[1]); },
       [](auto& in) { return matmul_reference(in[0], in[1], false, false); }},
      {"matmul aᵀb, inner extent 10", {{10, 3}, {10, 2}}, [](auto& x) { return matmul(x[0], x[1], true, false); },
       [](auto& in) { return matmul_reference(in[0], in[1], true, false); }},
      {"linear", {{3, 4}, {4, 2}, {2}}, [](auto& x) { return linear(x[0], x[1], x[2]); },
       [](auto& in) { return with_bias(matmul_reference(in[0], in[1], false, false), in[2]); }},
      {"linear, inner extent 10, bias [1, 5]", {{3, 10}, {10, 5}, {1, 5}}, [](auto& x) { return linear(x[0], x[1], x[2]); },
       [](auto& in) { return with_bias(matmul_reference(in[0], in[1], false, false), in[2]); }},
      {"gather_rows, reordered", {{4, 3}}, [](auto& x) { return gather_rows(x[0], {3, 0, 2}); },
       [](auto& in) { return rows_of(in[0], {3, 0, 2}); }},
      {"gather_rows, repeated, 3-D", {{3, 2, 2}}, [](auto& x) { return gather_rows(x[0], {1, 2, 1, 1, 0}); },
       [](auto& in) { return rows_of(in[0], {1, 2, 1, 1, 0}); }},
      {"scatter_add_rows, repeated", {{4, 3}, {5, 3}}, [](auto& x) { return scatter_add_rows(x[0], {2, 0, 2, 3, 2}, x[1]); },
       [](auto& in) { return rows_added(in[0], {2, 0, 2, 3, 2}, in[1]); }},
      {"scatter_add_rows, reordered, 3-D", {{3, 2, 2}, {2, 2, 2}}, [](auto& x) { return scatter_add_rows(x[0], {2, 0}, x[1]); },
       [](auto& in) { return rows_added(in[0], {2, 0}, in[1]); }},
      // Onto the device the input is on: the input itself (a GPU suite checks real moves).
      {"to_device, own device", {{2, 3}}, [](auto& x) { return to_device(x[0], x[0].device()); },
       elementwise([](double v) { return v; })},
      {"transpose", {{2, 3}}, [](auto& x) { return transpose(x[0]); },
       [](auto& in) {
         Reference out{{3, 2}, {}};
         for (int64_t j = 0; j < 3; ++j) {
           for (int64_t i = 0; i < 2; ++i) out.values.push_back(in[0].values[static_cast<std::size_t>(i * 3 + j)]);
         }
         return out;
       }},
      {"reshape", {{2, 6}}, [](auto& x) { return reshape(x[0], {3, -1}); }, [](auto& in) { return reshaped(in[0], {3, 4}); }},
      {"unsqueeze", {{2, 3}}, [](auto& x) { return unsqueeze(x[0], 1); }, [](auto& in) { return reshaped(in[0], {2, 1, 3}); }},
      {"squeeze", {{2, 1, 3, 1}}, [](auto& x) { return squeeze(x[0]); }, [](auto& in) { return reshaped(in[0], {2, 3}); }},
      {"squeeze dim", {{2, 1, 3}}, [](auto& x) { return squeeze(x[0], -2); }, [](auto& in) { return reshaped(in[0], {2, 3}); }},
      {"slice", {{3, 5}}, [](auto& x) { return slice(x[0], 1, 1, 4); }, [](auto& in) { return columns(in[0], 1, 4); }},
      {"slice negative", {{3, 5}}, [](auto& x) { return slice(x[0], -1, -2, 5); }, [](auto& in) { return columns(in[0], 3, 5); }},
      {"select", {{3, 5}}, [](auto& x) { return select(x[0], 1, 2); },
       [](auto& in) { return reshaped(columns(in[0], 2, 3), {3}); }},
      {"select row", {{3, 5}}, [](auto& x) { return select(x[0], 0, -1); },
       [](auto& in) { return Reference{{5}, std::vector<double>(in[0].values.begin() + 10, in[0].values.end())}; }},
      {"slice_backward", {{3, 2}}, [](auto& x) { return slice_backward(x[0], {3, 5}, 1, 2); },
       [](auto& in) { return placed(in[0], {3, 5}, 1, 2); }},
      {"slice_backward dim -2, 3-D", {{2, 2, 3}}, [](auto& x) { return slice_backward(x[0], {2, 5, 3}, -2, 3); },
       [](auto& in) { return placed(in[0], {2, 5, 3}, 1, 3); }},
      {"cat dim 0", {{2, 3}, {1, 3}}, [](auto& x) { return cat({x[0], x[1]}, 0); },
       [](auto& in) {
         Reference out{{3, 3}, in[0].values};
         out.values.insert(out.values.end(), in[1].values.begin(), in[1].values.end());
         return out;
       }},
      {"cat dim 1", {{2, 2}, {2, 3}}, [](auto& x) { return cat({x[0], x[1]}, 1); },
       [](auto& in) {
         Reference out{{2, 5}, {}};
         for (int64_t i = 0; i < 2; ++i) {
           for (int64_t j = 0; j < 2; ++j) out.values.push_back(in[0].values[static_cast<std::size_t>(i * 2 + j)]);
           for (int64_t j = 0; j < 3; ++j) out.values.push_back(in[1].values[static_cast<std::size_t>(i * 3 + j)]);
         }
         return out;
       }},
      {"greater", {{2, 3}, {2, 3}}, [](auto& x) { return greater(x[0], x[1]); },
       binary([](double a, double b) { return a > b ? 1.0 : 0.0; }), -2, 2, {}, Differentiable::No},
      {"less broadcast", {{2, 3}, {3}}, [](auto& x) { return less(x[0], x[1]); },
       binary([](double a, double b) { return a < b ? 1.0 : 0.0; }), -2, 2, {}, Differentiable::No},
      {"greater_equal broadcast outer", {{2, 1}, {1, 3}}, [](auto& x) { return greater_equal(x[0], x[1]); },
       binary([](double a, double b) { return a >= b ? 1.0 : 0.0; }), -2, 2, {}, Differentiable::No},
      {"less_equal broadcast", {{3}, {2, 3}}, [](auto& x) { return less_equal(x[0], x[1]); },
       binary([](double a, double b) { return a <= b ? 1.0 : 0.0; }), -2, 2, {}, Differentiable::No},
      // Against a scalar, inputs kept away from it so that float32 rounding cannot flip a comparison.
      {"greater scalar", {{3, 4}}, [](auto& x) { return greater(x[0], 0.3); },
       elementwise([](double v) { return v > 0.3 ? 1.0 : 0.0; }), -2, 2, {0.3}, Differentiable::No},
      {"less scalar", {{3, 4}}, [](auto& x) { return less(x[0], -0.4); },
       elementwise([](double v) { return v < -0.4 ? 1.0 : 0.0; }), -2, 2, {-0.4}, Differentiable::No},
      {"greater_equal scalar", {{3, 4}}, [](auto& x) { return greater_equal(x[0], 0.0); },
       elementwise([](double v) { return v >= 0 ? 1.0 : 0.0; }), -2, 2, {0.0}, Differentiable::No},
      {"less_equal scalar", {{3, 4}}, [](auto& x) { return less_equal(x[0], 1.2); },
       elementwise([](double v) { return v <= 1.2 ? 1.0 : 0.0; }), -2, 2, {1.2}, Differentiable::No},
      {"where", {{2, 3}, {3}}, [=](auto& x) { return where(alternating({2, 3}, x[0]), x[0], x[1]); },
       [](auto& in) {
         Reference out{{2, 3}, {}};
         for (int64_t i = 0; i < 6; ++i) {
           out.values.push_back(i % 2 == 0 ? in[0].values[static_cast<std::size_t>(i)] : in[1].values[static_cast<std::size_t>(i % 3)]);
         }
         return out;
       }},
      {"composite", {{4, 3}, {3, 2}}, [](auto& x) { return sum(silu(matmul(x[0], x[1])) * 2.0, 1); },
       [=](auto& in) {
         Reference product = matmul_reference(in[0], in[1], false, false);
         for (double& v : product.values) v = 2.0 * v * sigmoid_of(v);
         return fold_dim(1, total, false)({product});
       }},
  };
}
inline Reference reference_of(const Tensor& t) { return Reference{t.shape(), t.to_vector()}; }

}  // namespace ebm::testing
