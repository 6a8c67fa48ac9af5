// The replay buffer of persistent chains (Du & Mordatch 2019): contrastive divergence continues
// chains from earlier iterations instead of restarting them, and restarts a few from noise.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/generator.hpp"
#include "engine/tensor.hpp"

namespace ebm::samplers {

struct ReplayBufferOptions {
  int64_t capacity = 10000;
  /// Fraction of each draw re-initialised uniformly in the box instead of taken from the buffer.
  double reinit_fraction = 0.05;
  /// Fraction of each draw restarted at a data point instead (the CD-k start, Hinton 2002), when
  /// sample() is given data; 0: none. reinit_fraction + data_restart_fraction ≤ 1.
  double data_restart_fraction = 0.0;
  /// The box [low, high]^D that fills the buffer at the start and re-initialises chains.
  double low = -1.0;
  double high = 1.0;
};

/// A fixed number of stored chain states (on the CPU), filled uniformly from the box at the start.
class ReplayBuffer {
 public:
  ReplayBuffer(int64_t dim, ReplayBufferOptions options = {}, Generator& generator = default_generator(),
               DType dtype = DType::Float32);

  struct Draw {
    Tensor states;               // [n, D]
    std::vector<int64_t> slots;  // where each row came from and goes back to
  };
  /// n states from n distinct random slots; each is replaced, with probability reinit_fraction,
  /// by a fresh uniform draw from the box, or with probability data_restart_fraction by the row of
  /// the same index of data [≥ n, D] (when given). Only data's first n rows are used, so its rows
  /// should be in random order (a training batch is).
  Draw sample(int64_t n, Generator& generator = default_generator(), const Tensor& data = Tensor());
  /// Writes states [n, D] back into the slots they were drawn from.
  void update(const std::vector<int64_t>& slots, const Tensor& states);

  int64_t capacity() const { return options_.capacity; }
  int64_t dim() const { return states_.size(1); }
  /// All stored states, [capacity, D].
  const Tensor& states() const { return states_; }

 private:
  ReplayBufferOptions options_;
  Tensor states_;
};

}  // namespace ebm::samplers
