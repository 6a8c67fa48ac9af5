#include "energies/analytic.hpp"

#include "engine/cpu/intrinsics.hpp"  // before Eigen: an EBM_NATIVE build compiles this file for AVX-512

#include <Eigen/Cholesky>
#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/ops.hpp"

namespace ebm::energies {
namespace {

void require(bool condition, const std::string& message) {
  if (!condition) throw std::invalid_argument(message);
}

void require_finite(const char* energy, const char* name, double value) {
  require(std::isfinite(value), std::string(energy) + ": " + name + " must be finite, got " + std::to_string(value));
}

void require_positive(const char* energy, const char* name, double value) {
  require(std::isfinite(value) && value > 0,
          std::string(energy) + ": " + name + " must be finite and > 0, got " + std::to_string(value));
}

}  // namespace

Gaussian::Gaussian(Tensor mean, Tensor covariance) {
  require(mean.defined() && mean.dim() == 1 && mean.numel() > 0,
          "Gaussian: mean must have shape [D] with D ≥ 1, got " +
              (mean.defined() ? shape_string(mean.shape()) : std::string("an undefined tensor")));
  const int64_t d = mean.size(0);
  require(covariance.defined() && covariance.shape() == Shape{d, d},
          "Gaussian: covariance must have shape [" + std::to_string(d) + ", " + std::to_string(d) + "] to match mean " +
              shape_string(mean.shape()) + ", got " +
              (covariance.defined() ? shape_string(covariance.shape()) : std::string("an undefined tensor")));
  const std::vector<double> values = covariance.to_vector();
  const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> sigma(values.data(), d, d);
  for (double value : values) require(std::isfinite(value), "Gaussian: covariance has a non-finite entry");
  for (double value : mean.to_vector()) require(std::isfinite(value), "Gaussian: mean has a non-finite entry");
  const double scale = sigma.cwiseAbs().maxCoeff();
  require((sigma - sigma.transpose()).cwiseAbs().maxCoeff() <= 1e-10 * scale,
          "Gaussian: covariance must be symmetric, but Σ − Σᵀ has entries up to " +
              std::to_string((sigma - sigma.transpose()).cwiseAbs().maxCoeff()));
  const Eigen::LLT<Eigen::MatrixXd> cholesky(sigma);
  require(cholesky.info() == Eigen::Success,
          "Gaussian: covariance must be positive definite, but its Cholesky factorisation failed");
  const Eigen::MatrixXd inverse = cholesky.solve(Eigen::MatrixXd::Identity(d, d));
  std::vector<double> precision(static_cast<std::size_t>(d * d));
  for (int64_t i = 0; i < d; ++i) {
    for (int64_t j = 0; j < d; ++j) precision[static_cast<std::size_t>(i * d + j)] = 0.5 * (inverse(i, j) + inverse(j, i));
  }
  mean_ = mean.detach();
  covariance_ = covariance.detach();
  precision_ = tensor(precision, {d, d}, DType::Float64, mean.device());
}

Gaussian& Gaussian::to(Device device) {
  mean_ = mean_.to(device);
  covariance_ = covariance_.to(device);
  precision_ = precision_.to(device);
  return *this;
}

Tensor Gaussian::energy(const Tensor& x) const {
  require(x.size(1) == mean_.size(0), "Gaussian: points have D = " + std::to_string(x.size(1)) +
                                          ", but the mean has D = " + std::to_string(mean_.size(0)));
  const Tensor centred = x - mean_.to(x.dtype()).to(x.device());
  return 0.5 * sum(matmul(centred, precision_.to(x.dtype()).to(x.device())) * centred, 1);
}

DoubleWell::DoubleWell(double barrier_height, double b) : barrier_height_(barrier_height), b_(b) {
  require_positive("DoubleWell", "barrier_height", barrier_height);
  require_finite("DoubleWell", "b", b);
}

Tensor DoubleWell::energy(const Tensor& x) const { return barrier_height_ * sum(square(square(x) - b_ * b_), 1); }

Harmonic::Harmonic(double k) : k_(k) { require_positive("Harmonic", "k", k); }

Tensor Harmonic::energy(const Tensor& x) const { return 0.5 * k_ * sum(square(x), 1); }

Rosenbrock::Rosenbrock(double a, double b) : a_(a), b_(b) {
  require_finite("Rosenbrock", "a", a);
  require_positive("Rosenbrock", "b", b);
}

Tensor Rosenbrock::energy(const Tensor& x) const {
  const int64_t d = x.size(1);
  require(d >= 2, "Rosenbrock: needs points with D ≥ 2, got D = " + std::to_string(d));
  const Tensor head = slice(x, 1, 0, d - 1);
  const Tensor tail = slice(x, 1, 1, d);
  return sum(square(a_ - head) + b_ * square(tail - square(head)), 1);
}

Ackley::Ackley(double a, double b, double c) : a_(a), b_(b), c_(c) {
  require_finite("Ackley", "a", a);
  require_positive("Ackley", "b", b);
  require_finite("Ackley", "c", c);
}

Tensor Ackley::energy(const Tensor& x) const {
  // r = √(mean x²), with the root's argument replaced by 1 where it is 0 and r set to 0 there:
  // the gradient of the branch that is not taken is then finite, so 0 · it stays 0.
  const Tensor mean_square = mean(square(x), 1);
  const Tensor positive = greater(mean_square, 0.0);
  const Tensor zero = zeros({}, x.dtype(), x.device());
  const Tensor one = ones({}, x.dtype(), x.device());
  const Tensor radius = where(positive, sqrt(where(positive, mean_square, one)), zero);
  return -a_ * exp(-b_ * radius) - exp(mean(cos(c_ * x), 1)) + (a_ + std::numbers::e);
}

Rastrigin::Rastrigin(double a) : a_(a) { require_finite("Rastrigin", "a", a); }

Tensor Rastrigin::energy(const Tensor& x) const {
  return a_ * static_cast<double>(x.size(1)) + sum(square(x) - a_ * cos(2 * std::numbers::pi * x), 1);
}

}  // namespace ebm::energies
