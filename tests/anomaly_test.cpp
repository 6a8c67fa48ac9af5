// Anomaly mode (engine/autograd/anomaly.hpp): the first op that made a NaN or ±∞ is named with its
// shapes, pass and terms, in the forward pass, in backward and in higher-order passes; and the
// losses and samplers say which tensor holds a non-finite value.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "energies/mlp_energy.hpp"
#include "engine/autograd/anomaly.hpp"
#include "losses/denoising_score_matching.hpp"
#include "losses/score_matching.hpp"
#include "samplers/langevin.hpp"
#include "test_support.hpp"

namespace {

using namespace ebm;

/// The message of the AnomalyError `body` throws; fails the test if it throws none.
template <class Body>
std::string anomaly_message(Body&& body) {
  try {
    body();
  } catch (const AnomalyError& error) {
    return error.what();
  }
  FAIL("no AnomalyError");
  return {};
}

bool contains(const std::string& text, const std::string& fragment) { return text.find(fragment) != std::string::npos; }

}  // namespace

TEST_CASE("anomaly mode is off by default: a NaN flows through silently") {
  CHECK_FALSE(anomaly_detection_enabled());
  const Tensor x = tensor({1, -1}, {2}).requires_grad_();
  CHECK(std::isnan(log(x).to_vector()[1]));
}

TEST_CASE("anomaly mode names the forward op that made the first NaN: op, shapes, pass and terms") {
  const Tensor x = tensor({1, -1}, {2}).requires_grad_();
  const DetectAnomalyGuard anomaly;
  const TermScope outer("my loss");
  const TermScope inner("the log term");
  const std::string message = anomaly_message([&] { (void)log(exp(x) * x); });
  CAPTURE(message);
  CHECK(contains(message, "'log' (inputs [2], output [2]) recorded in the forward pass, in my loss > the log term"));
  CHECK(contains(message, "produced NaN at [1] in its output from finite inputs"));
  // A non-finite value that came from outside the tape is named as such.
  const Tensor poisoned = tensor({1, NAN}, {2});
  const std::string from_data = anomaly_message([&] { (void)(x * poisoned); });
  CAPTURE(from_data);
  CHECK(contains(from_data, "because its input 1 already held NaN at [1], which was not made by a recorded op"));
}

TEST_CASE("anomaly mode names the derivative rule that made the first non-finite gradient") {
  const Tensor x = tensor({0, 1}, {2}, DType::Float64).requires_grad_();
  const DetectAnomalyGuard anomaly;
  const Tensor y = sum(sqrt(x));  // finite: √0 = 0; its derivative 1/(2√x) is +∞ at 0
  const std::string message = anomaly_message([&] { y.backward(); });
  CAPTURE(message);
  CHECK(contains(message, "the derivative rule of 'sqrt' (inputs [2], output [2]) recorded in the forward pass"));
  CHECK(contains(message, "returned +Inf at [0] in the gradient of its input 0 (shape [2])"));
  CHECK(contains(message, "backward pass of derivative order 1"));
}

TEST_CASE("anomaly mode checks higher-order passes: a second derivative that overflows is named") {
  // E = c·x³ in float32 with c = 10³⁸ at x = 1: E = 10³⁸ and E′ = 3·10³⁸ are finite, E″ = 6·10³⁸ is not.
  const Tensor x = tensor({1}, {1}).requires_grad_();
  const DetectAnomalyGuard anomaly;
  const Tensor cubed = sum(1e38 * pow(x, 3));
  const Tensor first = grad(cubed, {x}, {.create_graph = true})[0];  // 3c·x², recorded with pow(x, 2)
  CHECK(std::isfinite(first.to_vector()[0]));
  const std::string message = anomaly_message([&] { (void)grad(sum(first), {x}); });
  CAPTURE(message);
  CHECK(contains(message, "the derivative rule of 'pow' (inputs [1], output [1]) recorded in a backward pass with "
                          "create_graph (derivative order 1) by the derivative rule of 'pow'"));
  CHECK(contains(message, "returned +Inf at [0]"));
  CHECK(contains(message, "in the backward pass of derivative order 2"));
  // The same overflow as a sum of three finite gradients at the leaf: x·x·x.
  const Tensor product = sum(1e38 * x * x * x);
  const Tensor first_of_product = grad(product, {x}, {.create_graph = true})[0];
  const std::string summed = anomaly_message([&] { (void)grad(sum(first_of_product), {x}); });
  CAPTURE(summed);
  CHECK(contains(summed, "the gradient of a leaf tensor (shape [1]) summed to +Inf at [0]"));
}

TEST_CASE("anomaly mode inside a loss names the loss, and outside it the loss still names the tensor") {
  auto energy = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{2, 8, 1});
  for (Tensor parameter : energy->parameters()) {
    NoGradGuard no_grad;
    parameter.copy_(full_like(parameter, 1e30));  // overflows float32 in the first products
  }
  const Tensor points = ones({4, 2});
  losses::DenoisingScoreMatchingLoss dsm(energy);
  {
    const DetectAnomalyGuard anomaly;
    const std::string message = anomaly_message([&] { (void)dsm(points); });
    CAPTURE(message);
    CHECK(contains(message, "in DenoisingScoreMatchingLoss"));
    CHECK(contains(message, "recorded in the forward pass"));
  }
  // Without anomaly mode the loss reports the non-finite value by its metrics.
  CHECK_THROWS_WITH_AS(dsm(points), doctest::Contains("the loss is not finite"), losses::NonFiniteLoss);
  // Inputs: the tensor and the first bad entry are named.
  losses::ScoreMatchingLoss sm(energy);
  CHECK_THROWS_WITH_AS(sm(tensor({1, 2, 3, INFINITY}, {2, 2})),
                       doctest::Contains("pos samples contain NaN or infinite values: +Inf at [1, 1]"), std::invalid_argument);
}

TEST_CASE("samplers name the non-finite tensor: x0 by its first bad entry, a diverged chain by step and tensor") {
  samplers::LangevinDynamics langevin(std::make_shared<energies::Harmonic>(), {.step_size = 10.0});
  Generator generator(3);
  CHECK_THROWS_WITH_AS(langevin.sample(tensor({0, NAN, 1, NAN}, {2, 2}), 5, generator),
                       doctest::Contains("x0 has non-finite entries: NaN at [0, 1] (2 of 4 values non-finite)"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(langevin.sample(ones({3, 2}), 1000, generator), doctest::Contains("at step 20 of 1000 (step size 10.000000; the energies [N] hold +Inf at [1]"),
                       std::runtime_error);
}

TEST_CASE("describe_non_finite gives the first bad entry's index per dimension, and nothing for finite tensors") {
  CHECK_FALSE(describe_non_finite(ones({2, 3})).has_value());
  CHECK(describe_non_finite(tensor({0, 0, 0, 0, 0, -INFINITY}, {2, 3})).value() == "-Inf at [1, 2]");
  CHECK(describe_non_finite(scalar_tensor(NAN)).value() == "NaN at []");
  const TermScope a("A");
  {
    const TermScope b("B");
    CHECK(TermScope::current_path() == "A > B");
  }
  CHECK(TermScope::current_path() == "A");
}
