// Trained models as library objects (models/): the recipe for wide data, standardisation, the
// model file's format and its refusals, and TrainedModel's energies, scores and samples in the
// data's units, each against a closed form where there is one.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace {

using namespace ebm;
using namespace ebm::models;
namespace fs = std::filesystem;

/// Φ(√(2D)(γ − 1) + 3γ) − Φ(√(2D)(γ − 1) − 3γ), technique 2's probability.
double technique_2(double gamma, int64_t dimension) {
  const double root = std::sqrt(2.0 * static_cast<double>(dimension));
  const auto phi = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  return phi(root * (gamma - 1) + 3 * gamma) - phi(root * (gamma - 1) - 3 * gamma);
}

/// Rows of `columns` columns, each a multiple of 1/16 in [0, 1] (images of 17 grey levels), drawn
/// independently, with column c's values spread over 4 + c grey levels.
Tensor grey_levels(int64_t rows, int64_t columns, uint64_t seed) {
  Generator generator(seed);
  std::vector<double> values = rand({rows, columns}, generator, DType::Float64).to_vector();
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto levels = static_cast<double>(4 + static_cast<int64_t>(i) % columns);
    values[i] = std::floor(values[i] * levels) / 16;
  }
  return tensor(values, {rows, columns}, DType::Float64);
}

/// A scratch directory, removed on exit.
struct Scratch {
  explicit Scratch(const std::string& name) : path(fs::temp_directory_path() / ("ebm_models_test_" + name)) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Scratch() { fs::remove_all(path); }
  fs::path path;
};

/// A model trained for no steps on wide data, saved to `directory`: its configuration.
TrainConfig save_untrained(const fs::path& directory, const Tensor& data, const std::string& loss = "dsm") {
  TrainConfig config;
  config.loss = loss;
  config.seed = 4;
  prepare(config, data);
  config.hidden = 16;
  Generator init(config.seed);
  const auto energy = make_energy(config, init);
  save_model(directory.string(), config, TrainState{}, *energy, energy->parameters(), nullptr);
  return config;
}

}  // namespace

TEST_CASE("scheduled_lr: constant is lr at every step, cosine is lr·½(1 + cos(π·step/steps)) from lr at step 0, step by step") {
  TrainConfig config;
  config.lr = 3e-3;
  config.steps = 1800;
  for (const int64_t step : {int64_t{0}, int64_t{1}, int64_t{450}, int64_t{900}, int64_t{1799}}) {
    CAPTURE(step);
    config.lr_schedule = "constant";
    CHECK(scheduled_lr(config, step) == 3e-3);
    config.lr_schedule = "cosine";
    CHECK(scheduled_lr(config, step) == 3e-3 * 0.5 * (1 + std::cos(std::numbers::pi * static_cast<double>(step) / 1800.0)));
  }
  config.lr_schedule = "cosine";
  CHECK(scheduled_lr(config, 0) == 3e-3);                                // the first step takes the whole rate
  CHECK(scheduled_lr(config, 900) == doctest::Approx(1.5e-3).epsilon(1e-12));  // half of it halfway
  CHECK(scheduled_lr(config, 1799) > 0);                                 // the last step still moves
  CHECK(scheduled_lr(config, 1799) < 1e-8);
}

TEST_CASE("noise_level_ratio solves Song and Ermon's technique 2: the γ at which the probability is ½, nearer 1 in more dimensions") {
  // In 4 dimensions or fewer (√(2D) ≤ 3) every ratio keeps the levels overlapping.
  for (int64_t dimension : {1, 2, 4}) CHECK(std::isinf(losses::noise_level_ratio(dimension)));
  double previous = INFINITY;
  for (int64_t dimension : {5, 8, 62, 784, 3072}) {
    CAPTURE(dimension);
    const double gamma = losses::noise_level_ratio(dimension);
    CHECK(gamma > 1);
    CHECK(technique_2(gamma, dimension) == doctest::Approx(0.5).epsilon(1e-9));
    CHECK(gamma < previous);
    previous = gamma;
  }
  CHECK_THROWS_AS(losses::noise_level_ratio(0), std::invalid_argument);
}

TEST_CASE("geometric_noise_levels: from the largest to the finest, the fewest levels no further apart than the ratio") {
  const std::vector<double> sigmas = losses::geometric_noise_levels(20, 0.1, 1.37);
  REQUIRE(sigmas.size() >= 2);
  CHECK(sigmas.front() == doctest::Approx(20));
  CHECK(sigmas.back() == doctest::Approx(0.1));
  const double ratio = sigmas[0] / sigmas[1];
  CHECK(ratio <= 1.37);
  for (std::size_t i = 1; i < sigmas.size(); ++i) CHECK(sigmas[i - 1] / sigmas[i] == doctest::Approx(ratio));
  // One level fewer would put them further apart than 1.37.
  CHECK(std::pow(200.0, 1.0 / static_cast<double>(sigmas.size() - 2)) > 1.37);
  CHECK(losses::geometric_noise_levels(2, 1, 10).size() == 2);
  CHECK(losses::geometric_noise_levels(2, 1, INFINITY).size() == 2);
  CHECK(losses::geometric_noise_levels(20, 0.1, 1.37, 30).size() == 30);  // a floor on the count
  CHECK_THROWS_AS(losses::geometric_noise_levels(1, 2, 1.5), std::invalid_argument);
  CHECK_THROWS_AS(losses::geometric_noise_levels(2, 1, 1), std::invalid_argument);
}

TEST_CASE("finest_column_scale: the grey step of quantised columns, the spacing of continuous ones, whatever D") {
  CHECK(losses::finest_column_scale(grey_levels(500, 8, 1)) == doctest::Approx(1.0 / 16));
  CHECK(losses::finest_column_scale(grey_levels(500, 64, 2)) == doctest::Approx(1.0 / 16));
  // 1,000 rows uniform on [0, 1]: the gaps between sorted values are about 1/1,000 (their median ln 2/1,000).
  Generator generator(3);
  const double spacing = losses::finest_column_scale(rand({1000, 3}, generator, DType::Float64));
  CHECK(spacing > 0.3e-3);
  CHECK(spacing < 1.2e-3);
  CHECK(losses::finest_column_scale(full({5, 2}, 1.0, DType::Float64)) == 0);
}

TEST_CASE("prepare: wide data is standardised per column, the plane keeps its units, and a constant or non-finite column is refused by number") {
  const Tensor data = grey_levels(400, 6, 4);
  TrainConfig config;
  const Tensor z = prepare(config, data);
  REQUIRE(config.standardized());
  CHECK(config.dimension == 6);
  const std::vector<double> values = data.to_vector(), standardised = z.to_vector();
  for (int64_t c = 0; c < 6; ++c) {
    CAPTURE(c);
    double mean = 0, squares = 0;
    for (int64_t r = 0; r < 400; ++r) mean += values[static_cast<std::size_t>(r * 6 + c)] / 400;
    for (int64_t r = 0; r < 400; ++r) squares += std::pow(values[static_cast<std::size_t>(r * 6 + c)] - mean, 2);
    CHECK(config.data_mean[static_cast<std::size_t>(c)] == doctest::Approx(mean));
    CHECK(config.data_scale[static_cast<std::size_t>(c)] == doctest::Approx(std::sqrt(squares / 399)));
    double z_mean = 0;
    for (int64_t r = 0; r < 400; ++r) z_mean += standardised[static_cast<std::size_t>(r * 6 + c)] / 400;
    CHECK(std::abs(z_mean) < 1e-6);
  }
  CHECK(testing::max_relative_error(to_data_units(config, z).to_vector(), values) < 1e-12);
  // The plane: no standardisation, the box about the data.
  TrainConfig plane;
  Generator generator(5);
  prepare(plane, randn({100, 2}, generator, DType::Float64) * 3.0);
  CHECK_FALSE(plane.standardized());
  CHECK(plane.box[0] < -3);
  CHECK(plane.box[1] > 3);
  // A column that is almost always one value gets a quarter of the median column's std as its
  // scale, not its own tiny std: one row in 400 at 0.1, the rest at 0.
  std::vector<double> rare = data.to_vector();
  for (int64_t r = 0; r < 400; ++r) rare[static_cast<std::size_t>(r * 6)] = r == 7 ? 0.1 : 0.0;
  TrainConfig floored;
  prepare(floored, tensor(rare, {400, 6}, DType::Float64));
  std::vector<double> others(floored.data_scale.begin() + 1, floored.data_scale.end());
  std::sort(others.begin(), others.end());
  const double rare_std = 0.1 * std::sqrt((1.0 - 1.0 / 400) / 399);  // 0.1·√(N·p(1 − p)/(N − 1)), p = 1/400
  CHECK(rare_std < 0.25 * others[2]);
  CHECK(floored.data_scale[0] == doctest::Approx(0.25 * others[2]));  // the median of six: the fourth smallest is the others' third
  // Refusals name the column (1-based) and what is wrong.
  std::vector<double> constant = data.to_vector();
  for (int64_t r = 0; r < 400; ++r) constant[static_cast<std::size_t>(r * 6 + 1)] = 0.25;
  TrainConfig refused;
  CHECK_THROWS_WITH_AS(prepare(refused, tensor(constant, {400, 6}, DType::Float64)), "column 2 is constant (every row holds 0.25): it carries no information; drop it",
                       std::invalid_argument);
  std::vector<double> infinite = data.to_vector();
  infinite[3 * 6 + 2] = INFINITY;
  CHECK_THROWS_WITH_AS(prepare(refused, tensor(infinite, {400, 6}, DType::Float64)), "column 3 holds a value that is not finite (row 4)",
                       std::invalid_argument);
}

TEST_CASE("the wide recipe: Song and Ermon's levels down to the finest coordinate scale, a preconditioned energy, a wider network, no Fourier features, annealed samples clipped, not denoised") {
  const Tensor data = grey_levels(600, 12, 6);
  TrainConfig config;
  const Tensor z = prepare(config, data);
  const losses::DataScales scales = losses::data_scales(z);
  const double gamma = losses::noise_level_ratio(12);
  REQUIRE(config.conditional_on_noise());
  CHECK(config.sigmas.front() == doctest::Approx(scales.largest));
  CHECK(config.sigmas.back() == doctest::Approx(losses::finest_column_scale(z)));
  CHECK(config.sigmas == losses::geometric_noise_levels(scales.largest, losses::finest_column_scale(z), gamma, 10));
  CHECK(config.hidden == 128);  // 4 per column, at least 128
  CHECK(config.fourier_features == 0);
  CHECK(config.steps == 3600);
  CHECK(config.preconditioned);
  CHECK(config.sampler.name == "annealed");
  CHECK_FALSE(config.sampler.denoise);
  CHECK(config.sampler.clip);
  CHECK(config.sampler.steps == 100 * static_cast<int64_t>(config.sigmas.size()));
  const std::string recipe = describe_recipe(config);
  CHECK(recipe.find("data: 12 columns, each standardised, z = (x − mean)/std") != std::string::npos);
  CHECK(recipe.find("E(z; σ) = MLP([cz, log σ])/σ + ½c²‖z‖², c = 1/√(1 + σ²)") != std::string::npos);
  CHECK(recipe.find("denoising") == std::string::npos);
  CHECK(recipe.find("clipped to the data's range") != std::string::npos);
  // An option given is kept: the plain form, denoised.
  TrainConfig plain;
  plain.dimension = 12;
  plain.data_mean.assign(12, 0.0);
  plain.preconditioned = false;
  plain.sampler.denoise = true;
  apply_recipe(plain, z, {"--precondition", "--denoise"});
  CHECK_FALSE(plain.preconditioned);
  CHECK(plain.sampler.denoise);
  CHECK(describe_recipe(plain).find("E(z; σ) = MLP([z, log σ])/σ") != std::string::npos);
  TrainConfig wider;
  prepare(wider, grey_levels(300, 64, 7));
  CHECK(wider.hidden == 256);
}

TEST_CASE("StandardizedEnergy: the energy and score of x from a model of z = (x − μ)/s, by the change of variables") {
  // A model of z that is N(0, I): E_z = ½‖z‖², so E(x) = ½‖(x − μ)/s‖² + Σ log s and s(x) = −(x − μ)/s².
  const std::vector<double> mean = {1.0, -2.0, 0.5}, scale = {2.0, 0.5, 3.0};
  const energies::StandardizedEnergy energy(std::make_shared<energies::Harmonic>(1.0), mean, scale, DType::Float64);
  Generator generator(8);
  const Tensor x = randn({7, 3}, generator, DType::Float64) * 2.0;
  const std::vector<double> points = x.to_vector();
  std::vector<double> expected_energy, expected_score;
  const double log_scales = std::log(2.0) + std::log(0.5) + std::log(3.0);
  for (int64_t i = 0; i < 7; ++i) {
    double half_square = 0;
    for (std::size_t d = 0; d < 3; ++d) {
      const double deviation = points[static_cast<std::size_t>(i) * 3 + d] - mean[d];
      half_square += 0.5 * std::pow(deviation / scale[d], 2);
      expected_score.push_back(-deviation / (scale[d] * scale[d]));
    }
    expected_energy.push_back(half_square + log_scales);
  }
  CHECK(testing::max_relative_error(energy.energy(x).to_vector(), expected_energy) < 1e-12);
  CHECK(testing::max_relative_error(energy.score(x).to_vector(), expected_score) < 1e-12);
  {
    NoGradGuard no_grad;  // the fast pass samplers take
    const auto [fast_energy, fast_gradient] = energy.energy_and_gradient(x);
    CHECK(testing::max_relative_error(fast_energy.to_vector(), expected_energy) < 1e-12);
    CHECK(testing::max_relative_error((-fast_gradient).to_vector(), expected_score) < 1e-12);
  }
  CHECK(testing::max_relative_error(energy.unstandardize(energy.standardize(x)).to_vector(), points) < 1e-12);
  CHECK(gradcheck([&energy](const std::vector<Tensor>& in) { return sum(energy.energy(in[0])); }, {x.detach().requires_grad_()}));
  CHECK_THROWS_WITH_AS(energies::StandardizedEnergy(std::make_shared<energies::Harmonic>(), {0.0, 0.0}, {1.0, 0.0}),
                       doctest::Contains("column 1 needs a finite mean and a finite scale > 0"), std::invalid_argument);
}

TEST_CASE("annealed Langevin's denoising step is Tweedie's formula x + σ_L²·s(x, σ_L)") {
  // Unit Gaussian data convolved with N(0, σ²I) has s(x; σ) = −x/(1 + σ²): denoising gives x/(1 + σ_L²).
  auto energy = std::make_shared<testing::SmoothedGaussian>();
  samplers::AnnealedLangevin sampler(energy, {.sigmas = {1.0, 0.3}, .step_size = 1e-3, .denoise = true});
  Generator generator(9);
  const Tensor x0 = randn({6, 2}, generator, DType::Float64);
  const Tensor denoised = sampler.sample(x0, 0, generator);
  CHECK(testing::max_relative_error(denoised.to_vector(), (x0 / 1.09).to_vector()) < 1e-12);
  CHECK(energy->levels.back() == 0.3);
}

TEST_CASE("TrainedModel: a saved wide model reloads with its energies, scores and samples in the data's units") {
  Scratch scratch("trained");
  const Tensor data = grey_levels(300, 5, 10);
  const TrainConfig config = save_untrained(scratch.path, data);
  const TrainedModel model = TrainedModel::load(scratch.path.string());
  CHECK(model.dimension() == 5);
  CHECK(model.noise_levels() == config.sigmas);
  CHECK(model.description() == describe_recipe(config));
  // E(x) = E_z(z) + Σ log s, with E_z the reloaded model of z at its finest level.
  const LoadedModel loaded = load_model((scratch.path / "model.ebm").string());
  double log_scales = 0;
  for (double s : config.data_scale) log_scales += std::log(s);
  const Tensor rows = slice(data, 0, 0, 8);
  const std::vector<double> inner = loaded.energy->energy(to_model_units(config, rows).to(DType::Float32)).to_vector();
  const std::vector<double> energies = model.energy(rows).to_vector();
  REQUIRE(energies.size() == 8);
  for (std::size_t i = 0; i < 8; ++i) CHECK(energies[i] == doctest::Approx(inner[i] + log_scales).epsilon(1e-5));
  // The score against central differences of the energy, in x.
  const std::vector<double> scores = model.score(rows).to_vector(), points = rows.to_vector();
  for (int64_t d = 0; d < 5; ++d) {
    std::vector<double> up = points, down = points;
    const double h = 1e-2 * config.data_scale[static_cast<std::size_t>(d)];
    up[static_cast<std::size_t>(d)] += h;
    down[static_cast<std::size_t>(d)] -= h;
    const double difference = (model.energy(tensor(up, {8, 5}, DType::Float64)).to_vector()[0] -
                               model.energy(tensor(down, {8, 5}, DType::Float64)).to_vector()[0]) / (2 * h);
    CHECK(-scores[static_cast<std::size_t>(d)] == doctest::Approx(difference).epsilon(2e-2).scale(1e-3));
  }
  // Noise levels: energies differ between levels, and the model returns to σ_L.
  CHECK(model.energy(rows, config.sigmas.front()).to_vector() != energies);
  CHECK(model.energy(rows).to_vector() == energies);
  // Samples: the recorded sampler's chains, mapped back to x, then clipped to the data's range.
  REQUIRE(config.sampler.clip);
  SamplerConfig unclipped = config.sampler;
  unclipped.clip = false;
  Generator first(11), second(11), third(11);
  const Tensor raw = model.sample(20, unclipped, first);
  CHECK(raw.shape() == Shape{20, 5});
  const Tensor start = rand({20, 5}, second) * 8.0 - 4.0;
  const Tensor by_hand = to_data_units(config, make_sampler(config.sampler, loaded.energy)->sample(start, config.sampler.steps, second));
  CHECK(testing::max_relative_error(raw.to_vector(), by_hand.to_vector()) < 1e-5);
  const std::vector<double> clipped = model.sample(20, third).to_vector(), unclipped_values = raw.to_vector();
  for (std::size_t i = 0; i < clipped.size(); ++i) {
    const std::size_t column = i % 5;
    CHECK(clipped[i] == doctest::Approx(std::clamp(unclipped_values[i], config.data_low[column], config.data_high[column])).epsilon(1e-6));
  }
  CHECK_THROWS_WITH_AS(model.energy(slice(data, 1, 0, 4)), doctest::Contains("points must be [N, 5]"), std::invalid_argument);
}

TEST_CASE("TrainedModel of one level refuses an energy at σ, and the plane's model is in the data's own units") {
  Scratch scratch("plain");
  Generator generator(12);
  const Tensor data = randn({200, 2}, generator, DType::Float64);
  TrainConfig config;
  config.loss = "nce";
  prepare(config, data);
  config.hidden = 8;
  Generator init(config.seed);  // a model's Fourier frequencies are redrawn from its seed when it loads
  const auto energy = make_energy(config, init);
  save_model(scratch.path.string(), config, TrainState{}, *energy, energy->parameters(), nullptr);
  const TrainedModel model = TrainedModel::load(scratch.path.string());
  CHECK(model.noise_levels().empty());
  CHECK(testing::max_relative_error(model.energy(data).to_vector(), energy->energy(data.to(DType::Float32)).to_vector()) < 1e-6);
  CHECK_THROWS_WITH_AS(model.energy(data, 0.5), doctest::Contains("needs a noise-conditional model"), std::invalid_argument);
}

TEST_CASE("model files: every corruption is refused with ModelFileError naming the file and the problem") {
  Scratch scratch("corrupt");
  save_untrained(scratch.path, grey_levels(100, 3, 13));
  const fs::path file = scratch.path / "model.ebm";
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto refused = [&](const std::string& contents, const std::string& message) {
    CAPTURE(message);
    std::ofstream(file, std::ios::binary | std::ios::trunc) << contents;
    CHECK_THROWS_WITH_AS(load_model(scratch.path.string()), doctest::Contains(message.c_str()), ModelFileError);
  };
  CHECK_THROWS_WITH_AS(load_model((scratch.path / "missing").string()), doctest::Contains("no model in"), ModelFileError);
  refused("not a model", "is not an ebm model file");
  std::string future = bytes;
  const uint32_t version = model_format_version + 1;
  std::memcpy(future.data() + 8, &version, sizeof version);
  refused(future, "has model format version " + std::to_string(version));
  refused(bytes.substr(0, 40), "is truncated");
  uint64_t length;
  std::memcpy(&length, bytes.data() + 12, sizeof length);
  std::string json = bytes.substr(20, length);
  std::string broken = bytes;
  broken[20 + length / 2] = '#';
  refused(broken, "is corrupted");
  // A standardisation that does not fit the columns.
  const std::string scale_field = "\"data_scale\": [";
  std::string wrong_scale = json;
  wrong_scale.replace(wrong_scale.find(scale_field) + scale_field.size(), 0, "0.0,");
  std::string resized = bytes.substr(0, 12);
  const uint64_t new_length = wrong_scale.size();
  resized.append(reinterpret_cast<const char*>(&new_length), sizeof new_length);
  refused(resized + wrong_scale + bytes.substr(20 + length), "its standardisation does not fit its 3 columns");
  refused(bytes.substr(0, bytes.size() - 8), "does not match the architecture");
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
  CHECK(load_model(file.string()).config.dimension == 3);  // the file itself, not only its directory
}
