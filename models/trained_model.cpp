#include "models/trained_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "energies/noise_conditional.hpp"
#include "energies/standardized_energy.hpp"
#include "engine/autograd/grad_mode.hpp"
#include "engine/ops.hpp"
#include "models/factory.hpp"
#include "models/recipe.hpp"
#include "samplers/resample.hpp"

namespace ebm::models {

std::shared_ptr<samplers::Sampler> make_end_sampler(const TrainConfig& config, SamplerConfig sampler,
                                                    const std::shared_ptr<energies::EnergyFunction>& energy) {
  if (sampler.start != "uniform" && sampler.start != "resampled") {
    throw std::invalid_argument("unknown --start '" + sampler.start + "'; known: uniform, resampled");
  }
  if (sampler.name == "annealed" && sampler.sigmas.empty()) sampler.sigmas = model_noise_levels(config);
  return make_sampler(sampler, energy);
}

Tensor draw_samples(const TrainConfig& config, const SamplerConfig& sampler, const std::shared_ptr<energies::EnergyFunction>& energy, int64_t n,
                    Generator& generator, Device device) {
  if (n < 1) throw std::invalid_argument("draw_samples: n must be ≥ 1, got " + std::to_string(n));
  const std::shared_ptr<samplers::Sampler> chains = make_end_sampler(config, sampler, energy);
  // Uniform draws in the box (beyond 2-D, in [−4, 4]^D): the start, or the proposals to resample it from.
  const auto uniform = [&](int64_t count) {
    NoGradGuard no_grad;
    const auto& b = config.box;
    const Tensor u = rand({count, config.dimension}, generator);
    return (config.dimension == 2 ? u * tensor({b[1] - b[0], b[3] - b[2]}, {2}) + tensor({b[0], b[2]}, {2}) : u * 8.0 - 4.0).to(device);
  };
  const Tensor start = sampler.start == "uniform" ? uniform(n)
                                                  : samplers::importance_resample(*energy, uniform(std::max<int64_t>(100 * n, 10000)), n, generator);
  const Tensor samples = to_data_units(config, chains->sample(start, sampler.steps, generator));
  if (!sampler.clip || config.data_low.empty()) return samples;
  const Shape shape{config.dimension};
  const Tensor low = tensor(config.data_low, shape, samples.dtype(), device), high = tensor(config.data_high, shape, samples.dtype(), device);
  const Tensor raised = where(less(samples, low), expand(low, samples.shape()), samples);
  return where(greater(raised, high), expand(high, samples.shape()), raised);
}

TrainedModel::TrainedModel(LoadedModel model) : model_(std::move(model)) {
  const TrainConfig& c = model_.config;
  if (c.standardized()) {
    in_data_units_ = std::make_shared<energies::StandardizedEnergy>(model_.energy, c.data_mean, c.data_scale);
  } else {
    in_data_units_ = model_.energy;
  }
}

TrainedModel TrainedModel::load(const std::string& path) { return TrainedModel(load_model(path)); }

std::string TrainedModel::description() const { return describe_recipe(model_.config); }

std::vector<double> TrainedModel::noise_levels() const { return model_.config.conditional_on_noise() ? model_.config.sigmas : std::vector<double>{}; }

TrainedModel& TrainedModel::to(Device device) {
  in_data_units_->to(device);  // moves the model itself too, when it wraps it
  if (in_data_units_ != model_.energy) model_.energy->to(device);
  device_ = device;
  return *this;
}

namespace {

/// x as the model takes it: float32, on its device, [N, D].
Tensor checked_input(const Tensor& x, int64_t dimension, Device device) {
  if (!x.defined() || x.dim() != 2 || x.size(1) != dimension) {
    throw std::invalid_argument("TrainedModel: points must be [N, " + std::to_string(dimension) + "], got " +
                                (x.defined() ? shape_string(x.shape()) : std::string("an undefined tensor")));
  }
  return x.detach().to(DType::Float32).to(device);
}

}  // namespace

template <class F>
Tensor TrainedModel::at_level(double sigma, F&& f) const {
  auto* conditional = dynamic_cast<energies::NoiseConditional*>(model_.energy.get());
  if (conditional == nullptr || !model_.config.conditional_on_noise()) {
    throw std::invalid_argument("TrainedModel: the energy at a noise level needs a noise-conditional model; this one (loss " +
                                model_.config.loss + ") has one level");
  }
  if (!(std::isfinite(sigma) && sigma > 0)) throw std::invalid_argument("TrainedModel: σ must be finite and > 0, got " + std::to_string(sigma));
  conditional->set_noise_level(sigma);
  Tensor result;
  try {
    result = f();
  } catch (...) {
    conditional->set_noise_level(model_.config.sigmas.back());
    throw;
  }
  conditional->set_noise_level(model_.config.sigmas.back());
  return result;
}

Tensor TrainedModel::energy(const Tensor& x) const {
  NoGradGuard no_grad;
  return in_data_units_->energy(checked_input(x, dimension(), device_));
}

Tensor TrainedModel::energy(const Tensor& x, double sigma) const {
  return at_level(sigma, [&] { return energy(x); });
}

Tensor TrainedModel::score(const Tensor& x) const {
  NoGradGuard no_grad;  // the energy's own fast pass for ∇ₓE, nothing recorded
  return -in_data_units_->energy_and_gradient(checked_input(x, dimension(), device_)).second;
}

Tensor TrainedModel::score(const Tensor& x, double sigma) const {
  return at_level(sigma, [&] { return score(x); });
}

Tensor TrainedModel::sample(int64_t n, Generator& generator) const { return sample(n, model_.config.sampler, generator); }

Tensor TrainedModel::sample(int64_t n, const SamplerConfig& sampler, Generator& generator) const {
  return draw_samples(model_.config, sampler, model_.energy, n, generator, device_);
}

}  // namespace ebm::models
