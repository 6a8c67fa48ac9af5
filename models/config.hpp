// A trained model's configuration: the data it was fitted to, its energy, its loss, how it was
// optimised and how to sample it. `ebm train` fills it from its command line and the recipe
// (models/recipe.hpp); the model file records it (models/model_file.hpp), so that a later command
// or an application rebuilds the model from the file alone.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ebm::models {

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
  bool denoise = false;                // annealed: a last step x + σ_L²·s(x; σ_L) (Tweedie), removing the last level's noise
  bool clip = false;                   // samples clipped to the training data's range per column (TrainConfig::data_low, data_high)
};

struct TrainConfig {
  // Data: a built-in dataset with its parameters, or a CSV file.
  std::string dataset;
  std::map<std::string, double> dataset_parameters;
  std::string data_file;
  /// Per-column standardisation: the model sees z = (x − data_mean)/data_scale, and maps its
  /// samples back (empty: the model sees x itself, as on the plane).
  std::vector<double> data_mean = {};
  std::vector<double> data_scale = {};
  /// Each column's smallest and largest training value (recorded with the standardisation).
  std::vector<double> data_low = {};
  std::vector<double> data_high = {};
  // Model: an MLP energy.
  int64_t hidden = 128;
  int64_t depth = 2;
  std::string activation = "silu";
  int64_t fourier_features = 0;           // F random Fourier features of x (energies::FourierFeatures); 0: x itself
  double fourier_scale = 1.0;             // the std of their frequencies, cycles per unit of x
  bool fourier_averaged = true;           // dsm, ssm, sm: each feature averaged over the level's noise
  bool preconditioned = false;            // dsm, ssm, sm on standardised data: MLP([c·x, log σ])/σ + ½c²‖x‖², c = 1/√(1 + σ²)
  // Loss and its options.
  std::string loss = "dsm";
  bool noise_conditional = true;          // dsm, ssm, sm: E(x; σ) = MLP(x)/σ trained at every level
  std::vector<double> sigmas = {};        // dsm, ssm, sm: the noise levels (empty: from the data)
  int64_t noise_levels = 10;              // the number of levels derived from the data on the plane
  int64_t projections = 4;                // ssm
  std::string projection = "gaussian";    // ssm: gaussian, rademacher, sphere
  bool variance_reduced = false;          // ssm
  std::string sm_method = "exact";        // sm: exact, hutchinson
  int64_t probes = 1;                     // sm hutchinson
  int64_t cd_steps = 10;                  // cd, pcd
  SamplerConfig cd_sampler = {.name = "langevin", .step_size = 0.1, .steps = 10};
  double energy_regularization = 0.1;     // cd, pcd: keeps short-run CD from drifting to unbounded energies
  int64_t buffer_size = 10000;            // pcd
  double data_restart_fraction = 0.0;     // pcd: fraction of chains restarted at data points per draw
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
  /// True when the model sees standardised data (data_mean and data_scale are set).
  bool standardized() const { return !data_mean.empty(); }
};

/// The learning rate of step `step` (0-based: the step about to be taken) of a run of config.steps:
/// config.lr for the "constant" schedule; for "cosine" lr·½(1 + cos(π·step/steps)), which is lr at
/// step 0 and falls toward 0 at the last step (the late steps average out the gradient noise, as
/// an average of the parameters would).
double scheduled_lr(const TrainConfig& config, int64_t step);

/// The sampler names a SamplerConfig may hold, for messages.
const std::vector<std::string>& sampler_names();

}  // namespace ebm::models
