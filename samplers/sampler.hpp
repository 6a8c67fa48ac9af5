// What every sampler shares: the interface, step-size schedules, thinning and trajectories, and
// diagnostics. Samplers draw from p(x) ∝ exp(−E(x)) and record nothing on the tape.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "energies/energy_function.hpp"
#include "engine/generator.hpp"
#include "engine/tensor.hpp"

namespace ebm::samplers {

/// How the step size η_t moves over a run of T steps (r = final_step_ratio):
///   Constant:    η_t = η
///   Exponential: η_t = η·r^(t/(T−1))
///   Linear:      η_t = η·(1 + (r − 1)·t/(T−1))
///   Cosine:      η_t = η·(r + (1 − r)·½(1 + cos(π·t/(T−1))))
/// Every non-constant schedule starts at η and ends at r·η.
enum class Schedule { Constant, Exponential, Linear, Cosine };

/// Options every sampler takes (the `chain` member of its options).
struct ChainOptions {
  Schedule schedule = Schedule::Constant;
  double final_step_ratio = 0.1;
  /// Keep every thinning-th state in the trajectory (when keep_trajectory).
  int64_t thinning = 1;
  bool keep_trajectory = false;
};

/// η_t of the schedule at step t of n_steps.
double scheduled_step_size(const ChainOptions& chain, double step_size, int64_t t, int64_t n_steps);

struct SamplerDiagnostics {
  /// Mean energy over the chains at each step.
  std::vector<double> mean_energy;
  /// The step size used at each step.
  std::vector<double> step_sizes;
  /// Per chain, accepted proposals / proposals (Metropolis–Hastings samplers only).
  std::vector<double> acceptance_rate;
  /// The states after every thinning-th step, starting with x0 (when keep_trajectory).
  std::vector<Tensor> trajectory;
  /// Evaluations of ∇ₓE during the last run.
  int64_t gradient_evaluations = 0;
};

class Sampler {
 public:
  explicit Sampler(std::shared_ptr<energies::EnergyFunction> energy);
  virtual ~Sampler() = default;
  /// Runs n_steps steps from x0 [N, D] (N independent chains) and returns the final states.
  /// Throws std::runtime_error naming the step if a state or energy becomes non-finite.
  virtual Tensor sample(const Tensor& x0, int64_t n_steps, Generator& generator = default_generator()) = 0;
  /// What the last call to sample() measured.
  const SamplerDiagnostics& diagnostics() const { return diagnostics_; }
  const std::shared_ptr<energies::EnergyFunction>& energy() const { return energy_; }

 protected:
  /// Validates the start and resets the diagnostics; returns x0 detached.
  Tensor begin_run(const char* sampler, const Tensor& x0, int64_t n_steps, const ChainOptions& chain);
  /// E(x) and ∇ₓE with nothing recorded, counted in the diagnostics.
  std::pair<Tensor, Tensor> energy_and_gradient(const Tensor& x);
  /// Records one finished step; throws if the state or its energy is not finite.
  void end_step(const char* sampler, int64_t step, int64_t n_steps, const Tensor& x, const Tensor& energy,
                double step_size, const ChainOptions& chain);
  /// What a Metropolis–Hastings chain carries from step to step: the states [N, D], their
  /// energies [N] and gradients [N, D] (so an accepted proposal's gradient is never recomputed).
  struct ChainState {
    Tensor x;
    Tensor energy;
    Tensor gradient;
  };
  /// The Metropolis–Hastings step shared by MALA and HMC: each chain takes its proposal with
  /// probability min(1, e^log_ratio), the acceptances are counted and the step is recorded.
  ChainState accept_or_reject(const char* sampler, int64_t step, int64_t n_steps, const Tensor& log_ratio,
                              const ChainState& proposal, const ChainState& current, double step_size,
                              const ChainOptions& chain, Generator& generator);
  /// Turns the counts into rates at the end of a run of n_steps proposals.
  void finish_acceptance(int64_t n_steps);

  std::shared_ptr<energies::EnergyFunction> energy_;
  SamplerDiagnostics diagnostics_;
};

/// Checks a step size: finite and > 0.
void check_step_size(const char* sampler, double step_size);

}  // namespace ebm::samplers
