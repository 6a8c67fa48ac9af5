// The tape. Every op that runs while grad mode is on and an input requires grad records one
// Node: which nodes its inputs came from (the edges backward follows), the tensors its
// derivative rule needs, and the rule itself. Rules are written in differentiable ops, so running
// them with recording on (create_graph) records the backward pass as a new graph.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/autograd/anomaly.hpp"
#include "engine/autograd/grad_mode.hpp"
#include "engine/autograd/trace.hpp"
#include "engine/tensor.hpp"

namespace ebm {

/// One gradient per input of a node; an undefined tensor where none flows.
using Gradients = std::vector<Tensor>;

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node(const char* name, std::vector<std::shared_ptr<Node>> next);
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const char* name() const { return name_; }
  /// How many differentiations deep the op's output is: k + 1 for an op recorded by a derivative
  /// rule of a node of order k (backward with create_graph), and never less than the order of an
  /// input's producer (an op on ∇E is of order 1 too). 0 for the forward pass.
  uint32_t derivative_order() const { return order_; }
  /// In anomaly mode: the op's shapes, pass and terms, as its reports name it; empty otherwise.
  const std::string& origin() const;
  void set_origin(std::string origin);
  /// Creation order: a node's inputs always have smaller sequence numbers, so backward visits
  /// nodes in decreasing sequence order, each after all of its consumers.
  uint64_t sequence() const { return sequence_; }
  /// Where each input's gradient goes: its producer, or a leaf's accumulator; null when the
  /// input needs no gradient.
  const std::vector<std::shared_ptr<Node>>& next() const { return next_; }

  /// The gradients of the inputs given the gradient of the output. `wanted`, when given, says per
  /// input whether this backward pass uses its gradient (rules skip the others).
  Gradients apply(const Tensor& grad_output, const std::vector<bool>* wanted = nullptr);
  /// Drops the saved tensors (backward without retain_graph); applying again then throws.
  void release_saved();

  // What a derivative rule reads.
  /// The i-th saved tensor (undefined if an undefined tensor was saved, as ops do for operands
  /// no gradient needs); throws if it was modified in place after it was saved.
  Tensor saved(std::size_t i) const;
  /// The op's own output, rebuilt so that it is differentiable through this node.
  Tensor output() const;
  /// Whether the current backward pass needs input's gradient.
  bool needs_grad(std::size_t input) const;

  void save(const Tensor& tensor);
  void save_output(const Tensor& output);

 protected:
  virtual Gradients rule(const Tensor& grad_output) = 0;

 private:
  struct Saved {
    Tensor tensor;
    uint64_t version;
  };
  /// Moves out the nodes this node keeps alive alone, so destruction never recurses.
  void release_into(std::vector<std::shared_ptr<Node>>& orphans);
  void check_version(const Tensor& tensor, uint64_t version, const char* what) const;

  const char* name_;
  uint64_t sequence_;
  uint32_t order_;
  std::unique_ptr<const std::string> origin_;
  std::vector<std::shared_ptr<Node>> next_;
  std::vector<Saved> saved_;
  std::shared_ptr<Storage> output_storage_;
  Shape output_shape_;
  DType output_dtype_ = DType::Float32;
  uint64_t output_version_ = 0;
  bool released_ = false;
};

/// The node of a leaf that requires grad: backward() adds the incoming gradient into leaf.grad().
class LeafAccumulator final : public Node {
 public:
  explicit LeafAccumulator(std::shared_ptr<TensorImpl> leaf);
  /// leaf.grad ← leaf.grad + g (out of place, so a recorded g stays differentiable).
  void accumulate(const Tensor& grad);

 protected:
  Gradients rule(const Tensor& grad_output) override;

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

/// The node whose derivative rule this thread is running; null outside backward.
const Node* applying_node();

/// The node that gradients of `tensor` flow into: its producer, or its leaf accumulator.
std::shared_ptr<Node> gradient_edge(const Tensor& tensor);

template <class Rule>
class RuleNode final : public Node {
 public:
  RuleNode(const char* name, std::vector<std::shared_ptr<Node>> next, Rule rule)
      : Node(name, std::move(next)), rule_(std::move(rule)) {}

 protected:
  Gradients rule(const Tensor& grad_output) override { return rule_(static_cast<const Node&>(*this), grad_output); }

 private:
  Rule rule_;
};

enum class SaveOutput { No, Yes };

/// True when an op with inputs [first, last) must be recorded: grad mode is on and one of them
/// requires grad.
bool should_record(const Tensor* first, const Tensor* last);

template <class Rule>
Tensor record(Tensor output, const char* name, const Tensor* first_input, const Tensor* last_input,
              std::initializer_list<Tensor> saved, SaveOutput save_output, Rule rule) {
  if (!should_record(first_input, last_input)) return output;
  std::vector<std::shared_ptr<Node>> next;
  next.reserve(static_cast<std::size_t>(last_input - first_input));
  for (const Tensor* input = first_input; input != last_input; ++input) {
    next.push_back(input->defined() && input->requires_grad() ? gradient_edge(*input) : nullptr);
  }
  auto node = std::make_shared<RuleNode<Rule>>(name, std::move(next), std::move(rule));
  for (const Tensor& tensor : saved) node->save(tensor);
  if (save_output == SaveOutput::Yes) node->save_output(output);
  if (anomaly_detection_enabled()) anomaly::check_recorded(*node, output, first_input, last_input);
  if (tracing_enabled()) trace_recorded(*node, output, first_input, last_input);
  output.impl()->grad_fn = std::move(node);
  return output;
}

/// Records `output` as made by op `name` from `inputs`, with the derivative rule
/// rule(node, grad_output) → Gradients (one per input). `saved` are the tensors the rule reads
/// through node.saved(i); with SaveOutput::Yes it may also read node.output(). Returns output.
/// No node is recorded unless grad mode is on and an input requires grad.
template <class Rule>
Tensor record(Tensor output, const char* name, std::initializer_list<Tensor> inputs,
              std::initializer_list<Tensor> saved, SaveOutput save_output, Rule rule) {
  return record(std::move(output), name, inputs.begin(), inputs.end(), saved, save_output, std::move(rule));
}

template <class Rule>
Tensor record(Tensor output, const char* name, const std::vector<Tensor>& inputs,
              std::initializer_list<Tensor> saved, SaveOutput save_output, Rule rule) {
  return record(std::move(output), name, inputs.data(), inputs.data() + inputs.size(), saved, save_output,
                std::move(rule));
}

}  // namespace ebm
