#include "tools/recipe.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "losses/contrastive_divergence.hpp"
#include "losses/noise_levels.hpp"
#include "samplers/langevin.hpp"
#include "tools/cli_error.hpp"

namespace ebm::tools {
namespace {

constexpr int64_t annealed_steps_per_level = 100;  // Song & Ermon 2019's T
constexpr int64_t mala_steps = 1000;
constexpr int64_t default_fourier_features = 16;
constexpr double fourier_cycles_across_data = 4;  // the frequencies' std: 4 cycles over the data's largest distance
// pcd: the share of buffer chains restarted at data points per draw, which keeps the modes' weights
// tied to the data, and the energy regulariser's λ that this lets shrink (docs/recipes.md).
constexpr double pcd_data_restart_fraction = 0.2;
constexpr double pcd_energy_regularization = 0.05;

/// Optimisation steps by loss: what each needs to fit the toy datasets with the cosine-decayed
/// learning rate, within about 12 s on one core (docs/recipes.md has the measurements).
int64_t default_steps(const std::string& loss) {
  if (loss == "nce") return 20000;
  if (loss == "sm") return 8000;
  if (loss == "ssm") return 7000;
  if (loss == "cd" || loss == "pcd") return 4000;
  return 1800;
}

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

}  // namespace

std::vector<double> model_noise_levels(const TrainConfig& config) {
  if (config.conditional_on_noise() || (config.loss == "dsm" && config.sigmas.size() > 1)) return config.sigmas;
  return {};
}

void apply_recipe(TrainConfig& c, const Tensor& data, const std::vector<std::string>& given) {
  const auto was_given = [&given](const char* option) { return std::find(given.begin(), given.end(), option) != given.end(); };
  try {
    if (!was_given("--steps")) c.steps = default_steps(c.loss);
    const losses::DataScales scales = losses::data_scales(data);
    if (c.conditional_on_noise() && !was_given("--sigma")) c.sigmas = losses::noise_levels_from_scales(scales, c.noise_levels);
    if (c.loss == "dsm" && c.sigmas.empty()) c.sigmas = {0.1};  // plain DSM: one level, as Vincent 2011
    const double finest = scales.finest;
    // Fourier features where they were measured to help (docs/recipes.md): not for cd, whose
    // energy away from the data they filled with spurious wells, nor for --plain. A
    // noise-conditional model averages them over each level's noise (TrainConfig's default).
    const bool features_help = c.loss == "nce" || c.loss == "pcd" || c.conditional_on_noise();
    if (!was_given("--fourier-features") && features_help) c.fourier_features = default_fourier_features;
    if (!was_given("--fourier-scale") && scales.largest > 0) c.fourier_scale = fourier_cycles_across_data / scales.largest;
    if ((c.loss == "cd" || c.loss == "pcd") && !was_given("--cd-sampler")) {
      // Exact negatives, their step kept tuned from one training step to the next.
      c.cd_sampler.name = "mala";
      if (!was_given("--cd-adapt-steps")) c.cd_sampler.adapt_steps = c.cd_steps;
      if (!was_given("--cd-step-size") && finest > 0) c.cd_sampler.step_size = finest * finest / 2;
    }
    if (c.loss == "pcd") {
      if (!was_given("--data-restarts")) c.data_restart_fraction = pcd_data_restart_fraction;
      if (!was_given("--energy-reg")) c.energy_regularization = pcd_energy_regularization;
    }
    SamplerConfig& s = c.sampler;
    if (!was_given("--sampler")) s.name = c.conditional_on_noise() ? "annealed" : "mala";
    if (s.name == "annealed") {
      const std::vector<double> levels = was_given("--sigmas") ? s.sigmas : model_noise_levels(c);
      if (!was_given("--sigmas")) s.sigmas = levels;
      const auto count = static_cast<int64_t>(levels.size());
      if (!was_given("--sampler-steps")) s.steps = annealed_steps_per_level * std::max<int64_t>(count, 1);
      if (!was_given("--step-size") && count >= 2 && s.steps >= count) {
        const double gamma = std::pow(levels.front() / levels.back(), 1.0 / static_cast<double>(count - 1));
        s.step_size = 2 * samplers::annealed_step_ratio(gamma, std::max<int64_t>(s.steps / count / 10, 1)) * levels.back() * levels.back();
      }
    } else if (s.name == "mala") {
      if (!was_given("--sampler-steps")) s.steps = mala_steps;
      if (!was_given("--adapt-steps")) s.adapt_steps = s.steps / 2;
      // CD-k's chains never leave the data, so its energy elsewhere is unshaped: resampling would
      // gather the chains in whatever well it has there. Every other model resamples.
      if (!was_given("--start")) s.start = c.loss == "cd" ? "uniform" : "resampled";
      // The first proposal's scale √(2η) about the data's finest scale; adaptation does the rest.
      if (!was_given("--step-size") && finest > 0) s.step_size = finest * finest / 2;
    }
  } catch (const std::invalid_argument& error) {
    throw CliError(kUsageError, error.what());
  }
}

std::string describe_recipe(const TrainConfig& c) {
  const bool features = c.fourier_features > 0;
  const std::string input = features ? "γ(x)" : "x";
  std::string text = "recipe:";
  if (c.conditional_on_noise()) {
    text += " noise-conditional energy E(x; σ) = MLP([" + input + ", log σ])/σ, " + std::to_string(c.sigmas.size()) + " noise levels σ = " +
            format("%.3g", c.sigmas.front()) + " … " + format("%.3g", c.sigmas.back()) + "\n";
  } else if (c.loss == "dsm") {
    text += " energy MLP(" + input + "), noise level(s) σ =";
    for (double sigma : c.sigmas) text += format(" %.3g", sigma);
    text += "\n";
  } else {
    text += " energy MLP(" + input + ")\n";
  }
  if (features) {
    text += "  Fourier features γ(x) = [x, cos 2πxBᵀ, sin 2πxBᵀ]: " + std::to_string(c.fourier_features) +
            " frequencies B of std " + format("%.3g", c.fourier_scale) + " cycles per unit" +
            (c.conditional_on_noise() && c.fourier_averaged ? ", each averaged over the level's noise (× exp(−σ²‖2πb‖²/2))" : "") + "\n";
  }
  if (c.loss == "cd" || c.loss == "pcd") {
    const SamplerConfig& negatives = c.cd_sampler;
    const std::string buffer = "a replay buffer of " + std::to_string(c.buffer_size) + " chains (" +
                               format("%.3g", 100 * losses::CDOptions{}.reinit_fraction) + "% restarted uniformly, " +
                               format("%.3g", 100 * c.data_restart_fraction) + "% at data points)";
    text += "  negatives: " + negatives.name + ", " + std::to_string(c.cd_steps) + " steps from " + (c.loss == "cd" ? "the data" : buffer) +
            (negatives.adapt_steps > 0 ? ", step adapted toward acceptance " + format("%.3g", negatives.target_acceptance) : "") +
            "; energy regulariser λ " + format("%.3g", c.energy_regularization) + "\n";
  }
  text += "  training: " + std::to_string(c.steps) + " steps, Adam lr " + format("%.3g", c.lr) +
          (c.lr_schedule == "cosine" ? " decayed to 0 (cosine)" : " (constant)") + "\n";
  const SamplerConfig& s = c.sampler;
  text += "  end samples: " + s.name + ", " + std::to_string(s.steps) + " steps, step size " + format("%.3g", s.step_size);
  if (s.name == "annealed" && !s.sigmas.empty()) text += " (ε of the last level; " + std::to_string(s.sigmas.size()) + " levels)";
  if (s.name == "mala" && s.adapt_steps > 0) {
    text += " adapted over " + std::to_string(s.adapt_steps) + " steps toward acceptance " + format("%.3g", s.target_acceptance);
  }
  if (s.start == "resampled") text += ", chains started by importance resampling";
  return text + "\n";
}

}  // namespace ebm::tools
