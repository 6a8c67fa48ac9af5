// Contrastive divergence, and its persistent form with a replay buffer.
#pragma once

#include <optional>

#include "losses/loss.hpp"
#include "samplers/replay_buffer.hpp"
#include "samplers/sampler.hpp"

namespace ebm::losses {

struct CDOptions {
  /// The sampler that draws negatives; nullptr: LangevinDynamics on the energy (step 1e-2).
  std::shared_ptr<samplers::Sampler> sampler = nullptr;
  int64_t n_steps = 10;
  double alpha = 1.0;
  /// Persistent CD: chains continue from a replay buffer instead of starting at the data.
  bool persistent = false;
  int64_t buffer_size = 10000;
  /// λ of the energy-magnitude penalty λ(mean E⁺² + mean E⁻²) (Du & Mordatch 2019).
  double energy_regularization = 0.0;
  /// Persistent CD: fraction of chains restarted uniformly in the box at each draw.
  double reinit_fraction = 0.05;
  /// Persistent CD: fraction of chains restarted at the batch's data points at each draw.
  double data_restart_fraction = 0.0;
  /// Persistent CD: the box [low, high]^D; when unset, the smallest such cube around the first
  /// batch, widened by 5% of its size on each side.
  std::optional<double> buffer_low = std::nullopt;
  std::optional<double> buffer_high = std::nullopt;
  Generator* generator = nullptr;  // nullptr: default_generator()
};

/// Negatives x⁻ from n_steps of the sampler, started at the data (CD-k) or at chains drawn from
/// the replay buffer (persistent CD); the sampler records nothing, so x⁻ is a constant. Then
///   L = mean E(x⁺) − α·mean E(x⁻) + λ(mean E(x⁺)² + mean E(x⁻)²).
/// Given negatives (neg defined) are used as they are. Metrics: pos_energy, neg_energy,
/// energy_gap, energy_reg, loss, and acceptance_rate when the sampler reports one.
class ContrastiveDivergenceLoss : public Loss {
 public:
  ContrastiveDivergenceLoss(std::shared_ptr<energies::EnergyFunction> energy, CDOptions options = {});
  LossOutput operator()(const Tensor& pos, const Tensor& neg = Tensor()) override;
  /// The negatives of the last call, [N, D].
  const Tensor& last_negatives() const { return last_negatives_; }
  const std::shared_ptr<samplers::Sampler>& sampler() const { return options_.sampler; }
  /// The replay buffer of persistent CD (created at the first call); null otherwise.
  const samplers::ReplayBuffer* replay_buffer() const { return buffer_ ? &*buffer_ : nullptr; }
  const CDOptions& options() const { return options_; }

 private:
  Tensor draw_negatives(const Tensor& pos);

  CDOptions options_;
  std::optional<samplers::ReplayBuffer> buffer_;
  Tensor last_negatives_;
};

}  // namespace ebm::losses
