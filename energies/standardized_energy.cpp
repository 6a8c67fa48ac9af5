#include "energies/standardized_energy.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/ops.hpp"

namespace ebm::energies {

StandardizedEnergy::StandardizedEnergy(std::shared_ptr<EnergyFunction> inner, const std::vector<double>& mean, const std::vector<double>& scale,
                                       DType dtype)
    : inner_(std::move(inner)) {
  if (!inner_) throw std::invalid_argument("StandardizedEnergy: the inner energy must not be null");
  if (mean.empty() || mean.size() != scale.size()) {
    throw std::invalid_argument("StandardizedEnergy: needs a mean and a scale for each column, got " + std::to_string(mean.size()) +
                                " means and " + std::to_string(scale.size()) + " scales");
  }
  for (std::size_t d = 0; d < scale.size(); ++d) {
    if (!(std::isfinite(scale[d]) && scale[d] > 0 && std::isfinite(mean[d]))) {
      throw std::invalid_argument("StandardizedEnergy: column " + std::to_string(d) + " needs a finite mean and a finite scale > 0, got " +
                                  std::to_string(mean[d]) + " and " + std::to_string(scale[d]));
    }
    log_scale_sum_ += std::log(scale[d]);
  }
  const Shape shape{static_cast<int64_t>(mean.size())};
  mean_ = tensor(mean, shape, dtype);
  scale_ = tensor(scale, shape, dtype);
}

Tensor StandardizedEnergy::standardize(const Tensor& x) const { return (x - mean_) / scale_; }

Tensor StandardizedEnergy::unstandardize(const Tensor& z) const { return z * scale_ + mean_; }

Tensor StandardizedEnergy::energy(const Tensor& x) const { return inner_->energy(standardize(x)) + log_scale_sum_; }

std::pair<Tensor, Tensor> StandardizedEnergy::energy_and_gradient(const Tensor& x) const {
  if (derivatives_recorded(*this, x)) return EnergyFunction::energy_and_gradient(x);
  // ∇ₓE = ∇_zE_z / s: the inner energy's own (fast) pass at z.
  const auto [energy, gradient] = inner_->energy_and_gradient(standardize(x));
  return {energy + log_scale_sum_, gradient / scale_};
}

StandardizedEnergy& StandardizedEnergy::to(Device device) {
  inner_->to(device);
  mean_ = mean_.to(device);
  scale_ = scale_.to(device);
  return *this;
}

void StandardizedEnergy::set_noise_level(double sigma) {
  if (auto* conditional = dynamic_cast<NoiseConditional*>(inner_.get())) conditional->set_noise_level(sigma);
}

}  // namespace ebm::energies
