#include "losses/noise_distribution.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "engine/autograd/grad_mode.hpp"
#include "engine/ops.hpp"

namespace ebm::losses {

DiagonalGaussianNoise::DiagonalGaussianNoise(Tensor mean, Tensor stds) {
  if (!mean.defined() || mean.dim() != 1 || mean.numel() == 0 || !stds.defined() || stds.shape() != mean.shape()) {
    throw std::invalid_argument("DiagonalGaussianNoise: mean and stds must both have shape [D] with D ≥ 1");
  }
  for (double s : stds.to_vector()) {
    if (!(std::isfinite(s) && s > 0)) {
      throw std::invalid_argument("DiagonalGaussianNoise: every std must be finite and > 0, got " + std::to_string(s));
    }
  }
  for (double m : mean.to_vector()) {
    if (!std::isfinite(m)) throw std::invalid_argument("DiagonalGaussianNoise: the mean has a non-finite entry");
  }
  mean_ = mean.detach();
  stds_ = stds.detach();
}

Tensor DiagonalGaussianNoise::sample(int64_t n, Generator& generator) const {
  NoGradGuard no_grad;
  return randn({n, mean_.size(0)}, generator, mean_.dtype(), mean_.device()) * stds_ + mean_;
}

Tensor DiagonalGaussianNoise::log_prob(const Tensor& x) const {
  if (!x.defined() || x.dim() != 2 || x.size(1) != mean_.size(0)) {
    throw std::invalid_argument("DiagonalGaussianNoise: log_prob needs points of shape [N, " + std::to_string(mean_.size(0)) +
                                "], got " + (x.defined() ? shape_string(x.shape()) : std::string("an undefined tensor")));
  }
  const Tensor stds = stds_.to(x.dtype()).to(x.device());
  const double d = static_cast<double>(mean_.size(0));
  return -0.5 * sum(square((x - mean_.to(x.dtype()).to(x.device())) / stds), 1) - sum(log(stds)) - 0.5 * d * std::log(2 * std::numbers::pi);
}

IsotropicGaussianNoise::IsotropicGaussianNoise(Tensor mean, double std)
    : DiagonalGaussianNoise(mean, full(mean.defined() ? mean.shape() : Shape{0}, std,
                                       mean.defined() ? mean.dtype() : DType::Float32,
                                       mean.defined() ? mean.device() : Device::CPU)) {}

DiagonalGaussianNoise fit_gaussian_noise(const Tensor& data, double widen) {
  if (!data.defined() || data.dim() != 2 || data.size(0) < 2) {
    throw std::invalid_argument("fit_gaussian_noise: needs data of shape [N, D] with N ≥ 2");
  }
  NoGradGuard no_grad;
  const Tensor x = data.detach();
  const Tensor centre = mean(x, 0);
  const Tensor spread = sqrt(mean(square(x - centre), 0) + 1e-12) * widen;
  return DiagonalGaussianNoise(centre, spread);
}

}  // namespace ebm::losses
