// An energy that depends on a noise level σ, as energies trained on several noise levels can
// (noise-conditional score networks). AnnealedLangevin sets the level before each stage.
#pragma once

namespace ebm::energies {

/// Mix into an EnergyFunction subclass whose energy depends on the current noise level.
class NoiseConditional {
 public:
  virtual ~NoiseConditional() = default;
  /// Makes energy(x) the energy at noise level sigma.
  virtual void set_noise_level(double sigma) = 0;
};

}  // namespace ebm::energies
