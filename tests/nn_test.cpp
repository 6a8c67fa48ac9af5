// Linear/MLP initialisation and shapes, activation jets, and SGD and Adam pinned to hand-computed updates.
#include <cmath>

#include "test_support.hpp"

using namespace ebm;
using ebm::testing::max_relative_error;
using ebm::testing::sample_input;

TEST_CASE("Linear and MLP: shapes, PyTorch's uniform ±1/√fan_in initialisation, activations") {
  Generator generator(1);
  const nn::MLP mlp({3, 64, 64, 2}, nn::Activation::Tanh, generator);
  const auto parameters = mlp.parameters();
  REQUIRE(parameters.size() == 6);
  CHECK(parameters[0].shape() == Shape{3, 64});
  CHECK(parameters[1].shape() == Shape{64});
  CHECK(parameters[4].shape() == Shape{64, 2});
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const double bound = 1 / std::sqrt(static_cast<double>(i < 2 ? 3 : 64));
    double largest = 0, average = 0;
    for (double value : parameters[i].to_vector()) {
      largest = std::max(largest, std::abs(value));
      average += value / static_cast<double>(parameters[i].numel());
    }
    CHECK(largest <= bound);
    if (parameters[i].numel() >= 64) {
      CHECK(largest > 0.9 * bound);  // the draws fill the interval
      CHECK(std::abs(average) < bound / 2);
    }
    CHECK(parameters[i].requires_grad());
    CHECK(parameters[i].is_leaf());
  }
  CHECK(mlp(zeros({5, 3})).shape() == Shape{5, 2});

  // The activation sits between layers and not after the last: with ReLU and all-negative
  // first-layer weights and biases, every hidden unit is 0 and the output is the last bias.
  const nn::MLP relu_net({2, 4, 1}, nn::Activation::ReLU, generator, DType::Float64);
  {
    NoGradGuard no_grad;
    auto p = relu_net.parameters();
    p[0].copy_(full({2, 4}, -1.0, DType::Float64));
    p[1].copy_(full({4}, -1.0, DType::Float64));
    p[3].copy_(full({1}, -0.25, DType::Float64));
  }
  CHECK(relu_net(ones({1, 2}, DType::Float64)).item() == -0.25);

  CHECK(nn::parse_activation("silu") == nn::Activation::SiLU);
  CHECK_THROWS_WITH_AS(nn::parse_activation("gelu"), doctest::Contains("relu, tanh, sigmoid, softplus, silu"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::MLP({3}), doctest::Contains("two sizes"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::Linear(0, 3), doctest::Contains("positive"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(mlp(zeros({5, 4})), doctest::Contains("[N, 3]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(mlp.forward_directional(zeros({5, 3}), zeros({5, 3})),
                       doctest::Contains("expects directions of shape [M, 5, 3] for x [5, 3], got [5, 3]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(mlp.forward_directional(zeros({5, 3}), zeros({1, 4, 3})), doctest::Contains("got [1, 4, 3]"),
                       std::invalid_argument);
  CHECK(mlp.forward_directional(zeros({5, 3}), zeros({2, 5, 3})).first.shape() == Shape{2, 5, 2});
  // No directions: no directional derivatives, and their second-derivative sum is 0.
  const nn::OutputDerivatives none = mlp.forward_directional(zeros({5, 3}), zeros({0, 5, 3}));
  CHECK(none.first.shape() == Shape{0, 5, 2});
  CHECK(none.second.to_vector() == std::vector<double>(10, 0.0));
}

TEST_CASE("MLP::output_and_input_gradient and MLPEnergy's unrecorded energy_and_gradient equal the recorded passes, every activation and depth") {
  Generator generator(4);
  const Tensor x = sample_input({7, 3}, -2, 2, {0.0}, 5);
  for (nn::Activation activation : nn::all_activations) {
    for (const std::vector<int64_t>& sizes : {std::vector<int64_t>{3, 1}, {3, 6, 1}, {3, 6, 5, 1}}) {
      CAPTURE(nn::activation_name(activation));
      CAPTURE(sizes.size());
      const energies::MLPEnergy energy(sizes, activation, generator, DType::Float64);
      // The reference: E and ∇ₓE through the tape (x requires grad, so the result is recorded).
      const Tensor input = x.detach().requires_grad_();
      const auto [recorded_energy, recorded_gradient] = energy.energy_and_gradient(input);
      REQUIRE(recorded_gradient.requires_grad());
      const auto [output, gradient] = energy.network().output_and_input_gradient(x);
      CHECK(output.shape() == Shape{7, 1});
      CHECK(gradient.shape() == Shape{7, 3});
      CHECK_FALSE(gradient.requires_grad());
      CHECK(max_relative_error(reshape(output, {-1}).to_vector(), recorded_energy.to_vector()) < 1e-14);
      CHECK(max_relative_error(gradient.to_vector(), recorded_gradient.to_vector()) < 1e-13);
      // What samplers call: no grad mode, so the direct route, with the same values.
      NoGradGuard no_grad;
      const auto [sampler_energy, sampler_gradient] = energy.energy_and_gradient(x);
      CHECK_FALSE(sampler_gradient.requires_grad());
      CHECK(sampler_energy.shape() == Shape{7});
      CHECK(sampler_energy.to_vector() == reshape(output, {-1}).to_vector());
      CHECK(sampler_gradient.to_vector() == gradient.to_vector());
      CHECK(energy.score(x).to_vector() == (-gradient).to_vector());
    }
  }
  const nn::MLP two_outputs({3, 4, 2}, nn::Activation::SiLU, generator);
  CHECK_THROWS_WITH_AS(two_outputs.output_and_input_gradient(zeros({5, 3})), doctest::Contains("one output, this one has 2"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(two_outputs.output_and_input_gradient(zeros({5, 4})), doctest::Contains("[N, 3]"), std::invalid_argument);
}

TEST_CASE("activation_jet: every activation's jet of a layer, against its derivatives — shapes refused") {
  // products [K = 4, N = 2, W = 3]: value, two directions, curvature; a = value + bias.
  const Tensor products = sample_input({4, 2, 3}, -2, 2, {}, 60);
  const Tensor bias = sample_input({3}, -1, 1, {}, 61);
  for (const nn::Activation activation : nn::all_activations) {
    CAPTURE(nn::activation_name(activation));
    const Tensor a = select(products, 0, 0) + bias;
    const Tensor directions = slice(products, 0, 1, 3);
    const auto [slope, curvature] = nn::activation_derivatives(activation, a);
    const Tensor expected = cat({unsqueeze(nn::activate(activation, a), 0), slope * directions,
                                 unsqueeze(slope * select(products, 0, 3) + curvature * sum(square(directions), 0), 0)},
                                0);
    const Tensor jet = nn::activation_jet(activation, products, bias);
    CHECK(jet.shape() == Shape{4, 2, 3});
    CHECK(max_relative_error(jet.to_vector(), expected.to_vector()) < 1e-12);
    CHECK_THROWS_WITH_AS(nn::activation_jet(activation, zeros({1, 2, 3}, DType::Float64), bias),
                         doctest::Contains("activation_jet: expects products [K, N, W] with K ≥ 2"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(nn::activation_jet(activation, products, zeros({2}, DType::Float64)),
                         doctest::Contains("and bias [W], got products [4, 2, 3] and bias [2]"), std::invalid_argument);
  }
}

TEST_CASE("Adam: three steps on L = Σθ² pinned to hand-computed values") {
  // θ₀ = (1, −2), g = 2θ, lr = 0.1, β = (0.9, 0.999), ε = 1e-8.
  // Step 1: m = 0.1g, v = 0.001g², m̂ = g, v̂ = g²: θ moves by lr·g/(|g| + ε) ≈ 0.1 against the sign.
  // Step 2 (first coordinate): θ = 0.9 − 1e-8·…, g = 1.8, m = 0.9·0.2 + 0.1·1.8 = 0.36,
  //   v = 0.999·0.004 + 0.001·3.24 = 0.007236, m̂ = 0.36/0.19, v̂ = 0.007236/0.001999,
  //   θ = 0.9 − 0.1·1.894737/1.902580 = 0.800412.
  Tensor theta = tensor({1.0, -2.0}, {2}, DType::Float64).requires_grad_();
  optim::Adam adam({theta}, {.lr = 0.1});
  std::vector<std::vector<double>> trajectory;
  for (int step = 0; step < 3; ++step) {
    adam.zero_grad();
    sum(square(theta)).backward();
    adam.step();
    trajectory.push_back(theta.to_vector());
  }
  CHECK(trajectory[0][0] == doctest::Approx(1 - 0.1 * 2 / (2 + 1e-8)).epsilon(1e-15));
  CHECK(trajectory[0][1] == doctest::Approx(-2 + 0.1 * 4 / (4 + 1e-8)).epsilon(1e-15));
  CHECK(trajectory[1][0] == doctest::Approx(0.800412).epsilon(1e-6));

  // The same rule written out in scalars, independently of the tensor code.
  double x = 1.0, m = 0, v = 0;
  for (int t = 1; t <= 3; ++t) {
    const double g = 2 * x;
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    x -= 0.1 * (m / (1 - std::pow(0.9, t))) / (std::sqrt(v / (1 - std::pow(0.999, t))) + 1e-8);
  }
  CHECK(trajectory[2][0] == doctest::Approx(x).epsilon(1e-14));

  // Weight decay adds λθ to the gradient (torch.optim.Adam's L2, not AdamW).
  Tensor decayed = tensor({1.0}, {1}, DType::Float64).requires_grad_();
  optim::Adam with_decay({decayed}, {.lr = 0.1, .weight_decay = 0.5});
  sum(0.0 * decayed).backward();  // g = 0, so only the decay term λθ = 0.5 moves it
  with_decay.step();
  CHECK(decayed.item() == doctest::Approx(1 - 0.1 * 0.5 / (0.5 + 1e-8)).epsilon(1e-15));
}

TEST_CASE("Adam: state() is a snapshot, and load_state() restores the moments and counts that drive the next step") {
  // L = Σθ², θ₀ = (1, −2), lr = 0.1. After one step the first moment is (1 − β₁)g₀ = (0.2, −0.4).
  Tensor theta = tensor({1.0, -2.0}, {2}, DType::Float64).requires_grad_();
  optim::Adam adam({theta}, {.lr = 0.1});
  sum(square(theta)).backward();
  adam.step();
  const std::vector<double> theta1 = theta.to_vector();
  const optim::Adam::State snapshot = adam.state();
  const auto first_moment = snapshot.first_moments[0].to_vector();
  CHECK(first_moment[0] == doctest::Approx(0.2).epsilon(1e-15));
  CHECK(first_moment[1] == doctest::Approx(-0.4).epsilon(1e-15));
  CHECK(snapshot.update_counts[0] == 1);

  // The uninterrupted second step; the snapshot does not follow the in-place update.
  adam.zero_grad();
  sum(square(theta)).backward();
  adam.step();
  const std::vector<double> uninterrupted = theta.to_vector();
  CHECK(snapshot.first_moments[0].to_vector() == first_moment);
  CHECK(uninterrupted[0] == doctest::Approx(0.800412).epsilon(1e-6));  // the hand-computed step 2 above

  // A new optimizer at θ₁ that loads the snapshot takes exactly the same step.
  const auto second_step = [&](bool restore) {
    Tensor resumed = tensor(theta1, {2}, DType::Float64).requires_grad_();
    optim::Adam optimizer({resumed}, {.lr = 0.1});
    if (restore) optimizer.load_state(snapshot);
    sum(square(resumed)).backward();
    optimizer.step();
    return resumed.to_vector();
  };
  CHECK(second_step(true) == uninterrupted);
  // A fresh one takes a first step instead, lr·g/(|g| + ε) ≈ 0.1: θ₁ − 0.1 = 0.8 against 0.800412.
  const std::vector<double> fresh = second_step(false);
  CHECK(fresh[0] == doctest::Approx(theta1[0] - 0.1).epsilon(1e-7));
  CHECK(std::abs(fresh[0] - uninterrupted[0]) > 1e-4);
  // load_state copied the moments: the restored optimizer's in-place updates left them alone.
  CHECK(snapshot.first_moments[0].to_vector() == first_moment);
  CHECK(snapshot.update_counts[0] == 1);
}

TEST_CASE("SGD: plain, momentum (buffer starts at g), weight decay — parameters without grad are skipped") {
  Tensor theta = tensor({1.0}, {1}, DType::Float64).requires_grad_();
  Tensor untouched = tensor({5.0}, {1}, DType::Float64).requires_grad_();
  optim::SGD sgd({theta, untouched}, {.lr = 0.1, .momentum = 0.9});
  // L = θ²: g₁ = 2, b₁ = 2, θ₁ = 0.8; g₂ = 1.6, b₂ = 0.9·2 + 1.6 = 3.4, θ₂ = 0.8 − 0.34 = 0.46.
  sum(square(theta)).backward();
  sgd.step();
  CHECK(theta.item() == doctest::Approx(0.8).epsilon(1e-15));
  sgd.zero_grad();
  sum(square(theta)).backward();
  sgd.step();
  CHECK(theta.item() == doctest::Approx(0.46).epsilon(1e-15));
  CHECK(untouched.item() == 5.0);

  Tensor decayed = tensor({2.0}, {1}, DType::Float64).requires_grad_();
  optim::SGD plain({decayed}, {.lr = 0.5, .weight_decay = 0.1});
  sum(3.0 * decayed).backward();  // g = 3 + 0.1·2
  plain.step();
  CHECK(decayed.item() == doctest::Approx(2 - 0.5 * 3.2).epsilon(1e-15));

  CHECK_THROWS_WITH_AS(optim::SGD({theta}, {.lr = -1}), doctest::Contains("lr"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(optim::Adam({theta}, {.beta1 = 1.0}), doctest::Contains("beta1"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(optim::Adam({theta * 2.0}), doctest::Contains("leaf"), std::invalid_argument);
}
