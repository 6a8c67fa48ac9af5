#include "models/factory.hpp"

#include <stdexcept>

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

namespace ebm::models {
namespace {

/// "a, b, c": the sampler names, for messages.
std::string known_samplers() {
  std::string text;
  for (const std::string& name : sampler_names()) text += (text.empty() ? "" : ", ") + name;
  return text;
}

}  // namespace

std::shared_ptr<energies::MLPEnergy> make_energy(const TrainConfig& config, Generator& generator) {
  const nn::Activation activation = nn::parse_activation(config.activation);
  const energies::FourierFeatures features{.count = config.fourier_features, .scale = config.fourier_scale};
  if (!config.conditional_on_noise()) {
    return std::make_shared<energies::MLPEnergy>(config.sizes(), activation, generator, DType::Float32, Device::CPU, features);
  }
  auto energy = std::make_shared<energies::NoiseConditionalMLPEnergy>(config.sizes(), activation, generator, DType::Float32, Device::CPU,
                                                                     features, config.fourier_averaged, config.preconditioned);
  if (!config.sigmas.empty()) energy->set_noise_level(config.sigmas.back());
  return energy;
}

std::shared_ptr<samplers::Sampler> make_sampler(const SamplerConfig& c, std::shared_ptr<energies::EnergyFunction> energy) {
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
    samplers::AnnealedLangevinOptions options{.step_size = c.step_size, .denoise = c.denoise};
    if (!c.sigmas.empty()) options.sigmas = c.sigmas;
    return std::make_shared<samplers::AnnealedLangevin>(energy, options);
  }
  throw std::invalid_argument("unknown sampler '" + c.name + "'; known: " + known_samplers());
}

std::unique_ptr<losses::Loss> make_training_loss(const TrainConfig& c, std::shared_ptr<energies::EnergyFunction> energy,
                                                 const Tensor& data, Generator& generator) {
  using namespace ebm::losses;
  if (c.conditional_on_noise() && c.loss != "dsm") {
    TrainConfig plain = c;
    plain.noise_conditional = false;
    return std::make_unique<NoiseLevelsLoss>(make_training_loss(plain, energy, data, generator),
                                             NoiseLevelsOptions{.sigmas = c.sigmas, .generator = &generator});
  }
  if (c.loss == "dsm") return std::make_unique<DenoisingScoreMatchingLoss>(energy, DSMOptions{.sigmas = c.sigmas, .generator = &generator});
  if (c.loss == "ssm") {
    const Projection projection = c.projection == "gaussian"     ? Projection::Gaussian
                                  : c.projection == "rademacher" ? Projection::Rademacher
                                  : c.projection == "sphere"
                                      ? Projection::Sphere
                                      : throw std::invalid_argument("unknown projection '" + c.projection + "'; known: gaussian, rademacher, sphere");
    return std::make_unique<SlicedScoreMatchingLoss>(
        energy, SSMOptions{.n_projections = c.projections, .projection = projection, .variance_reduced = c.variance_reduced, .generator = &generator});
  }
  if (c.loss == "sm") {
    if (c.sm_method != "exact" && c.sm_method != "hutchinson") {
      throw std::invalid_argument("unknown --sm-method '" + c.sm_method + "'; known: exact, hutchinson");
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
  if (c.loss == "mle") throw std::invalid_argument("loss 'mle' needs negative samples; use cd or pcd to train from data alone");
  losses::make_loss(c.loss, energy);  // throws, naming the known losses
  throw std::logic_error("make_loss accepted the unknown loss '" + c.loss + "'");
}

}  // namespace ebm::models
