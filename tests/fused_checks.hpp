// A device's fused kernels against their composite fallbacks (engine/composite_kernels.cpp): the
// same inputs through Backend's override and through composite::, which uses the device's
// primitives only. Shared by the CPU suite and the CUDA suite.
#pragma once

#include "engine/backend.hpp"
#include "test_support.hpp"

namespace ebm::testing {

/// Relative agreement expected between a fused kernel and its composite: rounding only.
inline double fused_tolerance(DType dtype) { return dtype == DType::Float64 ? 1e-12 : 2e-5; }

/// Runs every fused kernel of backend(device) and its composite on the same inputs, in `dtype`.
inline void check_fused_kernels(Device device, DType dtype) {
  const Backend& b = backend(device);
  const double tolerance = fused_tolerance(dtype);
  const auto input = [&](const Shape& shape, uint64_t seed) { return sample_input(shape, -4, 4, {}, seed, dtype).to(device); };
  const auto agree = [&](const Tensor& fused, const Tensor& composite) {
    CHECK(max_relative_error(fused.to_vector(), composite.to_vector()) < tolerance);
  };
  // 300 elements: whole and partial blocks of the CPU's 256-element and 128-float chunks.
  const Tensor a = input({3, 100}, 1), g = input({3, 100}, 2);
  {
    Tensor fused = empty(a.shape(), dtype, device), composite = empty(a.shape(), dtype, device);
    b.silu_backward(g, a, fused);
    composite::silu_backward(b, g, a, composite);
    agree(fused, composite);
    b.silu_second_derivative(a, fused);
    composite::silu_second_derivative(b, a, composite);
    agree(fused, composite);
    b.silu_third_derivative(a, fused);
    composite::silu_third_derivative(b, a, composite);
    agree(fused, composite);
  }
  for (int64_t slices : {2, 3, 6}) {  // no direction, one, four
    CAPTURE(slices);
    const Tensor products = input({slices, 3, 150}, 3), bias = input({150}, 4), outer = input({slices, 3, 150}, 5);
    Tensor fused = empty(products.shape(), dtype, device), composite = empty(products.shape(), dtype, device);
    b.silu_jet(products, bias, fused);
    composite::silu_jet(b, products, bias, composite);
    agree(fused, composite);
    b.silu_jet_backward(outer, products, bias, fused);
    composite::silu_jet_backward(b, outer, products, bias, composite);
    agree(fused, composite);
  }
  {
    const AdamCoefficients coefficients{.beta1 = 0.9, .beta2 = 0.99, .eps = 1e-8, .weight_decay = 0.01,
                                        .step_size = 0.01 / (1 - 0.9 * 0.9), .second_moment_scale = 1 / (1 - 0.99 * 0.99)};
    const Tensor gradient = input({5, 60}, 6);
    Tensor theta[2] = {input({5, 60}, 7), input({5, 60}, 7)};
    Tensor m[2] = {input({5, 60}, 8), input({5, 60}, 8)};
    Tensor v[2] = {square(input({5, 60}, 9)), square(input({5, 60}, 9))};
    b.adam_update_(theta[0], m[0], v[0], gradient, coefficients);
    composite::adam_update_(b, theta[1], m[1], v[1], gradient, coefficients);
    agree(theta[0], theta[1]);
    agree(m[0], m[1]);
    agree(v[0], v[1]);
    CHECK(theta[0].to_vector() != input({5, 60}, 7).to_vector());  // the update happened
  }
}

}  // namespace ebm::testing
