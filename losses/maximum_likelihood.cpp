#include "losses/maximum_likelihood.hpp"

#include <cmath>

#include "engine/autograd/anomaly.hpp"
#include "engine/ops.hpp"

namespace ebm::losses {

Tensor parameter_penalty(const std::vector<Tensor>& parameters, Regularization regularization) {
  Tensor total;
  if (regularization == Regularization::None) return total;
  for (const Tensor& parameter : parameters) {
    const Tensor term = regularization == Regularization::L1 ? sum(abs(parameter)) : sum(square(parameter));
    total = total.defined() ? total + term : term;
  }
  return total;
}

MLELoss::MLELoss(std::shared_ptr<energies::EnergyFunction> energy, MLEOptions options)
    : Loss(std::move(energy)), options_(options) {
  if (!std::isfinite(options.alpha)) throw std::invalid_argument("MLELoss: alpha must be finite");
  if (!(std::isfinite(options.reg_strength) && options.reg_strength >= 0)) {
    throw std::invalid_argument("MLELoss: reg_strength must be finite and ≥ 0, got " + std::to_string(options.reg_strength));
  }
}

LossOutput MLELoss::operator()(const Tensor& pos, const Tensor& neg) {
  const char* name = "MLELoss";
  const TermScope term(name);  // anomaly reports name the loss
  check_batch(name, "pos", pos);
  if (!neg.defined()) {
    throw std::invalid_argument("MLELoss: needs negative samples (draws from the model); use ContrastiveDivergenceLoss "
                                "to have them sampled");
  }
  check_batch(name, "neg", neg);
  check_same_dimension(name, pos, neg);
  const Tensor pos_energy = mean((*energy_)(pos));
  const Tensor neg_energy = mean((*energy_)(neg.detach()));
  Tensor loss = pos_energy - options_.alpha * neg_energy;
  double reg_loss = 0;
  if (const Tensor penalty = parameter_penalty(energy_->parameters(), options_.regularization); penalty.defined()) {
    loss = loss + options_.reg_strength * penalty;
    reg_loss = penalty.item();
  }
  return finish(name, loss,
                {{"pos_energy", pos_energy.item()},
                 {"neg_energy", neg_energy.item()},
                 {"energy_gap", neg_energy.item() - pos_energy.item()},
                 {"reg_loss", reg_loss}});
}

}  // namespace ebm::losses
