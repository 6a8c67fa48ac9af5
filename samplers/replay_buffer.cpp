#include "samplers/replay_buffer.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <unordered_set>

#include "engine/autograd/grad_mode.hpp"
#include "engine/ops.hpp"

namespace ebm::samplers {
namespace {

Tensor uniform_in_box(const Shape& shape, const ReplayBufferOptions& options, Generator& generator, DType dtype) {
  return rand(shape, generator, dtype) * (options.high - options.low) + options.low;
}

}  // namespace

ReplayBuffer::ReplayBuffer(int64_t dim, ReplayBufferOptions options, Generator& generator, DType dtype)
    : options_(options) {
  if (dim < 1) throw std::invalid_argument("ReplayBuffer: dim must be ≥ 1, got " + std::to_string(dim));
  if (options.capacity < 1) {
    throw std::invalid_argument("ReplayBuffer: capacity must be ≥ 1, got " + std::to_string(options.capacity));
  }
  if (!(options.reinit_fraction >= 0 && options.reinit_fraction <= 1)) {
    throw std::invalid_argument("ReplayBuffer: reinit_fraction must be in [0, 1], got " +
                                std::to_string(options.reinit_fraction));
  }
  if (!(options.data_restart_fraction >= 0 && options.reinit_fraction + options.data_restart_fraction <= 1)) {
    throw std::invalid_argument("ReplayBuffer: data_restart_fraction must be ≥ 0 with reinit_fraction + data_restart_fraction ≤ 1, got " +
                                std::to_string(options.data_restart_fraction) + " with reinit_fraction " +
                                std::to_string(options.reinit_fraction));
  }
  if (!(std::isfinite(options.low) && std::isfinite(options.high) && options.low < options.high)) {
    throw std::invalid_argument("ReplayBuffer: the box needs finite low < high, got [" + std::to_string(options.low) +
                                ", " + std::to_string(options.high) + "]");
  }
  NoGradGuard no_grad;
  states_ = uniform_in_box({options.capacity, dim}, options, generator, dtype);
}

ReplayBuffer::Draw ReplayBuffer::sample(int64_t n, Generator& generator, const Tensor& data) {
  if (n < 1 || n > options_.capacity) {
    throw std::invalid_argument("ReplayBuffer: can draw 1 to " + std::to_string(options_.capacity) +
                                " distinct chains (the capacity), asked for " + std::to_string(n));
  }
  const int64_t d = dim();
  if (data.defined() && (data.dim() != 2 || data.size(0) < n || data.size(1) != d)) {
    throw std::invalid_argument("ReplayBuffer: restarting at the data needs data of shape [≥ " + std::to_string(n) + ", " +
                                std::to_string(d) + "], got " + shape_string(data.shape()));
  }
  NoGradGuard no_grad;
  // Floyd's algorithm: n distinct slots from n uniform numbers.
  const std::vector<double> u = rand({n}, generator, DType::Float64).to_vector();
  Draw draw;
  std::unordered_set<int64_t> taken;
  for (int64_t j = options_.capacity - n, k = 0; j < options_.capacity; ++j, ++k) {
    const auto candidate = std::min(j, static_cast<int64_t>(u[static_cast<std::size_t>(k)] * static_cast<double>(j + 1)));
    const int64_t slot = taken.insert(candidate).second ? candidate : j;
    if (slot == j) taken.insert(j);
    draw.slots.push_back(slot);
  }
  // One uniform number per row: below reinit_fraction the row restarts in the box, below
  // reinit_fraction + data_restart_fraction at its data point, above it continues its chain.
  const Tensor choice = unsqueeze(rand({n}, generator, states_.dtype()), 1);
  draw.states = gather_rows(states_, draw.slots);
  if (data.defined() && options_.data_restart_fraction > 0) {
    const Tensor points = slice(data.detach(), 0, 0, n).to(states_.dtype()).to(Device::CPU);
    draw.states = where(less(choice, options_.reinit_fraction + options_.data_restart_fraction), points, draw.states);
  }
  draw.states = where(less(choice, options_.reinit_fraction), uniform_in_box({n, d}, options_, generator, states_.dtype()), draw.states);
  return draw;
}

void ReplayBuffer::update(const std::vector<int64_t>& slots, const Tensor& states) {
  const int64_t d = dim();
  if (!states.defined() || states.shape() != Shape{static_cast<int64_t>(slots.size()), d}) {
    throw std::invalid_argument("ReplayBuffer: update needs states of shape [" + std::to_string(slots.size()) + ", " +
                                std::to_string(d) + "], got " +
                                (states.defined() ? shape_string(states.shape()) : std::string("an undefined tensor")));
  }
  NoGradGuard no_grad;
  if (!std::isfinite(sum(states.detach()).item())) {
    throw std::invalid_argument("ReplayBuffer: refusing to store non-finite states (the chains diverged)");
  }
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (slots[i] < 0 || slots[i] >= options_.capacity) {
      throw std::invalid_argument("ReplayBuffer: slot " + std::to_string(slots[i]) + " is outside [0, " +
                                  std::to_string(options_.capacity) + ")");
    }
  }
  scatter_rows_(states_, slots, states.detach());
}

}  // namespace ebm::samplers
