#include "engine/gradcheck.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "engine/autograd/grad.hpp"
#include "engine/autograd/grad_mode.hpp"
#include "engine/ops.hpp"

namespace ebm {
namespace {

/// Fresh leaves with the inputs' values and dtypes; the ones that required grad require grad.
std::vector<Tensor> fresh_leaves(const std::vector<Tensor>& inputs, std::vector<std::size_t>& checked) {
  std::vector<Tensor> leaves;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) throw std::invalid_argument("gradcheck: input " + std::to_string(i) + " is undefined");
    leaves.push_back(clone(inputs[i].detach()));
    if (inputs[i].requires_grad()) {
      leaves.back().requires_grad_();
      checked.push_back(i);
    }
  }
  if (checked.empty()) throw std::invalid_argument("gradcheck: no input requires grad, so there is nothing to check");
  return leaves;
}

/// The leaves in float64, where the central differences are taken.
std::vector<Tensor> in_float64(const std::vector<Tensor>& leaves) {
  std::vector<Tensor> converted;
  for (const Tensor& leaf : leaves) {
    converted.push_back(leaf.dtype() == DType::Float64 ? leaf : leaf.detach().to(DType::Float64).requires_grad_(leaf.requires_grad()));
  }
  return converted;
}

/// Row-major values of f(leaves) with element `element` of input `input` moved by `delta`.
std::vector<double> evaluate_shifted(const DifferentiableFunction& f, const std::vector<Tensor>& leaves,
                                     std::size_t input, int64_t element, double delta) {
  std::vector<Tensor> shifted = leaves;
  std::vector<double> values = leaves[input].to_vector();
  values[static_cast<std::size_t>(element)] += delta;
  shifted[input] = tensor(values, leaves[input].shape(), DType::Float64, leaves[input].device())
                       .requires_grad_(leaves[input].requires_grad());
  return f(shifted).to_vector();  // with grad mode on: f may itself differentiate (gradgradcheck)
}

}  // namespace

bool gradcheck(const DifferentiableFunction& f, const std::vector<Tensor>& inputs, GradcheckOptions options) {
  std::vector<std::size_t> checked;
  const std::vector<Tensor> leaves = fresh_leaves(inputs, checked), reference = in_float64(leaves);
  bool single = false;
  for (std::size_t i : checked) single = single || leaves[i].dtype() == DType::Float32;
  const double atol = options.atol.value_or(single ? 1e-5 : 1e-7), rtol = options.rtol.value_or(single ? 3e-5 : 1e-6);
  const Tensor output = f(leaves);
  const int64_t outputs = output.numel();
  std::vector<Tensor> wrt;
  for (std::size_t i : checked) wrt.push_back(leaves[i]);

  // analytical[c][j][k] = ∂output_j / ∂(input c)_k, one vector–Jacobian product per output element.
  std::vector<std::vector<std::vector<double>>> analytical(checked.size());
  for (std::size_t c = 0; c < checked.size(); ++c) {
    analytical[c].assign(static_cast<std::size_t>(outputs), std::vector<double>(static_cast<std::size_t>(wrt[c].numel()), 0.0));
  }
  for (int64_t j = 0; output.requires_grad() && j < outputs; ++j) {
    std::vector<double> basis(static_cast<std::size_t>(outputs), 0.0);
    basis[static_cast<std::size_t>(j)] = 1.0;
    const Tensor grad_output = tensor(basis, output.shape(), output.dtype(), output.device());
    const auto rows = grad(output, wrt, {.allow_unused = true, .grad_output = grad_output, .retain_graph = true});
    for (std::size_t c = 0; c < checked.size(); ++c) {
      if (rows[c].defined()) analytical[c][static_cast<std::size_t>(j)] = rows[c].to_vector();
    }
  }

  for (std::size_t c = 0; c < checked.size(); ++c) {
    for (int64_t k = 0; k < wrt[c].numel(); ++k) {
      const auto plus = evaluate_shifted(f, reference, checked[c], k, options.eps);
      const auto minus = evaluate_shifted(f, reference, checked[c], k, -options.eps);
      for (int64_t j = 0; j < outputs; ++j) {
        const double numerical = (plus[static_cast<std::size_t>(j)] - minus[static_cast<std::size_t>(j)]) / (2 * options.eps);
        const double computed = analytical[c][static_cast<std::size_t>(j)][static_cast<std::size_t>(k)];
        if (!(std::abs(computed - numerical) <= atol + rtol * std::abs(numerical))) {
          if (options.failure != nullptr) {
            std::ostringstream text;
            text.precision(10);
            text << "d(output " << j << ") / d(input " << checked[c] << " element " << k << "): backward gives "
                 << computed << ", central differences give " << numerical;
            *options.failure = text.str();
          }
          return false;
        }
      }
    }
  }
  return true;
}

bool gradgradcheck(const DifferentiableFunction& f, const std::vector<Tensor>& inputs, GradcheckOptions options) {
  std::vector<std::size_t> checked;
  const std::vector<Tensor> leaves = fresh_leaves(inputs, checked);
  const Tensor probe = f(leaves);  // with grad mode on: f may itself differentiate
  Generator generator(20240229);
  std::vector<Tensor> extended = leaves;
  extended.push_back(randn(probe.shape(), generator, probe.dtype(), probe.device()).requires_grad_());

  // x, v ↦ concatenation of the flattened vᵀ∂f/∂x over the checked inputs.
  const DifferentiableFunction vector_jacobian_product = [&](const std::vector<Tensor>& arguments) {
    const std::vector<Tensor> xs(arguments.begin(), arguments.end() - 1);
    const Tensor output = f(xs);
    std::vector<Tensor> wrt;
    for (std::size_t i : checked) wrt.push_back(xs[i]);
    std::vector<Tensor> gradients;
    if (output.requires_grad()) {
      gradients = grad(output, wrt, {.create_graph = true, .allow_unused = true, .grad_output = arguments.back()});
    } else {
      gradients.resize(wrt.size());
    }
    std::vector<Tensor> flattened;
    for (std::size_t c = 0; c < wrt.size(); ++c) {
      flattened.push_back(reshape(gradients[c].defined() ? gradients[c] : zeros_like(wrt[c]), {-1}));
    }
    return cat(flattened, 0);
  };
  return gradcheck(vector_jacobian_product, extended, options);
}

}  // namespace ebm
