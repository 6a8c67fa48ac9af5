#include "losses/contrastive_divergence.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/autograd/anomaly.hpp"
#include "engine/ops.hpp"
#include "samplers/langevin.hpp"

namespace ebm::losses {

ContrastiveDivergenceLoss::ContrastiveDivergenceLoss(std::shared_ptr<energies::EnergyFunction> energy, CDOptions options)
    : Loss(std::move(energy)), options_(std::move(options)) {
  const char* name = "ContrastiveDivergenceLoss";
  if (!options_.sampler) options_.sampler = std::make_shared<samplers::LangevinDynamics>(energy_);
  if (options_.sampler->energy() != energy_) {
    throw std::invalid_argument(std::string(name) + ": the sampler samples a different energy function than the one "
                                "being trained; build it on the same std::shared_ptr");
  }
  if (options_.n_steps < 1) throw std::invalid_argument(std::string(name) + ": n_steps must be ≥ 1");
  if (!std::isfinite(options_.alpha)) throw std::invalid_argument(std::string(name) + ": alpha must be finite");
  if (!(std::isfinite(options_.energy_regularization) && options_.energy_regularization >= 0)) {
    throw std::invalid_argument(std::string(name) + ": energy_regularization must be finite and ≥ 0");
  }
  if (options_.persistent && options_.buffer_size < 1) {
    throw std::invalid_argument(std::string(name) + ": buffer_size must be ≥ 1");
  }
  if (!(options_.reinit_fraction >= 0 && options_.data_restart_fraction >= 0 &&
        options_.reinit_fraction + options_.data_restart_fraction <= 1)) {
    throw std::invalid_argument(std::string(name) + ": reinit_fraction and data_restart_fraction must be ≥ 0 and add up to at most 1, got " +
                                std::to_string(options_.reinit_fraction) + " and " + std::to_string(options_.data_restart_fraction));
  }
}

Tensor ContrastiveDivergenceLoss::draw_negatives(const Tensor& pos) {
  Generator& generator = generator_or_default(options_.generator);
  if (!options_.persistent) return options_.sampler->sample(pos.detach(), options_.n_steps, generator);

  if (!buffer_) {
    const std::vector<double> values = pos.to_vector();
    const auto [lowest, highest] = std::minmax_element(values.begin(), values.end());
    const double margin = 0.05 * (*highest - *lowest) + 1e-6;
    buffer_.emplace(pos.size(1),
                    samplers::ReplayBufferOptions{.capacity = options_.buffer_size,
                                                  .reinit_fraction = options_.reinit_fraction,
                                                  .data_restart_fraction = options_.data_restart_fraction,
                                                  .low = options_.buffer_low.value_or(*lowest - margin),
                                                  .high = options_.buffer_high.value_or(*highest + margin)},
                    generator, pos.dtype());
  }
  if (buffer_->dim() != pos.size(1)) {
    throw std::invalid_argument("ContrastiveDivergenceLoss: the replay buffer holds D = " + std::to_string(buffer_->dim()) +
                                " chains, but this batch has D = " + std::to_string(pos.size(1)));
  }
  const int64_t n = std::min(pos.size(0), buffer_->capacity());
  auto draw = buffer_->sample(n, generator, pos);
  const Tensor advanced = options_.sampler->sample(draw.states.to(pos.dtype()).to(pos.device()), options_.n_steps, generator);
  buffer_->update(draw.slots, advanced);
  return advanced;
}

LossOutput ContrastiveDivergenceLoss::operator()(const Tensor& pos, const Tensor& neg) {
  const char* name = "ContrastiveDivergenceLoss";
  const TermScope term(name);  // anomaly reports name the loss
  check_batch(name, "pos", pos);
  Tensor negatives;
  if (neg.defined()) {
    check_batch(name, "neg", neg);
    check_same_dimension(name, pos, neg);
    negatives = neg.detach();
  } else {
    negatives = draw_negatives(pos);
  }
  last_negatives_ = negatives;

  Tensor pos_energies, neg_energies;
  {
    const TermScope positives("E of the positives (data)");
    pos_energies = (*energy_)(pos);
  }
  {
    const TermScope negatives_term("E of the negatives (sampler's chains)");
    neg_energies = (*energy_)(negatives);
  }
  const TermScope objective("J = mean E⁺ − α mean E⁻ + λ(mean E⁺² + mean E⁻²)");
  const Tensor pos_energy = mean(pos_energies);
  const Tensor neg_energy = mean(neg_energies);
  Tensor loss = pos_energy - options_.alpha * neg_energy;
  const Tensor magnitude = mean(square(pos_energies)) + mean(square(neg_energies));
  if (options_.energy_regularization > 0) loss = loss + options_.energy_regularization * magnitude;

  std::map<std::string, double> metrics = {{"pos_energy", pos_energy.item()},
                                           {"neg_energy", neg_energy.item()},
                                           {"energy_gap", neg_energy.item() - pos_energy.item()},
                                           {"energy_reg", magnitude.item()}};
  const auto& acceptance = options_.sampler->diagnostics().acceptance_rate;
  if (!neg.defined() && !acceptance.empty()) {
    metrics["acceptance_rate"] =
        std::accumulate(acceptance.begin(), acceptance.end(), 0.0) / static_cast<double>(acceptance.size());
  }
  return finish(name, loss, std::move(metrics));
}

}  // namespace ebm::losses
