// Anomaly mode: find the op that made the first NaN or ±∞. Off by default; per thread, like grad
// mode. docs/autodiff.md, "Anomaly mode", shows what it reports.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include "engine/tensor.hpp"

namespace ebm {

class Node;

/// Whether anomaly mode is on in this thread.
bool anomaly_detection_enabled();

/// RAII: anomaly mode on (or off) in this thread while it lives. While on, every recorded op
/// checks its output and every derivative rule the gradients it returns; the first non-finite
/// value throws AnomalyError naming the op, its shapes, its derivative order and the terms it
/// was recorded in. Higher-order passes are checked too (create_graph records them as ops). It
/// costs one check of its flag per op when off; when on, a pass over every value.
class DetectAnomalyGuard {
 public:
  explicit DetectAnomalyGuard(bool enabled = true);
  ~DetectAnomalyGuard();
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool previous_;
};

/// The error anomaly mode throws.
class AnomalyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// RAII: names what the ops recorded in this thread while it lives compute ("NCELoss", "h(u) of
/// the noise"). Scopes nest; anomaly reports show the path ("NCELoss > h(u) of the noise"). The
/// name must outlive the scope (a string literal). Costs nothing but two pointer writes.
class TermScope {
 public:
  explicit TermScope(const char* name);
  ~TermScope();
  TermScope(const TermScope&) = delete;
  TermScope& operator=(const TermScope&) = delete;

  /// The path of the scopes open in this thread, outermost first, joined by " > ".
  static std::string current_path();

 private:
  const char* name_;
  const TermScope* outer_;
};

/// Where the first NaN or ±∞ of x is: "NaN at [3, 1]"; nullopt when every value is finite.
std::optional<std::string> describe_non_finite(const Tensor& x);

namespace anomaly {
/// Called by record() in anomaly mode: notes the node's shapes and terms, and throws if the
/// op's output holds a non-finite value.
void check_recorded(Node& node, const Tensor& output, const Tensor* first_input, const Tensor* last_input);
/// Called by the backward walk in anomaly mode after `node`'s rule gave `gradients` from
/// `grad_output`: throws if the rule turned a finite gradient into a non-finite one, or if the
/// gradient reaching the node is already non-finite (for a leaf: its summed gradient).
void check_rule(const Node& node, const Tensor& grad_output, const std::vector<Tensor>& gradients);
}  // namespace anomaly

}  // namespace ebm
