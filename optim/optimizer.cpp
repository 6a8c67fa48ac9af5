#include "optim/optimizer.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/autograd/anomaly.hpp"
#include "engine/autograd/grad_mode.hpp"
#include "engine/ops.hpp"

namespace ebm::optim {
namespace {

void check_positive(const char* optimizer, const char* name, double value, bool allow_zero) {
  if (!std::isfinite(value) || value < 0 || (!allow_zero && value == 0)) {
    throw std::invalid_argument(std::string(optimizer) + ": " + name + " must be " +
                                (allow_zero ? "finite and ≥ 0" : "finite and > 0") + ", got " + std::to_string(value));
  }
}

void check_below_one(const char* optimizer, const char* name, double value) {
  if (!(value >= 0 && value < 1)) {
    throw std::invalid_argument(std::string(optimizer) + ": " + name + " must be in [0, 1), got " + std::to_string(value));
  }
}

/// ∇θ plus the L2 term λθ.
Tensor decayed_gradient(const Tensor& parameter, double weight_decay) {
  const Tensor gradient = parameter.grad().detach();
  return weight_decay == 0 ? gradient : gradient + weight_decay * parameter.detach();
}

/// Anomaly mode: the update of parameter `index` must leave it finite.
void check_update(const char* optimizer, std::size_t index, const Tensor& parameter) {
  const auto bad = describe_non_finite(parameter);
  if (!bad) return;
  const auto bad_gradient = describe_non_finite(parameter.grad());
  throw AnomalyError(std::string("anomaly: ") + optimizer + "'s step made parameter " + std::to_string(index) + " (shape " +
                     shape_string(parameter.shape()) + ") non-finite: " + *bad +
                     (bad_gradient ? ", from a gradient holding " + *bad_gradient
                                   : ", from a finite gradient (the update overflowed: lower the learning rate)"));
}

}  // namespace

Optimizer::Optimizer(std::vector<Tensor> parameters) : parameters_(std::move(parameters)) {
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    if (!parameters_[i].defined() || !parameters_[i].is_leaf() || !parameters_[i].requires_grad()) {
      throw std::invalid_argument("optimizer: parameter " + std::to_string(i) +
                                  " must be a defined leaf tensor that requires grad");
    }
  }
}

void Optimizer::zero_grad() {
  for (Tensor& parameter : parameters_) parameter.zero_grad();
}

SGD::SGD(std::vector<Tensor> parameters, SGDOptions options)
    : Optimizer(std::move(parameters)), options_(options), momentum_buffers_(parameters_.size()) {
  check_positive("SGD", "lr", options.lr, false);
  check_positive("SGD", "momentum", options.momentum, true);
  check_positive("SGD", "weight_decay", options.weight_decay, true);
}

void SGD::step() {
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    Tensor& parameter = parameters_[i];
    if (!parameter.grad().defined()) continue;
    Tensor direction = decayed_gradient(parameter, options_.weight_decay);
    if (options_.momentum != 0) {
      Tensor& buffer = momentum_buffers_[i];
      buffer = buffer.defined() ? options_.momentum * buffer + direction : clone(direction);
      direction = buffer;
    }
    parameter.copy_(parameter - options_.lr * direction);
    if (anomaly_detection_enabled()) check_update("SGD", i, parameter);
  }
}

Adam::Adam(std::vector<Tensor> parameters, AdamOptions options)
    : Optimizer(std::move(parameters)),
      options_(options),
      first_moments_(parameters_.size()),
      second_moments_(parameters_.size()),
      update_counts_(parameters_.size(), 0) {
  check_positive("Adam", "lr", options.lr, false);
  check_below_one("Adam", "beta1", options.beta1);
  check_below_one("Adam", "beta2", options.beta2);
  check_positive("Adam", "eps", options.eps, true);
  check_positive("Adam", "weight_decay", options.weight_decay, true);
}

void Adam::set_lr(double lr) {
  check_positive("Adam", "lr", lr, true);
  options_.lr = lr;
}

void Adam::step() {
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    Tensor& parameter = parameters_[i];
    if (!parameter.grad().defined()) continue;
    const auto t = static_cast<double>(++update_counts_[i]);
    Tensor& m = first_moments_[i];
    Tensor& v = second_moments_[i];
    if (!m.defined()) {
      m = zeros_like(parameter);
      v = zeros_like(parameter);
    }
    const AdamCoefficients coefficients{.beta1 = options_.beta1,
                                        .beta2 = options_.beta2,
                                        .eps = options_.eps,
                                        .weight_decay = options_.weight_decay,
                                        .step_size = options_.lr / (1 - std::pow(options_.beta1, t)),
                                        .second_moment_scale = 1 / (1 - std::pow(options_.beta2, t))};
    adam_update_(parameter, m, v, parameter.grad(), coefficients);
    if (anomaly_detection_enabled()) check_update("Adam", i, parameter);
  }
}

}  // namespace ebm::optim

namespace ebm::optim {

Adam::State Adam::state() const {
  State state;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    // Copies: step() updates the moments in place.
    state.first_moments.push_back(first_moments_[i].defined() ? clone(first_moments_[i]) : zeros_like(parameters_[i]));
    state.second_moments.push_back(second_moments_[i].defined() ? clone(second_moments_[i]) : zeros_like(parameters_[i]));
  }
  state.update_counts = update_counts_;
  return state;
}

void Adam::load_state(const State& state) {
  const std::size_t n = parameters_.size();
  if (state.first_moments.size() != n || state.second_moments.size() != n || state.update_counts.size() != n) {
    throw std::invalid_argument("Adam: the state holds " + std::to_string(state.first_moments.size()) +
                                " parameters' moments, this optimizer has " + std::to_string(n));
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (const Tensor* moment : {&state.first_moments[i], &state.second_moments[i]}) {
      if (!moment->defined() || moment->shape() != parameters_[i].shape()) {
        throw std::invalid_argument("Adam: the state's moments of parameter " + std::to_string(i) +
                                    " do not match its shape " + shape_string(parameters_[i].shape()));
      }
    }
    if (state.update_counts[i] < 0) throw std::invalid_argument("Adam: a negative update count in the state");
  }
  for (std::size_t i = 0; i < n; ++i) {
    // Copies of their own (step() updates them in place), on the parameter's dtype and device.
    first_moments_[i] = clone(state.first_moments[i].detach().to(parameters_[i].dtype()).to(parameters_[i].device()));
    second_moments_[i] = clone(state.second_moments[i].detach().to(parameters_[i].dtype()).to(parameters_[i].device()));
    update_counts_[i] = state.update_counts[i];
  }
}

}  // namespace ebm::optim
