#include "engine/autograd/node.hpp"

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>

#include "engine/ops.hpp"

namespace ebm {
namespace {
std::atomic<uint64_t> next_sequence{0};

/// The node this thread is applying and the mask of gradients its backward pass wants. Kept per
/// thread, not in the node, so that threads differentiating one graph do not see each other's.
struct Application {
  const Node* node = nullptr;
  const std::vector<bool>* wanted = nullptr;
};
thread_local Application current;
}  // namespace

bool Node::needs_grad(std::size_t input) const {
  if (next_[input] == nullptr) return false;
  return current.node != this || current.wanted == nullptr || (*current.wanted)[input];
}

namespace {

/// k + 1 under a derivative rule of a node of order k, else 0; and at least the order of every
/// input's producer, so that ops on a derivative (a sum of ∇E's entries) keep its order.
uint32_t order_of(const std::vector<std::shared_ptr<Node>>& next, const Node* applying) {
  uint32_t order = applying != nullptr ? applying->derivative_order() + 1 : 0;
  for (const auto& input : next) {
    if (input) order = std::max(order, input->derivative_order());
  }
  return order;
}

}  // namespace

Node::Node(const char* name, std::vector<std::shared_ptr<Node>> next)
    : name_(name),
      sequence_(next_sequence.fetch_add(1, std::memory_order_relaxed)),
      order_(order_of(next, current.node)),
      next_(std::move(next)) {}

const std::string& Node::origin() const {
  static const std::string none;
  return origin_ ? *origin_ : none;
}

void Node::set_origin(std::string origin) { origin_ = std::make_unique<const std::string>(std::move(origin)); }

const Node* applying_node() { return current.node; }

Node::~Node() {
  // A long chain would otherwise be destroyed by recursion, one stack frame per node.
  std::vector<std::shared_ptr<Node>> orphans;
  release_into(orphans);
  while (!orphans.empty()) {
    std::shared_ptr<Node> node = std::move(orphans.back());
    orphans.pop_back();
    if (node.use_count() == 1) node->release_into(orphans);
  }
}

void Node::release_into(std::vector<std::shared_ptr<Node>>& orphans) {
  for (auto& edge : next_) {
    if (edge) orphans.push_back(std::move(edge));
  }
  next_.clear();
  for (auto& entry : saved_) {
    const auto& impl = entry.tensor.impl();
    if (impl && impl.use_count() == 1 && impl->grad_fn) orphans.push_back(std::move(impl->grad_fn));
  }
  saved_.clear();
}

Gradients Node::apply(const Tensor& grad_output, const std::vector<bool>* wanted) {
  if (released_) {
    throw std::runtime_error(std::string("backward through '") + name_ +
                             "' a second time, but its saved tensors were freed by the first backward; "
                             "pass retain_graph = true (create_graph implies it) to go through a graph twice");
  }
  const Application outer = current;
  current = {this, wanted};
  Gradients gradients;
  try {
    gradients = rule(grad_output);
  } catch (...) {
    current = outer;
    throw;
  }
  current = outer;
  if (gradients.size() != next_.size()) {
    throw std::logic_error(std::string("derivative rule of '") + name_ + "' returned " +
                           std::to_string(gradients.size()) + " gradients for " + std::to_string(next_.size()) +
                           " inputs");
  }
  return gradients;
}

void Node::release_saved() {
  if (saved_.empty() && !output_storage_) return;
  saved_.clear();
  output_storage_.reset();
  released_ = true;
}

void Node::check_version(const Tensor& tensor, uint64_t version, const char* what) const {
  if (tensor.version() != version) {
    throw std::runtime_error(std::string("'") + name_ + "' saved its " + what + " (shape " +
                             shape_string(tensor.shape()) + ") for backward, and it was modified in place afterwards (version " +
                             std::to_string(tensor.version()) + ", saved at version " + std::to_string(version) +
                             "); modify a copy instead, or modify it before it is used");
  }
}

Tensor Node::saved(std::size_t i) const {
  const Saved& entry = saved_.at(i);
  if (!entry.tensor.defined()) return entry.tensor;
  check_version(entry.tensor, entry.version, "input");
  return entry.tensor;
}

Tensor Node::output() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = output_storage_;
  impl->shape = output_shape_;
  impl->dtype = output_dtype_;
  impl->grad_fn = std::const_pointer_cast<Node>(shared_from_this());
  Tensor rebuilt(std::move(impl));
  check_version(rebuilt, output_version_, "output");
  return rebuilt;
}

void Node::save(const Tensor& tensor) { saved_.push_back({tensor, tensor.defined() ? tensor.version() : 0}); }

void Node::save_output(const Tensor& output) {
  output_storage_ = output.impl()->storage;
  output_shape_ = output.shape();
  output_dtype_ = output.dtype();
  output_version_ = output.version();
}

LeafAccumulator::LeafAccumulator(std::shared_ptr<TensorImpl> leaf)
    : Node("accumulate_grad", {}), leaf_(std::move(leaf)) {}

void LeafAccumulator::accumulate(const Tensor& grad) {
  if (!leaf_->grad) {
    // Keep a private copy when the gradient shares storage with something a caller can reach.
    const bool shared = grad.impl().use_count() > 1 || grad.impl()->storage.use_count() > 1;
    leaf_->grad = (shared && !grad.requires_grad() ? clone(grad) : grad).impl();
    return;
  }
  leaf_->grad = (Tensor(leaf_->grad) + grad).impl();
}

Gradients LeafAccumulator::rule(const Tensor& grad_output) {
  accumulate(grad_output);
  return {};
}

std::shared_ptr<Node> gradient_edge(const Tensor& tensor) {
  const auto& impl = tensor.impl();
  if (impl->grad_fn) return impl->grad_fn;
  if (auto existing = impl->grad_accumulator.lock()) return existing;
  auto accumulator = std::make_shared<LeafAccumulator>(impl);
  impl->grad_accumulator = accumulator;
  return accumulator;
}

bool should_record(const Tensor* first, const Tensor* last) {
  if (!grad_mode_enabled()) return false;
  for (const Tensor* input = first; input != last; ++input) {
    if (input->defined() && input->requires_grad()) return true;
  }
  return false;
}

}  // namespace ebm
