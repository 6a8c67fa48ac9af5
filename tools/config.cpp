#include "tools/config.hpp"

#include <cmath>

#include "losses/contrastive_divergence.hpp"
#include "losses/denoising_score_matching.hpp"
#include "losses/make_loss.hpp"
#include "losses/noise_contrastive_estimation.hpp"
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

nlohmann::json to_json(const SamplerConfig& c) {
  return {{"name", c.name}, {"step_size", c.step_size}, {"steps", c.steps}, {"noise_scale", c.noise_scale},
          {"leapfrog", c.leapfrog}, {"sigmas", c.sigmas}};
}

SamplerConfig sampler_from_json(const nlohmann::json& j) {
  SamplerConfig c;
  j.at("name").get_to(c.name);
  j.at("step_size").get_to(c.step_size);
  j.at("steps").get_to(c.steps);
  j.at("noise_scale").get_to(c.noise_scale);
  j.at("leapfrog").get_to(c.leapfrog);
  j.at("sigmas").get_to(c.sigmas);
  return c;
}

nlohmann::json to_json(const TrainConfig& c) {
  return {{"dataset", c.dataset},
          {"dataset_parameters", c.dataset_parameters},
          {"data_file", c.data_file},
          {"model", {{"hidden", c.hidden}, {"depth", c.depth}, {"activation", c.activation}, {"dimension", c.dimension}}},
          {"loss",
           {{"name", c.loss},
            {"sigmas", c.sigmas},
            {"projections", c.projections},
            {"projection", c.projection},
            {"variance_reduced", c.variance_reduced},
            {"sm_method", c.sm_method},
            {"probes", c.probes},
            {"cd_steps", c.cd_steps},
            {"cd_sampler", to_json(c.cd_sampler)},
            {"energy_regularization", c.energy_regularization},
            {"buffer_size", c.buffer_size},
            {"noise_ratio", c.noise_ratio},
            {"noise_widen", c.noise_widen}}},
          {"training",
           {{"steps", c.steps},
            {"batch_size", c.batch_size},
            {"lr", c.lr},
            {"seed", c.seed},
            {"log_every", c.log_every},
            {"checkpoint_every", c.checkpoint_every}}},
          {"samples", {{"n", c.n_samples}, {"sampler", to_json(c.sampler)}}},
          {"box", c.box}};
}

TrainConfig config_from_json(const nlohmann::json& j) {
  try {
    TrainConfig c;
    j.at("dataset").get_to(c.dataset);
    j.at("dataset_parameters").get_to(c.dataset_parameters);
    j.at("data_file").get_to(c.data_file);
    const auto& model = j.at("model");
    model.at("hidden").get_to(c.hidden);
    model.at("depth").get_to(c.depth);
    model.at("activation").get_to(c.activation);
    model.at("dimension").get_to(c.dimension);
    const auto& loss = j.at("loss");
    loss.at("name").get_to(c.loss);
    loss.at("sigmas").get_to(c.sigmas);
    loss.at("projections").get_to(c.projections);
    loss.at("projection").get_to(c.projection);
    loss.at("variance_reduced").get_to(c.variance_reduced);
    loss.at("sm_method").get_to(c.sm_method);
    loss.at("probes").get_to(c.probes);
    loss.at("cd_steps").get_to(c.cd_steps);
    c.cd_sampler = sampler_from_json(loss.at("cd_sampler"));
    loss.at("energy_regularization").get_to(c.energy_regularization);
    loss.at("buffer_size").get_to(c.buffer_size);
    loss.at("noise_ratio").get_to(c.noise_ratio);
    loss.at("noise_widen").get_to(c.noise_widen);
    const auto& training = j.at("training");
    training.at("steps").get_to(c.steps);
    training.at("batch_size").get_to(c.batch_size);
    training.at("lr").get_to(c.lr);
    training.at("seed").get_to(c.seed);
    training.at("log_every").get_to(c.log_every);
    training.at("checkpoint_every").get_to(c.checkpoint_every);
    j.at("samples").at("n").get_to(c.n_samples);
    c.sampler = sampler_from_json(j.at("samples").at("sampler"));
    j.at("box").get_to(c.box);
    return c;
  } catch (const nlohmann::json::exception& error) {
    throw CliError(kModelError, std::string("the model's configuration is incomplete or invalid: ") + error.what());
  }
}

std::shared_ptr<energies::MLPEnergy> make_energy(const TrainConfig& config, Generator& generator) {
  try {
    return std::make_shared<energies::MLPEnergy>(config.sizes(), nn::parse_activation(config.activation), generator);
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
    if (c.name == "mala") return std::make_shared<samplers::MALA>(energy, samplers::MALAOptions{.step_size = c.step_size});
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
