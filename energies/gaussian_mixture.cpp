#include "energies/gaussian_mixture.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "engine/ops.hpp"

namespace ebm::energies {
namespace {

std::string describe(const Tensor& t) { return t.defined() ? shape_string(t.shape()) : std::string("undefined"); }

}  // namespace

GaussianMixture::GaussianMixture(Tensor means, Tensor stds, Tensor weights) {
  if (!means.defined() || means.dim() != 2 || means.size(0) == 0 || means.size(1) == 0) {
    throw std::invalid_argument("GaussianMixture: means must have shape [K, D] with K, D ≥ 1, got " + describe(means));
  }
  const int64_t k = means.size(0);
  if (!stds.defined() || stds.shape() != Shape{k} || !weights.defined() || weights.shape() != Shape{k}) {
    throw std::invalid_argument("GaussianMixture: stds and weights must have shape [" + std::to_string(k) +
                                "] to match means " + shape_string(means.shape()) + ", got " + describe(stds) +
                                " and " + describe(weights));
  }
  for (double value : means.to_vector()) {
    if (!std::isfinite(value)) throw std::invalid_argument("GaussianMixture: means have a non-finite entry");
  }
  for (double value : stds.to_vector()) {
    if (!(std::isfinite(value) && value > 0)) {
      throw std::invalid_argument("GaussianMixture: every std must be finite and > 0, got " + std::to_string(value));
    }
  }
  std::vector<double> normalised = weights.to_vector();
  double total = 0;
  for (double value : normalised) {
    if (!(std::isfinite(value) && value > 0)) {
      throw std::invalid_argument("GaussianMixture: every weight must be finite and > 0, got " + std::to_string(value));
    }
    total += value;
  }
  for (double& value : normalised) value /= total;
  means_ = means.detach().to(DType::Float64);
  stds_ = stds.detach().to(DType::Float64);
  weights_ = tensor(normalised, {k}, DType::Float64, means.device());
}

GaussianMixture& GaussianMixture::to(Device device) {
  means_ = means_.to(device);
  stds_ = stds_.to(device);
  weights_ = weights_.to(device);
  return *this;
}

Tensor GaussianMixture::energy(const Tensor& x) const {
  const int64_t d = means_.size(1);
  if (x.size(1) != d) {
    throw std::invalid_argument("GaussianMixture: points have D = " + std::to_string(x.size(1)) +
                                ", but the means have D = " + std::to_string(d));
  }
  const Tensor means = means_.to(x.dtype()).to(x.device());
  const Tensor variances = square(stds_).to(x.dtype()).to(x.device());                   // [K]
  const Tensor log_normaliser = log(weights_).to(x.dtype()).to(x.device()) -
                                (0.5 * static_cast<double>(d)) * log(2 * std::numbers::pi * variances);  // [K]
  const Tensor squared_distance = sum(square(unsqueeze(x, 1) - unsqueeze(means, 0)), 2);  // [N, K]
  return -logsumexp(log_normaliser - squared_distance / (2.0 * variances), 1);
}

}  // namespace ebm::energies
