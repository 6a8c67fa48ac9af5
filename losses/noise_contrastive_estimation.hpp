// Noise-contrastive estimation (Gutmann & Hyvärinen 2010, 2012).
#pragma once

#include "losses/loss.hpp"
#include "losses/noise_distribution.hpp"

namespace ebm::losses {

struct NCEOptions {
  /// nullptr: a diagonal Gaussian fitted to the first batch (fit_gaussian_noise).
  std::shared_ptr<NoiseDistribution> noise = nullptr;
  /// ν: noise samples per data sample.
  double noise_ratio = 1.0;
  /// log Z: initial value, learned when learn_partition.
  double log_partition = 0.0;
  bool learn_partition = true;
  Generator* generator = nullptr;  // nullptr: default_generator()
};

/// Logistic regression of data against noise on the log-odds
///   h(u) = log p_model(u) − log(ν·p_n(u)) = −E(u) − log Z − log p_n(u) − log ν,
///   L = mean softplus(−h(x⁺)) + ν·mean softplus(h(y)),   y ~ p_n (round(ν·N) of them).
/// At the optimum exp(−E − log Z) is the data density, normalised. neg, if given, must be draws
/// from the noise distribution, so it is refused unless options.noise names that distribution (a
/// Gaussian fitted here is one the caller could not have drawn from). Metrics: loss, pos_loss, neg_loss, log_z, pos_energy,
/// neg_energy, accuracy (fraction of data with h > 0 and noise with h ≤ 0).
class NCELoss : public Loss {
 public:
  NCELoss(std::shared_ptr<energies::EnergyFunction> energy, NCEOptions options = {});
  LossOutput operator()(const Tensor& pos, const Tensor& neg = Tensor()) override;
  /// The energy's parameters and log Z (when learned).
  std::vector<Tensor> parameters() const override;
  const Tensor& log_z() const { return log_z_; }
  const std::shared_ptr<NoiseDistribution>& noise() const { return options_.noise; }

 private:
  NCEOptions options_;
  bool noise_given_;  // options.noise came from the caller, so neg may be its draws
  Tensor log_z_;
};

}  // namespace ebm::losses
