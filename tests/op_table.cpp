// Every row of the op table (tests/op_rows.hpp) through the same generic checks on the CPU: forward
// against the row's plain-loop reference (float64 and float32), then gradcheck and gradgradcheck in
// float64, or for an op without derivatives a result that never requires grad. Inputs near kinks
// (relu, abs, clamp) and outside domains (log, sqrt, ÷) are avoided.
#include <array>
#include <fstream>
#include <functional>
#include <limits>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "engine/backend.hpp"  // Backend::matmul with accumulate, below ebm.hpp
#include "op_rows.hpp"
#include "test_support.hpp"

// Run again at every CPU kernel level this machine has (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("kernels");

namespace {

using namespace ebm;
using namespace ebm::testing;

/// The number of threads of this process, from /proc/self/status.
int process_threads() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return 0;
}

}  // namespace

TEST_CASE("every op: forward against a reference, gradcheck and gradgradcheck, or never requiring grad where not differentiable") {
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
    if (c.differentiable == Differentiable::No) {
      CHECK_FALSE(c.op(inputs).requires_grad());
      continue;
    }
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

TEST_CASE("sqrt, log, σ and silu at special values: sqrt(∞) = ∞, sqrt and log of subnormal numbers, subnormal σ, silu(−∞) = 0, in whole vectors and tails") {
  for (DType dtype : {DType::Float32, DType::Float64}) {
    CAPTURE(dtype_name(dtype));
    const double subnormal = dtype == DType::Float32 ? 1e-40 : 1e-310;
    // 40 copies: every vector width meets the value in whole vectors and in the scalar tail.
    const auto copies = [dtype](double value) { return full({40}, value, dtype); };
    for (double value : sqrt(copies(INFINITY)).to_vector()) CHECK(value == INFINITY);
    for (double value : sqrt(copies(0.0)).to_vector()) CHECK(value == 0.0);
    const double exact_subnormal = dtype == DType::Float32 ? double(float(subnormal)) : subnormal;
    for (double value : sqrt(copies(subnormal)).to_vector()) CHECK(std::abs(value / std::sqrt(exact_subnormal) - 1) < 1e-6);
    const double expected_log = std::log(exact_subnormal);
    for (double value : log(copies(subnormal)).to_vector()) CHECK(value == doctest::Approx(expected_log).epsilon(1e-6));
    for (double value : log(copies(0.0)).to_vector()) CHECK(value == -INFINITY);
    for (double value : silu(copies(-INFINITY)).to_vector()) CHECK(value == 0.0);
    // Where σ(x) = eˣ is subnormal, σ and silu keep it (σ(−710) in float64, σ(−100) in float32).
    const double far = dtype == DType::Float32 ? -100.0 : -710.0;
    // Within 1e-3 relative or two of the dtype's smallest subnormal steps (float32's e⁻¹⁰⁰ holds 5
    // significant bits); doctest::Approx's default scale of 1 would accept any value this small.
    const double step = dtype == DType::Float32 ? std::numeric_limits<float>::denorm_min() : std::numeric_limits<double>::denorm_min();
    const auto near = [step](double value, double exact) { return std::abs(value - exact) <= 2 * step + 1e-3 * std::abs(exact); };
    for (double value : sigmoid(copies(far)).to_vector()) CHECK(near(value, std::exp(far)));
    for (double value : silu(copies(far)).to_vector()) CHECK(near(value / far, std::exp(far)));  // a·σ(a), σ's rounding times a
    for (double value : silu(copies(INFINITY)).to_vector()) CHECK(value == INFINITY);
  }
}

TEST_CASE("matmul flushes subnormal terms to 0 on every route, and leaves the thread's floating-point setting as it was") {
  // Tiny normal factors whose products are subnormal (1e-20 · 1e-20 in float32, 1e-160 · 1e-160
  // in float64), and subnormal operands: every route of matrix_product gives 0 for both, where
  // exact arithmetic gives 1e-40 · depth (engine/cpu/gemm.hpp, SubnormalsFlushed).
  struct Product {
    int64_t rows, depth, cols;
  };
  for (DType dtype : {DType::Float32, DType::Float64}) {
    CAPTURE(dtype_name(dtype));
    const bool single = dtype == DType::Float32;
    const double tiny = single ? 1e-20 : 1e-160, subnormal = single ? 1e-40 : 1e-310;
    for (const Product p : {Product{7, 1, 9}, Product{50, 5, 40}, Product{60, 40, 6}, Product{1, 50, 30}, Product{5, 9, 4},
                            Product{200, 130, 70}}) {
      CAPTURE(p.rows);
      CAPTURE(p.depth);
      CAPTURE(p.cols);
#if defined(__SSE__)
      const unsigned control = 0xFFC0;  // MXCSR's mode bits; below them, the exception flags
      const unsigned before = _mm_getcsr() & control;
#endif
      for (const Tensor& product : {matmul(full({p.rows, p.depth}, tiny, dtype), full({p.depth, p.cols}, tiny, dtype)),
                                    matmul(full({p.rows, p.depth}, subnormal, dtype), full({p.depth, p.cols}, 1.0, dtype))}) {
        for (double value : product.to_vector()) CHECK(value == 0.0);
      }
      for (double value : matmul(full({p.rows, p.depth}, 1e-10, dtype), full({p.depth, p.cols}, 1e-10, dtype)).to_vector()) {
        CHECK(std::abs(value / (1e-20 * static_cast<double>(p.depth)) - 1) < 1e-5);  // normal products are kept
      }
#if defined(__SSE__)
      CHECK((_mm_getcsr() & control) == before);
#endif
    }
  }
}

TEST_CASE("cast converts values and gradients between float32 and float64") {
  Tensor x = tensor({0.5, -1.25}, {2}, DType::Float64).requires_grad_();
  const Tensor y = x.to(DType::Float32);
  CHECK(y.dtype() == DType::Float32);
  const Tensor gradient = grad(sum(square(y)), {x})[0];
  CHECK(gradient.dtype() == DType::Float64);
  CHECK(gradient.to_vector() == std::vector<double>{1.0, -2.5});
}

TEST_CASE("to_device onto the device a tensor is on returns that tensor, leaf or recorded, and stays differentiable") {
  Tensor x = tensor({0.5, -1.25}, {2}, DType::Float64).requires_grad_();
  const Tensor moved = to_device(x, Device::CPU);
  CHECK(moved.impl() == x.impl());
  const Tensor y = square(x);
  CHECK(to_device(y, Device::CPU).impl() == y.impl());
  CHECK(grad(sum(square(moved)), {x})[0].to_vector() == std::vector<double>{1.0, -2.5});
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

TEST_SUITE_END();
