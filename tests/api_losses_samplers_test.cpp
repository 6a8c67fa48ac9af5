// The "samplers" and "losses" sections of docs/api.md, written as users write them.
#include <cmath>
#include <memory>

#include "test_support.hpp"

TEST_CASE("API.md samplers section: names and call shapes") {
  using namespace ebm;
  using namespace ebm::samplers;
  std::shared_ptr<energies::EnergyFunction> energy = std::make_shared<energies::Harmonic>();
  LangevinOptions langevin_options{.step_size = 1e-2, .noise_scale = 1.0};
  MALAOptions mala_options{.step_size = 1e-2};
  HMCOptions hmc_options{.step_size = 1e-2, .n_leapfrog = 10};
  AnnealedLangevinOptions annealed_options{.sigmas = {1.0, 0.5, 0.25, 0.1}, .step_size = 2e-5, .steps_per_level = 100};
  std::unique_ptr<Sampler> samplers[] = {
      std::make_unique<LangevinDynamics>(energy), std::make_unique<LangevinDynamics>(energy, langevin_options),
      std::make_unique<MALA>(energy), std::make_unique<MALA>(energy, mala_options),
      std::make_unique<HamiltonianMonteCarlo>(energy), std::make_unique<HamiltonianMonteCarlo>(energy, hmc_options),
      std::make_unique<AnnealedLangevin>(energy), std::make_unique<AnnealedLangevin>(energy, annealed_options)};
  const Tensor x0 = randn({4, 2});
  for (auto& sampler : samplers) {
    const Tensor x = sampler->sample(randn({4, 2}), 8);
    CHECK(x.shape() == Shape{4, 2});
    // The chains move, record nothing, and the generator's seed fixes the draws.
    Generator generator(1), same_seed(1);
    const Tensor y = sampler->sample(x0, 8, generator);
    CHECK(y.shape() == Shape{4, 2});
    CHECK(y.to_vector() != x0.to_vector());
    CHECK_FALSE(y.requires_grad());
    CHECK(sampler->sample(x0, 8, same_seed).to_vector() == y.to_vector());
  }
}

TEST_CASE("API.md losses section: names and call shapes") {
  using namespace ebm;
  using namespace ebm::losses;
  auto energy = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{2, 8, 1});
  const Tensor x = randn({16, 2});
  const Tensor neg = randn({16, 2});

  MLEOptions mle_options{.alpha = 1.0, .regularization = Regularization::L2, .reg_strength = 0.0};
  CDOptions cd_options{.sampler = nullptr, .n_steps = 10, .alpha = 1.0, .persistent = false, .buffer_size = 10000};
  NCEOptions nce_options{.noise = nullptr, .noise_ratio = 1.0, .log_partition = 0.0, .learn_partition = true};
  SMOptions sm_options{.method = TraceMethod::Exact, .n_probes = 1};
  [[maybe_unused]] SMOptions sm_positional{TraceMethod::Hutchinson, 4};  // the contract's fields, in its order
  DSMOptions dsm_options{.sigmas = {0.1}, .weight_by_sigma_squared = true};
  SSMOptions ssm_options{.n_projections = 1, .projection = Projection::Gaussian, .variance_reduced = false};
  // Regularization: R(θ) = Σ|θ| (L1) or Σθ² (L2); none for None.
  const Tensor theta = tensor({1.5, -2.0}, {2}, DType::Float64);
  CHECK(parameter_penalty({theta}, Regularization::L1).item() == 3.5);
  CHECK(parameter_penalty({theta}, Regularization::L2).item() == 6.25);
  CHECK_FALSE(parameter_penalty({theta}, Regularization::None).defined());
  // TraceMethod and Projection on E = ½‖x‖² (∇²E = I): Rademacher probes and projections on the
  // sphere of radius √D give vᵀIv = D = 2 exactly, so Hutchinson's trace equals the exact one;
  // Gaussian projections give ‖v‖², only 2 on average.
  auto harmonic = std::make_shared<energies::Harmonic>();
  const Tensor points = randn({16, 2}, default_generator(), DType::Float64);
  ScoreMatchingLoss exact(harmonic, {.method = TraceMethod::Exact});
  ScoreMatchingLoss hutchinson(harmonic, {.method = TraceMethod::Hutchinson, .probe = Projection::Rademacher});
  CHECK(exact(points).metrics.at("hessian_trace") == doctest::Approx(2).epsilon(1e-12));
  CHECK(hutchinson(points).metrics.at("hessian_trace") == doctest::Approx(2).epsilon(1e-12));
  for (Projection projection : {Projection::Rademacher, Projection::Sphere, Projection::Gaussian}) {
    CAPTURE(static_cast<int>(projection));
    SlicedScoreMatchingLoss sliced(harmonic, {.projection = projection});
    const double projected = sliced(points).metrics.at("hessian_projection");
    if (projection == Projection::Gaussian) {
      CHECK(std::abs(projected - 2) > 1e-6);
    } else {
      CHECK(projected == doctest::Approx(2).epsilon(1e-12));
    }
  }

  std::unique_ptr<Loss> losses[] = {
      std::make_unique<MLELoss>(energy), std::make_unique<MLELoss>(energy, mle_options),
      std::make_unique<ContrastiveDivergenceLoss>(energy), std::make_unique<ContrastiveDivergenceLoss>(energy, cd_options),
      std::make_unique<NCELoss>(energy), std::make_unique<NCELoss>(energy, nce_options),
      std::make_unique<ScoreMatchingLoss>(energy), std::make_unique<ScoreMatchingLoss>(energy, sm_options),
      std::make_unique<DenoisingScoreMatchingLoss>(energy), std::make_unique<DenoisingScoreMatchingLoss>(energy, dsm_options),
      std::make_unique<SlicedScoreMatchingLoss>(energy), std::make_unique<SlicedScoreMatchingLoss>(energy, ssm_options),
      make_loss("mle", energy), make_loss("cd", energy), make_loss("pcd", energy), make_loss("nce", energy),
      make_loss("sm", energy), make_loss("dsm", energy), make_loss("ssm", energy)};
  for (auto& loss_function : losses) {
    Loss& objective = *loss_function;
    // NCE takes neg only as draws of a noise distribution it was given.
    const auto* nce = dynamic_cast<NCELoss*>(&objective);
    const Tensor given_neg = nce != nullptr && nce->noise() == nullptr ? Tensor() : neg;
    auto [loss, metrics] = objective(x, given_neg);
    CHECK(metrics.at("loss") == loss.item());
    // The energy's parameters, and NCE's log Z.
    const std::vector<Tensor> parameters = objective.parameters();
    CHECK(parameters.size() == energy->parameters().size() + (dynamic_cast<NCELoss*>(&objective) != nullptr ? 1 : 0));
    for (Tensor parameter : parameters) parameter.zero_grad();
    loss.backward();
    CHECK(parameters[0].grad().defined());  // every loss reaches the first layer's weights
    LossOutput output = objective(x, given_neg);
    CHECK(output.metrics.at("loss") == output.loss.item());
  }
  class NoiseOnly : public NoiseDistribution {
   public:
    Tensor sample(int64_t n, Generator& generator = default_generator()) const override { return randn({n, 2}, generator); }
    Tensor log_prob(const Tensor& x) const override { return -0.5 * sum(square(x), 1) - std::log(2 * M_PI); }
  };
  NCELoss custom_noise(energy, {.noise = std::make_shared<NoiseOnly>()});
  // Accuracy is a fraction of the 16 data and 16 noise points.
  const double accuracy = custom_noise(x).metrics.at("accuracy");
  CHECK(accuracy >= 0);
  CHECK(accuracy <= 1);
  CHECK(accuracy * 32 == doctest::Approx(std::round(accuracy * 32)).epsilon(1e-12));
  CHECK_THROWS_AS(make_loss("unknown", energy), std::invalid_argument);
}
