// An energy of standardised coordinates seen in the data's own units: a model trained on
// z = (x − μ)/s (per column) gives, for x itself, E(x) = E_z((x − μ)/s) + Σ_d log s_d, so that
// exp(−E) is the same density expressed in x (the change of variables' Jacobian is Π_d 1/s_d), and
// the score is s(x) = s_z(z)/s. docs/energies.md derives it.
#pragma once

#include <memory>
#include <vector>

#include "energies/energy_function.hpp"
#include "energies/noise_conditional.hpp"

namespace ebm::energies {

class StandardizedEnergy : public EnergyFunction, public NoiseConditional {
 public:
  /// `inner` is the energy of z; mean and scale have one entry per column (scale > 0, finite),
  /// in inner's dtype. Throws std::invalid_argument otherwise.
  StandardizedEnergy(std::shared_ptr<EnergyFunction> inner, const std::vector<double>& mean, const std::vector<double>& scale,
                     DType dtype = DType::Float32);
  Tensor energy(const Tensor& x) const override;
  std::pair<Tensor, Tensor> energy_and_gradient(const Tensor& x) const override;
  std::vector<Tensor> parameters() const override { return inner_->parameters(); }
  StandardizedEnergy& to(Device device) override;
  /// Sets the inner energy's noise level (σ in standardised units) when it is noise-conditional.
  void set_noise_level(double sigma) override;

  /// z = (x − μ)/s and x = μ + s·z.
  Tensor standardize(const Tensor& x) const;
  Tensor unstandardize(const Tensor& z) const;
  const std::shared_ptr<EnergyFunction>& inner() const { return inner_; }

 private:
  std::shared_ptr<EnergyFunction> inner_;
  Tensor mean_, scale_;
  double log_scale_sum_ = 0;  // Σ_d log s_d
};

}  // namespace ebm::energies
