// Analytic energies, for testing samplers and losses against known answers (docs/energies.md
// has each formula with its gradient and Laplacian). x is [N, D]; sums run over i = 1…D.
#pragma once

#include <numbers>

#include "energies/energy_function.hpp"

namespace ebm::energies {

/// E = ½(x − μ)ᵀΣ⁻¹(x − μ): the Gaussian N(μ, Σ) up to its normaliser. Σ must be symmetric
/// positive definite (checked by Cholesky). ∇E = Σ⁻¹(x − μ), ΔE = tr Σ⁻¹.
class Gaussian : public EnergyFunction {
 public:
  Gaussian(Tensor mean /*[D]*/, Tensor covariance /*[D, D]*/);
  Tensor energy(const Tensor& x) const override;
  Gaussian& to(Device device) override;
  const Tensor& mean() const { return mean_; }
  const Tensor& covariance() const { return covariance_; }
  /// Σ⁻¹, float64.
  const Tensor& precision() const { return precision_; }

 private:
  Tensor mean_;
  Tensor covariance_;
  Tensor precision_;
};

/// E = h·Σᵢ(xᵢ² − b²)²: wells at xᵢ = ±b separated by a barrier of height h·b⁴ per coordinate.
class DoubleWell : public EnergyFunction {
 public:
  explicit DoubleWell(double barrier_height = 2, double b = 1);
  Tensor energy(const Tensor& x) const override;

 private:
  double barrier_height_;
  double b_;
};

/// E = ½k‖x‖²: the Gaussian N(0, I/k).
class Harmonic : public EnergyFunction {
 public:
  explicit Harmonic(double k = 1);
  Tensor energy(const Tensor& x) const override;

 private:
  double k_;
};

/// E = Σᵢ₌₁ᴰ⁻¹ [(a − xᵢ)² + b(xᵢ₊₁ − xᵢ²)²]; needs D ≥ 2. Minimum 0 at (a, a²) for D = 2, and at
/// (1, …, 1) for a = 1 in any D.
class Rosenbrock : public EnergyFunction {
 public:
  explicit Rosenbrock(double a = 1, double b = 100);
  Tensor energy(const Tensor& x) const override;

 private:
  double a_;
  double b_;
};

/// E = −a·exp(−b·√(mean xᵢ²)) − exp(mean cos(c·xᵢ)) + a + e, minimum 0 at the origin. The root is
/// taken so that its gradient at the origin is 0 (the cusp's subgradient), not NaN.
class Ackley : public EnergyFunction {
 public:
  explicit Ackley(double a = 20, double b = 0.2, double c = 2 * std::numbers::pi);
  Tensor energy(const Tensor& x) const override;

 private:
  double a_;
  double b_;
  double c_;
};

/// E = a·D + Σᵢ(xᵢ² − a·cos(2πxᵢ)), minimum 0 at the origin with a local minimum near every
/// integer point.
class Rastrigin : public EnergyFunction {
 public:
  explicit Rastrigin(double a = 10);
  Tensor energy(const Tensor& x) const override;

 private:
  double a_;
};

}  // namespace ebm::energies
