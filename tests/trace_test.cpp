// Tape inspection (engine/autograd/trace.hpp): what a TraceScope sees, op by op, with terms and
// derivative orders; the text and DOT renderings; exact score matching's two routes to ΔE.
#include <algorithm>
#include <string>

#include "test_support.hpp"

namespace {

using namespace ebm;

uint32_t highest_order(const Trace& trace) {
  uint32_t highest = 0;
  for (const TracedOp& op : trace.ops) highest = std::max(highest, op.derivative_order);
  return highest;
}

std::vector<std::string> op_names(const Trace& trace) {
  std::vector<std::string> names;
  for (const TracedOp& op : trace.ops) names.push_back(op.op);
  return names;
}

}  // namespace

TEST_CASE("a trace lists the recorded ops in order, with their inputs, shapes, orders and terms") {
  const Tensor x = tensor({1, 2, 3, 4, 5, 6}, {2, 3}, DType::Float64).requires_grad_();
  const Tensor w = tensor({0.5, -1, 2}, {3}, DType::Float64);  // a constant: no gradient
  Tensor y;
  const Trace trace = ebm::trace([&] {
    const Tensor e = exp(x);
    const TermScope term("weighted sum");
    y = sum(e * w);
  });
  CHECK(!tracing_enabled());
  REQUIRE(op_names(trace) == std::vector<std::string>{"exp", "multiply", "sum_to"});
  const TracedOp& exp_op = trace.ops[0];
  CHECK(exp_op.term.empty());
  CHECK(exp_op.derivative_order == 0);
  REQUIRE(exp_op.inputs.size() == 1);
  CHECK(exp_op.inputs[0].kind == TracedInput::Kind::Leaf);
  CHECK(exp_op.inputs[0].shape == Shape{2, 3});
  CHECK(exp_op.output_shape == Shape{2, 3});

  const TracedOp& mul_op = trace.ops[1];
  CHECK(mul_op.term == "weighted sum");
  REQUIRE(mul_op.inputs.size() == 2);
  CHECK(mul_op.inputs[0].kind == TracedInput::Kind::Op);
  CHECK(mul_op.inputs[0].id == exp_op.id);
  CHECK(mul_op.inputs[1].kind == TracedInput::Kind::Constant);
  CHECK(mul_op.inputs[1].shape == Shape{3});
  CHECK(trace.ops[2].output_shape == Shape{});
  CHECK(trace.ops[2].id > mul_op.id);
  CHECK(trace.terms() == std::vector<std::string>{"", "weighted sum"});
  CHECK(trace.rules.empty());
}

TEST_CASE("a trace sees the ops a backward pass records with create_graph as order 1, and the rules it applies") {
  const Tensor x = tensor({0.3, -0.7}, {2}, DType::Float64).requires_grad_();
  const Tensor y = sum(sin(x));  // recorded before the trace
  const Trace first = ebm::trace([&] { grad(y, {x}, {.create_graph = true}); });
  REQUIRE(!first.ops.empty());
  CHECK(highest_order(first) == 1);
  for (const TracedOp& op : first.ops) CHECK(op.derivative_order == 1);
  REQUIRE(first.rules.size() == 2);  // sum's rule, then sin's; grad() stops at the leaf
  CHECK(first.rules[0].op == "sum_to");
  CHECK(first.rules[1].op == "sin");
  CHECK(first.rules[1].derivative_order == 1);
  CHECK(first.rules[0].recording);

  // backward() without create_graph records nothing, and ends at the leaf's accumulator.
  const Tensor z = sum(sin(x));
  const Trace second = ebm::trace([&] { z.backward(); });
  CHECK(second.ops.empty());
  REQUIRE(second.rules.size() == 3);
  CHECK(second.rules[2].op == "accumulate_grad");
  CHECK(!second.rules[0].recording);
}

TEST_CASE("trace scopes nest: the outer scope sees what the inner one sees, and nothing is traced after them") {
  const Tensor x = tensor({1, 2}, {2}, DType::Float64).requires_grad_();
  TraceScope outer;
  Tensor a = exp(x);
  {
    TraceScope inner;
    a = log(a);
    CHECK(op_names(inner.trace()) == std::vector<std::string>{"log"});
  }
  CHECK(op_names(outer.trace()) == std::vector<std::string>{"exp", "log"});
  {
    NoGradGuard no_grad;
    a = exp(x);  // nothing is recorded, so nothing is traced
  }
  CHECK(outer.trace().ops.size() == 2);
}

TEST_CASE("text() groups the ops under their terms, and dot() is a graph with one cluster per term") {
  const Tensor x = tensor({1, 2, 3, 4}, {2, 2}, DType::Float64).requires_grad_();
  const Trace trace = ebm::trace([&] {
    Tensor e;
    {
      const TermScope term("E(x)");
      e = sum(square(x), 1);
    }
    const TermScope term("∇E");
    grad(sum(e), {x}, {.create_graph = true});
  });
  const std::string text = trace.text();
  CHECK(text.find("E(x)\n  #") == 0);
  CHECK(text.find("square(leaf [2, 2]) → [2, 2], order 0") != std::string::npos);
  CHECK(text.find("∇E\n") != std::string::npos);
  CHECK(text.find("order 1") != std::string::npos);
  CHECK(text.find("derivative rules applied by backward passes") != std::string::npos);

  const std::string dot = trace.dot();
  CHECK(dot.rfind("digraph tape {", 0) == 0);
  CHECK(dot.find("label=\"E(x)\"") != std::string::npos);
  CHECK(dot.find("label=\"∇E\"") != std::string::npos);
  CHECK(dot.find("label=\"leaf\\n[2, 2]\"") != std::string::npos);
  CHECK(dot.find(" -> n" + std::to_string(trace.ops[0].id)) != std::string::npos);
  CHECK(dot.find("fillcolor=\"#fde0c5\"") != std::string::npos);  // an op of order 1
  CHECK(std::count(dot.begin(), dot.end(), '{') == std::count(dot.begin(), dot.end(), '}'));
}

TEST_CASE("exact SM's routes to ΔE agree to rounding in value and parameter gradient, and only the backward one records second derivatives") {
  using namespace ebm::losses;
  Generator generator(3);
  auto energy = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{2, 8, 8, 1}, nn::Activation::SiLU, generator,
                                                      DType::Float64);
  const Tensor x = randn({5, 2}, generator, DType::Float64);
  std::vector<double> losses;
  std::vector<std::vector<double>> gradients;
  std::vector<uint32_t> orders;
  for (LaplacianRoute route : {LaplacianRoute::Fastest, LaplacianRoute::Backward, LaplacianRoute::Forward}) {
    ScoreMatchingLoss sm(energy, SMOptions{.route = route});
    TraceScope scope;
    const LossOutput output = sm(x);
    orders.push_back(highest_order(scope.trace()));
    for (Tensor parameter : energy->parameters()) parameter.zero_grad();
    output.loss.backward();
    losses.push_back(output.loss.item());
    gradients.emplace_back();
    for (const Tensor& parameter : energy->parameters()) {
      // J depends on E only through ∇E: the output bias gets no gradient.
      const std::vector<double> g = parameter.grad().defined() ? parameter.grad().to_vector() : std::vector<double>{};
      gradients.back().insert(gradients.back().end(), g.begin(), g.end());
    }
  }
  CHECK(orders == std::vector<uint32_t>{0, 2, 0});  // E → ∇E (order 1) → ΔE (order 2) only backward
  CHECK(losses[1] == doctest::Approx(losses[0]).epsilon(1e-12));
  CHECK(losses[2] == losses[0]);
  CHECK(ebm::testing::max_relative_error(gradients[1], gradients[0]) < 1e-12);
}

TEST_CASE("exact SM refuses LaplacianRoute::Forward for an energy that has no forward Laplacian") {
  using namespace ebm::losses;
  auto energy = std::make_shared<ebm::testing::SmoothedGaussian>();
  CHECK_THROWS_WITH_AS(ScoreMatchingLoss(energy, SMOptions{.route = LaplacianRoute::Forward}),
                       doctest::Contains("LaplacianRoute::Forward needs an energy that carries ΔE forward"),
                       std::invalid_argument);
  CHECK_NOTHROW(ScoreMatchingLoss(energy, SMOptions{.route = LaplacianRoute::Backward}));
}
