// Samplers against known distributions. Tolerances are multiples of the Monte Carlo standard
// error of the estimate, written next to each check; seeds are fixed, so runs are reproducible.
#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <numbers>
#include <utility>
#include <vector>

#include "test_support.hpp"

namespace {

using namespace ebm;
using namespace ebm::samplers;
using ebm::energies::EnergyFunction;

/// Mean and covariance of the rows of a [N, 2] sample.
struct Moments {
  double mean[2] = {0, 0};
  double cov[2][2] = {{0, 0}, {0, 0}};
};

Moments moments(const Tensor& x) {
  const std::vector<double> v = x.to_vector();
  const auto n = static_cast<double>(x.size(0));
  Moments m;
  for (int64_t i = 0; i < x.size(0); ++i) {
    for (int a = 0; a < 2; ++a) m.mean[a] += v[static_cast<std::size_t>(2 * i + a)] / n;
  }
  for (int64_t i = 0; i < x.size(0); ++i) {
    for (int a = 0; a < 2; ++a) {
      for (int b = 0; b < 2; ++b) {
        m.cov[a][b] += (v[static_cast<std::size_t>(2 * i + a)] - m.mean[a]) * (v[static_cast<std::size_t>(2 * i + b)] - m.mean[b]) / (n - 1);
      }
    }
  }
  return m;
}

/// The ρ = 0.8 Gaussian with mean (1, −1) and unit variances.
std::shared_ptr<energies::Gaussian> correlated_gaussian() {
  return std::make_shared<energies::Gaussian>(tensor({1.0, -1.0}, {2}, DType::Float64),
                                              tensor({1.0, 0.8, 0.8, 1.0}, {2, 2}, DType::Float64));
}

/// Checks sample moments against (mean, cov) for N independent chains: the standard error of a
/// mean is √(Σ_aa/N) and of a covariance entry √((Σ_ab² + Σ_aa·Σ_bb)/N); the tolerance is 5 of them.
void check_moments(const Tensor& samples, const double mean[2], const double cov[2][2]) {
  const auto n = static_cast<double>(samples.size(0));
  const Moments m = moments(samples);
  for (int a = 0; a < 2; ++a) {
    CAPTURE(a);
    CHECK(std::abs(m.mean[a] - mean[a]) < 5 * std::sqrt(cov[a][a] / n));
    for (int b = 0; b < 2; ++b) {
      CAPTURE(b);
      CHECK(std::abs(m.cov[a][b] - cov[a][b]) < 5 * std::sqrt((cov[a][b] * cov[a][b] + cov[a][a] * cov[b][b]) / n));
    }
  }
}

const double kMean[2] = {1.0, -1.0};
const double kCov[2][2] = {{1.0, 0.8}, {0.8, 1.0}};

/// A user-defined energy (a unit Gaussian) that counts how often it is evaluated.
class CountingEnergy : public EnergyFunction {
 public:
  Tensor energy(const Tensor& x) const override {
    ++evaluations;
    return 0.5 * sum(square(x), 1);
  }
  mutable int64_t evaluations = 0;
};

}  // namespace

TEST_CASE("MALA samples the correlated Gaussian: mean and covariance within Monte Carlo error") {
  Generator generator(1);
  MALA mala(correlated_gaussian(), {.step_size = 0.2});
  const Tensor samples = mala.sample(randn({4000, 2}, generator, DType::Float64) * 3.0, 300, generator);
  check_moments(samples, kMean, kCov);
  double acceptance = 0;
  for (double rate : mala.diagnostics().acceptance_rate) acceptance += rate / 4000;
  CHECK(acceptance > 0.5);
  CHECK(acceptance < 1.0);
}

TEST_CASE("HMC samples the correlated Gaussian, with scalar and diagonal mass") {
  for (const std::vector<double>& mass : {std::vector<double>{1.0}, std::vector<double>{1.0, 2.0}}) {
    CAPTURE(mass.size());
    Generator generator(2);
    // A trajectory of length εL = 0.8, about a quarter of the narrow direction's period 2π√0.2:
    // lengths near half a period make that direction flip back and forth and mix slowly.
    HamiltonianMonteCarlo hmc(correlated_gaussian(), {.step_size = 0.1, .n_leapfrog = 8, .mass = mass});
    const Tensor samples = hmc.sample(randn({4000, 2}, generator, DType::Float64), 150, generator);
    check_moments(samples, kMean, kCov);
  }
}

TEST_CASE("HMC replayed by hand: leapfrog trajectories on H = E + ½pᵀM⁻¹p and their Metropolis test, to rounding") {
  // One HMC step from x with momentum p₀ = √M·ξ, ξ ~ N(0, I), is the leapfrog map on H(x, p) = E(x) + ½pᵀM⁻¹p:
  //   p ← p − (ε/2)∇E(x), then L times { x ← x + εM⁻¹p, p ← p − ε∇E(x) } with the last kick ε/2,
  // accepted where log u < H(x, p₀) − H(x', p'), u ~ U(0, 1). Each step draws ξ [N, D], then u [N];
  // a copy of the generator replays both, and the map is computed here in plain doubles for
  // E = ½(x − μ)ᵀΣ⁻¹(x − μ). The replayed run must match the sampler's states and acceptances exactly
  // (up to rounding). A mass M ≠ 1 tells M⁻¹p from Mp. A full first kick moves every end point by
  // O(ε²)∇E/M per leapfrog step; a full last kick leaves x' as it is but shifts H(x', p') by
  // −(ε/2)pᵀM⁻¹∇E + O(ε²), as large as the exact H error itself at εω ≈ 1.3 (ω² ≈ 6.5, the
  // largest eigenvalue of M⁻¹Σ⁻¹), and so changes many of the 600 Metropolis decisions. Some of
  // them must be rejections (acceptance checked to lie in (0.8, 0.99)), so the test sees both.
  const double epsilon = 0.5;
  const int64_t n_leapfrog = 5, n_steps = 3, n = 200;
  const std::vector<double> mass = {0.5, 2.0};
  const double det = 1 - 0.64;
  const double precision[2][2] = {{1 / det, -0.8 / det}, {-0.8 / det, 1 / det}};
  HamiltonianMonteCarlo hmc(correlated_gaussian(), {.step_size = epsilon, .n_leapfrog = n_leapfrog, .mass = mass});
  Generator generator(15);
  const Tensor x0 = randn({n, 2}, generator, DType::Float64) * 2.0;
  Generator replay = generator;
  const std::vector<double> sampled = hmc.sample(x0, n_steps, generator).to_vector();

  using Point = std::array<double, 2>;
  const auto gradient = [&](const Point& x) {
    Point g{};
    for (int a = 0; a < 2; ++a) g[a] = precision[a][0] * (x[0] - kMean[0]) + precision[a][1] * (x[1] - kMean[1]);
    return g;
  };
  const auto energy = [&](const Point& x) {
    const Point g = gradient(x);
    return 0.5 * ((x[0] - kMean[0]) * g[0] + (x[1] - kMean[1]) * g[1]);
  };
  const auto kinetic = [&](const Point& p) { return 0.5 * (p[0] * p[0] / mass[0] + p[1] * p[1] / mass[1]); };
  std::vector<double> x = x0.to_vector();
  std::vector<double> accepted(static_cast<std::size_t>(n), 0.0);
  for (int64_t t = 0; t < n_steps; ++t) {
    const std::vector<double> xi = randn_like(x0, replay).to_vector();
    const std::vector<double> u = rand_like(zeros({n}, DType::Float64), replay).to_vector();
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
      const Point start{x[2 * i], x[2 * i + 1]};
      const Point p0{xi[2 * i] * std::sqrt(mass[0]), xi[2 * i + 1] * std::sqrt(mass[1])};
      Point q = start, p = p0, g = gradient(start);
      for (int a = 0; a < 2; ++a) p[a] -= epsilon / 2 * g[a];
      for (int64_t l = 1; l <= n_leapfrog; ++l) {
        for (int a = 0; a < 2; ++a) q[a] += epsilon * p[a] / mass[static_cast<std::size_t>(a)];
        g = gradient(q);
        for (int a = 0; a < 2; ++a) p[a] -= (l < n_leapfrog ? epsilon : epsilon / 2) * g[a];
      }
      if (std::log(u[i]) < (energy(start) + kinetic(p0)) - (energy(q) + kinetic(p))) {
        x[2 * i] = q[0];
        x[2 * i + 1] = q[1];
        accepted[i] += 1;
      }
    }
  }
  double acceptance = 0;
  for (double& count : accepted) {
    count /= static_cast<double>(n_steps);
    acceptance += count / static_cast<double>(n);
  }
  CHECK(acceptance > 0.8);
  CHECK(acceptance < 0.99);
  CHECK(ebm::testing::max_relative_error(sampled, x) < 1e-12);
  CHECK(hmc.diagnostics().acceptance_rate == accepted);
}

TEST_CASE("ULA is biased by O(η): its stationary covariance is (P − ηP²/2)⁻¹, not Σ") {
  // For x' = x − ηP(x − μ) + √(2η)ξ the stationary covariance C solves C = (I − ηP)C(I − ηP) + 2ηI,
  // so C = 2η(2ηP − η²P²)⁻¹ = (P − ηP²/2)⁻¹ (P and C commute). Along an eigenvector of Σ with
  // variance λ, C's variance is λ/(1 − η/(2λ)). η = 0.2 doubles the narrow direction u = (1, −1)/√2
  // (λ = 0.2 → 0.4) and takes the wide one (1, 1)/√2 from 1.8 to 1.8/(1 − 1/18) ≈ 1.906; the chains
  // contract by 1 − η/λ per step (0.889 at worst), so 300 steps forget the start.
  const double eta = 0.2;
  const double det = 1 - 0.64;
  const double p[2][2] = {{1 / det, -0.8 / det}, {-0.8 / det, 1 / det}};
  double a[2][2];  // P − ηP²/2
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) a[i][j] = p[i][j] - eta / 2 * (p[i][0] * p[0][j] + p[i][1] * p[1][j]);
  }
  const double a_det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
  const double expected[2][2] = {{a[1][1] / a_det, -a[0][1] / a_det}, {-a[1][0] / a_det, a[0][0] / a_det}};
  const double narrow = 0.2 / (1 - eta / (2 * 0.2)), wide = 1.8 / (1 - eta / (2 * 1.8));
  CHECK(expected[0][0] == doctest::Approx((wide + narrow) / 2).epsilon(1e-12));
  CHECK(expected[0][1] == doctest::Approx((wide - narrow) / 2).epsilon(1e-12));

  Generator generator(3);
  const int64_t n = 10000;
  LangevinDynamics ula(correlated_gaussian(), {.step_size = eta});
  const Tensor samples = ula.sample(randn({n, 2}, generator, DType::Float64), 300, generator);
  check_moments(samples, kMean, expected);
  CHECK(ula.diagnostics().acceptance_rate.empty());

  // The variance along u is 0.4, not Σ's 0.2: 35 of its standard errors 0.4·√(2/N) apart.
  const Moments m = moments(samples);
  const double along_u = (m.cov[0][0] + m.cov[1][1]) / 2 - m.cov[0][1];
  const double standard_error = narrow * std::sqrt(2.0 / static_cast<double>(n));
  CHECK(std::abs(along_u - narrow) < 5 * standard_error);
  CHECK(std::abs(along_u - 0.2) > 20 * standard_error);
}

TEST_CASE("noise_scale τ makes Langevin target exp(−E/τ²)") {
  // Harmonic E = ½x²: the target exp(−x²/(2τ²)) has variance τ², times the ULA factor 1/(1 − η/2).
  const double tau = 0.5, eta = 0.02;
  Generator generator(4);
  LangevinDynamics langevin(std::make_shared<energies::Harmonic>(), {.step_size = eta, .noise_scale = tau});
  const std::vector<double> v = langevin.sample(zeros({20000, 1}, DType::Float64), 400, generator).to_vector();
  double variance = 0;
  for (double value : v) variance += value * value / static_cast<double>(v.size());
  const double expected = tau * tau / (1 - eta / 2);
  CHECK(std::abs(variance - expected) < 5 * expected * std::sqrt(2.0 / static_cast<double>(v.size())));
}

TEST_CASE("MALA is exact for any step size — its acceptance ratio checked by hand") {
  auto unit = std::make_shared<energies::Harmonic>();
  MALA mala(unit, {.step_size = 0.5});
  // E = x²/2, η = 0.5, x = 0.3, y = −0.8:
  //   log q(y|x) = −(y − x + ηx)²/(4η) = −(−0.95)²/2 = −0.45125
  //   log q(x|y) = −(x − y + ηy)²/(4η) = −(0.7)²/2 = −0.245
  //   E(x) − E(y) = 0.045 − 0.32 = −0.275, so log α = −0.275 − 0.245 + 0.45125 = −0.06875.
  const Tensor x = tensor({0.3}, {1, 1}, DType::Float64);
  const Tensor y = tensor({-0.8}, {1, 1}, DType::Float64);
  CHECK(mala.log_acceptance_ratio(x, y, 0.5).item() == doctest::Approx(-0.06875).epsilon(1e-12));
  // Detailed balance: π(x)q(y|x)α(x→y) = π(y)q(x|y)α(y→x) ⇔ log r(x→y) = −log r(y→x), r the unclipped ratio.
  Generator generator(5);
  const Tensor a = randn({50, 3}, generator, DType::Float64);
  const Tensor b = randn({50, 3}, generator, DType::Float64);
  const auto forward = mala.log_acceptance_ratio(a, b, 0.3).to_vector();
  const auto backward = mala.log_acceptance_ratio(b, a, 0.3).to_vector();
  for (std::size_t i = 0; i < forward.size(); ++i) CHECK(forward[i] == doctest::Approx(-backward[i]).epsilon(1e-12));

  // With η = 1.5, ULA's variance would be 1/(1 − η/2) = 4; MALA's stays 1.
  MALA large_steps(unit, {.step_size = 1.5});
  const std::vector<double> v = large_steps.sample(zeros({20000, 1}, DType::Float64), 300, generator).to_vector();
  double variance = 0;
  for (double value : v) variance += value * value / static_cast<double>(v.size());
  CHECK(std::abs(variance - 1) < 5 * std::sqrt(2.0 / static_cast<double>(v.size())));
}

TEST_CASE("DoubleWell: the fraction of chains in each well and E[x²] match the analytic target") {
  // E = 2Σᵢ(xᵢ² − 1)² in D = 2 is symmetric in each coordinate: each quadrant holds mass ¼.
  // Chains start in one well; with η = 0.02 for 2,000 steps (40 time units) they cross the
  // barrier many times. Standard error of a fraction: √(¼·¾/N).
  Generator generator(6);
  const int64_t n = 4000;
  MALA mala(std::make_shared<energies::DoubleWell>(), {.step_size = 0.02});
  const std::vector<double> v = mala.sample(ones({n, 2}, DType::Float64), 2000, generator).to_vector();
  double quadrant[4] = {0, 0, 0, 0};
  for (int64_t i = 0; i < n; ++i) {
    const int index = (v[static_cast<std::size_t>(2 * i)] > 0 ? 1 : 0) + (v[static_cast<std::size_t>(2 * i + 1)] > 0 ? 2 : 0);
    quadrant[index] += 1.0 / static_cast<double>(n);
  }
  for (double mass : quadrant) CHECK(std::abs(mass - 0.25) < 5 * std::sqrt(0.25 * 0.75 / static_cast<double>(n)));

  // Each coordinate has density ∝ exp(−2(x² − 1)²); its moments E[x²], E[x⁴] by the trapezoid rule
  // on [−4, 4] (the tails beyond carry less than e⁻³⁰⁰). The symmetric quadrant masses hold for any
  // even density; E[x²] pins the shape of the wells. Standard error: √(Var x²/(2N)) over 2N coordinates.
  double mass = 0, second = 0, fourth = 0;
  const double h = 1e-4;
  for (double x = -4; x <= 4 + h / 2; x += h) {
    const double weight = std::exp(-2 * (x * x - 1) * (x * x - 1)) * ((x < -4 + h / 2 || x > 4 - h / 2) ? 0.5 : 1.0);
    mass += weight;
    second += weight * x * x;
    fourth += weight * x * x * x * x;
  }
  second /= mass;
  fourth /= mass;
  double sample_second = 0;
  for (double value : v) sample_second += value * value / static_cast<double>(v.size());
  CHECK(std::abs(sample_second - second) < 5 * std::sqrt((fourth - second * second) / static_cast<double>(v.size())));
  CHECK(std::abs(second - 1) > 0.05);  // the check above tells the target from a unit-variance Gaussian
}

TEST_CASE("seeds reproduce runs bit for bit — sampling records nothing on the tape") {
  Generator generator(7);
  const auto energy = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{2, 16, 1}, nn::Activation::SiLU, generator);
  const Tensor x0 = randn({32, 2}, generator).requires_grad_();
  for (int kind = 0; kind < 3; ++kind) {
    CAPTURE(kind);
    std::unique_ptr<Sampler> sampler;
    if (kind == 0) sampler = std::make_unique<LangevinDynamics>(energy);
    if (kind == 1) sampler = std::make_unique<MALA>(energy);
    if (kind == 2) sampler = std::make_unique<HamiltonianMonteCarlo>(energy, HMCOptions{.n_leapfrog = 3});
    Generator first(11), second(11), other(12);
    const Tensor a = sampler->sample(x0, 20, first);
    const Tensor b = sampler->sample(x0, 20, second);
    CHECK(a.to_vector() == b.to_vector());
    CHECK(a.to_vector() != sampler->sample(x0, 20, other).to_vector());
    CHECK_FALSE(a.requires_grad());
    for (const Tensor& parameter : energy->parameters()) CHECK_FALSE(parameter.grad().defined());
  }
}

TEST_CASE("HMC uses T·L + 1 gradient evaluations, MALA T + 1, Langevin T and one energy of its last state (user-defined energy)") {
  auto counting = std::make_shared<CountingEnergy>();
  Generator generator(8);
  HamiltonianMonteCarlo hmc(counting, {.step_size = 0.1, .n_leapfrog = 5});
  hmc.sample(randn({10, 3}, generator), 7, generator);
  CHECK(counting->evaluations == 7 * 5 + 1);
  CHECK(hmc.diagnostics().gradient_evaluations == 36);

  counting->evaluations = 0;
  LangevinDynamics langevin(counting);
  langevin.sample(randn({10, 3}, generator), 7, generator);
  CHECK(counting->evaluations == 7 + 1);
  CHECK(langevin.diagnostics().gradient_evaluations == 7);

  counting->evaluations = 0;
  MALA mala(counting);
  mala.sample(randn({10, 3}, generator), 7, generator);
  CHECK(counting->evaluations == 8);
}

TEST_CASE("step-size schedules, thinning, trajectory and mean energy per step") {
  // T = 9 steps: t/(T − 1) is ¼, ½, ¾ at t = 2, 4, 6, where the four schedules all differ.
  const double eta = 0.1, r = 0.1;
  const int64_t n_steps = 9;
  const auto expected_step = [&](Schedule schedule, double u) {
    switch (schedule) {
      case Schedule::Constant: return eta;
      case Schedule::Exponential: return eta * std::pow(r, u);
      case Schedule::Linear: return eta * (1 - (1 - r) * u);
      case Schedule::Cosine: return eta * (r + (1 - r) * (1 + std::cos(std::numbers::pi * u)) / 2);
    }
    return std::nan("");
  };
  CHECK(expected_step(Schedule::Linear, 0.25) != doctest::Approx(expected_step(Schedule::Cosine, 0.25)));
  for (Schedule schedule : {Schedule::Constant, Schedule::Exponential, Schedule::Linear, Schedule::Cosine}) {
    CAPTURE(static_cast<int>(schedule));
    LangevinDynamics langevin(std::make_shared<energies::Harmonic>(),
                              {.step_size = eta, .chain = {.schedule = schedule, .final_step_ratio = r, .thinning = 3,
                                                           .keep_trajectory = true}});
    Generator generator(9);
    const Tensor x0 = full({5, 2}, 2.0);  // E = ½‖x‖² = 4 for every chain
    const Tensor last = langevin.sample(x0, n_steps, generator);
    const SamplerDiagnostics& d = langevin.diagnostics();
    REQUIRE(d.step_sizes.size() == 9);
    for (int64_t t = 0; t < n_steps; ++t) {
      CAPTURE(t);
      CHECK(d.step_sizes[static_cast<std::size_t>(t)] == doctest::Approx(expected_step(schedule, t / 8.0)).epsilon(1e-12));
    }
    CHECK(d.step_sizes.back() == doctest::Approx(schedule == Schedule::Constant ? eta : r * eta).epsilon(1e-12));
    // The trajectory holds x0 and the states after steps 3, 6 and 9; the last is the result.
    REQUIRE(d.trajectory.size() == 1 + 9 / 3);
    CHECK(d.trajectory.front().to_vector() == x0.to_vector());
    CHECK(d.trajectory.back().to_vector() == last.to_vector());
    CHECK(d.trajectory[1].to_vector() != d.trajectory[2].to_vector());
    // mean_energy[t] is the mean of E(x_{t+1}), the state after step t, as MALA and HMC record it.
    const auto mean_harmonic = [](const Tensor& x) { return mean(0.5 * sum(square(x), 1)).item(); };
    REQUIRE(d.mean_energy.size() == 9);
    CHECK(d.mean_energy[2] == doctest::Approx(mean_harmonic(d.trajectory[1])).epsilon(1e-6));
    CHECK(d.mean_energy.back() == doctest::Approx(mean_harmonic(last)).epsilon(1e-6));
    CHECK(d.mean_energy.front() != doctest::Approx(4.0));
  }
}

TEST_CASE("a diverging chain stops with an error naming the step") {
  LangevinDynamics exploding(std::make_shared<energies::Harmonic>(), {.step_size = 10.0});
  Generator generator(10);
  CHECK_THROWS_WITH_AS(exploding.sample(ones({4, 2}), 1000, generator), doctest::Contains("non-finite at step"),
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(LangevinDynamics(std::make_shared<energies::Harmonic>(), {.step_size = 0}),
                       doctest::Contains("step_size"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(MALA(nullptr), doctest::Contains("null"), std::invalid_argument);
  MALA mala(std::make_shared<energies::Harmonic>());
  CHECK_THROWS_WITH_AS(mala.sample(ones({4}), 10, generator), doctest::Contains("[N, D]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(mala.sample(full({2, 2}, NAN), 10, generator), doctest::Contains("non-finite"), std::invalid_argument);
  HamiltonianMonteCarlo hmc(std::make_shared<energies::Harmonic>(), {.mass = {1.0, 2.0, 3.0}});
  CHECK_THROWS_WITH_AS(hmc.sample(ones({4, 2}), 10, generator), doctest::Contains("D = 2"), std::invalid_argument);
}

TEST_CASE("a final state with finite coordinates but a non-finite energy stops every sampler") {
  // E is finite inside the unit ball and +∞ outside it, with the harmonic gradient everywhere.
  class Walled : public EnergyFunction {
   public:
    Tensor energy(const Tensor& x) const override {
      const Tensor squared = sum(square(x), 1);
      return where(less(squared, 1.0), 0.5 * squared, full({}, INFINITY, x.dtype()));
    }
  };
  auto walled = std::make_shared<Walled>();
  const Tensor outside = full({4, 2}, 3.0);  // finite, but E = ∞ there: no move is small enough
  Generator generator(15);
  LangevinDynamics langevin(walled, {.step_size = 1e-6});
  CHECK_THROWS_WITH_AS(langevin.sample(outside, 1, generator), doctest::Contains("non-finite at step 1 of 1"), std::runtime_error);
  AnnealedLangevin annealed(walled, {.sigmas = {1.0, 0.5}, .step_size = 1e-6});
  CHECK_THROWS_WITH_AS(annealed.sample(outside, 2, generator), doctest::Contains("non-finite at step 1 of 2"), std::runtime_error);
  MALA mala(walled, {.step_size = 1e-6});
  CHECK_THROWS_WITH_AS(mala.sample(outside, 1, generator), doctest::Contains("non-finite at step 1 of 1"), std::runtime_error);
  HamiltonianMonteCarlo hmc(walled, {.step_size = 1e-6});
  CHECK_THROWS_WITH_AS(hmc.sample(outside, 1, generator), doctest::Contains("non-finite at step 1 of 1"), std::runtime_error);
  // Inside the wall every sampler runs.
  CHECK_NOTHROW(langevin.sample(full({4, 2}, 0.1), 3, generator));
}

TEST_CASE("annealed Langevin: levels in order, αᵢ = ε·σᵢ²/σ_L², steps x − (αᵢ/2)∇E + √αᵢ·ξ, and the chains' exact variance") {
  auto energy = std::make_shared<ebm::testing::SmoothedGaussian>();
  const std::vector<double> sigmas = {2.0, 1.0, 0.5, 0.1};
  const double epsilon = 0.01;
  AnnealedLangevin annealed(energy, {.sigmas = sigmas, .step_size = epsilon, .steps_per_level = 100});
  Generator generator(12);
  const double start_variance = 25;
  const std::vector<double> v = annealed.sample(randn({10000, 1}, generator, DType::Float64) * 5.0, generator).to_vector();
  CHECK(energy->levels == sigmas);
  const auto& sizes = annealed.diagnostics().step_sizes;
  REQUIRE(sizes.size() == 400);
  CHECK(sizes[0] == doctest::Approx(0.01 * 400));
  CHECK(sizes[100] == doctest::Approx(0.01 * 100));
  CHECK(sizes[399] == doctest::Approx(0.01));
  // Each step x' = (1 − αᵢ/(2(1 + σᵢ²)))x + √αᵢ·ξ (the paper's convention) is linear and Gaussian,
  // so from x0 ~ N(0, 25) the chains are exactly N(0, v) with v' = (1 − αᵢ/(2(1 + σᵢ²)))²v + αᵢ,
  // level after level. After 100 steps at α = 0.01 the last level has not settled: v ≈ 1.125, not
  // its stationary 1.0125.
  double variance = start_variance;
  for (double sigma : sigmas) {
    const double alpha = epsilon * sigma * sigma / (0.1 * 0.1);
    const double contraction = 1 - alpha / (2 * (1 + sigma * sigma));
    for (int step = 0; step < 100; ++step) variance = contraction * contraction * variance + alpha;
  }
  const double last_contraction = 1 - epsilon / (2 * 1.01);
  const double stationary = epsilon / (1 - last_contraction * last_contraction);
  CHECK(variance - stationary > 0.1);
  double sample_variance = 0;
  for (double value : v) sample_variance += value * value / static_cast<double>(v.size());
  // The mean is known (0), so the estimate's standard error is v·√(2/N).
  CHECK(std::abs(sample_variance - variance) < 5 * variance * std::sqrt(2.0 / static_cast<double>(v.size())));
  CHECK_THROWS_WITH_AS(AnnealedLangevin(energy, {.sigmas = {0.5, 1.0}}), doctest::Contains("strictly decreasing"),
                       std::invalid_argument);
}

TEST_CASE("annealed Langevin with n_steps not a multiple of the levels: ⌊T/L⌋ per level, the rest at the last") {
  auto energy = std::make_shared<ebm::testing::SmoothedGaussian>();
  AnnealedLangevin annealed(energy, {.sigmas = {2.0, 1.0, 0.5, 0.1}, .step_size = 0.01});
  Generator generator(14);
  annealed.sample(zeros({3, 2}, DType::Float64), 10, generator);
  CHECK(energy->levels == std::vector<double>{2.0, 1.0, 0.5, 0.1});
  const std::vector<double> expected = {4, 4, 1, 1, 0.25, 0.25, 0.01, 0.01, 0.01, 0.01};  // 2, 2, 2, 4 steps
  const auto& sizes = annealed.diagnostics().step_sizes;
  REQUIRE(sizes.size() == expected.size());
  for (std::size_t t = 0; t < sizes.size(); ++t) CHECK(sizes[t] == doctest::Approx(expected[t]).epsilon(1e-12));

  // Fewer steps than levels: every level is set in turn, and all the steps run at the last.
  energy->levels.clear();
  annealed.sample(zeros({3, 2}, DType::Float64), 3, generator);
  CHECK(energy->levels == std::vector<double>{2.0, 1.0, 0.5, 0.1});
  CHECK(annealed.diagnostics().step_sizes == std::vector<double>(3, annealed.level_step_size(3)));
  CHECK(annealed.level_step_size(3) == doctest::Approx(0.01).epsilon(1e-12));
}

TEST_CASE("replay buffer: distinct slots, re-initialisation from the box, write-back") {
  Generator generator(13);
  ReplayBuffer buffer(2, {.capacity = 1000, .reinit_fraction = 0.0, .low = -2, .high = 3}, generator, DType::Float64);
  for (double value : buffer.states().to_vector()) CHECK((value >= -2 && value < 3));
  const auto draw = buffer.sample(1000, generator);
  std::vector<int64_t> slots = draw.slots;
  std::sort(slots.begin(), slots.end());
  CHECK(std::unique(slots.begin(), slots.end()) == slots.end());  // all 1,000 slots, each once
  const std::vector<double> stored = buffer.states().to_vector();
  const std::vector<double> drawn = draw.states.to_vector();
  for (std::size_t i = 0; i < draw.slots.size(); ++i) {
    CHECK(drawn[2 * i] == stored[static_cast<std::size_t>(2 * draw.slots[i])]);
  }
  buffer.update(draw.slots, draw.states + 10.0);
  CHECK(buffer.states().to_vector()[static_cast<std::size_t>(2 * draw.slots[7])] == drawn[14] + 10.0);

  // With reinit_fraction f, about f·n rows are fresh: a binomial count, tolerance 5 standard deviations.
  ReplayBuffer restarting(2, {.capacity = 1000, .reinit_fraction = 0.05, .low = 5, .high = 6}, generator, DType::Float64);
  restarting.update(restarting.sample(1000, generator).slots, zeros({1000, 2}, DType::Float64));
  const std::vector<double> after = restarting.sample(1000, generator).states.to_vector();
  double fresh = 0;
  for (std::size_t i = 0; i < after.size(); i += 2) fresh += after[i] >= 5 ? 1 : 0;
  CHECK(std::abs(fresh - 50) < 5 * std::sqrt(1000 * 0.05 * 0.95));

  CHECK_THROWS_WITH_AS(buffer.sample(1001, generator), doctest::Contains("1 to 1000"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(buffer.update({1, 2}, zeros({3, 2})), doctest::Contains("[2, 2]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(buffer.update({1}, full({1, 2}, INFINITY, DType::Float64)), doctest::Contains("non-finite"),
                       std::invalid_argument);
}

TEST_CASE("replay buffer: over many draws, the shares of box restarts, data restarts and continued chains are the options") {
  // Stored chains at −1, the box [5, 6), the data at 100: each drawn row says where it came from.
  // 40 draws of 500 rows per setting; each share within 5 binomial standard deviations of its option,
  // about 0.014 at 0.2 (a band that overlapped another would move a share by its width).
  const double rows_drawn = 40 * 500;
  for (const auto& [reinit, at_data] : std::vector<std::pair<double, double>>{
           {0.05, 0.2}, {0.0, 0.0}, {1.0, 0.0}, {0.0, 1.0}, {0.3, 0.7}, {0.5, 0.25}, {0.0, 0.4}}) {
    CAPTURE(reinit);
    CAPTURE(at_data);
    Generator generator(23);
    ReplayBuffer buffer(1, {.capacity = 1000, .reinit_fraction = reinit, .data_restart_fraction = at_data, .low = 5, .high = 6}, generator,
                        DType::Float64);
    const Tensor data = full({500, 1}, 100.0, DType::Float64);
    double fresh = 0, restarted = 0, continued = 0;
    for (int draw = 0; draw < 40; ++draw) {
      buffer.update(buffer.sample(1000, generator).slots, full({1000, 1}, -1.0, DType::Float64));
      for (double x : buffer.sample(500, generator, data).states.to_vector()) {
        if (x == 100) {
          restarted += 1;
        } else if (x == -1) {
          continued += 1;
        } else {
          CHECK((x >= 5 && x < 6));
          fresh += 1;
        }
      }
    }
    const auto within = [&](double count, double share) {
      return std::abs(count / rows_drawn - share) <= 5 * std::sqrt(share * (1 - share) / rows_drawn);
    };
    CHECK(within(fresh, reinit));
    CHECK(within(restarted, at_data));
    CHECK(within(continued, 1 - reinit - at_data));
  }
}

TEST_CASE("importance resampling draws each proposal in proportion to exp(−E): counts within one of n·wᵢ/Σw") {
  // E(x) = x₁ on 1-D points, so each proposal's energy is its own value; one proposal at +∞ energy.
  class FirstCoordinate : public EnergyFunction {
   public:
    Tensor energy(const Tensor& x) const override { return select(x, 1, 0); }
  };
  const FirstCoordinate energy;
  const std::vector<double> energies = {0.0, 1.0, 2.5, 0.3, 4.0, INFINITY, 1.7};
  const Tensor proposals = tensor(energies, {7, 1}, DType::Float64);
  double total = 0;
  for (double e : energies) total += std::exp(-e);
  for (const int64_t n : {1000, 7777}) {
    for (uint64_t seed : {1, 2, 3}) {
      Generator generator(seed);
      const std::vector<double> drawn = importance_resample(energy, proposals, n, generator).to_vector();
      for (std::size_t i = 0; i < energies.size(); ++i) {
        CAPTURE(i);
        const double count = static_cast<double>(std::count(drawn.begin(), drawn.end(), energies[i]));
        const double expected = static_cast<double>(n) * std::exp(-energies[i]) / total;
        // Systematic resampling gives each row the floor or the ceiling of its expected count.
        CHECK(count >= std::floor(expected));
        CHECK(count <= std::ceil(expected));
      }
    }
  }
}

TEST_CASE("replay buffer: restarts at data points, each row at the data row of its index") {
  Generator generator(17);
  // Stored chains at 0, the box [5, 6), data row i at (100 + i, 100 + i): each drawn row says where it came from.
  ReplayBuffer buffer(2, {.capacity = 1000, .reinit_fraction = 0.05, .data_restart_fraction = 0.2, .low = 5, .high = 6}, generator,
                      DType::Float64);
  buffer.update(buffer.sample(1000, generator).slots, zeros({1000, 2}, DType::Float64));
  std::vector<double> rows;
  for (int i = 0; i < 1000; ++i) rows.insert(rows.end(), {100.0 + i, 100.0 + i});
  const Tensor data = tensor(rows, {1000, 2}, DType::Float32);  // exact in float32; the buffer converts
  const std::vector<double> drawn = buffer.sample(1000, generator, data).states.to_vector();
  double fresh = 0, at_data = 0;
  for (std::size_t i = 0; i < drawn.size(); i += 2) {
    if (drawn[i] >= 100) {
      at_data += 1;
      CHECK(drawn[i] == 100.0 + static_cast<double>(i / 2));
      CHECK(drawn[i + 1] == drawn[i]);
    } else if (drawn[i] >= 5) {
      fresh += 1;
    } else {
      CHECK(drawn[i] == 0);
    }
  }
  // Binomial counts, tolerance 5 standard deviations.
  CHECK(std::abs(fresh - 50) < 5 * std::sqrt(1000 * 0.05 * 0.95));
  CHECK(std::abs(at_data - 200) < 5 * std::sqrt(1000 * 0.2 * 0.8));
  // Without data the same buffer restarts only in the box, and its other rows continue their chains.
  buffer.update(buffer.sample(1000, generator).slots, zeros({1000, 2}, DType::Float64));
  double boxed = 0;
  const std::vector<double> plain = buffer.sample(1000, generator).states.to_vector();
  for (std::size_t i = 0; i < plain.size(); i += 2) {
    boxed += plain[i] >= 5 ? 1 : 0;
    CHECK((plain[i] == 0 || (plain[i] >= 5 && plain[i] < 6)));
  }
  CHECK(std::abs(boxed - 50) < 5 * std::sqrt(1000 * 0.05 * 0.95));
  // With data_restart_fraction 0, data changes nothing: the same rows from the same stream.
  Generator first(19), second(19);
  ReplayBuffer one(2, {.capacity = 100}, first, DType::Float64), other(2, {.capacity = 100}, second, DType::Float64);
  CHECK(one.sample(50, first, data).states.to_vector() == other.sample(50, second).states.to_vector());

  CHECK_THROWS_WITH_AS(buffer.sample(10, generator, zeros({9, 2}, DType::Float64)), doctest::Contains("[≥ 10, 2], got [9, 2]"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(ReplayBuffer(2, {.reinit_fraction = 0.9, .data_restart_fraction = 0.2}, generator),
                       doctest::Contains("reinit_fraction + data_restart_fraction ≤ 1, got 0.2"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(one.sample(10, first, zeros({10, 3})), doctest::Contains("[≥ 10, 2], got [10, 3]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(ReplayBuffer(2, {.data_restart_fraction = -0.1}, generator), doctest::Contains("data_restart_fraction must be ≥ 0"),
                       std::invalid_argument);
}
