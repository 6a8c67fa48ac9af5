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

/// E_σ(x) = ½‖x‖²/(1 + σ²), the energy of unit Gaussian data convolved with N(0, σ²I), so
/// ∇E_σ(x) = x/(1 + σ²); records the noise levels it was set to.
class SmoothedGaussian : public energies::EnergyFunction, public energies::NoiseConditional {
 public:
  Tensor energy(const Tensor& x) const override { return 0.5 * sum(square(x), 1) / (1 + sigma_ * sigma_); }
  void set_noise_level(double sigma) override {
    sigma_ = sigma;
    levels.push_back(sigma);
  }
  std::vector<double> levels;

 private:
  double sigma_ = 1.0;
};

/// A user-defined energy with learnable μ [D] and L [D, D]: E = ½(x−μ)ᵀLLᵀ(x−μ).
class QuadraticEnergy : public energies::EnergyFunction {
 public:
  QuadraticEnergy(const std::vector<double>& mu, const std::vector<double>& l, int64_t d)
      : mu_(tensor(mu, {d}, DType::Float64).requires_grad_()), l_(tensor(l, {d, d}, DType::Float64).requires_grad_()) {}
  Tensor energy(const Tensor& x) const override {
    const Tensor projected = matmul(x - mu_, l_);  // (x−μ)ᵀL
    return 0.5 * sum(square(projected), 1);
  }
  std::vector<Tensor> parameters() const override { return {mu_, l_}; }
  /// P = LLᵀ, row-major.
  std::vector<double> precision() const { return matmul(l_, transpose(l_)).to_vector(); }
  std::vector<double> mean() const { return mu_.to_vector(); }

 private:
  Tensor mu_;
  Tensor l_;
};

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
