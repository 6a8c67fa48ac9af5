#include "losses/noise_contrastive_estimation.hpp"

#include <cmath>

#include "engine/autograd/anomaly.hpp"
#include "engine/autograd/grad_mode.hpp"
#include "engine/ops.hpp"

namespace ebm::losses {

NCELoss::NCELoss(std::shared_ptr<energies::EnergyFunction> energy, NCEOptions options)
    : Loss(std::move(energy)), options_(std::move(options)), noise_given_(options_.noise != nullptr) {
  if (!(std::isfinite(options_.noise_ratio) && options_.noise_ratio > 0)) {
    throw std::invalid_argument("NCELoss: noise_ratio must be finite and > 0, got " + std::to_string(options_.noise_ratio));
  }
  if (!std::isfinite(options_.log_partition)) throw std::invalid_argument("NCELoss: log_partition must be finite");
  log_z_ = scalar_tensor(options_.log_partition, DType::Float64);
  if (options_.learn_partition) log_z_.requires_grad_();
}

std::vector<Tensor> NCELoss::parameters() const {
  std::vector<Tensor> all = energy_->parameters();
  if (options_.learn_partition) all.push_back(log_z_);
  return all;
}

LossOutput NCELoss::operator()(const Tensor& pos, const Tensor& neg) {
  const char* name = "NCELoss";
  const TermScope term(name);  // anomaly reports name the loss
  check_batch(name, "pos", pos);
  if (!options_.noise) options_.noise = std::make_shared<DiagonalGaussianNoise>(fit_gaussian_noise(pos.to(DType::Float64)));
  Tensor noise;
  if (neg.defined()) {
    if (!noise_given_) {
      throw std::invalid_argument(
          "NCELoss: neg samples were given but no noise distribution: NCE scores them by the log-density of the "
          "distribution they were drawn from, so pass that distribution as NCEOptions::noise, or leave neg out "
          "and NCELoss draws noise_ratio × N points from a Gaussian fitted to pos");
    }
    check_batch(name, "neg", neg);
    check_same_dimension(name, pos, neg);
    noise = neg.detach();
  } else {
    const auto count = std::max<int64_t>(1, std::llround(options_.noise_ratio * static_cast<double>(pos.size(0))));
    noise = options_.noise->sample(count, generator_or_default(options_.generator)).to(pos.dtype()).to(pos.device());
  }
  const double nu = options_.noise_ratio;
  const Tensor log_z = log_z_.to(pos.dtype()).to(pos.device());
  // h(u) = −E(u) − log Z − log p_n(u) − log ν: the log-odds that u is data rather than noise.
  const auto log_odds = [&](const Tensor& u, const Tensor& energies) {
    Tensor log_noise;
    {
      NoGradGuard no_grad;
      log_noise = options_.noise->log_prob(u).to(pos.dtype());
    }
    return -energies - log_z - log_noise - std::log(nu);
  };
  Tensor pos_energies, h_data, noise_energies, h_noise;
  {
    const TermScope data_term("h(u) of the data");
    pos_energies = (*energy_)(pos);
    h_data = log_odds(pos, pos_energies);
  }
  {
    const TermScope noise_term("h(u) of the noise");
    noise_energies = (*energy_)(noise);
    h_noise = log_odds(noise, noise_energies);
  }
  const TermScope objective("J = mean softplus(−h(data)) + ν mean softplus(h(noise))");
  const Tensor pos_loss = mean(softplus(-h_data));
  const Tensor neg_loss = nu * mean(softplus(h_noise));
  const Tensor loss = pos_loss + neg_loss;

  const double correct = sum(greater(h_data.detach(), 0.0)).item() + sum(less_equal(h_noise.detach(), 0.0)).item();
  return finish(name, loss,
                {{"pos_loss", pos_loss.item()},
                 {"neg_loss", neg_loss.item()},
                 {"log_z", log_z_.item()},
                 {"pos_energy", mean(pos_energies.detach()).item()},
                 {"neg_energy", mean(noise_energies.detach()).item()},
                 {"accuracy", correct / static_cast<double>(pos.size(0) + noise.size(0))}});
}

}  // namespace ebm::losses
