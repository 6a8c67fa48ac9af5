// The "nn and optim" and "energies" sections of docs/api.md, written as users write them.
#include <cmath>
#include <filesystem>
#include <memory>
#include <numbers>

#include "test_support.hpp"

TEST_CASE("API.md nn, optim and energies sections: names and call shapes") {
  using namespace ebm;
  nn::Activation activations[] = {nn::Activation::ReLU, nn::Activation::Tanh, nn::Activation::Sigmoid,
                                  nn::Activation::Softplus, nn::Activation::SiLU};
  // Each activation at −1, 0 and 1: relu(x) = max(x, 0), tanh, σ(x) = 1/(1 + e⁻ˣ),
  // softplus(x) = log(1 + eˣ), silu(x) = x·σ(x).
  const auto sigma = [](double x) { return 1 / (1 + std::exp(-x)); };
  const std::vector<std::vector<double>> expected = {
      {0, 0, 1}, {std::tanh(-1.0), 0, std::tanh(1.0)}, {sigma(-1), 0.5, sigma(1)},
      {std::log1p(std::exp(-1.0)), std::log(2.0), std::log1p(std::exp(1.0))}, {-sigma(-1), 0, sigma(1)}};
  for (std::size_t i = 0; i < 5; ++i) {
    CAPTURE(i);
    const std::vector<double> values = nn::activate(activations[i], tensor({-1, 0, 1}, {3}, DType::Float64)).to_vector();
    CHECK(ebm::testing::max_relative_error(values, expected[i]) < 1e-14);
  }
  Generator generator(2);
  nn::MLP mlp({2, 8, 1});
  nn::MLP mlp2({2, 8, 1}, nn::Activation::Tanh);
  nn::MLP mlp3({2, 8, 1}, nn::Activation::ReLU, generator);
  const Tensor out = mlp(zeros({3, 2}));
  CHECK(out.shape() == Shape{3, 1});
  std::vector<Tensor> params = mlp.parameters();
  CHECK(params[0].shape() == Shape{2, 8});
  CHECK(mlp2.parameters().size() == 4);
  // A generator's seed fixes the initialisation.
  Generator same_seed(2);
  const nn::MLP mlp4({2, 8, 1}, nn::Activation::ReLU, same_seed);
  for (std::size_t i = 0; i < 4; ++i) CHECK(mlp4.parameters()[i].to_vector() == mlp3.parameters()[i].to_vector());

  optim::AdamOptions adam_options{.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 0};
  optim::Adam adam(params, adam_options);
  optim::Adam adam_defaults(params);
  optim::SGDOptions sgd_options{.lr = 1e-2, .momentum = 0};
  optim::SGD sgd(params, sgd_options);
  optim::SGD sgd_defaults(params);
  // Adam's first step moves every parameter with a gradient g by lr·g/(|g| + ε): the last bias,
  // with g = 3 (three rows), by −1e-3.
  const double last_bias = params[3].item();
  sum(mlp(ones({3, 2}))).backward();
  adam.step();
  CHECK(params[3].item() == doctest::Approx(last_bias - 1e-3).epsilon(1e-6));
  adam.zero_grad();
  sgd.zero_grad();
  CHECK_FALSE(params[0].grad().defined());
  // Without gradients the steps skip every parameter.
  const std::vector<double> before = params[0].to_vector();
  sgd_defaults.step();
  adam_defaults.step();
  CHECK(params[0].to_vector() == before);

  const std::string path = (std::filesystem::temp_directory_path() / "ebm_api_models_test.ebm").string();
  // load writes the saved values back into the same tensors.
  save(params, path);
  const std::vector<double> saved = params[0].to_vector();
  {
    NoGradGuard no_grad;
    params[0].copy_(zeros({2, 8}));
  }
  load(params, path);
  CHECK(params[0].to_vector() == saved);
  nn::save(params, path);
  nn::load(params, path);
  CHECK(params[0].to_vector() == saved);
  std::filesystem::remove(path);

  using namespace ebm::energies;
  std::shared_ptr<EnergyFunction> energies[] = {
      std::make_shared<Gaussian>(zeros({2}), tensor({1, 0, 0, 1}, {2, 2})),
      std::make_shared<DoubleWell>(), std::make_shared<DoubleWell>(2.0, 1.0),
      std::make_shared<Harmonic>(), std::make_shared<Harmonic>(1.0),
      std::make_shared<Rosenbrock>(), std::make_shared<Rosenbrock>(1.0, 100.0),
      std::make_shared<Ackley>(), std::make_shared<Ackley>(20.0, 0.2, 2 * std::numbers::pi),
      std::make_shared<Rastrigin>(), std::make_shared<Rastrigin>(10.0),
      std::make_shared<GaussianMixture>(zeros({3, 2}), ones({3}), ones({3})),
      std::make_shared<MLPEnergy>(std::vector<int64_t>{2, 8, 1}),
      std::make_shared<MLPEnergy>(std::vector<int64_t>{2, 8, 1}, nn::Activation::SiLU, default_generator()),
  };
  const Tensor x = randn({4, 2});
  for (const auto& energy : energies) {
    const EnergyFunction& e = *energy;
    const Tensor value = e.energy(x);
    CHECK(value.shape() == Shape{4});
    CHECK(e(x).to_vector() == value.to_vector());
    const Tensor gradient = e.gradient(x);
    CHECK(gradient.shape() == Shape{4, 2});
    CHECK(e.score(x).to_vector() == (-gradient).to_vector());  // s = −∇E
    // The analytic energies have no learnable parameters; the MLP's are its two layers' W and b.
    const std::vector<Tensor> parameters = e.parameters();
    CHECK(parameters.size() == (dynamic_cast<const MLPEnergy*>(&e) != nullptr ? 4 : 0));
  }
}
