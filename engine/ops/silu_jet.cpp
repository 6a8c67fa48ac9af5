// SiLU's second-order jet: the forward Laplacian's (and forward directional derivatives') step
// through a SiLU layer as one kernel over the packed state, and its backward as another. Both
// derivative rules are written in differentiable ops (docs/autodiff.md derives them).
#include <stdexcept>
#include <string>

#include "engine/ops/op_support.hpp"

namespace ebm {
namespace {

/// A packed jet [K, N, W] split into its value [N, W], directions [M, N, W] and curvature [N, W].
struct JetSlices {
  Tensor value;
  Tensor directions;
  Tensor curvature;
};

JetSlices split(const Tensor& jet) {
  const int64_t last = jet.size(0) - 1;
  return {select(jet, 0, 0), slice(jet, 0, 1, last), select(jet, 0, last)};
}

Tensor pack(const Tensor& value, const Tensor& directions, const Tensor& curvature) {
  return cat({unsqueeze(value, 0), directions, unsqueeze(curvature, 0)}, 0);
}

void check_jet(const char* op, const Tensor& products, const Tensor& bias) {
  ops::check_compatible(op, products, bias);
  if (products.dim() != 3 || products.size(0) < 2 || bias.dim() != 1 || bias.size(0) != products.size(2)) {
    throw std::invalid_argument(std::string(op) +
                                ": expects products [K, N, W] with K ≥ 2 (value, M = K − 2 directions, curvature) "
                                "and bias [W], got products " +
                                shape_string(products.shape()) + " and bias " + shape_string(bias.shape()));
  }
}

}  // namespace

/// out = (silu(a), silu′(a)·Fₘ, silu′(a)·S + silu″(a)·Σₘ Fₘ²) with a = products[0] + bias: one
/// kernel; d/dproducts = silu_jet_backward, d/dbias = its value slice summed over the rows.
Tensor silu_jet(const Tensor& products, const Tensor& bias) {
  check_jet("silu_jet", products, bias);
  Tensor out = ops::empty_with(products, products.shape());
  backend(products.device()).silu_jet(products, bias, out);
  return record(std::move(out), "silu_jet", {products, bias}, {products, bias}, SaveOutput::No,
                [](const Node& node, const Tensor& g) -> Gradients {
                  const Tensor gradient = silu_jet_backward(g, node.saved(0), node.saved(1));
                  return {gradient, ops::if_needed(node, 1, [&] { return sum(select(gradient, 0, 0), 0); })};
                });
}

/// The gradient of ⟨g, silu_jet(products, bias)⟩ with respect to products, in one kernel. It is
/// linear in g: d/dg applies silu_jet's Jacobian to the outer gradient o (a tangent); d/dproducts
/// and d/dbias contract silu_jet's second derivatives with g and o. Both are written in ops.
Tensor silu_jet_backward(const Tensor& g, const Tensor& products, const Tensor& bias) {
  check_jet("silu_jet_backward", products, bias);
  ops::check_compatible("silu_jet_backward", g, products);
  if (g.shape() != products.shape()) {
    throw std::invalid_argument("silu_jet_backward: g must have the shape of products " +
                                shape_string(products.shape()) + ", got " + shape_string(g.shape()));
  }
  Tensor out = ops::empty_with(products, products.shape());
  backend(products.device()).silu_jet_backward(g, products, bias, out);
  return record(
      std::move(out), "silu_jet_backward", {g, products, bias}, {g, products, bias}, SaveOutput::No,
      [](const Node& node, const Tensor& outer) -> Gradients {
        const auto [g_value, g_directions, g_curvature] = split(node.saved(0));
        const auto [value, directions, curvature] = split(node.saved(1));
        const auto [o_value, o_directions, o_curvature] = split(outer);
        const Tensor a = value + node.saved(2);
        const Tensor first = silu_backward(ops::scalar_like(a, 1.0), a);
        const Tensor second = silu_second_derivative(a);
        const Tensor third = silu_third_derivative(a);
        const Tensor squares = sum(square(directions), 0);                  // Σₘ Fₘ²
        const Tensor outer_dots = sum(o_directions * directions, 0);        // Σₘ oₘFₘ
        // silu_jet's Jacobian applied to o. The bindings are captured by name: clang before 16
        // cannot capture a structured binding implicitly.
        const Tensor tangent = ops::if_needed(node, 0, [&, &o_value = o_value, &o_directions = o_directions, &o_curvature = o_curvature,
                                                        &directions = directions, &curvature = curvature] {
          return pack(first * o_value, (second * o_value) * directions + first * o_directions,
                      (second * o_value) * curvature + (third * o_value) * squares + 2.0 * (second * outer_dots) +
                          first * o_curvature);
        });
        if (!node.needs_grad(1) && !node.needs_grad(2)) return {tangent, Tensor(), Tensor()};
        const Tensor g_dots = sum(g_directions * directions, 0);             // Σₘ gₘFₘ
        const Tensor gradient_dots = sum(o_directions * g_directions, 0);     // Σₘ oₘgₘ
        const Tensor a_gradient =
            o_value * (second * g_value + third * (g_dots + curvature * g_curvature) +
                       silu_fourth_derivative(a) * (squares * g_curvature)) +
            second * gradient_dots + 2.0 * (third * (g_curvature * outer_dots)) + second * (o_curvature * g_curvature);
        const Tensor directions_gradient = (o_value * second) * g_directions +
                                           (2.0 * (o_value * (third * g_curvature))) * directions +
                                           (2.0 * (second * g_curvature)) * o_directions;
        const Tensor products_gradient = pack(a_gradient, directions_gradient, o_value * (second * g_curvature));
        return {tangent, products_gradient, ops::if_needed(node, 2, [&] { return sum(a_gradient, 0); })};
      });
}

}  // namespace ebm
