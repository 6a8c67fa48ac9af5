// What the default recipes are built from: noise levels from the data, score objectives per
// level, annealed Langevin's step rule, MALA's step adaptation and the learning-rate schedule.
#include <cmath>

#include "test_support.hpp"

namespace {

using namespace ebm;
using namespace ebm::losses;
using namespace ebm::samplers;
using ebm::testing::SmoothedGaussian;

Tensor column(const std::vector<double>& values) {
  return tensor(values, {static_cast<int64_t>(values.size()), 1}, DType::Float64);
}

}  // namespace

TEST_CASE("data_scales and noise_levels_from_data: the largest pairwise and the median nearest-neighbour distance") {
  // Points 0, 1, 3: the largest distance is 3; the nearest neighbours are 1, 1 and 2 away.
  const DataScales scales = data_scales(column({0, 1, 3}));
  CHECK(scales.largest == 3);
  CHECK(scales.finest == 1);
  const std::vector<double> levels = noise_levels_from_data(column({0, 1, 3}), 3);
  REQUIRE(levels.size() == 3);
  CHECK(levels[0] == doctest::Approx(3));
  CHECK(levels[1] == doctest::Approx(std::sqrt(3.0)));
  CHECK(levels[2] == doctest::Approx(1));
  CHECK(noise_levels_from_scales(scales, 3) == levels);
  // A repeated point has no scale of its own: nearest distances 0, 0, 1, 2 → the median of {1, 2}.
  CHECK(data_scales(column({0, 0, 1, 3})).finest == 2);
  CHECK(data_scales(column({2, 2})).finest == 0);
  CHECK_THROWS_WITH_AS(noise_levels_from_data(column({2, 2, 2}), 10), doctest::Contains("no spread"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(noise_levels_from_data(column({0, 1}), 1), doctest::Contains("at least 2 levels"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(data_scales(column({0})), doctest::Contains("N ≥ 2"), std::invalid_argument);
}

TEST_CASE("NoiseLevelsLoss: exact score matching per level pins the closed form −D/(2(1 + σ²)), weighted by σ²") {
  // Data N(0, I) perturbed at σ is N(0, (1 + σ²)I), and E_σ = ½‖x‖²/(1 + σ²) is its energy:
  // ½‖∇E‖² − ΔE has mean D/(2(1 + σ²)) − D/(1 + σ²) = −D/(2(1 + σ²)).
  auto energy = std::make_shared<SmoothedGaussian>();
  Generator generator(5);
  const std::vector<double> sigmas = {2.0, 0.5};
  NoiseLevelsLoss loss(std::make_unique<ScoreMatchingLoss>(energy), {.sigmas = sigmas, .generator = &generator});
  const int64_t n = 40000, d = 2;
  const LossOutput output = loss(randn({n, d}, generator, DType::Float64));
  CHECK(energy->levels == sigmas);  // set before each level's term, in order
  double weighted = 0, weights = 0;
  for (double sigma : sigmas) {
    const double level = -static_cast<double>(d) / (2 * (1 + sigma * sigma));
    // Each level sees n/2 points; ½‖x̃‖²/(1 + σ²)² has standard deviation √(D/2)/(1 + σ²).
    const double standard_error = std::sqrt(d / 2.0) / (1 + sigma * sigma) / std::sqrt(n / 2.0);
    CHECK(std::abs(output.metrics.at(sigma_metric_name(sigma)) - level) < 5 * standard_error);
    weighted += sigma * sigma * level;
    weights += sigma * sigma;
  }
  CHECK(std::abs(output.loss.item() - weighted / weights) < 5 * std::sqrt(d / 2.0) / std::sqrt(n / 2.0));
}

TEST_CASE("NoiseLevelsLoss: each level is the inner objective on its perturbed points, draw for draw") {
  auto energy = std::make_shared<SmoothedGaussian>();
  const Tensor x = randn({6, 2}, *std::make_unique<Generator>(7), DType::Float64);
  for (const bool split : {true, false}) {
    CAPTURE(split);
    Generator generator(8), replay(8);
    NoiseLevelsLoss loss(std::make_unique<ScoreMatchingLoss>(energy), {.sigmas = {1.0, 0.3}, .split_batch = split, .generator = &generator});
    const LossOutput output = loss(x);
    ScoreMatchingLoss inner(energy);
    double weighted = 0;
    for (int64_t level = 0; level < 2; ++level) {
      const double sigma = level == 0 ? 1.0 : 0.3;
      energy->set_noise_level(sigma);
      const Tensor part = split ? slice(x, 0, 3 * level, 3 * level + 3) : x;
      const double value = inner(part + sigma * randn_like(part, replay)).loss.item();
      CHECK(output.metrics.at(sigma_metric_name(sigma)) == doctest::Approx(value).epsilon(1e-14));
      weighted += sigma * sigma * value;
    }
    CHECK(output.loss.item() == doctest::Approx(weighted / (1.0 + 0.09)).epsilon(1e-14));
  }
  Generator generator(9);
  NoiseLevelsLoss three_levels(std::make_unique<ScoreMatchingLoss>(energy), {.sigmas = {1.0, 0.5, 0.1}, .generator = &generator});
  CHECK_THROWS_WITH_AS(three_levels(zeros({2, 2}, DType::Float64)), doctest::Contains("a batch of 2 points for 3 levels"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(NoiseLevelsLoss(std::make_unique<ScoreMatchingLoss>(energy), {.sigmas = {}}), doctest::Contains("empty"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(NoiseLevelsLoss(nullptr, {.sigmas = {1.0}}), doctest::Contains("must not be null"), std::invalid_argument);
}

TEST_CASE("annealed_step_ratio: T Langevin steps at the chosen ratio take a chain of variance γ²σ² to variance σ²") {
  for (const auto& [gamma, steps] : std::vector<std::pair<double, int64_t>>{{2.0, 100}, {1.5, 10}, {3.0, 30}}) {
    CAPTURE(gamma);
    CAPTURE(steps);
    const double u = annealed_step_ratio(gamma, steps);
    REQUIRE(u > 0);
    REQUIRE(u < 1);
    const auto variance_ratio = [&](double ratio) {
      const double stationary = 2 / (2 - ratio);
      return std::pow(1 - ratio, 2.0 * static_cast<double>(steps)) * (gamma * gamma - stationary) + stationary;
    };
    // The closest to 1 of its neighbourhood.
    CHECK(std::abs(variance_ratio(u) - 1) <= std::abs(variance_ratio(u * 0.9) - 1));
    CHECK(std::abs(variance_ratio(u) - 1) <= std::abs(variance_ratio(u * 1.1) - 1));
    // The chains themselves: Langevin with step α = u·σ² on N(0, σ²) (σ = 0.3), from N(0, γ²σ²).
    const double sigma = 0.3;
    Generator generator(11);
    auto target = std::make_shared<energies::Gaussian>(zeros({1}, DType::Float64), full({1, 1}, sigma * sigma, DType::Float64));
    LangevinDynamics langevin(target, {.step_size = u * sigma * sigma});
    const int64_t chains = 20000;
    const Tensor end = langevin.sample(randn({chains, 1}, generator, DType::Float64) * (gamma * sigma), steps, generator);
    const double variance = mean(square(end)).item() / (sigma * sigma);
    CHECK(std::abs(variance - variance_ratio(u)) < 5 * variance_ratio(u) * std::sqrt(2.0 / chains));
  }
  CHECK_THROWS_WITH_AS(annealed_step_ratio(1.0, 10), doctest::Contains("γ > 1"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(annealed_step_ratio(2.0, 0), doctest::Contains("at least one step"), std::invalid_argument);
}

TEST_CASE("MALA adapts its step toward the target acceptance in burn-in, then keeps it") {
  auto target = std::make_shared<SmoothedGaussian>();  // σ = 1: N(0, 2I)
  for (const double start : {1e-4, 30.0}) {
    CAPTURE(start);
    Generator generator(12);
    MALA adapting(target, {.step_size = start, .adapt_steps = 300});
    const Tensor x = adapting.sample(randn({2000, 2}, generator, DType::Float64), 400, generator);
    const std::vector<double>& steps = adapting.diagnostics().step_sizes;
    REQUIRE(steps.size() == 400);
    CHECK(steps.front() == doctest::Approx(start).epsilon(1e-12));
    for (std::size_t t = 301; t < steps.size(); ++t) CHECK(steps[t] == steps[300]);
    // A plain MALA at the tuned step accepts at about the target rate.
    MALA tuned(target, {.step_size = steps.back()});
    tuned.sample(x, 100, generator);
    double acceptance = 0;
    for (double rate : tuned.diagnostics().acceptance_rate) acceptance += rate / 2000;
    CHECK(std::abs(acceptance - 0.574) < 0.05);
  }
  CHECK_THROWS_WITH_AS(MALA(target, {.adapt_steps = -1}), doctest::Contains("adapt_steps"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(MALA(target, {.target_acceptance = 1.0}), doctest::Contains("(0, 1)"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(MALA(target, {.adapt_steps = 10, .chain = {.schedule = Schedule::Cosine}}), doctest::Contains("Constant"),
                       std::invalid_argument);
}

TEST_CASE("Adam::set_lr sets the size of the next steps") {
  // Adam's first step moves each parameter by lr·g/(|g| + ε): lr, for g far above ε.
  for (const double lr : {1e-3, 4e-3}) {
    Tensor parameter = tensor({1.0, -2.0}, {2}, DType::Float64).requires_grad_(true);
    optim::Adam adam({parameter}, {.lr = 1e-3});
    adam.set_lr(lr);
    CHECK(adam.lr() == lr);
    sum(square(parameter)).backward();
    adam.step();
    CHECK(parameter.to_vector()[0] == doctest::Approx(1.0 - lr).epsilon(1e-9));
    CHECK(parameter.to_vector()[1] == doctest::Approx(-2.0 + lr).epsilon(1e-9));
  }
  Tensor parameter = zeros({1}, DType::Float64).requires_grad_(true);
  optim::Adam adam({parameter});
  CHECK_THROWS_WITH_AS(adam.set_lr(-1), doctest::Contains("lr"), std::invalid_argument);
}
