// Helpers shared by the test suites.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <ebm.hpp>

namespace ebm::testing {

/// Deterministic values in [low, high], pushed at least `margin` away from every kink.
inline Tensor sample_input(const Shape& shape, double low, double high, const std::vector<double>& kinks,
                           uint64_t seed, DType dtype = DType::Float64, double margin = 0.1) {
  Generator generator(seed);
  std::vector<double> values = rand(shape, generator, DType::Float64).to_vector();
  for (double& value : values) {
    value = low + (high - low) * value;
    for (double kink : kinks) {
      if (std::abs(value - kink) < margin) value = value < kink ? kink - margin : kink + margin;
    }
  }
  return tensor(values, shape, dtype);
}

/// Largest |aᵢ − bᵢ| / (1 + |bᵢ|); infinite when the sizes differ.
inline double max_relative_error(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return INFINITY;
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double error = std::abs(a[i] - b[i]) / (1 + std::abs(b[i]));
    if (!(error <= worst)) worst = std::isnan(error) ? INFINITY : error;
  }
  return worst;
}

}  // namespace ebm::testing
