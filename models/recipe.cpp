#include "models/recipe.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "engine/ops.hpp"
#include "losses/contrastive_divergence.hpp"
#include "losses/noise_levels.hpp"
#include "samplers/langevin.hpp"

namespace ebm::models {
namespace {

constexpr int64_t annealed_steps_per_level = 100;  // Song & Ermon 2019's T
constexpr int64_t mala_steps = 1000;
constexpr int64_t default_fourier_features = 16;
constexpr double fourier_cycles_across_data = 4;  // the frequencies' std: 4 cycles over the data's largest distance
// pcd: the share of buffer chains restarted at data points per draw, which keeps the modes' weights
// tied to the data, and the energy regulariser's λ that this lets shrink (docs/recipes.md).
constexpr double pcd_data_restart_fraction = 0.2;
constexpr double pcd_energy_regularization = 0.05;
// Wide data: a column's scale is at least this fraction of the median column's standard deviation.
constexpr double scale_floor_fraction = 0.25;

/// Optimisation steps by loss: what each needs to fit the toy datasets with the cosine-decayed
/// learning rate, within about 12 s on one core (docs/recipes.md has the measurements); wider
/// data takes more.
int64_t default_steps(const std::string& loss, int64_t dimension) {
  const int64_t wide = dimension > widest_plane ? 2 : 1;
  if (loss == "nce") return 20000;
  if (loss == "sm") return 8000;
  if (loss == "ssm") return 7000;
  if (loss == "cd" || loss == "pcd") return 4000;
  return 1800 * wide;
}

/// The hidden width: 128 on the plane, four per input column for wide data, up to 512.
int64_t default_width(int64_t dimension) { return dimension > widest_plane ? std::clamp<int64_t>(4 * dimension, 128, 512) : 128; }

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

/// The plot's box of 2-D points: their bounding box, widened by 10% of its size on each side.
std::array<double, 4> padded_box(const std::vector<double>& v) {
  std::array<double, 4> box = {INFINITY, -INFINITY, INFINITY, -INFINITY};
  for (std::size_t i = 0; i + 1 < v.size(); i += 2) {
    box[0] = std::min(box[0], v[i]);
    box[1] = std::max(box[1], v[i]);
    box[2] = std::min(box[2], v[i + 1]);
    box[3] = std::max(box[3], v[i + 1]);
  }
  const double pad_x = 0.1 * (box[1] - box[0]) + 1e-3, pad_y = 0.1 * (box[3] - box[2]) + 1e-3;
  return {box[0] - pad_x, box[1] + pad_x, box[2] - pad_y, box[3] + pad_y};
}

}  // namespace

std::vector<double> model_noise_levels(const TrainConfig& config) {
  if (config.conditional_on_noise() || (config.loss == "dsm" && config.sigmas.size() > 1)) return config.sigmas;
  return {};
}

Tensor to_model_units(const TrainConfig& config, const Tensor& x) {
  if (!config.standardized()) return x;
  const Shape shape{static_cast<int64_t>(config.data_mean.size())};
  return (x - tensor(config.data_mean, shape, x.dtype(), x.device())) / tensor(config.data_scale, shape, x.dtype(), x.device());
}

Tensor to_data_units(const TrainConfig& config, const Tensor& z) {
  if (!config.standardized()) return z;
  const Shape shape{static_cast<int64_t>(config.data_mean.size())};
  return z * tensor(config.data_scale, shape, z.dtype(), z.device()) + tensor(config.data_mean, shape, z.dtype(), z.device());
}

Tensor prepare(TrainConfig& config, const Tensor& data, const std::vector<std::string>& given) {
  if (!data.defined() || data.dim() != 2 || data.size(0) < 2) throw std::invalid_argument("the data must be [N, D] with N ≥ 2 rows");
  const int64_t rows = data.size(0), columns = data.size(1);
  const std::vector<double> values = data.to_vector();
  std::vector<double> mean(static_cast<std::size_t>(columns), 0), scale(static_cast<std::size_t>(columns), 0);
  std::vector<double> lows(static_cast<std::size_t>(columns)), highs(static_cast<std::size_t>(columns));
  for (int64_t c = 0; c < columns; ++c) {
    double sum = 0, low = INFINITY, high = -INFINITY;
    for (int64_t r = 0; r < rows; ++r) {
      const double value = values[static_cast<std::size_t>(r * columns + c)];
      if (!std::isfinite(value)) {
        throw std::invalid_argument("column " + std::to_string(c + 1) + " holds a value that is not finite (row " + std::to_string(r + 1) + ")");
      }
      sum += value;
      low = std::min(low, value);
      high = std::max(high, value);
    }
    if (low == high && columns > widest_plane) {  // it could not be standardised
      throw std::invalid_argument("column " + std::to_string(c + 1) + " is constant (every row holds " + format("%.6g", low) +
                                  "): it carries no information; drop it");
    }
    const auto k = static_cast<std::size_t>(c);
    lows[k] = low;
    highs[k] = high;
    mean[k] = sum / static_cast<double>(rows);
    double squares = 0;
    for (int64_t r = 0; r < rows; ++r) squares += std::pow(values[static_cast<std::size_t>(r * columns + c)] - mean[k], 2);
    scale[k] = std::sqrt(squares / static_cast<double>(rows - 1));
  }
  config.dimension = columns;
  config.data_mean.clear();
  config.data_scale.clear();
  config.data_low.clear();
  config.data_high.clear();
  if (columns > widest_plane) {
    // A column's scale is its standard deviation, floored at a quarter of the median column's: a
    // column that is almost always one value (an image's edge pixel) would otherwise put its rare
    // other values tens of units out, where they set σ₁ and the network sees outliers.
    std::vector<double> sorted = scale;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
    const double floor = scale_floor_fraction * sorted[sorted.size() / 2];
    for (double& s : scale) s = std::max(s, floor);
    config.data_mean = mean;
    config.data_scale = scale;
    config.data_low = lows;
    config.data_high = highs;
  } else if (columns == 2) {
    config.box = padded_box(values);
  }
  const Tensor in_model_units = to_model_units(config, data);
  apply_recipe(config, in_model_units, given);
  return in_model_units;
}

void apply_recipe(TrainConfig& c, const Tensor& data, const std::vector<std::string>& given) {
  const auto was_given = [&given](const char* option) { return std::find(given.begin(), given.end(), option) != given.end(); };
  const bool wide = c.dimension > widest_plane;
  if (!was_given("--steps")) c.steps = default_steps(c.loss, c.dimension);
  if (!was_given("--hidden")) c.hidden = default_width(c.dimension);
  const losses::DataScales scales = losses::data_scales(data);
  if (c.conditional_on_noise() && !was_given("--sigma")) {
    if (wide) {
      // Song & Ermon 2020: σ₁ the largest distance (technique 1), levels γ(D) apart (technique 2),
      // down to the data's finest coordinate scale; at least as many levels as the plane takes.
      const double finest = losses::finest_column_scale(data);
      c.sigmas = losses::geometric_noise_levels(scales.largest, finest > 0 ? finest : scales.finest, losses::noise_level_ratio(c.dimension),
                                                c.noise_levels);
    } else {
      c.sigmas = losses::noise_levels_from_scales(scales, c.noise_levels);
    }
  }
  if (c.loss == "dsm" && c.sigmas.empty()) c.sigmas = {0.1};  // plain DSM: one level, as Vincent 2011
  // Standardised data has unit scale, so the network can see it at unit scale at every level and
  // a Gaussian term can carry its second moments (docs/recipes.md, "Wide data").
  if (!was_given("--precondition")) c.preconditioned = wide && c.conditional_on_noise();
  const double finest = scales.finest;
  // Fourier features where they were measured to help (docs/recipes.md): on the plane, not for cd,
  // whose energy away from the data they filled with spurious wells, nor for --plain. A
  // noise-conditional model averages them over each level's noise (TrainConfig's default).
  const bool features_help = !wide && (c.loss == "nce" || c.loss == "pcd" || c.conditional_on_noise());
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
  // Wide data's samples are clipped to the training data's range, as image models clamp theirs to
  // [0, 1]: values a little outside it (a pixel just below 0) are the model's blur at a boundary
  // that the data piles up against (docs/recipes.md measures it).
  if (!was_given("--clip") && wide && !c.data_low.empty()) s.clip = true;
  if (s.name == "annealed") {
    const std::vector<double> levels = was_given("--sigmas") ? s.sigmas : model_noise_levels(c);
    if (!was_given("--sigmas")) s.sigmas = levels;
    const auto count = static_cast<int64_t>(levels.size());
    if (!was_given("--sampler-steps")) s.steps = annealed_steps_per_level * std::max<int64_t>(count, 1);
    if (!was_given("--step-size") && count >= 2 && s.steps >= count) {
      const double gamma = std::pow(levels.front() / levels.back(), 1.0 / static_cast<double>(count - 1));
      s.step_size = 2 * samplers::annealed_step_ratio(gamma, std::max<int64_t>(s.steps / count / 10, 1)) * levels.back() * levels.back();
    }
    // Tweedie's denoising step after the last level, for a model of every level's perturbed data:
    // on the plane; wide data's samples were measured nearer the data without it (recipes.md).
    if (!was_given("--denoise") && c.conditional_on_noise()) s.denoise = !wide;
  } else if (s.name == "mala") {
    if (!was_given("--sampler-steps")) s.steps = mala_steps;
    if (!was_given("--adapt-steps")) s.adapt_steps = s.steps / 2;
    // CD-k's chains never leave the data, so its energy elsewhere is unshaped: resampling would
    // gather the chains in whatever well it has there. Every other model resamples.
    if (!was_given("--start")) s.start = c.loss == "cd" ? "uniform" : "resampled";
    // The first proposal's scale √(2η) about the data's finest scale; adaptation does the rest.
    if (!was_given("--step-size") && finest > 0) s.step_size = finest * finest / 2;
  }
}

std::string describe_recipe(const TrainConfig& c) {
  const bool features = c.fourier_features > 0;
  const std::string variable = c.standardized() ? "z" : "x";  // what the network sees: the data, or its standardised columns
  const std::string input = features ? "γ(" + variable + ")" : variable;
  std::string text = "recipe:";
  if (c.conditional_on_noise() && c.preconditioned) {
    const std::string scaled = features ? "γ(c" + variable + ")" : "c" + variable;
    text += " noise-conditional energy E(" + variable + "; σ) = MLP([" + scaled + ", log σ])/σ + ½c²‖" + variable + "‖², c = 1/√(1 + σ²), " +
            std::to_string(c.sigmas.size()) + " noise levels σ = " + format("%.3g", c.sigmas.front()) + " … " + format("%.3g", c.sigmas.back()) +
            "\n";
  } else if (c.conditional_on_noise()) {
    text += " noise-conditional energy E(" + variable + "; σ) = MLP([" + input + ", log σ])/σ, " +
            std::to_string(c.sigmas.size()) + " noise levels σ = " + format("%.3g", c.sigmas.front()) + " … " + format("%.3g", c.sigmas.back()) +
            "\n";
  } else if (c.loss == "dsm") {
    text += " energy MLP(" + input + "), noise level(s) σ =";
    for (double sigma : c.sigmas) text += format(" %.3g", sigma);
    text += "\n";
  } else {
    text += " energy MLP(" + input + ")\n";
  }
  if (c.standardized()) {
    text += "  data: " + std::to_string(c.dimension) +
            " columns, each standardised, z = (x − mean)/std; energies, scores and samples are given in x\n";
  }
  text += "  network: " + std::to_string(c.depth) + " hidden layers of " + std::to_string(c.hidden) + ", " + c.activation + "\n";
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
  if (s.name == "annealed" && s.denoise) text += ", then a denoising step (Tweedie)";
  if (s.clip) text += ", clipped to the data's range";
  if (s.name == "mala" && s.adapt_steps > 0) {
    text += " adapted over " + std::to_string(s.adapt_steps) + " steps toward acceptance " + format("%.3g", s.target_acceptance);
  }
  if (s.start == "resampled") text += ", chains started by importance resampling";
  return text + "\n";
}

}  // namespace ebm::models
