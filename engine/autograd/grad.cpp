// The backward walk. Nodes are visited in decreasing sequence order (a max-heap), so a node runs
// only after every consumer reachable from the output has added its share of the gradient: no
// recursion and no separate topological sort.
#include "engine/autograd/grad.hpp"

#include <limits>
#include <queue>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "engine/autograd/node.hpp"
#include "engine/backend.hpp"
#include "engine/ops.hpp"

namespace ebm {
namespace {

/// The sum of the gradients that reached one node so far.
struct PendingGradient {
  Tensor sum;
  bool owned = false;  // sum is a buffer this walk allocated, so it may be added into in place
};

void add_into(PendingGradient& pending, const Tensor& gradient, bool recording) {
  if (!pending.sum.defined()) {
    pending.sum = gradient;
  } else if (pending.owned && !recording) {
    backend(pending.sum.device()).add_scaled_(pending.sum, gradient, 1.0);
  } else {
    pending.sum = pending.sum + gradient;  // out of place, so a recorded sum stays differentiable
    pending.owned = true;
  }
}

Tensor root_gradient(const char* caller, const Tensor& output, const Tensor& grad_output) {
  if (!output.defined()) throw std::invalid_argument(std::string(caller) + ": the output tensor is undefined");
  if (!output.requires_grad()) {
    throw std::invalid_argument(
        std::string(caller) +
        ": the output does not require grad, so there is nothing to differentiate (no input of its "
        "computation requires grad, it was computed under NoGradGuard, or it is a gradient that was "
        "computed without create_graph = true)");
  }
  if (!grad_output.defined()) {
    if (output.numel() != 1) {
      throw std::invalid_argument(std::string(caller) + ": the output has shape " + shape_string(output.shape()) +
                                  "; pass grad_output of that shape, or reduce the output to one element first "
                                  "(for example with sum)");
    }
    return ones_like(output);
  }
  if (grad_output.shape() != output.shape() || grad_output.dtype() != output.dtype()) {
    throw std::invalid_argument(std::string(caller) + ": grad_output has shape " + shape_string(grad_output.shape()) +
                                " and dtype " + dtype_name(grad_output.dtype()) + ", but the output has shape " +
                                shape_string(output.shape()) + " and dtype " + dtype_name(output.dtype()));
  }
  return grad_output;
}

/// For grad(): every node from which a target can be reached (an iterative depth-first search,
/// pruned below the lowest target). Gradients flowing anywhere else would be thrown away, so
/// rules are told not to compute them: for y = xW with only ∂/∂x wanted, no xᵀg product.
std::unordered_set<Node*> nodes_leading_to(Node* root, const std::unordered_set<Node*>& targets, uint64_t lowest_needed) {
  std::unordered_map<Node*, bool> leads;  // visited nodes: whether a target is reachable from them
  std::vector<std::pair<Node*, std::size_t>> stack = {{root, 0}};
  leads[root] = targets.count(root) != 0;
  while (!stack.empty()) {
    Node* node = stack.back().first;
    const std::size_t index = stack.back().second++;
    const auto& next = node->next();
    if (index < next.size()) {
      Node* child = next[index].get();
      if (child == nullptr || child->sequence() < lowest_needed) continue;
      const auto [entry, inserted] = leads.try_emplace(child, targets.count(child) != 0);
      if (inserted) {
        stack.emplace_back(child, 0);
      } else if (entry->second) {
        leads[node] = true;
      }
    } else {
      stack.pop_back();
      if (leads[node] && !stack.empty()) leads[stack.back().first] = true;
    }
  }
  std::unordered_set<Node*> result;
  for (const auto& [node, reaches] : leads) {
    if (reaches) result.insert(node);
  }
  return result;
}

/// Walks the graph from `output`. With targets, stops at the target nodes and returns their
/// gradients (grad); without, runs every node and leaf accumulator (backward).
std::unordered_map<Node*, Tensor> walk(const Tensor& output, const Tensor& grad_output,
                                       const std::unordered_set<Node*>* targets, const GradOptions& options) {
  const bool keep_graph = options.retain_graph || options.create_graph;
  GradModeGuard mode(options.create_graph);

  // Targets (and so every node worth running) have sequence numbers at or above this.
  uint64_t lowest_needed = 0;
  if (targets != nullptr) {
    lowest_needed = std::numeric_limits<uint64_t>::max();
    for (Node* node : *targets) lowest_needed = std::min(lowest_needed, node->sequence());
  }

  std::unordered_map<Node*, PendingGradient> pending;
  std::priority_queue<std::pair<uint64_t, Node*>> ready;
  std::unordered_map<Node*, Tensor> captured;

  const std::shared_ptr<Node> root = gradient_edge(output);
  std::unordered_set<Node*> useful;
  if (targets != nullptr) useful = nodes_leading_to(root.get(), *targets, lowest_needed);
  std::vector<bool> wanted;
  pending[root.get()].sum = grad_output;
  ready.emplace(root->sequence(), root.get());

  while (!ready.empty()) {
    Node* node = ready.top().second;
    ready.pop();
    auto entry = pending.find(node);
    const Tensor gradient = std::move(entry->second.sum);
    pending.erase(entry);

    if (anomaly_detection_enabled() && dynamic_cast<LeafAccumulator*>(node) != nullptr) anomaly::check_rule(*node, gradient, {});
    if (targets != nullptr) {
      if (targets->count(node) != 0) {
        if (anomaly_detection_enabled()) anomaly::check_rule(*node, gradient, {});
        captured[node] = gradient;
        if (node->sequence() <= lowest_needed) continue;
      }
      if (dynamic_cast<LeafAccumulator*>(node) != nullptr) continue;
    } else if (auto* leaf = dynamic_cast<LeafAccumulator*>(node)) {
      if (tracing_enabled()) trace_applied(*node, options.create_graph);
      leaf->accumulate(gradient);
      continue;
    }

    const auto& next = node->next();
    if (targets != nullptr) {
      wanted.assign(next.size(), false);
      for (std::size_t i = 0; i < next.size(); ++i) wanted[i] = next[i] != nullptr && useful.count(next[i].get()) != 0;
    }
    if (tracing_enabled()) trace_applied(*node, options.create_graph);
    const Gradients gradients = node->apply(gradient, targets != nullptr ? &wanted : nullptr);
    if (anomaly_detection_enabled()) anomaly::check_rule(*node, gradient, gradients);
    if (!keep_graph) node->release_saved();
    for (std::size_t i = 0; i < next.size(); ++i) {
      Node* input = next[i].get();
      if (input == nullptr || !gradients[i].defined() || (targets != nullptr && !wanted[i])) continue;
      auto [slot, inserted] = pending.try_emplace(input);
      add_into(slot->second, gradients[i], options.create_graph);
      if (inserted) ready.emplace(input->sequence(), input);
    }
  }
  return captured;
}

}  // namespace

std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& inputs, GradOptions options) {
  const Tensor grad_output = root_gradient("grad", output, options.grad_output);
  std::unordered_set<Node*> targets;
  std::vector<std::shared_ptr<Node>> input_nodes;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad()) {
      throw std::invalid_argument("grad: input " + std::to_string(i) +
                                  " does not require grad; call requires_grad_() on it before computing the output");
    }
    input_nodes.push_back(gradient_edge(inputs[i]));
    targets.insert(input_nodes.back().get());
  }
  auto captured = walk(output, grad_output, &targets, options);

  std::vector<Tensor> result;
  result.reserve(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    auto found = captured.find(input_nodes[i].get());
    if (found == captured.end()) {
      if (!options.allow_unused) {
        throw std::invalid_argument("grad: input " + std::to_string(i) + " (shape " + shape_string(inputs[i].shape()) +
                                    ") was not used to compute the output; pass allow_unused = true to get an "
                                    "undefined tensor for it");
      }
      result.emplace_back();
    } else {
      result.push_back(found->second);
    }
  }
  return result;
}

void backward(const Tensor& output, GradOptions options) {
  const Tensor grad_output = root_gradient("backward", output, options.grad_output);
  walk(output, grad_output, nullptr, options);
}

}  // namespace ebm
