// Gradient-descent optimizers with exactly PyTorch's update rules. step() reads each parameter's
// grad() (parameters without one are skipped) and updates the parameter in place.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/tensor.hpp"

namespace ebm::optim {

/// The parameters and what every optimizer does with them.
class Optimizer {
 public:
  explicit Optimizer(std::vector<Tensor> parameters);
  virtual ~Optimizer() = default;
  virtual void step() = 0;
  /// Forgets every parameter's gradient (grad() becomes undefined).
  void zero_grad();
  const std::vector<Tensor>& parameters() const { return parameters_; }

 protected:
  std::vector<Tensor> parameters_;
};

struct SGDOptions {
  double lr = 1e-2;
  double momentum = 0;
  double weight_decay = 0;  // L2: g ← g + weight_decay·θ
};

/// g ← ∇θ + λθ;  b ← μb + g (b = g at the first step);  θ ← θ − lr·b  (b = g when μ = 0).
class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> parameters, SGDOptions options = {});
  void step() override;

 private:
  SGDOptions options_;
  std::vector<Tensor> momentum_buffers_;
};

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;  // L2 added to the gradient, as torch.optim.Adam (not AdamW)
};

/// At a parameter's t-th update: g ← ∇θ + λθ;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
/// θ ← θ − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> parameters, AdamOptions options = {});
  void step() override;
  /// The learning rate of the next steps (a schedule sets it before each step); must be ≥ 0.
  void set_lr(double lr);
  double lr() const { return options_.lr; }

  /// Everything step() remembers, for checkpoints: m and v per parameter (zeros before its first
  /// update) and its update count t.
  struct State {
    std::vector<Tensor> first_moments;
    std::vector<Tensor> second_moments;
    std::vector<int64_t> update_counts;
  };
  State state() const;
  /// Restores a state() of an Adam over parameters of the same shapes; throws otherwise.
  void load_state(const State& state);

 private:
  AdamOptions options_;
  std::vector<Tensor> first_moments_;
  std::vector<Tensor> second_moments_;
  std::vector<int64_t> update_counts_;  // t per parameter: a step without its gradient skips it
};

}  // namespace ebm::optim
