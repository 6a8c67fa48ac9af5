// The tape: higher-order gradients, accumulation, graph freeing, and every error path.
#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <string>

#include "engine/autograd/node.hpp"
#include "test_support.hpp"

namespace {

using namespace ebm;
using ebm::testing::max_relative_error;
using ebm::testing::sample_input;

/// Checks that calling `body` throws std::exception whose message contains every fragment.
template <class Body>
void check_throws_with(Body&& body, const std::vector<std::string>& fragments) {
  std::string message;
  try {
    body();
  } catch (const std::exception& error) {
    message = error.what();
  }
  CAPTURE(message);
  REQUIRE_FALSE(message.empty());
  for (const std::string& fragment : fragments) CHECK(message.find(fragment) != std::string::npos);
}

/// A tanh MLP energy E(x) = tanh(x W₁ + b₁) W₂, one value per row of x [N, D].
Tensor mlp_energy(const Tensor& x, const Tensor& w1, const Tensor& b1, const Tensor& w2) {
  return reshape(matmul(tanh(matmul(x, w1) + b1), w2), {-1});
}

/// Σₙ ΔE(xₙ): the Laplacian in x summed over the batch, from D backward passes over the
/// first-order graph, each with create_graph so the result stays differentiable.
Tensor laplacian_sum(const Tensor& x, const Tensor& w1, const Tensor& b1, const Tensor& w2) {
  const Tensor gradient = grad(sum(mlp_energy(x, w1, b1, w2)), {x}, {.create_graph = true})[0];
  Tensor total = zeros({}, x.dtype());
  for (int64_t d = 0; d < x.size(1); ++d) {
    const Tensor row = grad(sum(select(gradient, 1, d)), {x}, {.create_graph = true})[0];
    total = total + sum(select(row, 1, d));
  }
  return total;
}

}  // namespace

TEST_CASE("second derivative of x³ and of sin") {
  Tensor x = tensor({0.5, -1.5, 2.0}, {3}, DType::Float64).requires_grad_();
  const Tensor first = grad(sum(pow(x, 3.0)), {x}, {.create_graph = true})[0];
  CHECK(first.requires_grad());
  CHECK(first.to_vector() == std::vector<double>{0.75, 6.75, 12.0});
  const Tensor second = grad(sum(first), {x}, {.create_graph = true})[0];
  CHECK(max_relative_error(second.to_vector(), {3.0, -9.0, 12.0}) < 1e-14);
  const Tensor third = grad(sum(second), {x})[0];
  CHECK(max_relative_error(third.to_vector(), {6.0, 6.0, 6.0}) < 1e-14);
  CHECK_FALSE(third.requires_grad());

  Tensor y = tensor({0.3}, {1}, DType::Float64).requires_grad_();
  Tensor derivative = sum(sin(y));
  const double expected[] = {std::sin(0.3), std::cos(0.3), -std::sin(0.3), -std::cos(0.3), std::sin(0.3)};
  for (int order = 1; order <= 4; ++order) {
    derivative = grad(derivative, {y}, {.create_graph = true})[0];
    CHECK(derivative.item() == doctest::Approx(expected[order]).epsilon(1e-14));
    derivative = sum(derivative);
  }
}

TEST_CASE("third order: ∂/∂W₁ of the Laplacian of a tanh MLP agrees with finite differences") {
  const Tensor x = sample_input({3, 2}, -1, 1, {}, 11).requires_grad_();
  const Tensor w1 = sample_input({2, 4}, -1, 1, {}, 12).requires_grad_();
  const Tensor b1 = sample_input({4}, -1, 1, {}, 13);
  const Tensor w2 = sample_input({4, 1}, -1, 1, {}, 14);

  // The Laplacian itself against central differences of the energy.
  const double h = 1e-4;
  double finite_laplacian = 0;
  const std::vector<double> x0 = x.to_vector();
  for (std::size_t k = 0; k < x0.size(); ++k) {
    std::vector<double> plus = x0, minus = x0;
    plus[k] += h;
    minus[k] -= h;
    const auto energy_at = [&](const std::vector<double>& v) {
      return sum(mlp_energy(tensor(v, {3, 2}, DType::Float64), w1, b1, w2)).item();
    };
    finite_laplacian += (energy_at(plus) - 2 * energy_at(x0) + energy_at(minus)) / (h * h);
  }
  CHECK(laplacian_sum(x, w1, b1, w2).item() == doctest::Approx(finite_laplacian).epsilon(1e-5));

  // Its gradient with respect to W₁ (third order in total) against central differences.
  std::string failure;
  const DifferentiableFunction laplacian_of_w1 = [&](const std::vector<Tensor>& inputs) {
    const Tensor fresh_x = x.detach().requires_grad_();
    return laplacian_sum(fresh_x, inputs[0], b1, w2);
  };
  CHECK_MESSAGE(gradcheck(laplacian_of_w1, {w1}, {.failure = &failure}), failure);
  // And once more: the fourth order, through gradgradcheck of a function that itself calls grad.
  CHECK_MESSAGE(gradgradcheck(laplacian_of_w1, {w1}, {.failure = &failure}), failure);
}

TEST_CASE("a Hessian-vector product agrees with finite differences of the gradient") {
  const Tensor w1 = sample_input({3, 5}, -1, 1, {}, 21);
  const Tensor b1 = sample_input({5}, -1, 1, {}, 22);
  const Tensor w2 = sample_input({5, 1}, -1, 1, {}, 23);
  const Tensor x = sample_input({2, 3}, -1, 1, {}, 24).requires_grad_();
  const Tensor v = sample_input({2, 3}, -1, 1, {}, 25);

  const Tensor gradient = grad(sum(mlp_energy(x, w1, b1, w2)), {x}, {.create_graph = true})[0];
  const Tensor hessian_vector = grad(sum(gradient * v), {x})[0];

  const double h = 1e-5;
  const auto gradient_at = [&](const Tensor& point) {
    Tensor leaf = point.detach().requires_grad_();
    return grad(sum(mlp_energy(leaf, w1, b1, w2)), {leaf})[0].to_vector();
  };
  const auto plus = gradient_at(x.detach() + h * v);
  const auto minus = gradient_at(x.detach() - h * v);
  std::vector<double> finite(plus.size());
  for (std::size_t i = 0; i < plus.size(); ++i) finite[i] = (plus[i] - minus[i]) / (2 * h);
  CHECK(max_relative_error(hessian_vector.to_vector(), finite) < 1e-8);
}

TEST_CASE("backward accumulates into leaves — zero_grad forgets") {
  Tensor a = tensor({1, 2}, {2}, DType::Float64).requires_grad_();
  Tensor b = tensor({3, 4}, {2}, DType::Float64).requires_grad_();
  CHECK_FALSE(a.grad().defined());
  sum(a * b).backward();
  CHECK(a.grad().to_vector() == std::vector<double>{3, 4});
  CHECK(b.grad().to_vector() == std::vector<double>{1, 2});
  sum(a * a).backward();  // accumulates: 3 + 2·1, 4 + 2·2
  CHECK(a.grad().to_vector() == std::vector<double>{5, 8});
  a.zero_grad();
  CHECK_FALSE(a.grad().defined());

  // A value used along several paths (a diamond) gets the sum of their gradients.
  Tensor x = tensor({2.0}, {1}, DType::Float64).requires_grad_();
  const Tensor shared = exp(x);
  const Tensor y = sum(shared * shared + 3.0 * shared);  // e²ˣ + 3eˣ
  y.backward();
  CHECK(x.grad().item() == doctest::Approx(2 * std::exp(4.0) + 3 * std::exp(2.0)));
}

TEST_CASE("grad with respect to an intermediate, grad_output, and untouched leaves") {
  Tensor x = tensor({1, 2, 3}, {3}, DType::Float64).requires_grad_();
  const Tensor h = 2.0 * x;
  const Tensor y = square(h);
  const auto gradients = grad(y, {h, x}, {.grad_output = tensor({1, 0, -1}, {3}, DType::Float64)});
  CHECK(gradients[0].to_vector() == std::vector<double>{4, 0, -12});   // 2h·v
  CHECK(gradients[1].to_vector() == std::vector<double>{8, 0, -24});   // 2h·2·v
  CHECK_FALSE(x.grad().defined());

  const auto self = grad(sum(x), {x});
  CHECK(self[0].to_vector() == std::vector<double>{1, 1, 1});
}

TEST_CASE("nothing is recorded without grad mode or without an input that requires grad") {
  Tensor x = ones({2}, DType::Float64).requires_grad_();
  {
    NoGradGuard no_grad;
    const Tensor y = exp(x) * 2.0;
    CHECK_FALSE(y.requires_grad());
    CHECK(y.grad_fn() == nullptr);
  }
  CHECK(exp(x).requires_grad());
  const Tensor constant = ones({2});
  CHECK(exp(constant).grad_fn() == nullptr);
  CHECK_FALSE(x.detach().requires_grad());
  CHECK_FALSE(greater(x, 0.0).requires_grad());
  CHECK(x.detach().raw_data() == x.raw_data());
}

TEST_CASE("a chain of 1,000,000 ops backpropagates and is freed without recursion") {
  Tensor x = tensor({1.0}, {1}, DType::Float64).requires_grad_();
  Tensor y = x * 1.000001;
  const std::weak_ptr<Node> first_node = y.grad_fn();
  for (int i = 1; i < 1000000; ++i) y = y * 1.000001;
  const std::weak_ptr<Node> last_node = y.grad_fn();
  const Tensor gradient = grad(sum(y), {x})[0];
  CHECK(gradient.item() == doctest::Approx(std::pow(1.000001, 1e6)).epsilon(1e-9));
  // The chain holds x (through its leaf's accumulator) until it is released, iteratively.
  CHECK_FALSE(first_node.expired());
  CHECK(x.impl().use_count() > 1);
  y = Tensor();
  CHECK(last_node.expired());
  CHECK(first_node.expired());
  CHECK(x.impl()->grad_accumulator.expired());
  CHECK(x.impl().use_count() == 1);
}

TEST_CASE("NaN propagates through amax wherever it sits") {
  for (const std::vector<double>& values : {std::vector<double>{NAN, 1, 2, 3}, std::vector<double>{1, 2, 3, NAN}}) {
    CHECK(std::isnan(amax(tensor(values, {1, 4}, DType::Float64), 1).item()));
    CHECK(std::isnan(amax(tensor(values, {4, 1}, DType::Float64), 0).item()));
  }
  CHECK(amax(tensor({1, 5, 3}, {3}, DType::Float32), 0).item() == 5.0);
}

TEST_CASE("two threads differentiating one graph each get their own gradients") {
  Tensor x = tensor({0.1, 0.2, 0.3, 0.4}, {2, 2}, DType::Float64).requires_grad_();
  Tensor w = tensor({0.5, -0.5, 0.25, 1.0}, {2, 2}, DType::Float64).requires_grad_();
  const Tensor y = sum(square(tanh(matmul(x, w))));
  const auto expected_x = grad(y, {x}, {.retain_graph = true})[0].to_vector();
  const auto expected_w = grad(y, {w}, {.retain_graph = true})[0].to_vector();
  std::atomic<int> mismatches{0};
  const auto worker = [&](bool wants_x) {
    for (int i = 0; i < 3000; ++i) {
      const auto g = grad(y, {wants_x ? x : w}, {.retain_graph = true})[0].to_vector();
      if (g != (wants_x ? expected_x : expected_w)) ++mismatches;
    }
  };
  std::thread first(worker, true), second(worker, false);
  first.join();
  second.join();
  CHECK(mismatches == 0);
}

TEST_CASE("tensors with no elements broadcast, reduce and differentiate") {
  const Tensor empty_rows = full({0, 64}, 1.0);
  CHECK((empty_rows + full({64}, 2.0)).shape() == Shape{0, 64});
  CHECK(sum(ones({0, 3}), 0).to_vector() == std::vector<double>{0, 0, 0});
  CHECK(sum(ones({0, 3})).item() == 0.0);
  Tensor x = ones({0, 2}, DType::Float64).requires_grad_();
  CHECK(grad(sum(square(x)), {x})[0].shape() == Shape{0, 2});
}

TEST_CASE("error: shapes that do not broadcast name the op and both shapes") {
  check_throws_with([] { return zeros({2, 3}) + zeros({4}); }, {"add", "[2, 3]", "[4]"});
  check_throws_with([] { return zeros({2, 3}) * zeros({3, 2}); }, {"multiply", "[2, 3]", "[3, 2]"});
  check_throws_with([] { return matmul(zeros({2, 3}), zeros({2, 3})); }, {"matmul", "[2, 3]", "inner extents 3 and 2"});
  check_throws_with([] { return matmul(zeros({3}), zeros({3, 1})); }, {"matmul", "2-D", "[3]"});
  check_throws_with([] { return linear(zeros({2, 3}), zeros({4, 5}), zeros({5})); }, {"linear", "[2, 3]", "[4, 5]"});
  check_throws_with([] { return linear(zeros({2, 3}), zeros({3, 5}), zeros({4})); }, {"linear", "bias", "[4]", "expected [5]"});
  check_throws_with([] { return linear(zeros({2, 3}), zeros({3, 5}), zeros({3, 5})); }, {"linear", "bias", "[3, 5]", "[2, 5]"});
  check_throws_with([] { return silu_backward(zeros({2, 3}), zeros({4})); }, {"silu_backward", "[2, 3]", "[4]"});
  check_throws_with([] { return silu_jet(zeros({1, 4, 3}), zeros({3})); }, {"silu_jet", "K ≥ 2", "[1, 4, 3]"});
  check_throws_with([] { return silu_jet(zeros({3, 4, 3}), zeros({4})); }, {"silu_jet", "bias [W]", "[4]"});
  check_throws_with([] { return silu_jet(zeros({12, 3}), zeros({3})); }, {"silu_jet", "[K, N, W]", "[12, 3]"});
  check_throws_with([] { return silu_jet_backward(zeros({3, 4, 2}), zeros({3, 4, 3}), zeros({3})); },
                    {"silu_jet_backward", "[3, 4, 3]", "[3, 4, 2]"});
  check_throws_with([] { return reshape(zeros({2, 3}), {4, -1}); }, {"reshape", "[2, 3]", "[4, -1]"});
  check_throws_with([] { return cat({zeros({2, 3}), zeros({2, 4})}, 0); }, {"cat", "[2, 4]", "[2, 3]"});
  check_throws_with([] { return select(zeros({2, 3}), 1, 3); }, {"select", "index 3", "[2, 3]"});
  check_throws_with([] { return sum(zeros({2, 3}), 2); }, {"sum", "dimension 2", "accepted: -2 to 1"});
  check_throws_with([] { return zeros({2}, DType::Float32) + zeros({2}, DType::Float64); }, {"add", "float32", "float64"});
  check_throws_with([] { return tensor({1, 2, 3}, {2, 2}); }, {"3 values", "[2, 2]"});
  check_throws_with([] { return zeros({2, 2}).item(); }, {"item()", "[2, 2]"});
  check_throws_with([] { return squeeze(zeros({2, 3}), 0); }, {"squeeze", "extent 2"});
  check_throws_with([] { return clamp(zeros({2}), 1.0, -1.0); }, {"clamp", "must not exceed"});
  check_throws_with([] { return slice_backward(zeros({2, 3, 2}), {4, 3, 2}, -2, 1); }, {"slice_backward", "[2, 3, 2]", "does not fit"});
  check_throws_with([] { return slice_backward(zeros({2, 2}), {2, 3}, 1, 2); }, {"slice_backward", "start + 2"});
  if (!cuda_is_available()) check_throws_with([] { return zeros({2}).to(Device::CUDA); }, {"Device::CUDA", "cuda_is_available()"});
}

TEST_CASE("error: backward from a non-scalar without grad_output") {
  Tensor x = ones({3}).requires_grad_();
  check_throws_with([&] { (x * 2.0).backward(); }, {"backward", "[3]", "grad_output"});
  check_throws_with([&] { grad(x * 2.0, {x}); }, {"grad", "[3]", "grad_output"});
  check_throws_with([&] { grad(x * 2.0, {x}, {.grad_output = ones({2})}); }, {"grad_output", "[2]", "[3]"});
}

TEST_CASE("error: differentiating a gradient computed without create_graph") {
  Tensor x = ones({3}, DType::Float64).requires_grad_();
  const Tensor gradient = grad(sum(pow(x, 3.0)), {x})[0];
  CHECK_FALSE(gradient.requires_grad());
  check_throws_with([&] { grad(sum(gradient), {x}); }, {"does not require grad", "create_graph"});
}

TEST_CASE("error: an unused input without allow_unused, and an input that does not require grad") {
  Tensor x = ones({2}).requires_grad_();
  Tensor unused = ones({4}).requires_grad_();
  check_throws_with([&] { grad(sum(x), {x, unused}); }, {"input 1", "[4]", "not used", "allow_unused"});
  const auto gradients = grad(sum(x), {x, unused}, {.allow_unused = true});
  CHECK(gradients[0].defined());
  CHECK_FALSE(gradients[1].defined());
  check_throws_with([&] { grad(sum(x), {ones({2})}); }, {"input 0", "does not require grad"});
}

TEST_CASE("error: a tensor modified in place after it was saved names the op") {
  Tensor x = ones({2}, DType::Float64).requires_grad_();
  Tensor weight = ones({2}, DType::Float64);
  const Tensor y = sum(x * weight);
  weight.copy_(full({2}, 3.0, DType::Float64));
  check_throws_with([&] { y.backward(); }, {"multiply", "modified in place", "version 1", "version 0"});

  Tensor z = tensor({0.5}, {1}, DType::Float64).requires_grad_();
  const Tensor e = exp(z);
  const Tensor loss = sum(e);
  {
    NoGradGuard no_grad;
    e.detach().copy_(zeros({1}, DType::Float64));  // detach shares storage: the saved output changes
  }
  check_throws_with([&] { loss.backward(); }, {"exp", "output", "modified in place"});
}

TEST_CASE("error: backward twice through freed saved tensors, unless retain_graph") {
  Tensor x = ones({2}, DType::Float64).requires_grad_();
  const Tensor y = sum(exp(x));
  y.backward();
  check_throws_with([&] { y.backward(); }, {"exp", "retain_graph"});

  const Tensor kept = sum(exp(x));
  grad(kept, {x}, {.retain_graph = true});
  CHECK(grad(kept, {x})[0].to_vector() == exp(x).detach().to_vector());
}

TEST_CASE("error: requires_grad_ on a non-leaf, copy_ into a parameter outside NoGradGuard") {
  Tensor x = ones({2}).requires_grad_();
  Tensor y = x * 2.0;
  check_throws_with([&] { y.requires_grad_(); }, {"leaf", "affine"});
  check_throws_with([&] { x.copy_(zeros({2})); }, {"copy_", "NoGradGuard"});
  check_throws_with([&] { x.copy_(zeros({3})); }, {"copy_", "[2]", "[3]"});
  {
    NoGradGuard no_grad;
    x.copy_(full({2}, 5.0, DType::Float64));
  }
  CHECK(x.to_vector() == std::vector<double>{5, 5});
  CHECK(x.version() == 1);
}

namespace {

/// a³ recorded as an op of its own with the derivative rule `rule(a, g)`, to plant errors in.
Tensor cube_with_rule(const Tensor& a, std::function<Tensor(const Tensor&, const Tensor&)> rule) {
  return record(pow(a.detach(), 3.0), "planted_cube", {a}, {a}, SaveOutput::No,
                [rule](const Node& node, const Tensor& g) -> Gradients { return {rule(node.saved(0), g)}; });
}

/// a² recorded with the rule 2a·g, plus `error` at element `wrong` of the gradient (0 for none):
/// exact in value, with a second derivative that may be planted wrong in one entry.
Tensor square_with_error(const Tensor& a, int64_t wrong, double error) {
  return record(square(a.detach()), "planted_square", {a}, {a}, SaveOutput::No, [wrong, error](const Node& node, const Tensor& g) -> Gradients {
    std::vector<double> offset(static_cast<std::size_t>(g.numel()), 0.0);
    offset[static_cast<std::size_t>(wrong)] = error;
    return {2.0 * node.saved(0) * g + tensor(offset, g.shape(), g.dtype()) * g};
  });
}

}  // namespace

TEST_CASE("gradcheck and gradgradcheck reject derivative rules that are slightly wrong, at their default tolerances, in float64 and float32") {
  for (const DType dtype : {DType::Float64, DType::Float32}) {
    CAPTURE(dtype_name(dtype));
    // Five points of order one, one of them 5e-4 from the kink of relu(a)² at 0.
    const Tensor input = tensor({-1.3, -0.4, 5e-4, 0.7, 1.6}, {5}, dtype).requires_grad_();
    const auto check = [&](const std::function<Tensor(const Tensor&)>& f) {
      return gradcheck([&](const std::vector<Tensor>& x) { return f(x[0]); }, {input});
    };
    const auto check_second = [&](const std::function<Tensor(const Tensor&)>& f) {
      return gradgradcheck([&](const std::vector<Tensor>& x) { return f(x[0]); }, {input});
    };
    // The right rules pass both checks: the planted errors below are all that is wrong.
    CHECK(check([](const Tensor& a) { return cube_with_rule(a, [](const Tensor& x, const Tensor& g) { return 3.0 * g * square(x); }); }));
    CHECK(check_second([](const Tensor& a) { return cube_with_rule(a, [](const Tensor& x, const Tensor& g) { return 3.0 * g * square(x); }); }));
    CHECK(check([](const Tensor& a) { return square_with_error(a, 0, 0.0); }));
    CHECK(check_second([](const Tensor& a) { return square_with_error(a, 0, 0.0); }));

    // 1. The gradient scaled by 1.01.
    CHECK_FALSE(check([](const Tensor& a) { return cube_with_rule(a, [](const Tensor& x, const Tensor& g) { return 3.03 * g * square(x); }); }));
    // 2. Off by 1e-4 at one element (where the gradient is 3·0.7² = 1.47).
    CHECK_FALSE(check([](const Tensor& a) {
      return cube_with_rule(a, [](const Tensor& x, const Tensor& g) { return 3.0 * g * square(x) + tensor({0, 0, 0, 1e-4, 0}, {5}, g.dtype()) * g; });
    }));
    // 3. Right first derivative, second derivative wrong by 1e-4 in one entry: only gradgradcheck sees it.
    const auto cube_wrong_second = [](const Tensor& a) {
      return cube_with_rule(a, [](const Tensor& x, const Tensor& g) { return 3.0 * g * square_with_error(x, 1, 1e-4); });
    };
    CHECK(check(cube_wrong_second));
    CHECK_FALSE(check_second(cube_wrong_second));
    // 4. Right except near a kink: relu(a)²'s rule 2·relu(a) written as 2a only above 1e-3.
    const auto relu_squared = [](const Tensor& a, double threshold) {
      return record(square(relu(a.detach())), "planted_relu_squared", {a}, {a}, SaveOutput::No, [threshold](const Node& node, const Tensor& g) -> Gradients {
        const Tensor x = node.saved(0);
        return {2.0 * g * where(greater(x, threshold), x, zeros_like(x))};
      });
    };
    CHECK(check([&](const Tensor& a) { return relu_squared(a, 0.0); }));
    CHECK_FALSE(check([&](const Tensor& a) { return relu_squared(a, 1e-3); }));
  }
}

TEST_CASE("gradcheck in float32: the engine's own rules pass at the float32 defaults, the Jacobian taken in float32") {
  // Inputs of [3, 4] through a small network's ops: matmul, silu, logsumexp, exp, division.
  Generator generator(77);
  const Tensor x = randn({3, 4}, generator, DType::Float32).requires_grad_();
  const Tensor w = randn({4, 2}, generator, DType::Float32).requires_grad_();
  const auto f = [](const std::vector<Tensor>& inputs) {
    const Tensor hidden = silu(matmul(inputs[0], inputs[1]));
    return logsumexp(hidden, 1) + sum(exp(-square(inputs[0])) / (1.0 + square(inputs[0])), 1);
  };
  std::string failure;
  CHECK_MESSAGE(gradcheck(f, {x, w}, {.failure = &failure}), failure);
  CHECK_MESSAGE(gradgradcheck(f, {x, w}, {.failure = &failure}), failure);
  CHECK(f({x, w}).dtype() == DType::Float32);  // the Jacobian checked is float32's
}

TEST_CASE("gradcheck catches a wrong derivative rule in a user-defined op") {
  // cube(a) = a³ with a deliberately wrong rule 2a² (the right one is 3a²).
  const auto wrong_cube = [](const Tensor& a) {
    return record(pow(a.detach(), 3.0), "wrong_cube", {a}, {a}, SaveOutput::No,
                  [](const Node& node, const Tensor& g) -> Gradients { return {2.0 * (g * square(node.saved(0)))}; });
  };
  const auto right_cube = [](const Tensor& a) {
    return record(pow(a.detach(), 3.0), "cube", {a}, {a}, SaveOutput::No,
                  [](const Node& node, const Tensor& g) -> Gradients { return {3.0 * (g * square(node.saved(0)))}; });
  };
  const Tensor input = sample_input({4}, -2, 2, {}, 31).requires_grad_();
  std::string failure;
  CHECK_FALSE(gradcheck([&](const std::vector<Tensor>& x) { return wrong_cube(x[0]); }, {input}, {.failure = &failure}));
  CHECK(failure.find("backward gives") != std::string::npos);
  CHECK(gradcheck([&](const std::vector<Tensor>& x) { return right_cube(x[0]); }, {input}));
  CHECK(gradgradcheck([&](const std::vector<Tensor>& x) { return right_cube(x[0]); }, {input}));
  check_throws_with([&] { gradcheck([&](const std::vector<Tensor>& x) { return x[0]; }, {ones({2})}); },
                    {"gradcheck", "no input requires grad"});
  check_throws_with([&] { gradcheck([&](const std::vector<Tensor>& x) { return x[0]; }, {Tensor()}); }, {"gradcheck", "input 0 is undefined"});
}

TEST_CASE("the engine's refusals name the problem: shapes, dtypes, rows, in-place updates, a second backward, rules of the wrong arity") {
  check_throws_with([] { ones({2, 3}).copy_(ones({3, 2})); }, {"copy_()", "shapes differ", "[2, 3]", "[3, 2]"});
  check_throws_with([] { tensor({1.0, 2.0, 3.0}, {2, 2}); }, {"3 values do not fill shape [2, 2]"});
  check_throws_with([] { ones({2}, DType::Float32) + ones({2}, DType::Float64); }, {"dtypes differ", "float32", "float64"});
  check_throws_with([] { gather_rows(ones({3, 2}), {0, 3}); }, {"gather_rows", "row 3 is outside [0, 3)"});
  check_throws_with([] { scatter_add_rows(zeros({3, 2}), {0, 1}, ones({1, 2})); }, {"scatter_add_rows", "src must hold 2 rows"});
  Tensor parameter = ones({2}).requires_grad_(), first = zeros({2}), second = zeros({2});
  const AdamCoefficients coefficients{.beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 0, .step_size = 0.1, .second_moment_scale = 1};
  check_throws_with([&] { adam_update_(parameter, first, second, ones({2}), coefficients); }, {"adam_update_", "NoGradGuard"});
  {
    NoGradGuard no_grad;
    check_throws_with([&] { adam_update_(parameter, first, second, ones({3}), coefficients); }, {"adam_update_", "parameter's shape [2]", "got [3]"});
  }
  // Backward through a graph twice: its saved tensors were freed by the first.
  const Tensor x = ones({2}).requires_grad_();
  const Tensor y = sum(square(x));
  grad(y, {x});
  check_throws_with([&] { grad(y, {x}); }, {"a second time", "retain_graph"});
  // A rule that returns one gradient for two inputs.
  const Tensor a = ones({2}).requires_grad_(), b = ones({2}).requires_grad_();
  const Tensor product = record(a.detach() * b.detach(), "wrong_arity", {a, b}, {}, SaveOutput::No,
                                [](const Node&, const Tensor& g) -> Gradients { return {g}; });
  check_throws_with([&] { grad(sum(product), {a, b}); }, {"'wrong_arity' returned 1 gradients for 2 inputs"});
}

TEST_CASE("grad mode: nested guards restore the mode they found, and set_num_threads keeps at least one thread") {
  CHECK(grad_mode_enabled());
  {
    NoGradGuard outer;
    {
      GradModeGuard enabled(true);
      CHECK(grad_mode_enabled());
      {
        NoGradGuard inner;
        CHECK_FALSE(grad_mode_enabled());
      }
      CHECK(grad_mode_enabled());
    }
    CHECK_FALSE(grad_mode_enabled());
  }
  CHECK(grad_mode_enabled());
  const int before = num_threads();
  set_num_threads(0);
  CHECK(num_threads() == 1);
  set_num_threads(before);
}
