// The CPU kernels compiled for each instruction-set level (engine/cpu/dispatch.hpp) against the
// lowest level this build and CPU run: every kernel of Backend called directly on both, in both
// dtypes, on the same random inputs. A level may differ from the baseline only by rounding, within
// the tolerances below; what moves or compares data must agree exactly.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <ebm.hpp>

#include "engine/backend.hpp"
#include "engine/cpu/dispatch.hpp"
#include "engine/silu.hpp"
#include "test_support.hpp"

namespace {

using namespace ebm;

// ---- Tolerances ----
//
// Levels differ only by rounding: fused multiply-add rounds a·b + c once where the baseline rounds
// twice, wider vectors change the order of some sums, and the vectorised transcendental functions
// (and the scalar ones that finish a vector's tail, whose start moves with the vector width)
// differ by a few ulp. With ε the dtype's machine epsilon (2⁻²³ for float32, 2⁻⁵² for float64),
// a level's output x_L may differ from the baseline's x_base by
//
//   exact:        nothing, bit for bit: data movement and comparisons (fill, convert, expand,
//                 transpose, slice, slice_assign, gather_rows, scatter_rows without accumulation,
//                 Greater, Less, …, Abs, Sign, Relu, clamp, where, max_to, random_uniform);
//   elementwise:  |x_L − x_base| ≤ elementwise_ulps · ε · max(1, |x_base|) for elementwise maps;
//   sums:         |x_L − x_base| ≤ sum_ulps · n · ε · Σ|terms| for reductions and products, n the
//                 number of terms summed and Σ|terms| the sum of their absolute values (for matmul
//                 Σₖ |aᵢₖ bₖⱼ|);
//   fused:        |x_L − x_base| ≤ (elementwise_ulps + sum_ulps · n) · ε · Σ max(1, |f|)·|w| for
//                 the fused SiLU kernels, which add n products of a derivative f = silu⁽ᵏ⁾(a), an
//                 elementwise map, and a weight w made of the other inputs: f's own error scaled
//                 by w, plus the rounding of the sum.
//
// Every check also requires NaN exactly where the baseline has NaN.

// Measured on AVX2 and AVX-512 against SSE2, as |x_L − x_base| / (ε · the scale above):
//   elementwise: float32 at most 4.1 (Silu; Tanh 3.0, Sqrt 1.8, random_normal 1.9), float64 1.6
//     (random_normal; Sqrt 1.4); Add, Subtract, Multiply, Divide and Exp agree bit for bit;
//   sums: matmul at most 1.7, sum_to 0.8, scatter_rows accumulating 0: far below 4n;
//   fused: silu_backward 4.7 in float32, 1.2 in float64; silu_jet and silu_jet_backward 3.6 and
//     1.7. The sums rule alone (4n · ε · Σ|f·w|) is exceeded up to 3.4-fold by the jets: near
//     a ≈ −1.28, where silu′(a) = σ(1 + a(1 − σ)) cancels, its error is of order ε, not ε·|silu′|.

/// The elementwise factor.
constexpr double elementwise_ulps = 16;
/// The sums factor, per term.
constexpr double sum_ulps = 4;

double epsilon(DType dtype) {
  return dtype == DType::Float32 ? double(std::numeric_limits<float>::epsilon())
                                  : std::numeric_limits<double>::epsilon();
}

/// |x_L − x_base| ≤ factor · ε · scale(i, x_base) for element i; factor 0: bit for bit.
struct Tolerance {
  double factor;
  std::function<double(std::size_t, double)> scale;
};

Tolerance exact() { return {0, nullptr}; }

Tolerance elementwise() {
  return {elementwise_ulps, [](std::size_t, double base) { return std::max(1.0, std::abs(base)); }};
}

/// Element i sums `terms` terms whose absolute values add up to absolute_sums[i].
Tolerance sums(int64_t terms, std::vector<double> absolute_sums) {
  return {sum_ulps * double(terms),
          [absolute_sums = std::move(absolute_sums)](std::size_t i, double) { return absolute_sums.at(i); }};
}

/// Element i adds `terms` products f·w with Σ max(1, |f|)·|w| = weights[i].
Tolerance fused(int64_t terms, std::vector<double> weights) {
  return {elementwise_ulps + sum_ulps * double(terms),
          [weights = std::move(weights)](std::size_t i, double) { return weights.at(i); }};
}

// ---- Comparing a level's output with the baseline's ----

/// Checks `level` against the baseline's output `base` within `tolerance`.
void check(const Tensor& level, const Tensor& base, const Tolerance& tolerance) {
  REQUIRE(level.shape() == base.shape());
  REQUIRE(level.dtype() == base.dtype());
  if (tolerance.factor == 0) {
    CHECK(level.to_bytes() == base.to_bytes());
    return;
  }
  const double eps = epsilon(base.dtype());
  const std::vector<double> x = level.to_vector(), y = base.to_vector();
  double worst = 0;  // the largest |xᵢ − yᵢ| / allowed
  std::size_t at = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    double ratio = 0;
    if (std::isnan(x[i]) || std::isnan(y[i])) {
      ratio = std::isnan(x[i]) && std::isnan(y[i]) ? 0 : INFINITY;
    } else if (x[i] != y[i]) {  // unequal infinities give an infinite difference
      const double unit = eps * tolerance.scale(i, y[i]);
      const double difference = std::abs(x[i] - y[i]);
      ratio = difference / (tolerance.factor * unit);
    }
    if (!(ratio <= worst)) {
      worst = std::isnan(ratio) ? INFINITY : ratio;
      at = i;
    }
  }
  char worst_element[200] = "";
  if (!x.empty()) {
    std::snprintf(worst_element, sizeof worst_element,
                  "element %zu: level %.17g, baseline %.17g, |difference| / tolerance %.3g", at, x[at], y[at], worst);
  }
  INFO(worst_element);
  CHECK(worst <= 1);
}

// ---- The levels ----

/// The lowest level this build and CPU run, and the others, which are compared with it.
struct Levels {
  const Backend* base = nullptr;
  std::vector<std::pair<std::string, const Backend*>> others;
};

Levels levels() {
  const std::vector<std::string> names = cpu_capabilities();
  REQUIRE(!names.empty());
  Levels result;
  result.base = cpu::backend_at(names.front());
  REQUIRE(result.base != nullptr);
  for (std::size_t i = 1; i < names.size(); ++i) {
    const Backend* level = cpu::backend_at(names[i]);
    REQUIRE(level != nullptr);
    result.others.emplace_back(names[i], level);
  }
  return result;
}

constexpr DType dtypes[] = {DType::Float32, DType::Float64};

/// Runs `kernel` (a Backend to its output) on the baseline and on every other level, and checks
/// each level's output against the baseline's; `name` names the call in failures.
template <class Kernel>
void compare(const std::string& name, Kernel&& kernel, const Tolerance& tolerance) {
  const Levels all = levels();
  const Tensor base = kernel(*all.base);
  for (const auto& other : all.others) {
    const std::string& level = other.first;
    CAPTURE(level);
    CAPTURE(name);
    check(kernel(*other.second), base, tolerance);
  }
}

// ---- Inputs ----

/// Uniform values in [low, high] (at least 0.1 from each kink), deterministic in `seed`.
Tensor input(const Shape& shape, double low, double high, uint64_t seed, DType dtype,
             const std::vector<double>& kinks = {}) {
  return testing::sample_input(shape, low, high, kinks, seed, dtype);
}

/// A fresh tensor with t's elements, for kernels that write in place.
Tensor copy_of(const Tensor& t) { return tensor(t.to_vector(), t.shape(), t.dtype()); }

/// `count` random values in [low, high] followed by `specials`, as a vector tensor: long enough
/// for whole vectors and a tail at every width.
Tensor values_with(int64_t count, double low, double high, const std::vector<double>& specials, uint64_t seed,
                   DType dtype) {
  std::vector<double> values = input({count}, low, high, seed, DType::Float64).to_vector();
  values.insert(values.end(), specials.begin(), specials.end());
  return tensor(values, {static_cast<int64_t>(values.size())}, dtype);
}

/// Σ|terms| of a reduction of a to out's shape (right-aligned; reduced where out has extent 1 or
/// none), and the largest number of terms of any output element.
std::pair<std::vector<double>, int64_t> absolute_sums_to(const Tensor& a, const Shape& out) {
  const Shape& shape = a.shape();
  const std::vector<int64_t> into = broadcast_strides(out, shape);
  std::vector<double> sums(static_cast<std::size_t>(shape_numel(out)), 0.0);
  std::vector<int64_t> counts(sums.size(), 0);
  const std::vector<double> values = a.to_vector();
  std::vector<int64_t> index(shape.size(), 0);
  for (double value : values) {
    int64_t target = 0;
    for (std::size_t d = 0; d < shape.size(); ++d) target += index[d] * into[d];
    sums[static_cast<std::size_t>(target)] += std::abs(value);
    ++counts[static_cast<std::size_t>(target)];
    for (std::size_t d = shape.size(); d-- > 0;) {  // the next index, row-major
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return {sums, counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end())};
}

// ---- Test cases ----

TEST_CASE("cpu levels agree exactly on data movement: fill, convert, expand, transpose, slice, gathers, scatters") {
  for (DType dtype : dtypes) {
    const std::string type = dtype_name(dtype);
    CAPTURE(type);
    for (double value : {0.0, -2.5, 0.1, 1e300}) {  // 1e300 is ∞ in float32
      compare("fill", [&](const Backend& b) {
        Tensor out = empty({301}, dtype);
        b.fill(out, value);
        return out;
      }, exact());
    }
    const DType other = dtype == DType::Float32 ? DType::Float64 : DType::Float32;
    const Tensor source = values_with(300, -1e3, 1e3, {1e-40, -1e39, 3.4e38, 0.1, -0.0}, 1, dtype);
    compare("convert", [&](const Backend& b) {
      Tensor out = empty(source.shape(), other);
      b.convert(source, out);
      return out;
    }, exact());
    const std::vector<std::pair<Shape, Shape>> expansions = {
        {{3, 1, 5}, {3, 4, 5}}, {{}, {301}}, {{37}, {9, 37}}, {{9, 1}, {9, 37}}};
    for (const auto& shapes : expansions) {
      const Tensor a = input(shapes.first, -3, 3, 2, dtype);
      compare("expand", [&](const Backend& b) {
        Tensor out = empty(shapes.second, dtype);
        b.expand(a, out);
        return out;
      }, exact());
    }
    const Tensor matrix = input({37, 19}, -3, 3, 3, dtype);
    compare("transpose", [&](const Backend& b) {
      Tensor out = empty({19, 37}, dtype);
      b.transpose(matrix, out);
      return out;
    }, exact());
    const Tensor block = input({4, 6, 5}, -3, 3, 4, dtype);
    for (int64_t dim : {0, 1, 2}) {
      CAPTURE(dim);
      Shape part = block.shape();
      part[static_cast<std::size_t>(dim)] -= 2;
      compare("slice", [&](const Backend& b) {
        Tensor out = empty(part, dtype);
        b.slice(block, dim, 1, out);
        return out;
      }, exact());
      const Tensor src = input(part, -3, 3, 5, dtype);
      compare("slice_assign", [&](const Backend& b) {
        Tensor out = copy_of(block);
        b.slice_assign(src, dim, 2, out);
        return out;
      }, exact());
    }
    const Tensor rows_of = input({10, 3, 7}, -3, 3, 6, dtype);
    const std::vector<int64_t> gathered = {3, 3, 0, 9, 5};
    compare("gather_rows", [&](const Backend& b) {
      Tensor out = empty({5, 3, 7}, dtype);
      b.gather_rows(rows_of, gathered, out);
      return out;
    }, exact());
    const Tensor src = input({5, 3, 7}, -3, 3, 7, dtype);
    compare("scatter_rows", [&](const Backend& b) {
      Tensor out = copy_of(rows_of);
      b.scatter_rows(src, {3, 0, 9, 5, 1}, out, false);
      return out;
    }, exact());
    // Accumulating, row 3 takes three rows of src: a sum of up to four terms.
    const std::vector<int64_t> repeated = {3, 3, 0, 3, 9};
    std::vector<double> absolute = abs(rows_of).to_vector();
    const std::vector<double> src_values = src.to_vector();
    const int64_t width = 3 * 7;
    for (std::size_t i = 0; i < repeated.size(); ++i) {
      for (int64_t j = 0; j < width; ++j) {
        absolute[static_cast<std::size_t>(repeated[i] * width + j)] +=
            std::abs(src_values[static_cast<std::size_t>(static_cast<int64_t>(i) * width + j)]);
      }
    }
    compare("scatter_rows accumulating", [&](const Backend& b) {
      Tensor out = copy_of(rows_of);
      b.scatter_rows(src, repeated, out, true);
      return out;
    }, sums(4, absolute));
  }
}

/// Every UnaryKernel, and whether levels must agree on it exactly.
struct UnaryCase {
  UnaryKernel kernel;
  const char* name;
  bool exact;
};
constexpr UnaryCase unary_kernels[] = {
    {UnaryKernel::Exp, "Exp", false},           {UnaryKernel::Log, "Log", false},
    {UnaryKernel::Sqrt, "Sqrt", false},         {UnaryKernel::Square, "Square", false},
    {UnaryKernel::Abs, "Abs", true},            {UnaryKernel::Sign, "Sign", true},
    {UnaryKernel::Sin, "Sin", false},           {UnaryKernel::Cos, "Cos", false},
    {UnaryKernel::Tanh, "Tanh", false},         {UnaryKernel::Sigmoid, "Sigmoid", false},
    {UnaryKernel::Softplus, "Softplus", false}, {UnaryKernel::Relu, "Relu", true},
    {UnaryKernel::Silu, "Silu", false},
};

/// Log and Sqrt take non-negative arguments only.
bool nonnegative_domain(UnaryKernel kernel) { return kernel == UnaryKernel::Log || kernel == UnaryKernel::Sqrt; }

TEST_CASE("cpu levels agree on elementwise maps: every UnaryKernel, affine, power, clamp") {
  const std::vector<double> large = {30, -30, 100, -100, 0, 20, -20, 88, -88, 700, -700};
  for (DType dtype : dtypes) {
    const std::string type = dtype_name(dtype);
    CAPTURE(type);
    const Tensor signed_values = values_with(300, -6, 6, large, 10, dtype);
    const Tensor positive = values_with(300, 1e-3, 50, {1e-30, 1e30, 1, 0.5, 2, 1e-6, 1e6}, 11, dtype);
    for (const UnaryCase& c : unary_kernels) {
      const Tensor& a = nonnegative_domain(c.kernel) ? positive : signed_values;
      compare(c.name, [&](const Backend& b) {
        Tensor out = empty(a.shape(), dtype);
        b.unary(c.kernel, a, out);
        return out;
      }, c.exact ? exact() : elementwise());
    }
    const Tensor moderate = values_with(300, -4, 4, {0, 1, -1}, 12, dtype);
    for (const auto& scale_shift : std::vector<std::pair<double, double>>{{1.5, -0.25}, {-3, 2}, {0.1, 0}}) {
      compare("affine", [&](const Backend& b) {
        Tensor out = empty(moderate.shape(), dtype);
        b.affine(moderate, scale_shift.first, scale_shift.second, out);
        return out;
      }, elementwise());
    }
    for (double exponent : {2.0, 3.0, -1.0}) {  // integer powers of signed values
      compare("power", [&](const Backend& b) {
        Tensor out = empty(moderate.shape(), dtype);
        b.power(moderate, exponent, out);
        return out;
      }, elementwise());
    }
    const Tensor base_values = values_with(300, 0.1, 4, {1, 0.5}, 13, dtype);
    for (double exponent : {0.5, 1.5, -2.5, 0.3}) {  // fractional powers of positive values
      compare("power", [&](const Backend& b) {
        Tensor out = empty(base_values.shape(), dtype);
        b.power(base_values, exponent, out);
        return out;
      }, elementwise());
    }
    compare("clamp", [&](const Backend& b) {
      Tensor out = empty(signed_values.shape(), dtype);
      b.clamp(signed_values, -2, 3.5, out);
      return out;
    }, exact());
  }
}

TEST_CASE("cpu levels agree on every UnaryKernel at ±∞, ±0, subnormals and beyond the range of exp") {
  const double inf = std::numeric_limits<double>::infinity();
  // 1e-40 is subnormal in float32, 1e-310 in float64 (0 in float32); 1e300 is ∞ in float32.
  const std::vector<double> nonnegative = {inf, 0.0, 1e-40, 1e-310, 1e-300, 1e30, 1e300, 1e10};
  std::vector<double> signed_specials = nonnegative;
  for (double value : nonnegative) signed_specials.push_back(-value);
  signed_specials.insert(signed_specials.end(), {88.8, -89, 710, -710, 1e5, -1e5});
  for (DType dtype : dtypes) {
    const std::string type = dtype_name(dtype);
    CAPTURE(type);
    for (const UnaryCase& c : unary_kernels) {
      // The special values first and last, so that each level meets them in whole vectors and
      // in a vector's tail.
      std::vector<double> values = nonnegative_domain(c.kernel) ? nonnegative : signed_specials;
      const std::size_t count = values.size();
      const std::vector<double> middle = input({300}, 0.5, 2, 14, DType::Float64).to_vector();
      values.insert(values.end(), middle.begin(), middle.end());
      values.insert(values.end(), values.begin(), values.begin() + static_cast<std::ptrdiff_t>(count));
      const Tensor a = tensor(values, {static_cast<int64_t>(values.size())}, dtype);
      compare(c.name, [&](const Backend& b) {
        Tensor out = empty(a.shape(), dtype);
        b.unary(c.kernel, a, out);
        return out;
      }, c.exact ? exact() : elementwise());
    }
  }
}

TEST_CASE("cpu levels agree on binary, where and add_scaled_, broadcasting every way") {
  struct Case {
    BinaryKernel kernel;
    const char* name;
    bool exact;
  };
  const Case cases[] = {
      {BinaryKernel::Add, "Add", false},           {BinaryKernel::Subtract, "Subtract", false},
      {BinaryKernel::Multiply, "Multiply", false}, {BinaryKernel::Divide, "Divide", false},
      {BinaryKernel::Greater, "Greater", true},    {BinaryKernel::Less, "Less", true},
      {BinaryKernel::GreaterEqual, "GreaterEqual", true}, {BinaryKernel::LessEqual, "LessEqual", true},
  };
  // Same shape, a scalar either side, a one-element matrix, [N, H] with a row [H] either side or
  // as [1, H], a column, and a general broadcast.
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{7, 37}, {7, 37}}, {{7, 37}, {}},     {{}, {7, 37}},        {{7, 37}, {1, 1}}, {{9, 37}, {37}},
      {{37}, {9, 37}},    {{9, 37}, {1, 37}}, {{9, 37}, {9, 1}}, {{3, 1, 5}, {1, 4, 5}},
  };
  for (DType dtype : dtypes) {
    const std::string type = dtype_name(dtype);
    CAPTURE(type);
    for (const auto& operands : shapes) {
      const Shape &a_shape = operands.first, &b_shape = operands.second;
      CAPTURE(shape_string(a_shape));
      CAPTURE(shape_string(b_shape));
      const Tensor a = input(a_shape, -4, 4, 20, dtype);
      Tensor b = input(b_shape, -4, 4, 21, dtype, {0});  // away from 0: a divisor
      if (a_shape == b_shape) {  // ties, for the comparisons: every fourth element of b is a's
        std::vector<double> values = b.to_vector();
        const std::vector<double> a_values = a.to_vector();
        for (std::size_t i = 0; i < values.size(); i += 4) values[i] = a_values[i];
        b = tensor(values, b_shape, dtype);
      }
      const Shape out_shape = broadcast_shapes("binary", a_shape, b_shape);
      for (const Case& c : cases) {
        compare(c.name, [&](const Backend& backend) {
          Tensor out = empty(out_shape, dtype);
          backend.binary(c.kernel, a, b, out);
          return out;
        }, c.exact ? exact() : elementwise());
      }
    }
    const Tensor x = input({6, 37}, -4, 4, 22, dtype), y = input({37}, -4, 4, 23, dtype);
    for (const Shape& cond_shape : std::vector<Shape>{{6, 37}, {6, 1}, {37}, {}}) {
      CAPTURE(shape_string(cond_shape));
      const Tensor cond = greater(input(cond_shape, -1, 1, 24, dtype), 0.0);
      compare("where", [&](const Backend& backend) {
        Tensor out = empty({6, 37}, dtype);
        backend.where(cond, x, y, out);
        return out;
      }, exact());
    }
    for (const Shape& b_shape : std::vector<Shape>{{6, 37}, {37}, {6, 1}, {}}) {
      CAPTURE(shape_string(b_shape));
      const Tensor b = input(b_shape, -4, 4, 25, dtype);
      compare("add_scaled_", [&](const Backend& backend) {
        Tensor a = copy_of(x);
        backend.add_scaled_(a, b, -0.75);
        return a;
      }, elementwise());
    }
  }
}

TEST_CASE("cpu levels agree on reductions: sum_to to a scalar, a row, a column and in general, max_to exactly") {
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{4001}, {}},     {{13, 300}, {}},      {{13, 300}, {300}}, {{13, 300}, {1, 300}},
      {{13, 300}, {13, 1}}, {{3, 4, 50}, {3, 1, 50}}, {{3, 4, 50}, {4, 1}}, {{3, 4, 50}, {1}},
  };
  for (DType dtype : dtypes) {
    const std::string type = dtype_name(dtype);
    CAPTURE(type);
    for (const auto& reduction : shapes) {
      const Shape &from = reduction.first, &to = reduction.second;
      CAPTURE(shape_string(from));
      CAPTURE(shape_string(to));
      const Tensor a = input(from, -2, 3, 30, dtype);
      const auto [absolute_sums, terms] = absolute_sums_to(a, to);
      compare("sum_to", [&](const Backend& b) {
        Tensor out = empty(to, dtype);
        b.sum_to(a, out);
        return out;
      }, sums(terms, absolute_sums));
      compare("max_to", [&](const Backend& b) {
        Tensor out = empty(to, dtype);
        b.max_to(a, out);
        return out;
      }, exact());
    }
  }
}

TEST_CASE("cpu levels agree on matmul: every transpose, accumulating or not, on every route of matrix_product") {
  struct Product {
    int64_t rows, depth, cols;  // op(a) [rows, depth] · op(b) [depth, cols]
  };
  const Product products[] = {
      {7, 1, 9},        // an outer product
      {50, 5, 40},      // a few terms (untransposed b)
      {60, 40, 6},      // a few columns (transposed b)
      {3, 50, 40},      // a few rows of a transposed a
      {1, 50, 30},      // a single row
      {30, 50, 1},      // a single column
      {5, 9, 4},        // tiny
      {200, 130, 70},   // packed: blocks of rows, partial tiles, several threads
      {30, 512, 600},   // blocks of terms and of columns; untransposed a packed in float64 (rows 4 KB apart)
  };
  for (DType dtype : dtypes) {
    const std::string type = dtype_name(dtype);
    CAPTURE(type);
    for (const Product& p : products) {
      CAPTURE(p.rows);
      CAPTURE(p.depth);
      CAPTURE(p.cols);
      for (const bool transpose_a : {false, true}) {
        for (const bool transpose_b : {false, true}) {
          CAPTURE(transpose_a);
          CAPTURE(transpose_b);
          const Tensor a = input(transpose_a ? Shape{p.depth, p.rows} : Shape{p.rows, p.depth}, -1, 1, 40, dtype);
          const Tensor b = input(transpose_b ? Shape{p.cols, p.depth} : Shape{p.depth, p.cols}, -1, 1, 41, dtype);
          const Tensor initial = input({p.rows, p.cols}, -1, 1, 42, dtype);
          // Σₖ |op(a)ᵢₖ op(b)ₖⱼ|, in double.
          const std::vector<double> x = a.to_vector(), y = b.to_vector();
          std::vector<double> absolute(static_cast<std::size_t>(p.rows * p.cols), 0.0);
          for (int64_t i = 0; i < p.rows; ++i) {
            for (int64_t k = 0; k < p.depth; ++k) {
              const double a_ik = std::abs(x[static_cast<std::size_t>(transpose_a ? k * p.rows + i : i * p.depth + k)]);
              double* row = absolute.data() + i * p.cols;
              for (int64_t j = 0; j < p.cols; ++j) {
                row[j] += a_ik * std::abs(y[static_cast<std::size_t>(transpose_b ? j * p.depth + k : k * p.cols + j)]);
              }
            }
          }
          compare("matmul", [&](const Backend& backend) {
            Tensor out = empty({p.rows, p.cols}, dtype);
            backend.matmul(a, transpose_a, b, transpose_b, out, false);
            return out;
          }, sums(p.depth, absolute));
          std::vector<double> with_initial = absolute;  // out's value is one more term
          const std::vector<double> initial_values = initial.to_vector();
          for (std::size_t i = 0; i < with_initial.size(); ++i) with_initial[i] += std::abs(initial_values[i]);
          compare("matmul accumulating", [&](const Backend& backend) {
            Tensor out = copy_of(initial);
            backend.matmul(a, transpose_a, b, transpose_b, out, true);
            return out;
          }, sums(p.depth + 1, with_initial));
        }
      }
    }
  }
}

TEST_CASE("cpu levels agree on random draws: uniforms bitwise, normals within the elementwise tolerance") {
  for (DType dtype : dtypes) {
    const std::string type = dtype_name(dtype);
    CAPTURE(type);
    for (const int64_t n : {1, 7, 2001}) {  // an odd count: a last pair with one draw; 2001: two blocks of pairs
      CAPTURE(n);
      compare("random_uniform", [&](const Backend& b) {
        Tensor out = empty({n}, dtype);
        b.random_uniform(out, 1234, 5);
        return out;
      }, exact());
      compare("random_normal", [&](const Backend& b) {
        Tensor out = empty({n}, dtype);
        b.random_normal(out, 1234, 5);
        return out;
      }, elementwise());
    }
  }
}

/// SiLU and its derivatives at a, in double, as max(1, |silu⁽ᵏ⁾(a)|): the scales of the fused
/// tolerance's Σ max(1, |f|)·|w|.
struct SiluScales {
  double value, first, second, third;
  explicit SiluScales(double a) {
    const double sigma = 1 / (1 + std::exp(-a));
    const auto at_least_one = [](double f) { return std::max(1.0, std::abs(f)); };
    value = at_least_one(a * sigma);
    first = at_least_one(silu_first_derivative(a, sigma));
    second = at_least_one(silu_second_derivative(a, sigma));
    third = at_least_one(silu_third_derivative(a, sigma));
  }
};

TEST_CASE("cpu levels agree on the fused kernels: SiLU's derivatives and jets on rows of 300, adam_update_") {
  for (DType dtype : dtypes) {
    const std::string type = dtype_name(dtype);
    CAPTURE(type);
    // 300 elements and more: whole 256-element blocks of σ and a partial one.
    const Tensor a = values_with(300, -6, 6, {30, -30, 100, -100, 0, 20, -20}, 50, dtype);
    const Tensor g = input(a.shape(), -4, 4, 51, dtype);
    std::vector<double> g_weights = abs(g).to_vector();  // silu_backward: f = silu′(a), w = g
    const std::vector<double> a_values = a.to_vector();
    for (std::size_t i = 0; i < a_values.size(); ++i) g_weights[i] *= SiluScales(a_values[i]).first;
    compare("silu_backward", [&](const Backend& b) {
      Tensor out = empty(a.shape(), dtype);
      b.silu_backward(g, a, out);
      return out;
    }, fused(1, g_weights));
    compare("silu_second_derivative", [&](const Backend& b) {
      Tensor out = empty(a.shape(), dtype);
      b.silu_second_derivative(a, out);
      return out;
    }, elementwise());
    compare("silu_third_derivative", [&](const Backend& b) {
      Tensor out = empty(a.shape(), dtype);
      b.silu_third_derivative(a, out);
      return out;
    }, elementwise());

    constexpr int64_t rows = 3, width = 300;  // 300: whole 128-float (64-double) chunks and a partial one
    for (const int64_t slices : {2, 3, 6}) {   // no direction, one, four
      CAPTURE(slices);
      const Shape shape = {slices, rows, width};
      const Tensor products = input(shape, -4, 4, 52, dtype), bias = input({width}, -1, 1, 53, dtype);
      const Tensor outer = input(shape, -4, 4, 54, dtype);
      // Σ max(1, |f|)·|w| of each output, from the formulas of engine/cpu/silu_jet.hpp: F = products,
      // G = outer, slice 0 the values, slice K − 1 the curvature S (its gradient G_S).
      const std::vector<double> F = products.to_vector(), bias_values = bias.to_vector(), G = outer.to_vector();
      const std::size_t stride = rows * width, last = static_cast<std::size_t>(slices - 1) * stride;
      std::vector<double> jet_weights(F.size()), backward_weights(F.size());
      for (std::size_t e = 0; e < stride; ++e) {
        const SiluScales d(F[e] + bias_values[e % width]);
        double squares = 0, dots = 0;  // Σₘ Fₘ², Σₘ |Fₘ Gₘ|
        for (std::size_t m = 1; m + 1 < static_cast<std::size_t>(slices); ++m) {
          const std::size_t at = m * stride + e;
          squares += F[at] * F[at];
          dots += std::abs(F[at] * G[at]);
          jet_weights[at] = d.first * std::abs(F[at]);
          backward_weights[at] = d.first * std::abs(G[at]) + d.second * 2 * std::abs(F[at] * G[last + e]);
        }
        jet_weights[e] = d.value;
        jet_weights[last + e] = d.first * std::abs(F[last + e]) + d.second * squares;
        backward_weights[e] = d.first * std::abs(G[e]) + d.second * (dots + std::abs(F[last + e] * G[last + e])) +
                              d.third * squares * std::abs(G[last + e]);
        backward_weights[last + e] = d.first * std::abs(G[last + e]);
      }
      const int64_t terms = 2 * slices;  // at least as many products as any output adds
      compare("silu_jet", [&](const Backend& b) {
        Tensor out = empty(shape, dtype);
        b.silu_jet(products, bias, out);
        return out;
      }, fused(terms, jet_weights));
      compare("silu_jet_backward", [&](const Backend& b) {
        Tensor out = empty(shape, dtype);
        b.silu_jet_backward(outer, products, bias, out);
        return out;
      }, fused(terms, backward_weights));
    }

    const AdamCoefficients coefficients{.beta1 = 0.9, .beta2 = 0.99, .eps = 1e-8, .weight_decay = 0.01,
                                        .step_size = 0.01 / (1 - 0.9 * 0.9),
                                        .second_moment_scale = 1 / (1 - 0.99 * 0.99)};
    // 305 elements: a 256-element block and a partial one.
    const Tensor gradient = input({5, 61}, -4, 4, 55, dtype), theta = input({5, 61}, -4, 4, 56, dtype);
    const Tensor m = input({5, 61}, -4, 4, 57, dtype), v = input({5, 61}, 0, 16, 58, dtype);
    for (const int which : {0, 1, 2}) {
      CAPTURE(which);  // 0: the parameter, 1: the first moment, 2: the second moment
      compare("adam_update_", [&](const Backend& b) {
        Tensor state[3] = {copy_of(theta), copy_of(m), copy_of(v)};
        b.adam_update_(state[0], state[1], state[2], gradient, coefficients);
        return state[which];
      }, elementwise());
    }
  }
}

}  // namespace
