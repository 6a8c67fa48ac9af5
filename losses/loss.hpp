// The training objectives. A loss is built from an energy and an options struct; calling it on
// a batch returns a differentiable scalar and named metrics (plain numbers, detached).
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "energies/energy_function.hpp"
#include "engine/generator.hpp"
#include "engine/tensor.hpp"

namespace ebm::losses {

struct LossOutput {
  Tensor loss;
  std::map<std::string, double> metrics;
};

/// Thrown when a loss evaluates to ±∞ or NaN: the message names the loss and lists its metrics,
/// which stay available here. A loss is never replaced by a constant.
class NonFiniteLoss : public std::runtime_error {
 public:
  NonFiniteLoss(const std::string& loss_name, std::map<std::string, double> metrics);
  std::map<std::string, double> metrics;
};

class Loss {
 public:
  explicit Loss(std::shared_ptr<energies::EnergyFunction> energy);
  virtual ~Loss() = default;
  /// The loss on positive samples (data) and, for losses that use them, negative samples.
  virtual LossOutput operator()(const Tensor& pos, const Tensor& neg = Tensor()) = 0;
  /// The energy's parameters, plus the loss's own (NCE's log Z).
  virtual std::vector<Tensor> parameters() const;
  const std::shared_ptr<energies::EnergyFunction>& energy() const { return energy_; }

 protected:
  /// Checks a batch: [N, D] with N ≥ 1, finite. `what` names it ("pos", "neg") in messages.
  void check_batch(const char* loss, const char* what, const Tensor& x) const;
  /// Checks pos and neg have the same D.
  void check_same_dimension(const char* loss, const Tensor& pos, const Tensor& neg) const;
  /// Sets metrics["loss"] and throws NonFiniteLoss when the loss is not finite.
  LossOutput finish(const char* loss, Tensor value, std::map<std::string, double> metrics) const;

  std::shared_ptr<energies::EnergyFunction> energy_;
};

/// The options' generator, or default_generator() when none is given.
inline Generator& generator_or_default(Generator* generator) {
  return generator != nullptr ? *generator : default_generator();
}

}  // namespace ebm::losses
