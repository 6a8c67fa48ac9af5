// Finite-difference checks of derivative rules, offered to users who write their own ops.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/tensor.hpp"

namespace ebm {

using DifferentiableFunction = std::function<Tensor(const std::vector<Tensor>&)>;

/// The defaults reject an error δ in a derivative d wherever δ > 1e-7 + 1e-6·|d|: a rule off by 1e-4
/// wherever |d| < 100, a rule scaled by 1.0001 wherever |d| > 0.001. Central differences in float64
/// at eps = 1e-6 are exact to about 10⁻¹⁶·|f|/eps + eps²·|f⁽³⁾|/6, well below that
/// (docs/autodiff.md, section 9).
struct GradcheckOptions {
  double eps = 1e-6;   // central-difference step
  double atol = 1e-7;  // |analytical − numerical| ≤ atol + rtol·|numerical|
  double rtol = 1e-6;
  std::string* failure = nullptr;  // when set, receives a description of the first mismatch
};

/// Compares the Jacobian that backward computes for f at `inputs` with central differences
/// (f(x + eps·eₖ) − f(x − eps·eₖ)) / 2eps, for every input that requires grad. Inputs must be
/// float64. Returns true when every entry agrees.
bool gradcheck(const DifferentiableFunction& f, const std::vector<Tensor>& inputs, GradcheckOptions options = {});

/// gradcheck of the vector–Jacobian product x, v ↦ vᵀ∂f/∂x (computed with create_graph) for a
/// random v: checks that the derivative rules are themselves correctly differentiable.
bool gradgradcheck(const DifferentiableFunction& f, const std::vector<Tensor>& inputs, GradcheckOptions options = {});

}  // namespace ebm
