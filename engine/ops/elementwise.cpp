// Elementwise functions, each with its derivative rule written in differentiable ops.
#include <stdexcept>
#include <string>

#include "engine/ops/op_support.hpp"

namespace ebm {
namespace {

Tensor apply_unary(UnaryKernel kernel, const char* op, const Tensor& a) {
  ops::check_defined(op, a);
  Tensor out = ops::empty_with(a, a.shape());
  backend(a.device()).unary(kernel, a, out);
  return out;
}

/// A fused kernel of one operand (Backend's silu_second_derivative, silu_third_derivative).
Tensor apply_fused(void (Backend::*kernel)(const Tensor&, Tensor&) const, const char* op, const Tensor& a) {
  ops::check_defined(op, a);
  Tensor out = ops::empty_with(a, a.shape());
  (backend(a.device()).*kernel)(a, out);
  return out;
}

/// g·silu′(a) by the fused kernel, whose operands have one shape: broadcast ones are expanded first.
Tensor apply_silu_backward(const Tensor& g, const Tensor& a) {
  ops::check_compatible("silu_backward", g, a);
  const Shape shape = broadcast_shapes("silu_backward", g.shape(), a.shape());
  const auto expanded = [&shape](const Tensor& t) {
    if (t.shape() == shape) return t;
    Tensor out = ops::empty_with(t, shape);
    backend(t.device()).expand(t, out);
    return out;
  };
  Tensor out = ops::empty_with(a, shape);
  backend(a.device()).silu_backward(expanded(g), expanded(a), out);
  return out;
}

}  // namespace

/// eᵃ; d/da = eᵃ, the output itself.
Tensor exp(const Tensor& a) {
  return record(apply_unary(UnaryKernel::Exp, "exp", a), "exp", {a}, {}, SaveOutput::Yes,
                [](const Node& node, const Tensor& g) -> Gradients { return {g * node.output()}; });
}

/// ln a; d/da = 1/a.
Tensor log(const Tensor& a) {
  return record(apply_unary(UnaryKernel::Log, "log", a), "log", {a}, {a}, SaveOutput::No,
                [](const Node& node, const Tensor& g) -> Gradients { return {g / node.saved(0)}; });
}

/// √a; d/da = 1/(2√a).
Tensor sqrt(const Tensor& a) {
  return record(apply_unary(UnaryKernel::Sqrt, "sqrt", a), "sqrt", {a}, {}, SaveOutput::Yes,
                [](const Node& node, const Tensor& g) -> Gradients { return {g / (2.0 * node.output())}; });
}

/// a²; d/da = 2a.
Tensor square(const Tensor& a) {
  return record(apply_unary(UnaryKernel::Square, "square", a), "square", {a}, {a}, SaveOutput::No,
                [](const Node& node, const Tensor& g) -> Gradients { return {2.0 * (g * node.saved(0))}; });
}

/// aᵖ; d/da = p·aᵖ⁻¹.
Tensor pow(const Tensor& a, double exponent) {
  ops::check_defined("pow", a);
  Tensor out = ops::empty_with(a, a.shape());
  backend(a.device()).power(a, exponent, out);
  return record(std::move(out), "pow", {a}, {a}, SaveOutput::No,
                [exponent](const Node& node, const Tensor& g) -> Gradients {
                  if (exponent == 0.0) return {zeros_like(g)};
                  if (exponent == 1.0) return {g};
                  return {exponent * (g * pow(node.saved(0), exponent - 1.0))};
                });
}

/// |a|; d/da = sign(a), 0 at the kink.
Tensor abs(const Tensor& a) {
  return record(apply_unary(UnaryKernel::Abs, "abs", a), "abs", {a}, {a}, SaveOutput::No,
                [](const Node& node, const Tensor& g) -> Gradients { return {g * sign(node.saved(0))}; });
}

/// sin a; d/da = cos a.
Tensor sin(const Tensor& a) {
  return record(apply_unary(UnaryKernel::Sin, "sin", a), "sin", {a}, {a}, SaveOutput::No,
                [](const Node& node, const Tensor& g) -> Gradients { return {g * cos(node.saved(0))}; });
}

/// cos a; d/da = −sin a.
Tensor cos(const Tensor& a) {
  return record(apply_unary(UnaryKernel::Cos, "cos", a), "cos", {a}, {a}, SaveOutput::No,
                [](const Node& node, const Tensor& g) -> Gradients { return {-(g * sin(node.saved(0)))}; });
}

/// tanh a; d/da = 1 − tanh² a, from the output.
Tensor tanh(const Tensor& a) {
  return record(apply_unary(UnaryKernel::Tanh, "tanh", a), "tanh", {a}, {}, SaveOutput::Yes,
                [](const Node& node, const Tensor& g) -> Gradients {
                  return {g * (1.0 - square(node.output()))};
                });
}

/// σ(a) = 1/(1 + e⁻ᵃ); d/da = σ(1 − σ), from the output.
Tensor sigmoid(const Tensor& a) {
  return record(apply_unary(UnaryKernel::Sigmoid, "sigmoid", a), "sigmoid", {a}, {}, SaveOutput::Yes,
                [](const Node& node, const Tensor& g) -> Gradients {
                  const Tensor s = node.output();
                  return {g * (s * (1.0 - s))};
                });
}

/// log(1 + eᵃ), evaluated as max(a, 0) + log(1 + e^−|a|) so that large |a| neither overflows
/// nor loses the linear part; d/da = σ(a).
Tensor softplus(const Tensor& a) {
  return record(apply_unary(UnaryKernel::Softplus, "softplus", a), "softplus", {a}, {a}, SaveOutput::No,
                [](const Node& node, const Tensor& g) -> Gradients { return {g * sigmoid(node.saved(0))}; });
}

/// max(a, 0); d/da = [a > 0].
Tensor relu(const Tensor& a) {
  return record(apply_unary(UnaryKernel::Relu, "relu", a), "relu", {a}, {a}, SaveOutput::No,
                [](const Node& node, const Tensor& g) -> Gradients { return {g * greater(node.saved(0), 0.0)}; });
}

/// a·σ(a) (SiLU, "swish") in one kernel; d/da = silu′(a), applied to g by silu_backward.
Tensor silu(const Tensor& a) {
  return record(apply_unary(UnaryKernel::Silu, "silu", a), "silu", {a}, {a}, SaveOutput::No,
                [](const Node& node, const Tensor& g) -> Gradients { return {silu_backward(g, node.saved(0))}; });
}

/// g·silu′(a) = g·σ(a)(1 + a(1 − σ(a))) in one kernel (one pass per layer in backward);
/// d/dg = silu′(a), which is silu_backward again, and d/da = g·silu″(a).
Tensor silu_backward(const Tensor& g, const Tensor& a) {
  return record(apply_silu_backward(g, a), "silu_backward", {g, a},
                {a.requires_grad() ? g : Tensor(), a}, SaveOutput::No,
                [g_shape = g.shape(), a_shape = a.shape()](const Node& node, const Tensor& outer) -> Gradients {
                  const Tensor a = node.saved(1);
                  return {ops::if_needed(node, 0, [&] { return sum_to(silu_backward(outer, a), g_shape); }),
                          ops::if_needed(node, 1, [&] {
                            return sum_to((outer * node.saved(0)) * silu_second_derivative(a), a_shape);
                          })};
                });
}

/// silu″(a) = s(2 + at) with s = σ(1 − σ), t = 1 − 2σ, σ = σ(a), in one kernel; d/da = silu‴(a).
Tensor silu_second_derivative(const Tensor& a) {
  return record(apply_fused(&Backend::silu_second_derivative, "silu_second_derivative", a), "silu_second_derivative",
                {a}, {a}, SaveOutput::No, [](const Node& node, const Tensor& g) -> Gradients {
                  return {g * silu_third_derivative(node.saved(0))};
                });
}

/// silu‴(a) = s(3t + a(1 − 6s)) in one kernel; d/da = silu⁗(a) (docs/autodiff.md derives both).
Tensor silu_third_derivative(const Tensor& a) {
  return record(apply_fused(&Backend::silu_third_derivative, "silu_third_derivative", a), "silu_third_derivative",
                {a}, {a}, SaveOutput::No, [](const Node& node, const Tensor& g) -> Gradients {
                  return {g * silu_fourth_derivative(node.saved(0))};
                });
}

/// silu⁗(a) = s(4(1 − 6s) + at(1 − 12s)), written in ops (so differentiable through them).
Tensor silu_fourth_derivative(const Tensor& a) {
  const Tensor sigma = sigmoid(a);
  const Tensor s = sigma * (1.0 - sigma);
  const Tensor t = 1.0 - 2.0 * sigma;
  return s * (4.0 * (1.0 - 6.0 * s) + (a * t) * (1.0 - 12.0 * s));
}

/// min(max(a, low), high); d/da = [low ≤ a ≤ high].
Tensor clamp(const Tensor& a, double low, double high) {
  ops::check_defined("clamp", a);
  if (!(low <= high)) {
    throw std::invalid_argument("clamp: low (" + std::to_string(low) + ") must not exceed high (" +
                                std::to_string(high) + ")");
  }
  Tensor out = ops::empty_with(a, a.shape());
  backend(a.device()).clamp(a, low, high, out);
  return record(std::move(out), "clamp", {a}, {a}, SaveOutput::No,
                [low, high](const Node& node, const Tensor& g) -> Gradients {
                  const Tensor x = node.saved(0);
                  return {g * (greater_equal(x, low) * less_equal(x, high))};
                });
}

Tensor sign(const Tensor& a) { return apply_unary(UnaryKernel::Sign, "sign", a.detach()); }

/// A copy with storage of its own; d/da = 1.
Tensor clone(const Tensor& a) {
  ops::check_defined("clone", a);
  Tensor out = ops::empty_with(a, a.shape());
  backend(a.device()).convert(a, out);
  return record(std::move(out), "clone", {a}, {}, SaveOutput::No,
                [](const Node&, const Tensor& g) -> Gradients { return {g}; });
}

/// The same values in another element type; the gradient is converted back.
Tensor cast(const Tensor& a, DType dtype) {
  ops::check_defined("cast", a);
  if (a.dtype() == dtype) return a;
  Tensor out = empty(a.shape(), dtype, a.device());
  backend(a.device()).convert(a, out);
  return record(std::move(out), "cast", {a}, {}, SaveOutput::No,
                [from = a.dtype()](const Node&, const Tensor& g) -> Gradients { return {cast(g, from)}; });
}

}  // namespace ebm
