// A trained model, loaded for use in an application: its energy, score and samples in the data's
// own units, from a run directory that `ebm train` wrote (or a model file written by save_model).
//
//   const auto model = ebm::models::TrainedModel::load("runs/digits");
//   const ebm::Tensor energies = model.energy(rows);    // [N]: high where the model finds rows unlikely
//   const ebm::Tensor scores = model.score(rows);       // [N, D]: −∇ₓE
//   const ebm::Tensor samples = model.sample(100);      // [100, D], with the sampler the run recorded
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "energies/energy_function.hpp"
#include "engine/generator.hpp"
#include "models/config.hpp"
#include "models/model_file.hpp"
#include "samplers/sampler.hpp"

namespace ebm::models {

class TrainedModel {
 public:
  /// Loads a run directory or a model file; throws ModelFileError naming the file and the problem.
  static TrainedModel load(const std::string& path);

  const TrainConfig& config() const { return model_.config; }
  int64_t dimension() const { return model_.config.dimension; }
  /// The recipe the model was trained with, as `ebm train` printed it.
  std::string description() const;
  /// A noise-conditional model's levels σ₁ > … > σ_L (in the model's units: standardised ones for
  /// wide data); empty for a model of one level.
  std::vector<double> noise_levels() const;

  /// E(x) for points x [N, D] in the data's units, [N]: for a noise-conditional model at its finest
  /// level σ_L, the model of the data itself. exp(−E) is the model's unnormalised density in x.
  Tensor energy(const Tensor& x) const;
  /// At noise level σ (one of noise_levels(), or any σ > 0 between them): a noise-conditional model
  /// only; throws std::invalid_argument for another.
  Tensor energy(const Tensor& x, double sigma) const;
  /// The score −∇ₓE(x), [N, D], in the data's units; likewise at σ.
  Tensor score(const Tensor& x) const;
  Tensor score(const Tensor& x, double sigma) const;
  /// n samples [n, D] in the data's units, drawn with the sampler the run recorded (or `sampler`).
  /// Throws std::runtime_error when the chains diverge.
  Tensor sample(int64_t n, Generator& generator = default_generator()) const;
  Tensor sample(int64_t n, const SamplerConfig& sampler, Generator& generator = default_generator()) const;

  /// The energy in the data's units, for the library's own samplers and losses (a noise-conditional
  /// one at its finest level). Its steps sizes are in x's units, where the recorded sampler's
  /// are in the model's: for wide data, scale them by the columns' scales (config().data_scale).
  std::shared_ptr<energies::EnergyFunction> energy_function() const { return in_data_units_; }

  /// Moves the model to `device`; energies, scores and samples are computed and returned there.
  TrainedModel& to(Device device);
  Device device() const { return device_; }

 private:
  explicit TrainedModel(LoadedModel model);
  /// Runs f with the noise-conditional model at σ, then back at σ_L.
  template <class F>
  Tensor at_level(double sigma, F&& f) const;

  LoadedModel model_;
  std::shared_ptr<energies::EnergyFunction> in_data_units_;
  Device device_ = Device::CPU;
};

/// The sampler draw_samples runs: `sampler` on `energy`, an annealed one without levels taking the
/// model's own (model_noise_levels). Throws std::invalid_argument for an unknown start or sampler,
/// or options the sampler refuses, so that `ebm train` can check them before it trains.
std::shared_ptr<samplers::Sampler> make_end_sampler(const TrainConfig& config, SamplerConfig sampler,
                                                    const std::shared_ptr<energies::EnergyFunction>& energy);

/// n samples of a model in the data's units: chains started uniformly in its box (the plot's box on
/// the plane, [−4, 4]^D in standardised units for wide data), or resampled from uniform draws by
/// exp(−E) (sampler.start), and run by the sampler on `energy`, the model in its own units; an
/// annealed sampler without levels uses the model's own (model_noise_levels). What `ebm train` and
/// `ebm sample` draw. Throws std::invalid_argument for an unknown start or sampler, and
/// std::runtime_error when the chains diverge.
Tensor draw_samples(const TrainConfig& config, const SamplerConfig& sampler, const std::shared_ptr<energies::EnergyFunction>& energy, int64_t n,
                    Generator& generator, Device device);

}  // namespace ebm::models
