// The "nn and optim" and "energies" sections of ../shared/API.md, written as users write them.
#include <filesystem>
#include <memory>
#include <numbers>

#include "test_support.hpp"

TEST_CASE("API.md nn, optim and energies sections: names and call shapes") {
  using namespace ebm;
  nn::Activation activations[] = {nn::Activation::ReLU, nn::Activation::Tanh, nn::Activation::Sigmoid,
                                  nn::Activation::Softplus, nn::Activation::SiLU};
  CHECK(activations[4] == nn::Activation::SiLU);
  Generator generator(2);
  nn::MLP mlp({2, 8, 1});
  nn::MLP mlp2({2, 8, 1}, nn::Activation::Tanh);
  nn::MLP mlp3({2, 8, 1}, nn::Activation::ReLU, generator);
  const Tensor out = mlp(zeros({3, 2}));
  CHECK(out.shape() == Shape{3, 1});
  std::vector<Tensor> params = mlp.parameters();
  CHECK(params[0].shape() == Shape{2, 8});
  CHECK((mlp2.parameters().size() == 4 && mlp3.parameters().size() == 4));

  optim::AdamOptions adam_options{.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 0};
  optim::Adam adam(params, adam_options);
  optim::Adam adam_defaults(params);
  optim::SGDOptions sgd_options{.lr = 1e-2, .momentum = 0};
  optim::SGD sgd(params, sgd_options);
  optim::SGD sgd_defaults(params);
  sum(mlp(ones({3, 2}))).backward();
  adam.step();
  adam.zero_grad();
  sgd.zero_grad();
  sgd_defaults.step();
  adam_defaults.step();

  const std::string path = (std::filesystem::temp_directory_path() / "ebm_api_models_test.ebm").string();
  save(params, path);
  load(params, path);
  nn::save(params, path);
  nn::load(params, path);
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
    CHECK(e(x).shape() == Shape{4});
    CHECK(e.gradient(x).shape() == Shape{4, 2});
    CHECK(e.score(x).shape() == Shape{4, 2});
    const std::vector<Tensor> parameters = e.parameters();
    CHECK(parameters.size() <= 4);
  }
}
