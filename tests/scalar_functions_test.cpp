// The CUDA kernels' per-element functions (kernels/scalar_functions.hpp), run here on the CPU
// against the CPU backend: what the GPU computes element by element is checked in every build,
// special values included. Only the math library differs on the GPU (CUDA's instead of the host's);
// tests/cuda_test.cpp compares the two devices at the same values where there is a GPU.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/scalar_functions.hpp"
#include "special_values.hpp"
#include "test_support.hpp"

namespace {

using namespace ebm;
using ebm::testing::check_agreement;
using ebm::testing::special_values;

/// f(x) for each element of values, in T, on the host.
template <class T, class F>
std::vector<double> host_map(const std::vector<double>& values, F f) {
  std::vector<double> out;
  for (double value : values) out.push_back(static_cast<double>(f(static_cast<T>(value))));
  return out;
}

/// The CPU backend's result of `run` on a tensor of the values, as doubles.
template <class Run>
std::vector<double> cpu_result(const std::vector<double>& values, DType dtype, Run run) {
  const Tensor x = tensor(values, {static_cast<int64_t>(values.size())}, dtype);
  Tensor out = empty(x.shape(), dtype);
  run(backend(Device::CPU), x, out);
  return out.to_vector();
}

template <class T>
void check_unary_functions(DType dtype) {
  // The special values, then ordinary ones, so that the CPU meets both in whole vectors.
  std::vector<double> values = special_values(dtype);
  const std::vector<double> ordinary = testing::sample_input({64}, -30, 30, {}, 3).to_vector();
  values.insert(values.end(), ordinary.begin(), ordinary.end());
  for (int kernel = 0; kernel <= static_cast<int>(UnaryKernel::Silu); ++kernel) {
    const auto unary_kernel = static_cast<UnaryKernel>(kernel);
    const bool periodic = unary_kernel == UnaryKernel::Sin || unary_kernel == UnaryKernel::Cos;
    check_agreement("unary kernel " + std::to_string(kernel), values,
                    host_map<T>(values, [&](T x) { return cuda::unary_function(unary_kernel, x); }),
                    cpu_result(values, dtype, [&](const Backend& cpu, const Tensor& x, Tensor& out) { cpu.unary(unary_kernel, x, out); }),
                    dtype, periodic);
  }
  check_agreement("silu_backward", values, host_map<T>(values, [](T a) { return cuda::silu_backward_function(T(1), a); }),
                  cpu_result(values, dtype, [&](const Backend& cpu, const Tensor& x, Tensor& out) { cpu.silu_backward(ones(x.shape(), dtype), x, out); }),
                  dtype);
  check_agreement("silu_second_derivative", values, host_map<T>(values, [](T a) { return cuda::silu_second_derivative_function(a); }),
                  cpu_result(values, dtype, [](const Backend& cpu, const Tensor& x, Tensor& out) { cpu.silu_second_derivative(x, out); }),
                  dtype);
  check_agreement("silu_third_derivative", values, host_map<T>(values, [](T a) { return cuda::silu_third_derivative_function(a); }),
                  cpu_result(values, dtype, [](const Backend& cpu, const Tensor& x, Tensor& out) { cpu.silu_third_derivative(x, out); }),
                  dtype);
}

}  // namespace

TEST_CASE("the GPU's unary and SiLU functions, run on the CPU, agree with the CPU backend at special values") {
  check_unary_functions<float>(DType::Float32);
  check_unary_functions<double>(DType::Float64);
}

TEST_CASE("the GPU's binary functions, run on the CPU, give the CPU backend's results bit for bit") {
  for (DType dtype : {DType::Float32, DType::Float64}) {
    CAPTURE(std::string(dtype_name(dtype)));
    const std::vector<double> values = special_values(dtype);
    // Every pair of special values: x the first operand's, y the second's.
    std::vector<double> x, y;
    for (double first : values) {
      for (double second : values) {
        x.push_back(first);
        y.push_back(second);
      }
    }
    const Shape shape{static_cast<int64_t>(x.size())};
    for (int kernel = 0; kernel <= static_cast<int>(BinaryKernel::LessEqual); ++kernel) {
      const auto binary_kernel = static_cast<BinaryKernel>(kernel);
      CAPTURE(kernel);
      Tensor out = empty(shape, dtype);
      backend(Device::CPU).binary(binary_kernel, tensor(x, shape, dtype), tensor(y, shape, dtype), out);
      const std::vector<double> expected = out.to_vector();
      for (std::size_t i = 0; i < x.size(); ++i) {
        const double got = dtype == DType::Float32
                               ? double(cuda::binary_function(binary_kernel, static_cast<float>(x[i]), static_cast<float>(y[i])))
                               : cuda::binary_function(binary_kernel, x[i], y[i]);
        CAPTURE(x[i]);
        CAPTURE(y[i]);
        CHECK(((std::isnan(got) && std::isnan(expected[i])) || got == expected[i]));
      }
    }
  }
}

TEST_CASE("the GPU's Adam element, run on the CPU, takes the CPU backend's step to rounding") {
  const AdamCoefficients coefficients{.beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 1e-2, .step_size = 1e-3 / 0.1,
                                      .second_moment_scale = 1 / 0.001};
  for (DType dtype : {DType::Float32, DType::Float64}) {
    CAPTURE(std::string(dtype_name(dtype)));
    const double epsilon = dtype == DType::Float32 ? 0x1p-23 : 0x1p-52;
    std::vector<double> theta = testing::sample_input({70}, -2, 2, {}, 4).to_vector();
    std::vector<double> m = testing::sample_input({70}, -1, 1, {}, 5).to_vector();
    std::vector<double> v = testing::sample_input({70}, 0, 1, {}, 6).to_vector();
    std::vector<double> g = testing::sample_input({70}, -3, 3, {}, 7).to_vector();
    // Special gradients: zero, overflowing g² (v = ∞: the step is 0), ∞ and NaN (NaN parameters).
    g[0] = 0;
    g[1] = dtype == DType::Float32 ? 1e30 : 1e200;
    g[2] = INFINITY;
    g[3] = NAN;
    Tensor cpu_theta = tensor(theta, {70}, dtype), cpu_m = tensor(m, {70}, dtype), cpu_v = tensor(v, {70}, dtype);
    backend(Device::CPU).adam_update_(cpu_theta, cpu_m, cpu_v, tensor(g, {70}, dtype), coefficients);
    const std::vector<double> expected[3] = {cpu_theta.to_vector(), cpu_m.to_vector(), cpu_v.to_vector()};
    for (std::size_t i = 0; i < theta.size(); ++i) {
      CAPTURE(i);
      CAPTURE(g[i]);
      double got[3];
      if (dtype == DType::Float32) {
        float t = float(theta[i]), first = float(m[i]), second = float(v[i]);
        cuda::adam_element(t, first, second, float(g[i]), coefficients);
        got[0] = t, got[1] = first, got[2] = second;
      } else {
        got[0] = theta[i], got[1] = m[i], got[2] = v[i];
        cuda::adam_element(got[0], got[1], got[2], g[i], coefficients);
      }
      // Each result is a sum of terms: equal to rounding of the largest (the moments may cancel).
      const double gradient = g[i] + coefficients.weight_decay * theta[i];
      const double term[3] = {std::abs(theta[i]) + std::abs(got[0] - theta[i]),
                              std::abs(coefficients.beta1 * m[i]) + std::abs((1 - coefficients.beta1) * gradient),
                              std::abs(coefficients.beta2 * v[i]) + (1 - coefficients.beta2) * gradient * gradient};
      for (int k = 0; k < 3; ++k) {
        CAPTURE(k);
        CHECK(std::isnan(got[k]) == std::isnan(expected[k][i]));
        if (!std::isfinite(got[k]) || !std::isfinite(expected[k][i])) {
          CHECK(((std::isnan(got[k]) && std::isnan(expected[k][i])) || got[k] == expected[k][i]));
          continue;
        }
        CHECK(std::abs(got[k] - expected[k][i]) <= 4 * epsilon * term[k]);
      }
    }
  }
}

TEST_CASE("the GPU's SiLU jet elements, run on the CPU, agree with the CPU backend's jet and its backward") {
  for (DType dtype : {DType::Float32, DType::Float64}) {
    CAPTURE(std::string(dtype_name(dtype)));
    const double tolerance = dtype == DType::Float32 ? 1e-5 : 1e-12;
    const Shape shape{4, 3, 5};  // K = 4: values, two directions, the curvature sum
    const Tensor products = testing::sample_input(shape, -3, 3, {}, 8, dtype);
    const Tensor bias = testing::sample_input({5}, -1, 1, {}, 9, dtype);
    const Tensor g = testing::sample_input(shape, -1, 1, {}, 10, dtype);
    Tensor jet = empty(shape, dtype), jet_backward = empty(shape, dtype);
    backend(Device::CPU).silu_jet(products, bias, jet);
    backend(Device::CPU).silu_jet_backward(g, products, bias, jet_backward);
    const cuda::JetLayout layout{4, 15, 5};
    const auto run = [&](auto zero) {
      using T = decltype(zero);
      std::vector<T> p, b, gradient, out(60), out_backward(60);
      for (double value : products.to_vector()) p.push_back(T(value));
      for (double value : bias.to_vector()) b.push_back(T(value));
      for (double value : g.to_vector()) gradient.push_back(T(value));
      for (int64_t e = 0; e < layout.stride; ++e) {
        cuda::silu_jet_element(p.data(), b.data(), out.data(), layout, e);
        cuda::silu_jet_backward_element(gradient.data(), p.data(), b.data(), out_backward.data(), layout, e);
      }
      CHECK(testing::max_relative_error(std::vector<double>(out.begin(), out.end()), jet.to_vector()) < tolerance);
      CHECK(testing::max_relative_error(std::vector<double>(out_backward.begin(), out_backward.end()), jet_backward.to_vector()) < tolerance);
    };
    if (dtype == DType::Float32) run(0.0f);
    else run(0.0);
  }
}

TEST_CASE("the GPU's Philox blocks, run on the CPU: uniforms the CPU's bit for bit, normals within a few ulps") {
  for (DType dtype : {DType::Float32, DType::Float64}) {
    for (int64_t n : {1, 7, 4099}) {  // a partial last block, and none
      CAPTURE(std::string(dtype_name(dtype)));
      CAPTURE(n);
      const uint64_t seed = 12345, first_block = 17;
      Tensor uniforms = empty({n}, dtype), normals = empty({n}, dtype);
      backend(Device::CPU).random_uniform(uniforms, seed, first_block);
      backend(Device::CPU).random_normal(normals, seed, first_block);
      const auto run = [&](auto zero) {
        using T = decltype(zero);
        std::vector<T> u(static_cast<std::size_t>(n)), z(static_cast<std::size_t>(n));
        const int64_t blocks = (n + philox::per_block<T> - 1) / philox::per_block<T>;
        for (int64_t block = 0; block < blocks; ++block) {
          cuda::uniform_block(u.data(), n, seed, first_block, block);
          cuda::normal_block(z.data(), n, seed, first_block, block);
        }
        CHECK(std::vector<double>(u.begin(), u.end()) == uniforms.to_vector());
        int64_t worst = 0;
        const std::vector<double> expected = normals.to_vector();
        for (std::size_t i = 0; i < z.size(); ++i) worst = std::max(worst, testing::ulp_distance(z[i], expected[i], dtype));
        MESSAGE("normals " << std::string(dtype_name(dtype)) << ", n = " << n << ": host math library against the CPU backend, largest difference "
                           << worst << " ulp");
        CHECK(worst <= 16);
      };
      if (dtype == DType::Float32) run(0.0f);
      else run(0.0);
    }
  }
}
