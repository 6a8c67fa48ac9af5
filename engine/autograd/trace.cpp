#include "engine/autograd/trace.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include "engine/autograd/anomaly.hpp"
#include "engine/autograd/node.hpp"

namespace ebm {
namespace {

thread_local TraceScope* innermost_scope = nullptr;

/// Fill colours of the DOT nodes by derivative order: forward, first, second, higher.
const char* order_colour(uint32_t order) {
  static const char* colours[] = {"#dbe9f6", "#fde0c5", "#f6c6c6", "#e3d7f0"};
  return colours[std::min<uint32_t>(order, 3)];
}

std::string dot_escaped(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return escaped;
}

/// "#12 [4, 8]", "leaf [2, 8]" or "const [4]".
std::string input_text(const TracedInput& input) {
  std::ostringstream text;
  switch (input.kind) {
    case TracedInput::Kind::Constant: text << "const "; break;
    case TracedInput::Kind::Leaf: text << "leaf "; break;
    case TracedInput::Kind::Op: text << "#" << input.id << " "; break;
  }
  text << (input.shape.empty() && input.kind == TracedInput::Kind::Constant ? "none" : shape_string(input.shape));
  return text.str();
}

}  // namespace

TraceScope::TraceScope() : outer_(innermost_scope) { innermost_scope = this; }
TraceScope::~TraceScope() { innermost_scope = outer_; }

bool tracing_enabled() { return innermost_scope != nullptr; }

Trace trace(const std::function<void()>& f) {
  TraceScope scope;
  f();
  return scope.trace();
}

void trace_recorded(const Node& node, const Tensor& output, const Tensor* first_input, const Tensor* last_input) {
  TracedOp op{.id = node.sequence(), .op = node.name(), .inputs = {}, .output_shape = output.shape(),
              .derivative_order = node.derivative_order(), .term = TermScope::current_path()};
  for (const Tensor* input = first_input; input != last_input; ++input) {
    const Node* edge = node.next()[static_cast<std::size_t>(input - first_input)].get();
    TracedInput traced;
    if (input->defined()) traced.shape = input->shape();
    if (edge != nullptr) {
      traced.kind = dynamic_cast<const LeafAccumulator*>(edge) != nullptr ? TracedInput::Kind::Leaf : TracedInput::Kind::Op;
      traced.id = edge->sequence();
    }
    op.inputs.push_back(std::move(traced));
  }
  for (TraceScope* scope = innermost_scope; scope != nullptr; scope = scope->outer_) scope->trace_.ops.push_back(op);
}

void trace_applied(const Node& node, bool recording) {
  const AppliedRule rule{.id = node.sequence(), .op = node.name(), .derivative_order = node.derivative_order() + 1,
                         .recording = recording};
  for (TraceScope* scope = innermost_scope; scope != nullptr; scope = scope->outer_) scope->trace_.rules.push_back(rule);
}

std::vector<std::string> Trace::terms() const {
  std::vector<std::string> terms;
  for (const TracedOp& op : ops) {
    if (std::find(terms.begin(), terms.end(), op.term) == terms.end()) terms.push_back(op.term);
  }
  return terms;
}

std::string Trace::text() const {
  std::ostringstream text;
  for (const std::string& term : terms()) {
    text << (term.empty() ? "(no term)" : term) << "\n";
    for (const TracedOp& op : ops) {
      if (op.term != term) continue;
      text << "  #" << op.id << " " << op.op << "(";
      for (std::size_t i = 0; i < op.inputs.size(); ++i) text << (i > 0 ? ", " : "") << input_text(op.inputs[i]);
      text << ") → " << shape_string(op.output_shape) << ", order " << op.derivative_order << "\n";
    }
  }
  if (!rules.empty()) {
    text << "derivative rules applied by backward passes, in order\n";
    for (const AppliedRule& rule : rules) {
      text << "  rule of #" << rule.id << " " << rule.op << " → gradients of order " << rule.derivative_order
           << (rule.recording ? ", recorded" : "") << "\n";
    }
  }
  return text.str();
}

std::string Trace::dot() const {
  std::ostringstream dot;
  dot << "digraph tape {\n"
         "  node [shape=box, style=filled, fontname=\"Helvetica\", fontsize=10];\n"
         "  edge [color=\"#555555\", arrowsize=0.6];\n";
  std::set<uint64_t> recorded;
  for (const TracedOp& op : ops) recorded.insert(op.id);

  const std::vector<std::string> all_terms = terms();
  for (std::size_t cluster = 0; cluster < all_terms.size(); ++cluster) {
    const std::string& term = all_terms[cluster];
    if (!term.empty()) {
      dot << "  subgraph cluster_" << cluster << " {\n    label=\"" << dot_escaped(term)
          << "\"; style=rounded; color=\"#888888\"; fontname=\"Helvetica\";\n";
    }
    for (const TracedOp& op : ops) {
      if (op.term != term) continue;
      dot << (term.empty() ? "  " : "    ") << "n" << op.id << " [label=\"" << dot_escaped(op.op) << "\\n"
          << shape_string(op.output_shape) << "\", fillcolor=\"" << order_colour(op.derivative_order) << "\"];\n";
    }
    if (!term.empty()) dot << "  }\n";
  }

  // Inputs made outside the trace: leaves, and ops recorded before it began.
  std::set<uint64_t> outside;
  for (const TracedOp& op : ops) {
    for (const TracedInput& input : op.inputs) {
      if (input.kind == TracedInput::Kind::Constant || recorded.count(input.id) != 0 || !outside.insert(input.id).second) continue;
      const std::string label = input.kind == TracedInput::Kind::Leaf ? "leaf" : "recorded before the trace";
      dot << "  n" << input.id << " [label=\"" << label << "\\n" << shape_string(input.shape)
          << "\", shape=ellipse, fillcolor=\"#ffffff\"];\n";
    }
  }
  for (const TracedOp& op : ops) {
    for (const TracedInput& input : op.inputs) {
      if (input.kind != TracedInput::Kind::Constant) dot << "  n" << input.id << " -> n" << op.id << ";\n";
    }
  }

  // A legend of the colours.
  uint32_t highest_order = 0;
  for (const TracedOp& op : ops) highest_order = std::max(highest_order, op.derivative_order);
  dot << "  subgraph cluster_legend {\n    label=\"derivative order\"; style=rounded; color=\"#888888\"; fontname=\"Helvetica\";\n";
  for (uint32_t order = 0; order <= std::min<uint32_t>(highest_order, 3); ++order) {
    dot << "    order_" << order << " [label=\"" << (order == 3 ? "3+" : std::to_string(order)) << "\", fillcolor=\""
        << order_colour(order) << "\"];\n";
  }
  dot << "  }\n}\n";
  return dot.str();
}

}  // namespace ebm
