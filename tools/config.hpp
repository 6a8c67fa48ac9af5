// A training run's configuration: what `ebm train` was asked to do, stored in the model file so
// that later commands rebuild the model without flags.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "energies/mlp_energy.hpp"
#include "losses/loss.hpp"
#include "samplers/sampler.hpp"

namespace ebm::tools {

/// How to draw samples from a trained model.
struct SamplerConfig {
  std::string name = "langevin";  // langevin, mala, hmc, annealed
  double step_size = 1e-3;
  int64_t steps = 1000;
  double noise_scale = 1.0;            // langevin
  int64_t leapfrog = 10;               // hmc
  std::vector<double> sigmas = {};     // annealed (default: the model's noise levels, else {1, 0.5, 0.25, 0.1})
  int64_t adapt_steps = 0;             // mala: steps that tune the step size toward target_acceptance
  double target_acceptance = 0.574;    // mala
  std::string start = "uniform";       // the chains' start: uniform in the box, or resampled (samplers::importance_resample)
};

struct TrainConfig {
  // Data: a built-in dataset with its parameters, or a CSV file.
  std::string dataset;
  std::map<std::string, double> dataset_parameters;
  std::string data_file;
  // Model: an MLP energy.
  int64_t hidden = 128;
  int64_t depth = 2;
  std::string activation = "silu";
  int64_t fourier_features = 0;           // F random Fourier features of x (energies::FourierFeatures); 0: x itself
  double fourier_scale = 1.0;             // the std of their frequencies, cycles per unit of x
  bool fourier_averaged = true;           // dsm, ssm, sm: each feature averaged over the level's noise
  // Loss and its options.
  std::string loss = "dsm";
  bool noise_conditional = true;          // dsm, ssm, sm: E(x; σ) = MLP(x)/σ trained at every level
  std::vector<double> sigmas = {};        // dsm, ssm, sm: the noise levels (empty: from the data)
  int64_t noise_levels = 10;              // the number of levels derived from the data
  int64_t projections = 4;                // ssm
  std::string projection = "gaussian";    // ssm: gaussian, rademacher, sphere
  bool variance_reduced = false;          // ssm
  std::string sm_method = "exact";        // sm: exact, hutchinson
  int64_t probes = 1;                     // sm hutchinson
  int64_t cd_steps = 10;                  // cd, pcd
  SamplerConfig cd_sampler = {.name = "langevin", .step_size = 0.1, .steps = 10};
  double energy_regularization = 0.1;     // cd, pcd: keeps short-run CD from drifting to unbounded energies
  int64_t buffer_size = 10000;            // pcd
  double data_restart_fraction = 0.0;             // pcd: fraction of chains restarted at data points per draw
  double noise_ratio = 1.0;               // nce
  double noise_widen = 1.5;               // nce: the noise is the data's Gaussian with stds × this
  // Optimisation.
  int64_t steps = 2000;                   // the recipe sets it by loss unless given
  int64_t batch_size = 256;
  double lr = 3e-3;
  std::string lr_schedule = "cosine";     // constant, cosine (from lr down to 0 over the run)
  uint64_t seed = 0;
  int64_t log_every = 50;
  int64_t checkpoint_every = 500;
  // Samples drawn at the end and the plot's box [x_min, x_max, y_min, y_max].
  int64_t n_samples = 1000;
  SamplerConfig sampler;
  std::array<double, 4> box = {-1, 1, -1, 1};
  int64_t dimension = 2;

  std::vector<int64_t> sizes() const;
  /// True when the model is noise-conditional: a score loss (dsm, ssm, sm) with noise_conditional.
  bool conditional_on_noise() const;
};

nlohmann::json config_to_json(const TrainConfig& config);
/// The configuration of a model file of format `format_version` (tools/model_file.hpp), with the
/// settings that reproduce an older file's run. Throws CliError(kModelError) naming the first
/// missing or invalid field.
TrainConfig config_from_json(const nlohmann::json& json, uint32_t format_version);

/// The MLP energy the config describes (float32); a noise-conditional one is set to its finest
/// level σ_L, the model of the data itself.
std::shared_ptr<energies::MLPEnergy> make_energy(const TrainConfig& config, Generator& generator);
/// The loss the config describes, on that energy; `first_batch` fits NCE's noise.
std::unique_ptr<losses::Loss> make_configured_loss(const TrainConfig& config, std::shared_ptr<energies::EnergyFunction> energy,
                                                   const Tensor& data, Generator& generator);
/// The sampler the config describes; throws CliError(kUsageError) listing the known names.
std::shared_ptr<samplers::Sampler> make_sampler(const SamplerConfig& config, std::shared_ptr<energies::EnergyFunction> energy);

/// The known loss and sampler names, for messages.
const std::vector<std::string>& sampler_names();

}  // namespace ebm::tools
