#include "tools/config.hpp"

#include <cmath>

#include "energies/noise_conditional_mlp_energy.hpp"
#include "losses/contrastive_divergence.hpp"
#include "losses/denoising_score_matching.hpp"
#include "losses/make_loss.hpp"
#include "losses/noise_contrastive_estimation.hpp"
#include "losses/noise_levels.hpp"
#include "losses/score_matching.hpp"
#include "losses/sliced_score_matching.hpp"
#include "nn/activation.hpp"
#include "samplers/hmc.hpp"
#include "samplers/langevin.hpp"
#include "samplers/mala.hpp"
#include "tools/cli_error.hpp"

namespace ebm::tools {

std::vector<int64_t> TrainConfig::sizes() const {
  std::vector<int64_t> sizes = {dimension};
  for (int64_t layer = 0; layer < depth; ++layer) sizes.push_back(hidden);
  sizes.push_back(1);
  return sizes;
}

bool TrainConfig::conditional_on_noise() const { return noise_conditional && (loss == "dsm" || loss == "ssm" || loss == "sm"); }

// The JSON form is every field by name (flat), read back with `at`, so a missing field throws.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SamplerConfig, name, step_size, steps, noise_scale, leapfrog, sigmas, adapt_steps, target_acceptance, start)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TrainConfig, dataset, dataset_parameters, data_file, hidden, depth, activation, fourier_features, fourier_scale, fourier_averaged, loss,
                                   noise_conditional, sigmas, noise_levels,
                                   projections, projection, variance_reduced, sm_method, probes, cd_steps, cd_sampler,
                                   energy_regularization, buffer_size, data_restart_fraction, noise_ratio, noise_widen, steps, batch_size, lr, lr_schedule, seed,
                                   log_every, checkpoint_every, n_samples, sampler, box, dimension)

nlohmann::json config_to_json(const TrainConfig& config) { return config; }

TrainConfig config_from_json(const nlohmann::json& json, uint32_t format_version) {
  // Fields added in model formats 2, 4, 5 and 6 take, in older files, the values that reproduce their runs.
  nlohmann::json completed = json;
  const auto complete = [](nlohmann::json& object, const char* field, const nlohmann::json& value) {
    if (object.is_object() && !object.contains(field)) object[field] = value;
  };
  complete(completed, "noise_conditional", false);
  complete(completed, "noise_levels", 10);
  complete(completed, "lr_schedule", "constant");
  complete(completed, "fourier_features", 0);  // format 4
  complete(completed, "fourier_scale", 1.0);
  complete(completed, "fourier_averaged", false);  // format 5
  complete(completed, "data_restart_fraction", 0.0);       // format 6
  for (const char* sampler : {"sampler", "cd_sampler"}) {
    if (!completed.is_object() || !completed.contains(sampler)) continue;
    complete(completed[sampler], "adapt_steps", 0);
    complete(completed[sampler], "target_acceptance", 0.574);
    complete(completed[sampler], "start", "uniform");
  }
  try {
    TrainConfig config = completed.get<TrainConfig>();
    // Before format 3 annealed Langevin stepped by αᵢ with noise √(2αᵢ); it now takes the paper's
    // αᵢ/2 and √αᵢ, so the same chains need twice the ε.
    for (SamplerConfig* sampler : {&config.sampler, &config.cd_sampler}) {
      if (format_version < 3 && sampler->name == "annealed") sampler->step_size *= 2;
    }
    return config;
  } catch (const nlohmann::json::exception& error) {
    throw CliError(kModelError, std::string("the model's configuration is incomplete or invalid: ") + error.what());
  }
}

std::shared_ptr<energies::MLPEnergy> make_energy(const TrainConfig& config, Generator& generator) {
  try {
    const nn::Activation activation = nn::parse_activation(config.activation);
    const energies::FourierFeatures features{.count = config.fourier_features, .scale = config.fourier_scale};
    if (!config.conditional_on_noise()) {
      return std::make_shared<energies::MLPEnergy>(config.sizes(), activation, generator, DType::Float32, Device::CPU, features);
    }
    auto energy = std::make_shared<energies::NoiseConditionalMLPEnergy>(config.sizes(), activation, generator, DType::Float32, Device::CPU, features,
                                                                       config.fourier_averaged);
    if (!config.sigmas.empty()) energy->set_noise_level(config.sigmas.back());
    return energy;
  } catch (const std::invalid_argument& error) {
    throw CliError(kUsageError, error.what());
  }
}

const std::vector<std::string>& sampler_names() {
  static const std::vector<std::string> names = {"langevin", "mala", "hmc", "annealed"};
  return names;
}

std::shared_ptr<samplers::Sampler> make_sampler(const SamplerConfig& c, std::shared_ptr<energies::EnergyFunction> energy) {
  try {
    if (c.name == "langevin") {
      return std::make_shared<samplers::LangevinDynamics>(energy, samplers::LangevinOptions{.step_size = c.step_size, .noise_scale = c.noise_scale});
    }
    if (c.name == "mala") {
      return std::make_shared<samplers::MALA>(
          energy, samplers::MALAOptions{.step_size = c.step_size, .adapt_steps = c.adapt_steps, .target_acceptance = c.target_acceptance});
    }
    if (c.name == "hmc") {
      return std::make_shared<samplers::HamiltonianMonteCarlo>(energy, samplers::HMCOptions{.step_size = c.step_size, .n_leapfrog = c.leapfrog});
    }
    if (c.name == "annealed") {
      samplers::AnnealedLangevinOptions options{.step_size = c.step_size};
      if (!c.sigmas.empty()) options.sigmas = c.sigmas;
      return std::make_shared<samplers::AnnealedLangevin>(energy, options);
    }
  } catch (const std::invalid_argument& error) {
    throw CliError(kUsageError, error.what());
  }
  std::string known;
  for (const std::string& name : sampler_names()) known += (known.empty() ? "" : ", ") + name;
  throw CliError(kUsageError, "unknown sampler '" + c.name + "'; known: " + known);
}

std::unique_ptr<losses::Loss> make_configured_loss(const TrainConfig& c, std::shared_ptr<energies::EnergyFunction> energy,
                                                   const Tensor& data, Generator& generator) {
  using namespace ebm::losses;
  try {
    if (c.conditional_on_noise() && c.loss != "dsm") {
      TrainConfig plain = c;
      plain.noise_conditional = false;
      return std::make_unique<NoiseLevelsLoss>(make_configured_loss(plain, energy, data, generator),
                                               NoiseLevelsOptions{.sigmas = c.sigmas, .generator = &generator});
    }
    if (c.loss == "dsm") {
      return std::make_unique<DenoisingScoreMatchingLoss>(energy, DSMOptions{.sigmas = c.sigmas, .generator = &generator});
    }
    if (c.loss == "ssm") {
      const Projection projection = c.projection == "gaussian"     ? Projection::Gaussian
                                    : c.projection == "rademacher" ? Projection::Rademacher
                                    : c.projection == "sphere"     ? Projection::Sphere
                                                                   : throw CliError(kUsageError, "unknown projection '" + c.projection +
                                                                                                     "'; known: gaussian, rademacher, sphere");
      return std::make_unique<SlicedScoreMatchingLoss>(
          energy, SSMOptions{.n_projections = c.projections, .projection = projection, .variance_reduced = c.variance_reduced, .generator = &generator});
    }
    if (c.loss == "sm") {
      if (c.sm_method != "exact" && c.sm_method != "hutchinson") {
        throw CliError(kUsageError, "unknown --sm-method '" + c.sm_method + "'; known: exact, hutchinson");
      }
      return std::make_unique<ScoreMatchingLoss>(
          energy, SMOptions{.method = c.sm_method == "exact" ? TraceMethod::Exact : TraceMethod::Hutchinson, .n_probes = c.probes, .generator = &generator});
    }
    if (c.loss == "cd" || c.loss == "pcd") {
      return std::make_unique<ContrastiveDivergenceLoss>(energy, CDOptions{.sampler = make_sampler(c.cd_sampler, energy),
                                                                           .n_steps = c.cd_steps,
                                                                           .persistent = c.loss == "pcd",
                                                                           .buffer_size = c.buffer_size,
                                                                           .energy_regularization = c.energy_regularization,
                                                                           .data_restart_fraction = c.data_restart_fraction,
                                                                           .generator = &generator});
    }
    if (c.loss == "nce") {
      return std::make_unique<NCELoss>(energy, NCEOptions{.noise = std::make_shared<DiagonalGaussianNoise>(fit_gaussian_noise(data, c.noise_widen)),
                                                          .noise_ratio = c.noise_ratio,
                                                          .generator = &generator});
    }
    if (c.loss == "mle") throw CliError(kUsageError, "loss 'mle' needs negative samples; use cd or pcd to train from data alone");
    make_loss(c.loss, energy);  // throws the list of known names
  } catch (const std::invalid_argument& error) {
    throw CliError(kUsageError, error.what());
  }
  throw CliError(kUsageError, "unknown loss '" + c.loss + "'");
}

}  // namespace ebm::tools
