// A mixture of isotropic Gaussians as an energy.
#pragma once

#include "energies/energy_function.hpp"

namespace ebm::energies {

/// E = −log Σₖ wₖ N(x; μₖ, σₖ²I)
///   = −logsumexpₖ [log wₖ − (D/2)·log(2πσₖ²) − ‖x − μₖ‖²/(2σₖ²)],
/// the normalised density (so exp(−E) integrates to 1). Weights must be positive; they are
/// normalised to sum to 1. Stds must be positive.
class GaussianMixture : public EnergyFunction {
 public:
  GaussianMixture(Tensor means /*[K, D]*/, Tensor stds /*[K]*/, Tensor weights /*[K]*/);
  Tensor energy(const Tensor& x) const override;
  GaussianMixture& to(Device device) override;
  const Tensor& means() const { return means_; }
  const Tensor& stds() const { return stds_; }
  /// The normalised weights.
  const Tensor& weights() const { return weights_; }

 private:
  Tensor means_;
  Tensor stds_;
  Tensor weights_;
};

}  // namespace ebm::energies
