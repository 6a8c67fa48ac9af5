// Every differentiable op through the same generic checks: forward against an independent
// reference computed here with plain loops (float64 and float32), gradcheck and gradgradcheck in
// float64. Inputs near kinks (relu, abs, clamp) and outside domains (log, sqrt, ÷) are avoided.
#include <algorithm>
#include <array>
#include <fstream>
#include <functional>
#include <numeric>

#include "engine/backend.hpp"  // Backend::matmul with accumulate, below ebm.hpp
#include "test_support.hpp"

namespace {

using namespace ebm;
using ebm::testing::max_relative_error;
using ebm::testing::sample_input;

/// A reference value: shape and row-major elements, computed without the engine.
struct Reference {
  Shape shape;
  std::vector<double> values;
};

using Op = std::function<Tensor(const std::vector<Tensor>&)>;
using ReferenceOp = std::function<Reference(const std::vector<Reference>&)>;

struct OpCase {
  std::string name;
  std::vector<Shape> shapes;
  Op op;
  ReferenceOp reference;
  double low = -2.0;
  double high = 2.0;
  std::vector<double> kinks = {};
};

int64_t count(const Shape& shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
}

std::vector<int64_t> unravel(int64_t flat, const Shape& shape) {
  std::vector<int64_t> index(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

int64_t ravel(const std::vector<int64_t>& index, const Shape& shape) {
  int64_t flat = 0;
  for (std::size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + index[d];
  return flat;
}

/// The element of `r` that broadcasting maps to multi-index `index` of a larger shape.
double broadcast_at(const Reference& r, const std::vector<int64_t>& index) {
  std::vector<int64_t> own(r.shape.size());
  const std::size_t offset = index.size() - r.shape.size();
  for (std::size_t d = 0; d < r.shape.size(); ++d) own[d] = r.shape[d] == 1 ? 0 : index[offset + d];
  return r.values[static_cast<std::size_t>(ravel(own, r.shape))];
}

Shape broadcast_shape(const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()), 1);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int64_t x = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    const int64_t y = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    out[i] = std::max(x, y);
  }
  return out;
}

ReferenceOp elementwise(std::function<double(double)> f) {
  return [f](const std::vector<Reference>& in) {
    Reference out = in[0];
    for (double& v : out.values) v = f(v);
    return out;
  };
}

ReferenceOp binary(std::function<double(double, double)> f) {
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
ReferenceOp fold_dim(int64_t dim, std::function<double(const std::vector<double>&)> f, bool keepdim) {
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

double total(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }
double log_total_exp(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += std::exp(x);
  return std::log(s);
}

Reference matmul_reference(const Reference& a, const Reference& b, bool ta, bool tb) {
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
Reference with_bias(Reference product, const Reference& bias) {
  for (int64_t i = 0; i < count(product.shape); ++i) product.values[static_cast<std::size_t>(i)] += broadcast_at(bias, unravel(i, product.shape));
  return product;
}

/// Elements of in[0] (2-D) with dim-1 indices in [start, end).
Reference columns(const Reference& a, int64_t start, int64_t end) {
  Reference out{{a.shape[0], end - start}, {}};
  for (int64_t i = 0; i < a.shape[0]; ++i) {
    for (int64_t j = start; j < end; ++j) out.values.push_back(a.values[static_cast<std::size_t>(i * a.shape[1] + j)]);
  }
  return out;
}

Reference reshaped(Reference r, Shape shape) {
  r.shape = std::move(shape);
  return r;
}

const double kPi = 3.141592653589793;

/// silu and its first three derivatives at a, from σ's own (σ′ = s = σ(1 − σ), σ″ = s(1 − 2σ),
/// σ‴ = s((1 − 2σ)² − 2s)) by Leibniz's rule on a·σ(a).
std::array<double, 4> silu_and_derivatives(double a) {
  const double sigma = 1.0 / (1.0 + std::exp(-a)), s = sigma * (1 - sigma);
  const double sigma2 = s * (1 - 2 * sigma), sigma3 = s * ((1 - 2 * sigma) * (1 - 2 * sigma) - 2 * s);
  return {a * sigma, sigma + a * s, 2 * s + a * sigma2, 3 * sigma2 + a * sigma3};
}

/// SiLU's jet (ops.hpp silu_jet) of products [K, N, W] and bias [W], element by element.
Reference silu_jet_reference(const Reference& products, const Reference& bias) {
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
Reference silu_jet_backward_reference(const Reference& g, const Reference& products, const Reference& bias) {
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

std::vector<OpCase> op_table() {
  const auto sigmoid_of = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  // cond for where: 1, 0, 1, 0, … of the given shape, in the input's dtype.
  const auto alternating = [](const Shape& shape, DType dtype) {
    std::vector<double> v(static_cast<std::size_t>(count(shape)));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = i % 2 == 0 ? 1.0 : 0.0;
    return tensor(v, shape, dtype);
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
      {"where", {{2, 3}, {3}}, [=](auto& x) { return where(alternating({2, 3}, x[0].dtype()), x[0], x[1]); },
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

Reference reference_of(const Tensor& t) { return Reference{t.shape(), t.to_vector()}; }

/// The number of threads of this process, from /proc/self/status.
int process_threads() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return 0;
}

}  // namespace

TEST_CASE("every op: forward against a reference, gradcheck and gradgradcheck") {
  uint64_t seed = 1;
  for (const OpCase& c : op_table()) {
    CAPTURE(c.name);
    std::vector<Tensor> inputs;
    for (const Shape& shape : c.shapes) inputs.push_back(sample_input(shape, c.low, c.high, c.kinks, seed++));
    std::vector<Reference> references;
    for (const Tensor& input : inputs) references.push_back(reference_of(input));
    const Reference expected = c.reference(references);

    const Tensor result = c.op(inputs);
    CHECK(result.shape() == expected.shape);
    CHECK(result.dtype() == DType::Float64);
    CHECK(max_relative_error(result.to_vector(), expected.values) < 1e-12);

    std::vector<Tensor> inputs32;
    for (const Tensor& input : inputs) inputs32.push_back(input.to(DType::Float32));
    const Tensor result32 = c.op(inputs32);
    CHECK(result32.dtype() == DType::Float32);
    CHECK(max_relative_error(result32.to_vector(), expected.values) < 1e-5);

    for (Tensor& input : inputs) input.requires_grad_();
    std::string failure;
    CHECK_MESSAGE(gradcheck(c.op, inputs, {.failure = &failure}), failure);
    CHECK_MESSAGE(gradgradcheck(c.op, inputs, {.failure = &failure}), failure);
  }
}

TEST_CASE("silu_jet and silu_jet_backward on rows of 300: full kernel chunks (128 floats, 64 doubles) and a partial one, both dtypes") {
  const Tensor g = sample_input({4, 2, 300}, -3, 3, {}, 50);
  const Tensor products = sample_input({4, 2, 300}, -3, 3, {}, 51);
  const Tensor bias = sample_input({300}, -3, 3, {}, 52);
  const Reference jet = silu_jet_reference(reference_of(products), reference_of(bias));
  const Reference backward = silu_jet_backward_reference(reference_of(g), reference_of(products), reference_of(bias));
  for (const auto& [dtype, tolerance] : {std::pair{DType::Float64, 1e-12}, std::pair{DType::Float32, 1e-5}}) {
    CAPTURE(dtype_name(dtype));
    CHECK(max_relative_error(silu_jet(products.to(dtype), bias.to(dtype)).to_vector(), jet.values) < tolerance);
    CHECK(max_relative_error(silu_jet_backward(g.to(dtype), products.to(dtype), bias.to(dtype)).to_vector(),
                             backward.values) < tolerance);
  }
  // No rows, or rows of width 0: nothing to compute.
  CHECK(silu_jet(zeros({3, 0, 4}), zeros({4})).shape() == Shape{3, 0, 4});
  CHECK(silu_jet_backward(zeros({3, 2, 0}), zeros({3, 2, 0}), zeros({0})).shape() == Shape{3, 2, 0});
}

TEST_CASE("softplus, sigmoid and logsumexp stay finite and exact for large |x|") {
  const Tensor x = tensor({-1000, -50, 0, 50, 1000}, {5}, DType::Float64);
  const auto s = softplus(x).to_vector();
  CHECK(s[0] == doctest::Approx(0.0));
  CHECK(s[2] == doctest::Approx(std::log(2.0)));
  CHECK(s[3] == doctest::Approx(50.0));
  CHECK(s[4] == doctest::Approx(1000.0));
  const auto s32 = softplus(x.to(DType::Float32)).to_vector();
  CHECK(s32[4] == doctest::Approx(1000.0));
  const auto sig = sigmoid(x).to_vector();
  CHECK(sig[0] == 0.0);
  CHECK(sig[4] == 1.0);

  const Tensor rows = tensor({1000, 1000, -1000, -1001}, {2, 2}, DType::Float32);
  const auto lse = logsumexp(rows, 1).to_vector();
  CHECK(lse[0] == doctest::Approx(1000 + std::log(2.0)));
  CHECK(lse[1] == doctest::Approx(-1000 + std::log1p(std::exp(-1.0))));
  const Tensor minus_infinity = full({1, 3}, -INFINITY, DType::Float64);
  CHECK(logsumexp(minus_infinity, 1).item() == -INFINITY);

  Tensor large = tensor({800, 800.5}, {2}, DType::Float64).requires_grad_();
  const Tensor gradient = grad(logsumexp(large, 0), {large})[0];
  const auto g = gradient.to_vector();
  CHECK(g[0] + g[1] == doctest::Approx(1.0));
  CHECK(g[1] == doctest::Approx(1 / (1 + std::exp(-0.5))));
}

TEST_CASE("cast converts values and gradients between float32 and float64") {
  Tensor x = tensor({0.5, -1.25}, {2}, DType::Float64).requires_grad_();
  const Tensor y = x.to(DType::Float32);
  CHECK(y.dtype() == DType::Float32);
  const Tensor gradient = grad(sum(square(y)), {x})[0];
  CHECK(gradient.dtype() == DType::Float64);
  CHECK(gradient.to_vector() == std::vector<double>{1.0, -2.5});
}

TEST_CASE("matrix products through GEMM: every transpose, accumulation, vector and tiny shapes, both dtypes, run on 1, 2 and 5 threads or on 1 without OpenMP") {
  // Depth 700 spans three of GEMM's depth blocks (256); 130 rows end in a partial tile of rows and
  // 150 columns in a partial panel, and on 5 threads the last share of rows is empty. 1100 rows
  // are split between the threads. op(a)'s tiles are packed rather than read in place where their
  // rows or inner terms lie a multiple of 4 KB apart: 1024 rows transposed, depth 1024 not
  // transposed. 96 rows are whole tiles; 600 columns span two column blocks; depth 0 gives zeros.
  // Up to 4 rows of a transposed a add scaled rows of b. A single row or column is a
  // matrix–vector product; a tiny product a coefficient loop. Every
  // product is also accumulated onto what out holds (Backend::matmul with accumulate, as linear's
  // bias is).
  const std::vector<std::array<int64_t, 3>> sizes = {{130, 700, 150}, {1100, 40, 30}, {1024, 20, 40}, {30, 1024, 20},
                                                     {96, 50, 64},    {20, 30, 600},  {24, 0, 40},    {1, 700, 150},
                                                     {130, 700, 1},   {4, 300, 70},   {3, 9, 4}};
  const struct RestoreThreads {
    int threads = num_threads();
    ~RestoreThreads() { set_num_threads(threads); }
  } restore;
  if (!EBM_TESTS_OPENMP) MESSAGE("this build has no OpenMP: set_num_threads is capped at 1, every product below runs on 1 thread");
  for (int threads : {1, 2, 5}) {
    set_num_threads(threads);
    // engine/threads.hpp: the count asked for with OpenMP; 1 without it, whatever was asked.
    REQUIRE(num_threads() == (EBM_TESTS_OPENMP ? threads : 1));
    CAPTURE(threads);
    for (const auto& [dtype, tolerance] : {std::pair{DType::Float64, 1e-12}, std::pair{DType::Float32, 1e-4}}) {
      CAPTURE(dtype_name(dtype));
      for (const auto& [n, depth, m] : sizes) {
        for (bool ta : {false, true}) {
          for (bool tb : {false, true}) {
            CAPTURE(n);
            CAPTURE(depth);
            CAPTURE(m);
            CAPTURE(ta);
            CAPTURE(tb);
            const Shape a_shape = ta ? Shape{depth, n} : Shape{n, depth};
            const Shape b_shape = tb ? Shape{m, depth} : Shape{depth, m};
            const Tensor a = sample_input(a_shape, -1, 1, {}, 40, dtype);
            const Tensor b = sample_input(b_shape, -1, 1, {}, 41, dtype);
            const Reference expected = matmul_reference({a_shape, a.to_vector()}, {b_shape, b.to_vector()}, ta, tb);
            CHECK(max_relative_error(matmul(a, b, ta, tb).to_vector(), expected.values) < tolerance);
            Tensor sum = sample_input({n, m}, -1, 1, {}, 42, dtype);
            std::vector<double> accumulated = sum.to_vector();
            for (std::size_t i = 0; i < accumulated.size(); ++i) accumulated[i] += expected.values[i];
            backend(Device::CPU).matmul(a, ta, b, tb, sum, /*accumulate=*/true);
            CHECK(max_relative_error(sum.to_vector(), accumulated) < tolerance);
          }
        }
      }
    }
    if (EBM_TESTS_OPENMP) {
      // 1100 rows are enough for every thread: OpenMP keeps the workers of its last team alive,
      // so after this product the process runs at least `threads` threads.
      matmul(sample_input({1100, 40}, -1, 1, {}, 43), sample_input({40, 30}, -1, 1, {}, 44));
      CHECK(process_threads() >= threads);
    }
  }
}

TEST_CASE("comparison ops and sign: values with ties, broadcasting and scalars, both dtypes — never differentiable") {
  // a [2, 3] against b [3] broadcast over the rows, with ties at a[0][2] = b[2] = 2, a[1][1] = b[1] = 0.1
  // (0.1 rounds the same in both tensors, so it ties in float32 too) and a[0][1] = b[0] = 0.
  const Reference a{{2, 3}, {-1, 0, 2, 3, 0.1, -2}}, b{{3}, {0, 0.1, 2}};
  const Reference column{{2, 1}, {0.1, 2}}, row{{1, 3}, {0.1, 2, 5}};
  struct Comparison {
    std::string name;
    std::function<Tensor(const Tensor&, const Tensor&)> op;
    std::function<Tensor(const Tensor&, double)> with_scalar;
    std::function<bool(double, double)> holds;
  };
  const std::vector<Comparison> comparisons = {
      {"less", [](const Tensor& x, const Tensor& y) { return less(x, y); }, [](const Tensor& x, double y) { return less(x, y); },
       std::less<>()},
      {"less_equal", [](const Tensor& x, const Tensor& y) { return less_equal(x, y); },
       [](const Tensor& x, double y) { return less_equal(x, y); }, std::less_equal<>()},
      {"greater", [](const Tensor& x, const Tensor& y) { return greater(x, y); },
       [](const Tensor& x, double y) { return greater(x, y); }, std::greater<>()},
      {"greater_equal", [](const Tensor& x, const Tensor& y) { return greater_equal(x, y); },
       [](const Tensor& x, double y) { return greater_equal(x, y); }, std::greater_equal<>()},
  };
  for (const DType dtype : {DType::Float64, DType::Float32}) {
    CAPTURE(dtype_name(dtype));
    const auto typed = [&](const Reference& r) { return tensor(r.values, r.shape, dtype); };
    for (const Comparison& comparison : comparisons) {
      CAPTURE(comparison.name);
      const ReferenceOp reference = binary([&](double x, double y) { return comparison.holds(x, y) ? 1.0 : 0.0; });
      for (const auto& [left, right] : {std::pair{a, b}, std::pair{b, a}, std::pair{column, row}, std::pair{a, a}}) {
        const Reference expected = reference({left, right});
        const Tensor result = comparison.op(typed(left), typed(right));
        CHECK(result.shape() == expected.shape);
        CHECK(result.dtype() == dtype);
        CHECK(result.to_vector() == expected.values);
      }
      // Against a scalar: 0 ties a[0][1], 2 ties a[0][2]; 0.5 and −1.5 tie nothing.
      for (double scalar : {0.0, 2.0, 0.5, -1.5}) {
        CAPTURE(scalar);
        const Tensor result = comparison.with_scalar(typed(a), scalar);
        CHECK(result.dtype() == dtype);
        CHECK(result.to_vector() == reference({a, Reference{{}, {scalar}}}).values);
      }
      // Never recorded: the result is a constant mask, even from inputs that require grad, so
      // d/dx Σ x·[x ≺ y] is the mask itself.
      Tensor x = typed(a).requires_grad_();
      const Tensor mask = comparison.op(x, typed(b));
      CHECK_FALSE(mask.requires_grad());
      CHECK(mask.grad_fn() == nullptr);
      CHECK_FALSE(comparison.with_scalar(x, 0.0).requires_grad());
      CHECK(grad(sum(x * mask), {x})[0].to_vector() == mask.to_vector());
    }
    // sign: −1, 0 and 1, at −0 too; not differentiable either.
    Tensor x = tensor({-2.5, -1e-30, 0.0, -0.0, 1e-30, 3.0}, {6}, dtype).requires_grad_();
    const Tensor signs = sign(x);
    CHECK(signs.dtype() == dtype);
    CHECK(signs.to_vector() == std::vector<double>{-1, -1, 0, 0, 1, 1});
    CHECK_FALSE(signs.requires_grad());
    CHECK(grad(sum(x * signs), {x})[0].to_vector() == signs.to_vector());
  }
}
