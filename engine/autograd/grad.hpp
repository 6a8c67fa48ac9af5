// Reverse-mode differentiation over the tape.
#pragma once

#include <vector>

#include "engine/tensor.hpp"

namespace ebm {

struct GradOptions {
  /// Record the backward computation, so the returned gradients can be differentiated again.
  bool create_graph = false;
  /// Return an undefined tensor for an input the output does not depend on, instead of throwing.
  bool allow_unused = false;
  /// The vector v of the vector–Jacobian product vᵀ·∂output/∂input; required unless the output
  /// has one element (then it defaults to 1).
  Tensor grad_output = {};
  /// Keep the saved tensors so the same graph can be differentiated again (create_graph implies it).
  bool retain_graph = false;
};

/// ∂output/∂inputᵢ (contracted with grad_output) for every input; leaves' grad() is untouched.
std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& inputs, GradOptions options = {});

/// Adds ∂output/∂leaf (contracted with grad_output) into the grad() of every leaf that requires
/// grad. Tensor::backward() calls it with the defaults.
void backward(const Tensor& output, GradOptions options = {});

}  // namespace ebm
