// The default recipes of `ebm train` (models/recipe.hpp) on the plane's datasets: what they fill in
// from the data, what they leave to the command line, and how older models' configurations read.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/ops.hpp"
#include "losses/noise_levels.hpp"
#include "models/factory.hpp"
#include "models/model_file.hpp"
#include "models/recipe.hpp"
#include "samplers/langevin.hpp"
#include "tools/datasets.hpp"

namespace {

using namespace ebm;
using namespace ebm::models;
using ebm::tools::dataset_parameters;
using ebm::tools::generate_dataset;

/// The configuration as JSON, to edit as an older file would have it.
nlohmann::json json_of(const TrainConfig& config) { return nlohmann::json::parse(config_to_json(config)); }

Tensor mixture_data() {
  Generator generator(3);
  return generate_dataset("gaussian_mixture", 2000, dataset_parameters("gaussian_mixture", {}), generator);
}

TrainConfig configured(const std::string& loss, const std::vector<std::string>& given = {}, TrainConfig config = {}) {
  config.loss = loss;
  prepare(config, mixture_data(), given);
  return config;
}

}  // namespace

TEST_CASE("recipe: a score loss gets noise levels from the data and annealed Langevin over them") {
  const losses::DataScales scales = losses::data_scales(mixture_data());
  for (const std::string loss : {"dsm", "ssm", "sm"}) {
    CAPTURE(loss);
    const TrainConfig c = configured(loss);
    REQUIRE(c.conditional_on_noise());
    REQUIRE(c.sigmas.size() == 10);
    CHECK(c.sigmas.front() == doctest::Approx(scales.largest));
    CHECK(c.sigmas.back() == doctest::Approx(scales.finest));
    for (std::size_t i = 1; i < c.sigmas.size(); ++i) CHECK(c.sigmas[i] / c.sigmas[i - 1] == doctest::Approx(c.sigmas[1] / c.sigmas[0]));
    CHECK(c.sampler.name == "annealed");
    CHECK(c.sampler.denoise);             // the plane's samples are denoised,
    CHECK_FALSE(c.preconditioned);        // and its data, in its own units, not preconditioned
    CHECK(c.sampler.sigmas == c.sigmas);
    CHECK(c.sampler.steps == 1000);
    // Technique 4 for 10 of the 100 steps per level (docs/recipes.md says why), ε = 2u·σ_L².
    const double gamma = c.sigmas[0] / c.sigmas[1];
    CHECK(c.sampler.step_size == doctest::Approx(2 * samplers::annealed_step_ratio(gamma, 10) * c.sigmas.back() * c.sigmas.back()));
    CHECK(model_noise_levels(c) == c.sigmas);
    CHECK(describe_recipe(c).find("10 noise levels") != std::string::npos);
  }
  CHECK(configured("dsm").steps == 1800);
  CHECK(configured("ssm").steps == 7000);
  CHECK(configured("sm").steps == 8000);
}

TEST_CASE("recipe: other models get MALA with its step adapted over the first half of its steps") {
  const double finest = losses::data_scales(mixture_data()).finest;
  for (const std::string loss : {"nce", "cd", "pcd"}) {
    CAPTURE(loss);
    const TrainConfig c = configured(loss);
    CHECK_FALSE(c.conditional_on_noise());
    CHECK(c.sampler.name == "mala");
    CHECK(c.sampler.steps == 1000);
    CHECK(c.sampler.adapt_steps == 500);
    CHECK(c.sampler.step_size == doctest::Approx(finest * finest / 2));
    CHECK(c.sampler.start == (loss == "cd" ? "uniform" : "resampled"));
    CHECK(model_noise_levels(c).empty());
    if (loss != "nce") {  // exact negatives, whose step stays tuned through training
      CHECK(c.cd_sampler.name == "mala");
      CHECK(c.cd_sampler.adapt_steps == c.cd_steps);
    }
  }
  CHECK(configured("nce").steps == 20000);
  CHECK(configured("nce").sampler.start == "resampled");
  CHECK(configured("cd").steps == 4000);
  CHECK(describe_recipe(configured("cd")).find("negatives: mala, 10 steps from the data, step adapted toward acceptance 0.574; energy "
                                               "regulariser λ 0.1") != std::string::npos);
  // --plain: dsm at one level σ = 0.1 with a plain energy, sampled by MALA.
  TrainConfig plain;
  plain.noise_conditional = false;
  const TrainConfig c = configured("dsm", {}, plain);
  CHECK(c.sigmas == std::vector<double>{0.1});
  CHECK(c.sampler.name == "mala");
  CHECK(describe_recipe(c).find("energy MLP(x), noise level(s) σ = 0.1") != std::string::npos);
}

TEST_CASE("recipe: pcd restarts a fifth of its chains at data points, with λ 0.05, and cd neither") {
  const TrainConfig pcd = configured("pcd");
  CHECK(pcd.data_restart_fraction == 0.2);
  CHECK(pcd.energy_regularization == 0.05);
  CHECK(describe_recipe(pcd).find("negatives: mala, 10 steps from a replay buffer of 10000 chains (5% restarted uniformly, 20% at data "
                                  "points), step adapted toward acceptance 0.574; energy regulariser λ 0.05") != std::string::npos);
  const TrainConfig cd = configured("cd");
  CHECK(cd.data_restart_fraction == 0);
  CHECK(cd.energy_regularization == 0.1);
  TrainConfig given_values;
  given_values.data_restart_fraction = 0;
  given_values.energy_regularization = 0.3;
  const TrainConfig given = configured("pcd", {"--data-restarts", "--energy-reg"}, given_values);
  CHECK(given.data_restart_fraction == 0);
  CHECK(given.energy_regularization == 0.3);
}

TEST_CASE("recipe: what the command line gives stays as given") {
  TrainConfig given_values;
  given_values.sigmas = {2.0, 0.5, 0.1};
  given_values.steps = 7;
  given_values.sampler.name = "langevin";
  given_values.sampler.step_size = 0.02;
  given_values.sampler.steps = 30;
  const TrainConfig c = configured("dsm", {"--sigma", "--steps", "--sampler", "--step-size", "--sampler-steps"}, given_values);
  CHECK(c.sigmas == given_values.sigmas);
  CHECK(c.steps == 7);
  CHECK(c.sampler.name == "langevin");
  CHECK(c.sampler.step_size == 0.02);
  CHECK(c.sampler.steps == 30);
  // An annealed sampler given its own levels and steps: ε by technique 4 for those.
  TrainConfig annealed;
  annealed.sampler.sigmas = {1.0, 0.1};
  annealed.sampler.steps = 400;
  const TrainConfig a = configured("dsm", {"--sigmas", "--sampler-steps"}, annealed);
  CHECK(a.sampler.sigmas == annealed.sampler.sigmas);
  CHECK(a.sampler.step_size == doctest::Approx(2 * samplers::annealed_step_ratio(10.0, 20) * 0.01));
}

TEST_CASE("recipe: every loss but cd sees 16 Fourier features of std 4/σ₁, averaged over the noise when noise-conditional, but cd and --plain x itself") {
  const double largest = losses::data_scales(mixture_data()).largest;
  for (const std::string loss : {"dsm", "ssm", "sm", "nce", "pcd"}) {
    CAPTURE(loss);
    const TrainConfig c = configured(loss);
    const bool conditional = loss != "nce" && loss != "pcd";
    CHECK(c.fourier_features == 16);
    CHECK(c.fourier_scale == doctest::Approx(4 / largest));
    CHECK(c.fourier_averaged);
    const std::string recipe = describe_recipe(c);
    CHECK(recipe.find(conditional ? "E(x; σ) = MLP([γ(x), log σ])/σ" : "energy MLP(γ(x))") != std::string::npos);
    CHECK(recipe.find("Fourier features γ(x) = [x, cos 2πxBᵀ, sin 2πxBᵀ]: 16 frequencies B of std") != std::string::npos);
    CHECK((recipe.find("each averaged over the level's noise") != std::string::npos) == conditional);
  }
  CHECK(configured("cd").fourier_features == 0);
  CHECK(describe_recipe(configured("cd")).find("Fourier") == std::string::npos);
  TrainConfig plain;
  plain.noise_conditional = false;
  for (const std::string loss : {"dsm", "ssm", "sm"}) {
    CAPTURE(loss);
    CHECK(configured(loss, {}, plain).fourier_features == 0);
  }
  // Given values stay: none for dsm, some for cd, a scale of one's own.
  TrainConfig none;
  none.fourier_features = 0;
  CHECK(configured("dsm", {"--fourier-features"}, none).fourier_features == 0);
  TrainConfig some;
  some.fourier_features = 8;
  some.fourier_scale = 0.5;
  const TrainConfig cd = configured("cd", {"--fourier-features", "--fourier-scale"}, some);
  CHECK(cd.fourier_features == 8);
  CHECK(cd.fourier_scale == 0.5);
}

TEST_CASE("a model with Fourier features reads back as the same energy: its frequencies are redrawn from the seed") {
  TrainConfig c;
  c.loss = "dsm";
  c.hidden = 8;
  c.seed = 12;
  c.sigmas = {1.0, 0.1};
  c.fourier_features = 3;
  c.fourier_scale = 2;
  Generator init(c.seed);
  const auto energy = make_energy(c, init);
  REQUIRE(energy->frequencies().shape() == Shape{3, 2});
  const std::filesystem::path directory = std::filesystem::temp_directory_path() / "ebm_recipe_fourier_model";
  std::filesystem::remove_all(directory);
  std::filesystem::create_directories(directory);
  save_model(directory.string(), c, TrainState{}, *energy, energy->parameters(), nullptr);
  const LoadedModel loaded = load_model(directory.string());
  std::filesystem::remove_all(directory);
  CHECK(loaded.config.fourier_features == 3);
  CHECK(loaded.config.fourier_averaged);
  CHECK(loaded.energy->frequencies().to_vector() == energy->frequencies().to_vector());
  Generator points(13);
  const Tensor x = randn({5, 2}, points);
  CHECK(loaded.energy->energy(x).to_vector() == energy->energy(x).to_vector());
  // A format-3 file has no Fourier fields: the network sees x itself.
  nlohmann::json json = json_of(c);
  json.erase("fourier_features");
  json.erase("fourier_scale");
  CHECK(config_from_json(json.dump(), 3).fourier_features == 0);
  // A format-4 file has features but no average: its model sees them whole at every level.
  json = json_of(c);
  json.erase("fourier_averaged");
  CHECK_FALSE(config_from_json(json.dump(), 4).fourier_averaged);
  // A format-5 file has no data restarts: its pcd chains restarted only in the box.
  c.data_restart_fraction = 0.2;
  json = json_of(c);
  json.erase("data_restart_fraction");
  CHECK(config_from_json(json.dump(), 5).data_restart_fraction == 0);
  // A format-6 file has no standardisation and no denoising: the model sees x, its samples keep σ_L's noise.
  c.sampler.denoise = true;
  json = json_of(c);
  json.erase("data_mean");
  json.erase("data_scale");
  json["sampler"].erase("denoise");
  const TrainConfig format_6 = config_from_json(json.dump(), 6);
  CHECK_FALSE(format_6.standardized());
  CHECK_FALSE(format_6.sampler.denoise);
  // A format-7 file's noise-conditional model is not preconditioned.
  c.preconditioned = true;
  json = json_of(c);
  CHECK(config_from_json(json.dump(), 8).preconditioned);
  json.erase("preconditioned");
  CHECK_FALSE(config_from_json(json.dump(), 7).preconditioned);
}

TEST_CASE("recipe: data without spread gets a clear refusal for noise levels, and MALA's default step") {
  const Tensor point = full({5, 2}, 0.3, DType::Float64);
  TrainConfig dsm;
  dsm.dimension = 2;
  CHECK_THROWS_WITH_AS(apply_recipe(dsm, point, {}), doctest::Contains("give the levels with --sigma"), std::invalid_argument);
  TrainConfig cd;
  cd.loss = "cd";
  cd.dimension = 2;
  apply_recipe(cd, point, {});
  CHECK(cd.sampler.name == "mala");
  CHECK(cd.sampler.step_size == SamplerConfig{}.step_size);
}

TEST_CASE("a version-1 model's configuration reads with the settings its run used") {
  TrainConfig c;
  c.loss = "dsm";
  c.sigmas = {0.1};
  nlohmann::json json = json_of(c);
  for (const char* added : {"noise_conditional", "noise_levels", "lr_schedule", "fourier_features", "fourier_scale", "fourier_averaged",
                            "data_restart_fraction", "data_mean", "data_scale", "preconditioned"}) {
    json.erase(added);
  }
  for (const char* sampler : {"sampler", "cd_sampler"}) {
    json[sampler].erase("adapt_steps");
    json[sampler].erase("target_acceptance");
    json[sampler].erase("denoise");
  }
  const TrainConfig read = config_from_json(json.dump(), 1);
  CHECK_FALSE(read.noise_conditional);
  CHECK_FALSE(read.conditional_on_noise());
  CHECK(read.lr_schedule == "constant");
  CHECK(read.noise_levels == 10);
  CHECK(read.sampler.adapt_steps == 0);
  CHECK(read.cd_sampler.adapt_steps == 0);
  // A current configuration round-trips, and a field that was always required still is.
  CHECK(config_to_json(config_from_json(config_to_json(c), model_format_version)) == config_to_json(c));
  json.erase("hidden");
  CHECK_THROWS_WITH_AS(config_from_json(json.dump(), 1), doctest::Contains("hidden"), ModelFileError);
}

TEST_CASE("a model of format 2 or older samples with the chains it was trained with: its annealed ε doubles") {
  TrainConfig c;
  c.sampler.name = "annealed";
  c.sampler.step_size = 1e-3;
  c.cd_sampler.name = "annealed";
  c.cd_sampler.step_size = 1e-4;
  for (uint32_t version : {1u, 2u}) {
    const TrainConfig read = config_from_json(config_to_json(c), version);
    CHECK(read.sampler.step_size == 2e-3);
    CHECK(read.cd_sampler.step_size == 2e-4);
  }
  CHECK(config_from_json(config_to_json(c), 3).sampler.step_size == 1e-3);
  c.sampler.name = "mala";  // other samplers kept their convention
  CHECK(config_from_json(config_to_json(c), 2).sampler.step_size == 1e-3);
}
