// Finite-difference checks of derivative rules, offered to users who write their own ops.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/tensor.hpp"

namespace ebm {

using DifferentiableFunction = std::function<Tensor(const std::vector<Tensor>&)>;

/// In float64 the defaults reject an error δ in a derivative d wherever δ > 1e-7 + 1e-6·|d|: a rule
/// off by 1e-4 wherever |d| < 100, a rule scaled by 1.0001 wherever |d| > 0.001. Central
/// differences in float64 at eps = 1e-6 are exact to about 10⁻¹⁶·|f|/eps + eps²·|f⁽³⁾|/6, well below
/// that (docs/autodiff.md, section 9). Float32 inputs are checked against the same central
/// differences of f at the inputs' values in float64 (f must follow its inputs' dtype), since
/// float32 differences resolve no better than about 1e-3; the defaults then reject
/// δ > 1e-5 + 3e-5·|d|: a rule off by 1e-4 wherever |d| < 3, scaled by 1.0001 nowhere, by 1.001
/// wherever |d| > 0.01. Float32 backward passes round to about 1e-7·|d| per operation.
struct GradcheckOptions {
  double eps = 1e-6;                  // central-difference step (in float64)
  std::optional<double> atol = {};    // |analytical − numerical| ≤ atol + rtol·|numerical|;
  std::optional<double> rtol = {};    // unset: 1e-7 and 1e-6 for float64 inputs, 1e-5 and 3e-5 for float32
  std::string* failure = nullptr;     // when set, receives a description of the first mismatch
};

/// Compares the Jacobian that backward computes for f at `inputs` with central differences
/// (f(x + eps·eₖ) − f(x − eps·eₖ)) / 2eps in float64, for every input that requires grad. Inputs
/// are float64 or float32 (a float32 input's Jacobian is computed in float32). Returns true when
/// every entry agrees.
bool gradcheck(const DifferentiableFunction& f, const std::vector<Tensor>& inputs, GradcheckOptions options = {});

/// gradcheck of the vector–Jacobian product x, v ↦ vᵀ∂f/∂x (computed with create_graph) for a
/// random v: checks that the derivative rules are themselves correctly differentiable.
bool gradgradcheck(const DifferentiableFunction& f, const std::vector<Tensor>& inputs, GradcheckOptions options = {});

}  // namespace ebm
