#include "engine/autograd/anomaly.hpp"

#include <cmath>
#include <vector>

#include "engine/autograd/grad_mode.hpp"
#include "engine/autograd/node.hpp"

namespace ebm {
namespace {

thread_local bool anomaly_enabled = false;
thread_local const TermScope* innermost_term = nullptr;

std::string shapes_of(const Tensor* first, const Tensor* last) {
  std::string text;
  for (const Tensor* input = first; input != last; ++input) {
    if (!text.empty()) text += ", ";
    text += input->defined() ? shape_string(input->shape()) : "none";
  }
  return text;
}

/// "'exp'", with the shapes and terms anomaly mode noted when it recorded the node.
std::string named(const Node& node) {
  if (!node.origin().empty()) return node.origin();
  std::string text = "'";
  text += node.name();
  text += "' (recorded before anomaly mode was on)";
  return text;
}

/// Where a node was recorded: by a derivative rule (a backward pass with create_graph) or not.
std::string pass_of(const Node& node, const Node* rule) {
  const std::string order = " (derivative order " + std::to_string(node.derivative_order()) + ")";
  if (rule != nullptr) return "a backward pass with create_graph" + order;
  return node.derivative_order() == 0 ? std::string("the forward pass") : "the forward pass, on derivatives" + order;
}

}  // namespace

bool anomaly_detection_enabled() { return anomaly_enabled; }

DetectAnomalyGuard::DetectAnomalyGuard(bool enabled) : previous_(anomaly_enabled) { anomaly_enabled = enabled; }
DetectAnomalyGuard::~DetectAnomalyGuard() { anomaly_enabled = previous_; }

TermScope::TermScope(const char* name) : name_(name), outer_(innermost_term) { innermost_term = this; }
TermScope::~TermScope() { innermost_term = outer_; }

std::string TermScope::current_path() {
  std::string path;
  std::vector<const char*> names;
  for (const TermScope* scope = innermost_term; scope != nullptr; scope = scope->outer_) names.push_back(scope->name_);
  for (auto name = names.rbegin(); name != names.rend(); ++name) {
    if (!path.empty()) path += " > ";
    path += *name;
  }
  return path;
}

std::optional<std::string> describe_non_finite(const Tensor& x) {
  if (!x.defined()) return std::nullopt;
  NoGradGuard no_grad;
  const std::vector<double> values = x.detach().to_vector();
  std::size_t first = values.size(), count = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      if (count++ == 0) first = i;
    }
  }
  if (count == 0) return std::nullopt;
  const double value = values[first];
  std::string text = std::isnan(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
  // The flat index as one index per dimension.
  std::vector<int64_t> index(static_cast<std::size_t>(x.dim()));
  auto rest = static_cast<int64_t>(first);
  for (int64_t d = x.dim() - 1; d >= 0; --d) {
    index[static_cast<std::size_t>(d)] = rest % x.size(d);
    rest /= x.size(d);
  }
  text += " at " + shape_string(index);
  if (count > 1) text += " (" + std::to_string(count) + " of " + std::to_string(values.size()) + " values non-finite)";
  return text;
}

namespace anomaly {

void check_recorded(Node& node, const Tensor& output, const Tensor* first_input, const Tensor* last_input) {
  const Node* rule = applying_node();
  std::string origin = "'";
  origin += node.name();
  origin += "' (inputs " + shapes_of(first_input, last_input) + ", output " + shape_string(output.shape()) +
            ") recorded in " + pass_of(node, rule);
  if (rule != nullptr) {
    origin += " by the derivative rule of '";
    origin += rule->name();
    origin += "'";
  }
  const std::string terms = TermScope::current_path();
  if (!terms.empty()) origin += ", in " + terms;
  node.set_origin(origin);

  const auto bad = describe_non_finite(output);
  if (!bad) return;
  for (const Tensor* input = first_input; input != last_input; ++input) {
    const auto bad_input = describe_non_finite(*input);
    if (!bad_input) continue;
    const auto& producer = input->impl()->grad_fn;
    throw AnomalyError("anomaly: " + origin + " produced " + *bad + " in its output because its input " +
                       std::to_string(input - first_input) + " already held " + *bad_input +
                       (producer ? ", made by " + named(*producer)
                                 : ", which was not made by a recorded op (data, a parameter, or a value computed "
                                   "under NoGradGuard)"));
  }
  throw AnomalyError("anomaly: " + origin + " produced " + *bad + " in its output from finite inputs");
}

void check_rule(const Node& node, const Tensor& grad_output, const std::vector<Tensor>& gradients) {
  const std::string pass = "in the backward pass of derivative order " + std::to_string(node.derivative_order() + 1);
  if (dynamic_cast<const LeafAccumulator*>(&node) != nullptr) {
    if (const auto bad = describe_non_finite(grad_output)) {
      throw AnomalyError("anomaly: the gradient of a leaf tensor (shape " + shape_string(grad_output.shape()) + ") summed to " +
                         *bad + ": the finite gradients of the ops that use it overflowed when added");
    }
    return;
  }
  if (const auto bad = describe_non_finite(grad_output)) {
    throw AnomalyError("anomaly: the gradient reaching " + named(node) + " already held " + *bad + ", " + pass +
                       " (the gradients of its consumers overflowed when added, or grad_output was not finite)");
  }
  for (std::size_t i = 0; i < gradients.size(); ++i) {
    const auto bad = describe_non_finite(gradients[i]);
    if (!bad) continue;
    throw AnomalyError("anomaly: the derivative rule of " + named(node) + " returned " + *bad +
                       " in the gradient of its input " + std::to_string(i) + " (shape " +
                       shape_string(gradients[i].shape()) + ") from a finite incoming gradient, " + pass);
  }
}

}  // namespace anomaly
}  // namespace ebm
