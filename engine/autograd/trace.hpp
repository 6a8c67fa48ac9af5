// Tape inspection: what the tape records while a function runs, op by op, and which derivative
// rules the backward passes apply. For learning and debugging; docs/autodiff.md, "Tracing", shows
// the output. Off by default; per thread, like grad mode.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/types.hpp"

namespace ebm {

class Node;
class Tensor;

/// One input of a recorded op.
struct TracedInput {
  enum class Kind {
    Constant,  // needs no gradient: no edge of the graph
    Leaf,      // requires grad and was made by no recorded op (data, a parameter)
    Op,        // made by a recorded op
  };
  Kind kind = Kind::Constant;
  Shape shape;      // empty for an undefined input
  uint64_t id = 0;  // Leaf, Op: the id of the node gradients flow into
};

/// One op the tape recorded.
struct TracedOp {
  uint64_t id = 0;  // the node's creation number: inputs always have smaller ids
  std::string op;
  std::vector<TracedInput> inputs;
  Shape output_shape;
  /// Node::derivative_order: 0 for the forward pass; k + 1 for an op recorded by a derivative
  /// rule of an op of order k; at least the order of its inputs' producers.
  uint32_t derivative_order = 0;
  /// The TermScope path when it was recorded ("ScoreMatchingLoss > ΔE"); empty outside any.
  std::string term;
};

/// One derivative rule a backward pass applied (recording or not).
struct AppliedRule {
  uint64_t id = 0;  // the node whose rule ran (a TracedOp's id when it was recorded in the trace)
  std::string op;   // "accumulate_grad" for a leaf receiving its gradient
  /// The order of the gradients it produced: its node's order + 1.
  uint32_t derivative_order = 0;
  bool recording = false;  // create_graph: the rule's own ops were recorded
};

/// What a thread's tape did while a TraceScope lived, in the order it happened.
struct Trace {
  std::vector<TracedOp> ops;
  std::vector<AppliedRule> rules;

  /// The terms in the order their first op was recorded.
  std::vector<std::string> terms() const;
  /// One line per op, grouped under its term: id, op, input and output shapes, derivative order.
  std::string text() const;
  /// The graph in Graphviz's DOT language: one cluster per term, nodes coloured by derivative
  /// order, an edge from each input to the op that used it.
  std::string dot() const;
};

/// RAII: while it lives, every op this thread records and every rule its backward passes apply
/// are added to trace(). Scopes nest (the inner one sees what it records; the outer one too).
/// When no scope is open, recording costs one check of a thread-local flag per op.
class TraceScope {
 public:
  TraceScope();
  ~TraceScope();
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;

  const Trace& trace() const { return trace_; }

 private:
  Trace trace_;
  TraceScope* outer_;
  friend void trace_recorded(const Node&, const Tensor&, const Tensor*, const Tensor*);
  friend void trace_applied(const Node&, bool);
};

/// Runs f with a TraceScope open and returns what it recorded.
Trace trace(const std::function<void()>& f);

/// Whether a TraceScope is open in this thread.
bool tracing_enabled();
/// Called by record() while tracing: adds the node to every open scope.
void trace_recorded(const Node& node, const Tensor& output, const Tensor* first_input, const Tensor* last_input);
/// Called by the backward walk while tracing, for every node whose rule it applies.
void trace_applied(const Node& node, bool recording);

}  // namespace ebm
