// The losses pinned to closed forms for a quadratic energy E(x) = ½(x−μ)ᵀP(x−μ), P = LLᵀ, on
// Gaussian data; parameter recovery by training (the sign regression); gradients reach every
// parameter; errors. Monte Carlo tolerances are 5 standard errors, computed next to each check.
#include <algorithm>
#include <cmath>
#include <functional>

#include "test_support.hpp"

namespace {

using namespace ebm;
using namespace ebm::losses;
using ebm::testing::max_relative_error;
using ebm::testing::QuadraticEnergy;

/// Sample mean m and covariance C (divided by N) of x [N, D].
struct SampleMoments {
  std::vector<double> m;
  std::vector<double> c;
};

SampleMoments sample_moments(const Tensor& x) {
  const int64_t n = x.size(0), d = x.size(1);
  const std::vector<double> v = x.to_vector();
  SampleMoments s{std::vector<double>(static_cast<std::size_t>(d), 0.0), std::vector<double>(static_cast<std::size_t>(d * d), 0.0)};
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t a = 0; a < d; ++a) s.m[static_cast<std::size_t>(a)] += v[static_cast<std::size_t>(i * d + a)] / static_cast<double>(n);
  }
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t a = 0; a < d; ++a) {
      for (int64_t b = 0; b < d; ++b) {
        s.c[static_cast<std::size_t>(a * d + b)] += (v[static_cast<std::size_t>(i * d + a)] - s.m[static_cast<std::size_t>(a)]) *
                                                    (v[static_cast<std::size_t>(i * d + b)] - s.m[static_cast<std::size_t>(b)]) /
                                                    static_cast<double>(n);
      }
    }
  }
  return s;
}

using Matrix = std::vector<double>;  // row-major d × d

Matrix multiply(const Matrix& a, const Matrix& b, int64_t d) {
  Matrix out(static_cast<std::size_t>(d * d), 0.0);
  for (int64_t i = 0; i < d; ++i) {
    for (int64_t j = 0; j < d; ++j) {
      for (int64_t k = 0; k < d; ++k) out[static_cast<std::size_t>(i * d + j)] += a[static_cast<std::size_t>(i * d + k)] * b[static_cast<std::size_t>(k * d + j)];
    }
  }
  return out;
}

double trace(const Matrix& a, int64_t d) {
  double t = 0;
  for (int64_t i = 0; i < d; ++i) t += a[static_cast<std::size_t>(i * d + i)];
  return t;
}

/// (m−μ)ᵀA(m−μ).
double quadratic_form(const Matrix& a, const std::vector<double>& m, const std::vector<double>& mu, int64_t d) {
  double s = 0;
  for (int64_t i = 0; i < d; ++i) {
    for (int64_t j = 0; j < d; ++j) s += (m[static_cast<std::size_t>(i)] - mu[static_cast<std::size_t>(i)]) * a[static_cast<std::size_t>(i * d + j)] * (m[static_cast<std::size_t>(j)] - mu[static_cast<std::size_t>(j)]);
  }
  return s;
}

/// The score-matching objective of the quadratic energy in closed form: ½[tr(PCP) + (m−μ)ᵀP²(m−μ)] − tr P.
double score_matching_closed_form(const QuadraticEnergy& energy, const SampleMoments& s, int64_t d) {
  const Matrix p = energy.precision();
  const Matrix p2 = multiply(p, p, d);
  return 0.5 * (trace(multiply(multiply(p, s.c, d), p, d), d) + quadratic_form(p2, s.m, energy.mean(), d)) - trace(p, d);
}

/// Entry by entry, the mean of R evaluations of a stochastic vector, with its standard error.
std::pair<std::vector<double>, std::vector<double>> repeated_means(const std::function<std::vector<double>()>& evaluate, int repetitions) {
  std::vector<double> total, total_square;
  for (int r = 0; r < repetitions; ++r) {
    const std::vector<double> values = evaluate();
    total.resize(values.size(), 0.0);
    total_square.resize(values.size(), 0.0);
    for (std::size_t i = 0; i < values.size(); ++i) {
      total[i] += values[i];
      total_square[i] += values[i] * values[i];
    }
  }
  std::vector<double> average(total.size()), error(total.size());
  for (std::size_t i = 0; i < total.size(); ++i) {
    average[i] = total[i] / repetitions;
    const double variance = (total_square[i] / repetitions - average[i] * average[i]) * repetitions / (repetitions - 1);
    error[i] = std::sqrt(variance / repetitions);
  }
  return {average, error};
}

/// Mean of R evaluations of a stochastic loss, with its standard error.
std::pair<double, double> repeated_mean(const std::function<double()>& evaluate, int repetitions) {
  const auto [average, error] = repeated_means([&] { return std::vector<double>{evaluate()}; }, repetitions);
  return {average[0], error[0]};
}

const int64_t kD = 3;
const std::vector<double> kMu = {0.5, -1.0, 0.2};
const std::vector<double> kL = {1.2, 0.0, 0.0, 0.3, 0.8, 0.0, -0.2, 0.1, 1.5};

Tensor correlated_data(int64_t n, uint64_t seed) {
  Generator generator(seed);
  const Tensor mixing = tensor({1.0, 0.4, 0.0, 0.0, 0.9, -0.3, 0.0, 0.0, 0.6}, {3, 3}, DType::Float64);
  return matmul(randn({n, 3}, generator, DType::Float64), mixing) + tensor({1.0, 0.0, -0.5}, {3}, DType::Float64);
}

}  // namespace

TEST_CASE("exact score matching equals ½[tr(PCP) + (m−μ)ᵀP²(m−μ)] − tr P to rounding") {
  auto energy = std::make_shared<QuadraticEnergy>(kMu, kL, kD);
  const Tensor x = correlated_data(500, 1);
  const double expected = score_matching_closed_form(*energy, sample_moments(x), kD);
  ScoreMatchingLoss sm(energy);
  const auto [loss, metrics] = sm(x);
  CHECK(loss.item() == doctest::Approx(expected).epsilon(1e-12));
  CHECK(metrics.at("loss") == loss.item());
  CHECK(metrics.at("hessian_trace") == doctest::Approx(trace(energy->precision(), kD)).epsilon(1e-12));
}

TEST_CASE("Hutchinson SM and sliced SM (every projection, plain and variance-reduced) agree in expectation") {
  auto energy = std::make_shared<QuadraticEnergy>(kMu, kL, kD);
  const Tensor x = correlated_data(200, 2);
  const double expected = score_matching_closed_form(*energy, sample_moments(x), kD);
  Generator generator(3);
  const int repetitions = 300;
  for (Projection projection : {Projection::Rademacher, Projection::Gaussian, Projection::Sphere}) {
    CAPTURE(static_cast<int>(projection));
    ScoreMatchingLoss hutchinson(energy, {.method = TraceMethod::Hutchinson, .n_probes = 2, .probe = projection, .generator = &generator});
    const auto [h_mean, h_error] = repeated_mean([&] { return hutchinson(x).loss.item(); }, repetitions);
    CHECK(std::abs(h_mean - expected) < 5 * h_error + 1e-12);
    for (bool variance_reduced : {false, true}) {
      CAPTURE(variance_reduced);
      SlicedScoreMatchingLoss ssm(energy, {.n_projections = 2, .projection = projection, .variance_reduced = variance_reduced,
                                           .generator = &generator});
      const auto [s_mean, s_error] = repeated_mean([&] { return ssm(x).loss.item(); }, repetitions);
      CHECK(s_error > 0);
      CHECK(std::abs(s_mean - expected) < 5 * s_error);
    }
  }
}

/// An MLP energy seen only through energy(): every derivative takes the default backward passes.
class PlainEnergy : public energies::EnergyFunction {
 public:
  explicit PlainEnergy(std::shared_ptr<energies::MLPEnergy> mlp) : mlp_(std::move(mlp)) {}
  Tensor energy(const Tensor& x) const override { return mlp_->energy(x); }
  std::vector<Tensor> parameters() const override { return mlp_->parameters(); }

 private:
  std::shared_ptr<energies::MLPEnergy> mlp_;
};

TEST_CASE("sliced SM through MLPEnergy's forward directions equals the backward passes, in value and gradient") {
  Generator generator(5);
  auto mlp = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{3, 8, 8, 1}, nn::Activation::SiLU, generator,
                                                   DType::Float64);
  const auto plain = std::make_shared<PlainEnergy>(mlp);
  const Tensor x = randn({6, 3}, generator, DType::Float64);
  for (bool variance_reduced : {false, true}) {
    CAPTURE(variance_reduced);
    Generator forward_draws(6), backward_draws(6);
    SlicedScoreMatchingLoss forward(mlp, {.n_projections = 3, .variance_reduced = variance_reduced, .generator = &forward_draws});
    SlicedScoreMatchingLoss backward(plain, {.n_projections = 3, .variance_reduced = variance_reduced, .generator = &backward_draws});
    const LossOutput through_forward = forward(x);
    const LossOutput through_backward = backward(x);
    CHECK(through_forward.loss.item() == doctest::Approx(through_backward.loss.item()).epsilon(1e-12));
    for (const auto& [metric, value] : through_backward.metrics) CHECK(through_forward.metrics.at(metric) == doctest::Approx(value).epsilon(1e-12));
    const auto parameters = mlp->parameters();
    const auto forward_gradients = grad(through_forward.loss, parameters, {.allow_unused = true});
    const auto backward_gradients = grad(through_backward.loss, parameters, {.allow_unused = true});
    for (std::size_t i = 0; i + 1 < parameters.size(); ++i) {
      CAPTURE(i);
      CHECK(max_relative_error(forward_gradients[i].to_vector(), backward_gradients[i].to_vector()) < 1e-10);
    }
  }
}

TEST_CASE("denoising score matching agrees in expectation with ½[tr(PCP) + (m−μ)ᵀP²(m−μ) + σ²tr P² − 2tr P + D/σ²]") {
  auto energy = std::make_shared<QuadraticEnergy>(kMu, kL, kD);
  const Tensor x = correlated_data(200, 4);
  const SampleMoments s = sample_moments(x);
  const Matrix p = energy->precision();
  const Matrix p2 = multiply(p, p, kD);
  Generator generator(5);
  for (double sigma : {0.1, 0.5}) {
    CAPTURE(sigma);
    const double expected = 0.5 * (trace(multiply(multiply(p, s.c, kD), p, kD), kD) + quadratic_form(p2, s.m, energy->mean(), kD) +
                                   sigma * sigma * trace(p2, kD) - 2 * trace(p, kD) + kD / (sigma * sigma));
    DenoisingScoreMatchingLoss dsm(energy, {.sigmas = {sigma}, .generator = &generator});
    const auto [average, error] = repeated_mean([&] { return dsm(x).loss.item(); }, 300);
    CHECK(std::abs(average - expected) < 5 * error);
  }
  // Several levels: the σ²-weighted mean of the per-level losses, each reported as a metric.
  DenoisingScoreMatchingLoss levels(energy, {.sigmas = {0.1, 0.5}, .generator = &generator});
  const auto [loss, metrics] = levels(x);
  const double j1 = metrics.at("loss_sigma_0.1"), j2 = metrics.at("loss_sigma_0.5");
  CHECK(loss.item() == doctest::Approx((0.01 * j1 + 0.25 * j2) / 0.26).epsilon(1e-12));
  DenoisingScoreMatchingLoss unweighted(energy, {.sigmas = {0.1, 0.5}, .weight_by_sigma_squared = false, .generator = &generator});
  const auto output = unweighted(x);
  CHECK(output.loss.item() == doctest::Approx((output.metrics.at("loss_sigma_0.1") + output.metrics.at("loss_sigma_0.5")) / 2).epsilon(1e-12));
}

TEST_CASE("DSM with a noise-conditional energy: each level's J_σ = ½·mean‖x̃/(1 + σ²) − ε/σ‖² from the replayed ε") {
  // E_σ(x) = ½‖x‖²/(1 + σ²) has ∇E_σ(x̃) = x̃/(1 + σ²). The loss draws ε [N, D] for each level in
  // order, before any gradient; a copy of its generator replays them, so J_σ is known to rounding.
  auto energy = std::make_shared<ebm::testing::SmoothedGaussian>();
  const std::vector<double> sigmas = {0.5, 0.1};
  const Tensor x = correlated_data(50, 7);
  Generator generator(8);
  Generator replay = generator;
  DenoisingScoreMatchingLoss dsm(energy, {.sigmas = sigmas, .generator = &generator});
  const auto [loss, metrics] = dsm(x);
  CHECK(energy->levels == sigmas);
  const std::vector<double> data = x.to_vector();
  double weighted = 0, total_weight = 0;
  for (double sigma : sigmas) {
    CAPTURE(sigma);
    const std::vector<double> epsilon = randn_like(x, replay).to_vector();
    double level_loss = 0;
    for (std::size_t k = 0; k < data.size(); ++k) {
      const double residual = (data[k] + sigma * epsilon[k]) / (1 + sigma * sigma) - epsilon[k] / sigma;
      level_loss += 0.5 * residual * residual / static_cast<double>(x.size(0));
    }
    CHECK(metrics.at(sigma_metric_name(sigma)) == doctest::Approx(level_loss).epsilon(1e-12));
    weighted += sigma * sigma * level_loss;
    total_weight += sigma * sigma;
  }
  CHECK(loss.item() == doctest::Approx(weighted / total_weight).epsilon(1e-12));

  // In expectation over ε the residual x/(1 + σ²) + ε(σ/(1 + σ²) − 1/σ) = x/(1 + σ²) − ε/(σ(1 + σ²)) gives
  //   E_ε[J_σ] = ½[mean‖x‖²/(1 + σ²)² + D/(σ²(1 + σ²)²)],
  // checked over 300 draws to 5 standard errors at σ = 0.5.
  const double sigma = 0.5, scale = 1 + sigma * sigma;
  double mean_square = 0;
  for (double value : data) mean_square += value * value / static_cast<double>(x.size(0));
  const double expected = 0.5 * (mean_square / (scale * scale) + static_cast<double>(kD) / (sigma * sigma * scale * scale));
  DenoisingScoreMatchingLoss single(energy, {.sigmas = {sigma}, .generator = &generator});
  const auto [average, error] = repeated_mean([&] { return single(x).loss.item(); }, 300);
  CHECK(std::abs(average - expected) < 5 * error);
}

TEST_CASE("MLE, CD and NCE losses: values and metrics by hand") {
  auto energy = std::make_shared<QuadraticEnergy>(std::vector<double>{0, 0}, std::vector<double>{1, 0, 0, 1}, 2);
  const Tensor pos = tensor({1, 0, 0, 2}, {2, 2}, DType::Float64);  // E = 0.5, 2 → mean 1.25
  const Tensor neg = tensor({3, 0, 0, 1}, {2, 2}, DType::Float64);  // E = 4.5, 0.5 → mean 2.5
  MLELoss mle(energy, {.alpha = 0.5, .regularization = Regularization::L2, .reg_strength = 0.1});
  const auto [loss, metrics] = mle(pos, neg);
  // Σθ² = μ·μ + ‖L‖² = 2.
  CHECK(loss.item() == doctest::Approx(1.25 - 0.5 * 2.5 + 0.1 * 2));
  CHECK(metrics.at("energy_gap") == doctest::Approx(1.25));
  CHECK(metrics.at("reg_loss") == doctest::Approx(2));

  ContrastiveDivergenceLoss cd(energy, {.energy_regularization = 0.1});
  const auto given = cd(pos, neg);
  // λ(mean E⁺² + mean E⁻²) = 0.1·((0.25 + 4)/2 + (20.25 + 0.25)/2) = 1.2375.
  CHECK(given.loss.item() == doctest::Approx(1.25 - 2.5 + 1.2375));
  CHECK(cd.last_negatives().to_vector() == neg.to_vector());

  // NCE with a fixed unit-Gaussian noise, ν = 1, log Z = log 2π (the true normaliser of this E):
  // then h(u) = −E(u) − log 2π − log N(u; 0, I) = 0 everywhere and L = 2·log 2.
  auto noise = std::make_shared<DiagonalGaussianNoise>(zeros({2}, DType::Float64), ones({2}, DType::Float64));
  NCELoss nce(energy, {.noise = noise, .log_partition = std::log(2 * M_PI)});
  const auto nce_output = nce(pos);
  CHECK(nce_output.loss.item() == doctest::Approx(2 * std::log(2.0)).epsilon(1e-12));
  CHECK(nce_output.metrics.at("log_z") == doctest::Approx(std::log(2 * M_PI)));
  CHECK(nce.parameters().size() == 3);
}

namespace {

/// E(x) = x·w + b with learnable w [2] and b [1]: ∇_w E = x and ∂E/∂b = 1, so the gradient of any
/// mean of energies is the same mean of the points.
class LinearEnergy : public energies::EnergyFunction {
 public:
  LinearEnergy(double w1, double w2, double b)
      : w_(tensor({w1, w2}, {2, 1}, DType::Float64).requires_grad_()), b_(tensor({b}, {1}, DType::Float64).requires_grad_()) {}
  Tensor energy(const Tensor& x) const override { return reshape(matmul(x, w_), {-1}) + b_; }
  std::vector<Tensor> parameters() const override { return {w_, b_}; }

 private:
  Tensor w_;
  Tensor b_;
};

/// Mean over the rows of x [N, 2] of E = x·w + b, and of the points themselves.
struct LinearMeans {
  double energy = 0;
  std::vector<double> point = {0, 0};
};

LinearMeans linear_means(const std::vector<double>& x, double w1, double w2, double b) {
  LinearMeans m;
  const double n = static_cast<double>(x.size() / 2);
  for (std::size_t i = 0; i < x.size(); i += 2) {
    m.energy += (x[i] * w1 + x[i + 1] * w2 + b) / n;
    m.point[0] += x[i] / n;
    m.point[1] += x[i + 1] / n;
  }
  return m;
}

double softplus_of(double v) { return v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); }
double sigmoid_of(double v) { return 1 / (1 + std::exp(-v)); }

}  // namespace

TEST_CASE("MLE with Regularization::L1: L = mean E⁺ − α·mean E⁻ + λΣ|θ|, gradient mean x⁺ − α·mean x⁻ + λ·sign θ") {
  // θ = (w₁, w₂, b) = (0.5, −1.5, 0): both signs and the kink, where |θ|′ is 0 (ops.hpp: abs).
  const double w1 = 0.5, w2 = -1.5, b = 0, alpha = 0.7, lambda = 0.3;
  auto energy = std::make_shared<LinearEnergy>(w1, w2, b);
  const std::vector<double> pos = {1, 2, 3, -1}, neg = {0, 1, -2, 2, 1, 1};
  MLELoss mle(energy, {.alpha = alpha, .regularization = Regularization::L1, .reg_strength = lambda});
  const auto [loss, metrics] = mle(tensor(pos, {2, 2}, DType::Float64), tensor(neg, {3, 2}, DType::Float64));
  const LinearMeans p = linear_means(pos, w1, w2, b), n = linear_means(neg, w1, w2, b);
  const double l1 = std::abs(w1) + std::abs(w2) + std::abs(b);  // 2
  CHECK(metrics.at("reg_loss") == doctest::Approx(l1).epsilon(1e-15));
  CHECK(loss.item() == doctest::Approx(p.energy - alpha * n.energy + lambda * l1).epsilon(1e-12));
  const auto gradients = grad(loss, energy->parameters());
  const std::vector<double> expected_w = {p.point[0] - alpha * n.point[0] + lambda, p.point[1] - alpha * n.point[1] - lambda};
  CHECK(max_relative_error(gradients[0].to_vector(), expected_w) < 1e-12);
  CHECK(gradients[1].item() == doctest::Approx(1 - alpha).epsilon(1e-12));  // sign(0) = 0: no penalty pull
  CHECK(parameter_penalty(energy->parameters(), Regularization::L1).item() == doctest::Approx(l1).epsilon(1e-15));
}

TEST_CASE("CDOptions.alpha weighs the negative phase: L = mean E⁺ − α·mean E⁻, an additive constant gets 1 − α") {
  const double w1 = 0.5, w2 = -1.5, b = 0.25;
  const std::vector<double> pos = {1, 2, 3, -1}, neg = {0, 1, -2, 2, 1, 1};
  const LinearMeans p = linear_means(pos, w1, w2, b), n = linear_means(neg, w1, w2, b);
  for (double alpha : {1.0, 0.3, -0.5}) {
    CAPTURE(alpha);
    auto energy = std::make_shared<LinearEnergy>(w1, w2, b);
    ContrastiveDivergenceLoss cd(energy, {.alpha = alpha});
    const auto [loss, metrics] = cd(tensor(pos, {2, 2}, DType::Float64), tensor(neg, {3, 2}, DType::Float64));
    CHECK(loss.item() == doctest::Approx(p.energy - alpha * n.energy).epsilon(1e-12));
    CHECK(metrics.at("energy_gap") == doctest::Approx(n.energy - p.energy).epsilon(1e-12));  // α does not enter it
    const auto gradients = grad(loss, energy->parameters());
    CHECK(max_relative_error(gradients[0].to_vector(), {p.point[0] - alpha * n.point[0], p.point[1] - alpha * n.point[1]}) < 1e-12);
    CHECK(gradients[1].item() == doctest::Approx(1 - alpha).epsilon(1e-12));
  }
  // Negatives the loss draws itself are weighed the same way.
  Generator generator(57);
  auto energy = std::make_shared<LinearEnergy>(w1, w2, b);
  ContrastiveDivergenceLoss drawn(energy, {.n_steps = 2, .alpha = 0.3, .generator = &generator});
  const auto [loss, metrics] = drawn(tensor(pos, {2, 2}, DType::Float64));
  CHECK(loss.item() == doctest::Approx(metrics.at("pos_energy") - 0.3 * metrics.at("neg_energy")).epsilon(1e-12));
  CHECK(metrics.at("neg_energy") == doctest::Approx(linear_means(drawn.last_negatives().to_vector(), w1, w2, b).energy).epsilon(1e-12));
}

TEST_CASE("NCE with learn_partition = false: log Z stays at log_partition, is no parameter, and enters h") {
  // E = ½‖x‖² (μ = 0, L = I), noise N(m, diag(s²)), ν = 2 and log Z = c = 1.7:
  //   h(u) = −½‖u‖² − c + ½Σ((u − m)/s)² + Σ log s + log 2π − log ν,
  //   L = mean softplus(−h(x⁺)) + ν·mean softplus(h(y)),   ∂L/∂c = mean σ(−h(x⁺)) − ν·mean σ(h(y)).
  const double c = 1.7, nu = 2;
  const std::vector<double> m = {0.5, -0.5}, s = {1.5, 0.8};
  const std::vector<double> pos = {0.2, -0.4, 1.0, 0.5}, neg = {-1.0, 0.3, 2.0, -1.5, 0.0, 0.0, 0.7, 1.1};
  const auto h = [&](double u1, double u2) {
    const double z1 = (u1 - m[0]) / s[0], z2 = (u2 - m[1]) / s[1];
    return -0.5 * (u1 * u1 + u2 * u2) - c + 0.5 * (z1 * z1 + z2 * z2) + std::log(s[0] * s[1]) + std::log(2 * M_PI) - std::log(nu);
  };
  double expected = 0, expected_log_z_gradient = 0;
  for (std::size_t i = 0; i < pos.size(); i += 2) {
    expected += softplus_of(-h(pos[i], pos[i + 1])) / 2;
    expected_log_z_gradient += sigmoid_of(-h(pos[i], pos[i + 1])) / 2;
  }
  for (std::size_t i = 0; i < neg.size(); i += 2) {
    expected += nu * softplus_of(h(neg[i], neg[i + 1])) / 4;
    expected_log_z_gradient -= nu * sigmoid_of(h(neg[i], neg[i + 1])) / 4;
  }
  auto noise = std::make_shared<DiagonalGaussianNoise>(tensor(m, {2}, DType::Float64), tensor(s, {2}, DType::Float64));
  for (bool learned : {false, true}) {
    CAPTURE(learned);
    auto energy = std::make_shared<QuadraticEnergy>(std::vector<double>{0, 0}, std::vector<double>{1, 0, 0, 1}, 2);
    NCELoss nce(energy, {.noise = noise, .noise_ratio = nu, .log_partition = c, .learn_partition = learned});
    const auto [loss, metrics] = nce(tensor(pos, {2, 2}, DType::Float64), tensor(neg, {4, 2}, DType::Float64));
    CHECK(loss.item() == doctest::Approx(expected).epsilon(1e-12));
    CHECK(metrics.at("log_z") == c);
    CHECK(nce.log_z().item() == c);
    CHECK(nce.log_z().requires_grad() == learned);
    const std::vector<Tensor> parameters = nce.parameters();
    REQUIRE(parameters.size() == (learned ? 3 : 2));
    CHECK(parameters[0].impl() == energy->parameters()[0].impl());
    CHECK(parameters[1].impl() == energy->parameters()[1].impl());
    loss.backward();
    CHECK(energy->parameters()[0].grad().defined());
    if (learned) {
      CHECK(parameters[2].impl() == nce.log_z().impl());
      CHECK(nce.log_z().grad().item() == doctest::Approx(expected_log_z_gradient).epsilon(1e-12));
    } else {
      CHECK_FALSE(nce.log_z().grad().defined());
    }
  }
}

TEST_CASE("IsotropicGaussianNoise: draws with mean μ and covariance σ²I, log_prob = −‖x − μ‖²/(2σ²) − D log σ − (D/2) log 2π") {
  const std::vector<double> mu = {1.0, -2.0, 0.5};
  const double sigma = 0.7;
  const IsotropicGaussianNoise noise(tensor(mu, {3}, DType::Float64), sigma);
  CHECK(noise.stds().to_vector() == std::vector<double>(3, sigma));
  CHECK(noise.mean().to_vector() == mu);

  // Sample moments of n draws, each within 5 standard errors: se(mean) = σ/√n,
  // se(variance) = σ²√(2/n), se(covariance) = σ²/√n.
  const int64_t n = 20000;
  Generator generator(61);
  const Tensor draws = noise.sample(n, generator);
  REQUIRE(draws.shape() == Shape{n, 3});
  CHECK(draws.dtype() == DType::Float64);
  const SampleMoments moments = sample_moments(draws);
  const double root_n = std::sqrt(static_cast<double>(n));
  for (std::size_t a = 0; a < 3; ++a) {
    CAPTURE(a);
    CHECK(std::abs(moments.m[a] - mu[a]) < 5 * sigma / root_n);
    for (std::size_t b = 0; b < 3; ++b) {
      CAPTURE(b);
      const double se = a == b ? sigma * sigma * std::sqrt(2.0) / root_n : sigma * sigma / root_n;
      CHECK(std::abs(moments.c[a * 3 + b] - (a == b ? sigma * sigma : 0.0)) < 5 * se);
    }
  }

  const std::vector<double> points = {1.0, -2.0, 0.5, 0.0, 0.0, 0.0, 2.5, -1.0, -3.0};
  std::vector<double> expected;
  for (std::size_t i = 0; i < points.size(); i += 3) {
    double squared = 0;
    for (std::size_t j = 0; j < 3; ++j) squared += (points[i + j] - mu[j]) * (points[i + j] - mu[j]);
    expected.push_back(-squared / (2 * sigma * sigma) - 3 * std::log(sigma) - 1.5 * std::log(2 * M_PI));
  }
  CHECK(max_relative_error(noise.log_prob(tensor(points, {3, 3}, DType::Float64)).to_vector(), expected) < 1e-12);
  const Tensor single = noise.log_prob(tensor(points, {3, 3}, DType::Float32));
  CHECK(single.dtype() == DType::Float32);
  CHECK(max_relative_error(single.to_vector(), expected) < 1e-5);
}

TEST_CASE("DiagonalGaussianNoise::log_prob = −½Σ((x − μ)/σ)² − Σ log σ − (D/2) log 2π, by hand") {
  // μ = (0.5, −1), σ = (0.3, 2): at μ, log p = −log(0.3·2) − log 2π = −log(1.2π);
  // at (0.8, 1): z = (1, 1), log p = −1 − log(1.2π); at (−0.1, −5): z = (−2, −2), log p = −4 − log(1.2π).
  const DiagonalGaussianNoise noise(tensor({0.5, -1.0}, {2}, DType::Float64), tensor({0.3, 2.0}, {2}, DType::Float64));
  const double log_norm = std::log(1.2 * M_PI);
  const std::vector<double> expected = {-log_norm, -1 - log_norm, -4 - log_norm};
  const Tensor points = tensor({0.5, -1.0, 0.8, 1.0, -0.1, -5.0}, {3, 2}, DType::Float64);
  CHECK(max_relative_error(noise.log_prob(points).to_vector(), expected) < 1e-12);
  CHECK(max_relative_error(noise.log_prob(points.to(DType::Float32)).to_vector(), expected) < 1e-6);
  CHECK_THROWS_WITH_AS(noise.log_prob(zeros({3, 3}, DType::Float64)), doctest::Contains("[N, 2]"), std::invalid_argument);
}

namespace {

/// Trains the quadratic energy with Adam on `loss` over the full data set.
void train(Loss& loss, const Tensor& data, int steps, double lr) {
  optim::Adam adam(loss.parameters(), {.lr = lr});
  for (int step = 0; step < steps; ++step) {
    const LossOutput output = loss(data);
    adam.zero_grad();
    output.loss.backward();
    adam.step();
  }
}

/// Checks μ ≈ m and P ≈ target within 5 standard errors of an estimate from n samples:
/// se(μ_a) = √(C_aa/n) and se(P_ab) = √((P_ab² + P_aa·P_bb)/n) (the Wishart variance), widened by
/// `inflation` for estimators less efficient than maximum likelihood.
void check_recovered(const QuadraticEnergy& energy, const std::vector<double>& m, const Matrix& c, const Matrix& target,
                     int64_t n, double inflation) {
  const std::vector<double> mu = energy.mean();
  const Matrix p = energy.precision();
  for (int a = 0; a < 2; ++a) {
    CAPTURE(a);
    CHECK(std::abs(mu[a] - m[a]) < inflation * 5 * std::sqrt(c[a * 2 + a] / n));
    for (int b = 0; b < 2; ++b) {
      CAPTURE(b);
      const double se = std::sqrt((target[a * 2 + b] * target[a * 2 + b] + target[a * 2 + a] * target[b * 2 + b]) / n);
      CHECK(std::abs(p[a * 2 + b] - target[a * 2 + b]) < inflation * 5 * se);
    }
  }
}

Matrix inverse2(const Matrix& a) {
  const double det = a[0] * a[3] - a[1] * a[2];
  return {a[3] / det, -a[1] / det, -a[2] / det, a[0] / det};
}

}  // namespace

TEST_CASE("sign regression: training recovers μ = m and P = C⁻¹ (SM, SSM, NCE, CD with MALA), (C + σ²I)⁻¹ (DSM)") {
  // Data N(m, C) with m = (1, −0.5), C = [[1, 0.5], [0.5, 0.8]]. A flipped sign in any objective
  // would push P negative or far away; these tolerances are 5 standard errors of the estimate.
  const int64_t n = 2000;
  Generator generator(21);
  const Tensor data = matmul(randn({n, 2}, generator, DType::Float64), tensor({1.0, 0.5, 0.0, std::sqrt(0.55)}, {2, 2}, DType::Float64)) +
                      tensor({1.0, -0.5}, {2}, DType::Float64);
  const std::vector<double> m = {1.0, -0.5};
  const Matrix c = {1.0, 0.5, 0.5, 0.8};
  const Matrix precision = inverse2(c);
  const auto fresh = [] { return std::make_shared<QuadraticEnergy>(std::vector<double>{0, 0}, std::vector<double>{1, 0, 0, 1}, 2); };

  SUBCASE("exact score matching reaches the sample optimum") {
    auto energy = fresh();
    ScoreMatchingLoss sm(energy);
    train(sm, data, 800, 0.05);
    const SampleMoments s = sample_moments(data);
    CHECK(max_relative_error(energy->mean(), s.m) < 1e-3);
    CHECK(max_relative_error(energy->precision(), inverse2(s.c)) < 1e-3);
    check_recovered(*energy, m, c, precision, n, 1.0);
  }
  SUBCASE("sliced score matching") {
    auto energy = fresh();
    SlicedScoreMatchingLoss ssm(energy, {.n_projections = 4, .variance_reduced = true, .generator = &generator});
    train(ssm, data, 800, 0.02);
    check_recovered(*energy, m, c, precision, n, 1.5);
  }
  SUBCASE("denoising score matching learns the smoothed precision (C + σ²I)⁻¹") {
    auto energy = fresh();
    const double sigma = 0.4;
    DenoisingScoreMatchingLoss dsm(energy, {.sigmas = {sigma}, .generator = &generator});
    train(dsm, data, 800, 0.02);
    check_recovered(*energy, m, c, inverse2({c[0] + sigma * sigma, c[1], c[2], c[3] + sigma * sigma}), n, 1.5);
  }
  SUBCASE("noise-contrastive estimation") {
    auto energy = fresh();
    NCELoss nce(energy, {.noise = std::make_shared<DiagonalGaussianNoise>(fit_gaussian_noise(data, 1.5)), .noise_ratio = 4,
                         .generator = &generator});
    train(nce, data, 800, 0.02);
    check_recovered(*energy, m, c, precision, n, 2.0);
    CHECK(nce.log_z().item() == doctest::Approx(std::log(2 * M_PI) - 0.5 * std::log(energy->precision()[0] * energy->precision()[3] -
                                                                                      energy->precision()[1] * energy->precision()[2]))
                                     .epsilon(0.05));
  }
  SUBCASE("contrastive divergence driven by MALA") {
    auto energy = fresh();
    auto mala = std::make_shared<samplers::MALA>(energy, samplers::MALAOptions{.step_size = 0.3});
    ContrastiveDivergenceLoss cd(energy, {.sampler = mala, .n_steps = 5, .generator = &generator});
    train(cd, data, 800, 0.02);
    check_recovered(*energy, m, c, precision, n, 2.0);
  }
}

namespace {

/// A 2-D quadratic energy with μ = m and P = LLᵀ = p, L lower-triangular (Cholesky).
std::shared_ptr<QuadraticEnergy> quadratic_with(const std::vector<double>& m, const Matrix& p) {
  const double l00 = std::sqrt(p[0]), l10 = p[2] / l00;
  return std::make_shared<QuadraticEnergy>(m, std::vector<double>{l00, 0, l10, std::sqrt(p[3] - l10 * l10)}, 2);
}

/// Over R draws of ε: the mean loss and the mean gradient in (μ, L), each with its standard error.
std::pair<std::vector<double>, std::vector<double>> loss_and_gradient_in_expectation(Loss& loss, const QuadraticEnergy& energy,
                                                                                     const Tensor& x, int repetitions) {
  return repeated_means(
      [&] {
        const Tensor value = loss(x).loss;
        std::vector<double> out = {value.item()};
        for (const Tensor& gradient : grad(value, energy.parameters())) {
          for (double entry : gradient.to_vector()) out.push_back(entry);
        }
        return out;
      },
      repetitions);
}

Tensor gaussian_data_2d(int64_t n, uint64_t seed) {
  Generator generator(seed);
  return matmul(randn({n, 2}, generator, DType::Float64), tensor({1.0, 0.5, 0.0, std::sqrt(0.55)}, {2, 2}, DType::Float64)) +
         tensor({1.0, -0.5}, {2}, DType::Float64);
}

}  // namespace

TEST_CASE("DSM's minimum on Gaussian data: ½[D/σ² − tr((C + σ²I)⁻¹)] at μ = m, P = (C + σ²I)⁻¹") {
  // At the minimiser the expected loss has the closed form and the expected gradient in (μ, L) is
  // zero; at P = C⁻¹, the unsmoothed answer, it is not. Each within 5 standard errors of 400 draws.
  const Tensor x = gaussian_data_2d(500, 31);
  const SampleMoments s = sample_moments(x);
  const double sigma = 0.4;
  const Matrix smoothed = inverse2({s.c[0] + sigma * sigma, s.c[1], s.c[2], s.c[3] + sigma * sigma});
  Generator generator(32);
  auto energy = quadratic_with(s.m, smoothed);
  DenoisingScoreMatchingLoss dsm(energy, {.sigmas = {sigma}, .generator = &generator});
  const auto [mean, error] = loss_and_gradient_in_expectation(dsm, *energy, x, 400);
  CHECK(std::abs(mean[0] - 0.5 * (2 / (sigma * sigma) - trace(smoothed, 2))) < 5 * error[0]);
  for (std::size_t i = 1; i < mean.size(); ++i) {
    CAPTURE(i);
    CHECK(std::abs(mean[i]) < 5 * error[i]);
  }
  auto unsmoothed = quadratic_with(s.m, inverse2(s.c));
  DenoisingScoreMatchingLoss at_unsmoothed(unsmoothed, {.sigmas = {sigma}, .generator = &generator});
  const auto [off_mean, off_error] = loss_and_gradient_in_expectation(at_unsmoothed, *unsmoothed, x, 400);
  CHECK(std::abs(off_mean[3]) > 5 * off_error[3]);  // ∂/∂L₀₀
}

TEST_CASE("multi-level DSM with one energy: the minimiser is P = (C + σ̄²I)⁻¹, σ̄² = Σλσ²/Σλ, the loss ½[D·Σλσ⁻²/Σλ − tr P]") {
  // λ = σ² over σ = {0.5, 0.1}: σ̄² = Σσ⁴/Σσ², and Σλσ⁻²/Σλ = L/Σσ² for L levels.
  const Tensor x = gaussian_data_2d(500, 33);
  const SampleMoments s = sample_moments(x);
  const std::vector<double> sigmas = {0.5, 0.1};
  const double sum_square = 0.25 + 0.01, mean_sigma_square = (0.5 * 0.5 * 0.25 + 0.01 * 0.01) / sum_square;
  const Matrix compromise = inverse2({s.c[0] + mean_sigma_square, s.c[1], s.c[2], s.c[3] + mean_sigma_square});
  Generator generator(34);
  auto energy = quadratic_with(s.m, compromise);
  DenoisingScoreMatchingLoss dsm(energy, {.sigmas = sigmas, .generator = &generator});
  const auto [mean, error] = loss_and_gradient_in_expectation(dsm, *energy, x, 400);
  CHECK(std::abs(mean[0] - 0.5 * (2.0 * 2 / sum_square - trace(compromise, 2))) < 5 * error[0]);
  for (std::size_t i = 1; i < mean.size(); ++i) {
    CAPTURE(i);
    CHECK(std::abs(mean[i]) < 5 * error[i]);
  }
  // Equal weights would give σ̄² = Σσ²/L = 0.13: not the minimiser of the σ²-weighted loss.
  const double equal_weights = sum_square / 2;
  auto unweighted = quadratic_with(s.m, inverse2({s.c[0] + equal_weights, s.c[1], s.c[2], s.c[3] + equal_weights}));
  DenoisingScoreMatchingLoss at_unweighted(unweighted, {.sigmas = sigmas, .generator = &generator});
  const auto [off_mean, off_error] = loss_and_gradient_in_expectation(at_unweighted, *unweighted, x, 400);
  CHECK(std::abs(off_mean[3]) > 5 * off_error[3]);
}

namespace {

/// The design document's validate_loss_gradients: the loss is a finite scalar and backward gives
/// a finite gradient to every parameter (the energy's and the loss's own), except those listed in
/// `unreached` (by index).
void validate_loss_gradients(Loss& loss, const Tensor& pos, const Tensor& neg = Tensor(),
                             const std::vector<std::size_t>& unreached = {}) {
  const auto [value, metrics] = loss(pos, neg);
  CHECK(value.numel() == 1);
  CHECK(std::isfinite(value.item()));
  CHECK(metrics.count("loss") == 1);
  const std::vector<Tensor> parameters = loss.parameters();
  for (Tensor parameter : parameters) parameter.zero_grad();
  value.backward();
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    CAPTURE(i);
    const bool expected = std::find(unreached.begin(), unreached.end(), i) == unreached.end();
    REQUIRE(parameters[i].grad().defined() == expected);
    if (expected) {
      for (double g : parameters[i].grad().to_vector()) CHECK(std::isfinite(g));
    }
  }
}

}  // namespace

TEST_CASE("every loss from make_loss gives a finite scalar and finite gradients to every parameter") {
  Generator generator(31);
  const Tensor pos = randn({64, 2}, generator);
  const Tensor neg = randn({64, 2}, generator);
  for (std::string_view name : loss_names()) {
    CAPTURE(name);
    auto mlp = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{2, 16, 16, 1}, nn::Activation::SiLU, generator);
    const auto loss = make_loss(name, mlp);
    // Score-based losses see E only through ∇ₓE, so the last bias (an additive constant in E)
    // gets no gradient: it is not identifiable from them.
    const bool score_based = name == "sm" || name == "dsm" || name == "ssm";
    validate_loss_gradients(*loss, pos, name == "mle" ? neg : Tensor(), score_based ? std::vector<std::size_t>{5} : std::vector<std::size_t>{});
    // The user-defined quadratic energy's parameters too.
    auto quadratic = std::make_shared<QuadraticEnergy>(std::vector<double>{0.1, 0.2}, std::vector<double>{1, 0, 0.5, 1}, 2);
    const auto quadratic_loss = make_loss(name, quadratic);
    validate_loss_gradients(*quadratic_loss, pos.to(DType::Float64), name == "mle" ? neg.to(DType::Float64) : Tensor());
  }
  CHECK_THROWS_WITH_AS(make_loss("kl", std::make_shared<energies::Harmonic>()),
                       doctest::Contains("unknown loss 'kl'; known: mle, cd, pcd, nce, sm, dsm, ssm"), std::invalid_argument);
}

TEST_CASE("exact score matching's parameter gradient (third order) agrees with finite differences") {
  const Tensor x = correlated_data(20, 41).to(DType::Float64);
  Generator generator(42);
  const Tensor w1 = (randn({3, 5}, generator, DType::Float64) * 0.5).requires_grad_();
  const Tensor b1 = randn({5}, generator, DType::Float64) * 0.1;
  const Tensor w2 = randn({5, 1}, generator, DType::Float64) * 0.5;
  /// A tanh MLP energy with W₁ given as the gradcheck input.
  class Network : public energies::EnergyFunction {
   public:
    Network(Tensor w1, Tensor b1, Tensor w2) : w1_(w1), b1_(b1), w2_(w2) {}
    Tensor energy(const Tensor& x) const override { return reshape(matmul(tanh(matmul(x, w1_) + b1_), w2_), {-1}); }
    std::vector<Tensor> parameters() const override { return {w1_}; }

   private:
    Tensor w1_, b1_, w2_;
  };
  std::string failure;
  CHECK_MESSAGE(gradcheck([&](const std::vector<Tensor>& inputs) {
                  ScoreMatchingLoss sm(std::make_shared<Network>(inputs[0], b1, w2));
                  return sm(x).loss;
                },
                {w1}, {.failure = &failure}),
                failure);
}

namespace {

/// A sampler that moves every chain by +1 and remembers where the chains started, so that each
/// negative can be traced to the buffer slot it came from.
class ShiftSampler : public samplers::Sampler {
 public:
  using Sampler::Sampler;
  Tensor sample(const Tensor& x0, int64_t /*n_steps*/, Generator& /*generator*/) override {
    starts = clone(x0);
    return x0 + 1.0;
  }
  Tensor starts;
};

/// The rows of a 2-D tensor.
std::vector<std::vector<double>> rows_of(const Tensor& x) {
  const std::vector<double> values = x.to_vector();
  std::vector<std::vector<double>> rows;
  for (int64_t i = 0; i < x.size(0); ++i) {
    rows.emplace_back(values.begin() + i * x.size(1), values.begin() + (i + 1) * x.size(1));
  }
  return rows;
}

/// The indices of `rows` equal to `row`.
std::vector<std::size_t> indices_of(const std::vector<std::vector<double>>& rows, const std::vector<double>& row) {
  std::vector<std::size_t> found;
  for (std::size_t s = 0; s < rows.size(); ++s) {
    if (rows[s] == row) found.push_back(s);
  }
  return found;
}

}  // namespace

TEST_CASE("persistent CD keeps chains in a replay buffer — negatives are available to the caller") {
  Generator generator(51);
  auto energy = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{2, 8, 1}, nn::Activation::SiLU, generator);
  auto shift = std::make_shared<ShiftSampler>(energy);
  // reinit_fraction = 0: every chain is drawn from the buffer, none restarted in the box.
  ContrastiveDivergenceLoss pcd(energy, {.sampler = shift, .persistent = true, .buffer_size = 100, .reinit_fraction = 0,
                                         .generator = &generator});
  const Tensor data = randn({32, 2}, generator) * 0.5 + 3.0;
  CHECK(pcd.replay_buffer() == nullptr);
  const auto first = pcd(data);
  REQUIRE(pcd.replay_buffer() != nullptr);
  const samplers::ReplayBuffer& buffer = *pcd.replay_buffer();
  CHECK(buffer.capacity() == 100);
  // The negatives are the sampler's output, the ones the loss scored.
  CHECK(pcd.last_negatives().to_vector() == (shift->starts + 1.0).to_vector());
  CHECK(first.metrics.at("neg_energy") == mean((*energy)(pcd.last_negatives())).item());

  // After the first call the buffer holds each negative once, and its 68 other slots their initial
  // states; those and the 32 drawn starts are the 100 initial states, uniform in the box
  // [min − m, max + m]² with m = 0.05(max − min) + 1e-6 over all coordinates of the first batch.
  const auto negatives = rows_of(pcd.last_negatives());
  auto initial = rows_of(shift->starts);
  for (const auto& row : rows_of(buffer.states())) {
    const std::size_t copies = indices_of(negatives, row).size();
    CHECK(copies <= 1);
    if (copies == 0) initial.push_back(row);
  }
  REQUIRE(initial.size() == 100);
  const std::vector<double> data_values = data.to_vector();
  const auto [lowest, highest] = std::minmax_element(data_values.begin(), data_values.end());
  const double margin = 0.05 * (*highest - *lowest) + 1e-6;
  const double low = *lowest - margin, high = *highest + margin;
  double smallest = INFINITY, largest = -INFINITY;
  for (const auto& row : initial) {
    for (double v : row) {
      CHECK(v >= low);
      CHECK(v <= high);
      smallest = std::min(smallest, v);
      largest = std::max(largest, v);
    }
  }
  // The box is the data's range widened by m on each side, not shrunk: each strip of width m outside
  // [min, max] holds about 200·m/(high − low) = 200/22 ≈ 9 of the 200 uniform draws and is left empty
  // with probability (1 − 1/22)²⁰⁰ ≈ 9e-5.
  CHECK(smallest < *lowest);
  CHECK(largest > *highest);

  // Second call: each chain starts from the state of one slot and its negative is written back
  // into that slot; every other slot is left as it was.
  const auto before = rows_of(buffer.states());
  pcd(data);
  const auto after = rows_of(buffer.states());
  const auto starts = rows_of(shift->starts);
  const auto second_negatives = rows_of(pcd.last_negatives());
  std::vector<bool> drawn(before.size(), false);
  int continued = 0;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    CAPTURE(i);
    const auto slots = indices_of(before, starts[i]);
    REQUIRE(slots.size() == 1);
    CHECK_FALSE(drawn[slots[0]]);  // distinct slots
    drawn[slots[0]] = true;
    CHECK(after[slots[0]] == second_negatives[i]);
    if (!indices_of(negatives, starts[i]).empty()) ++continued;
  }
  for (std::size_t s = 0; s < before.size(); ++s) {
    if (!drawn[s]) CHECK(after[s] == before[s]);
  }
  // Chains persist: some of the first call's negatives were drawn again and moved on (about 32·32/100).
  CHECK(continued > 0);
}

TEST_CASE("persistent CD with data_restart_fraction 1 starts every chain at its batch row") {
  Generator generator(52);
  auto energy = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{2, 8, 1}, nn::Activation::SiLU, generator);
  auto shift = std::make_shared<ShiftSampler>(energy);
  ContrastiveDivergenceLoss pcd(energy, {.sampler = shift, .persistent = true, .buffer_size = 100, .reinit_fraction = 0,
                                         .data_restart_fraction = 1, .generator = &generator});
  const Tensor data = randn({32, 2}, generator) + 3.0;
  pcd(data);
  CHECK(shift->starts.to_vector() == data.to_vector());
  CHECK(pcd.last_negatives().to_vector() == (data + 1.0).to_vector());
  // The advanced chains went back into the buffer: each negative is in one slot.
  const auto stored = rows_of(pcd.replay_buffer()->states());
  for (const auto& negative : rows_of(pcd.last_negatives())) CHECK(indices_of(stored, negative).size() == 1);
  // The two fractions are checked when the loss is built.
  CHECK_THROWS_WITH_AS(ContrastiveDivergenceLoss(energy, {.persistent = true, .reinit_fraction = 0.5, .data_restart_fraction = 0.6}),
                       doctest::Contains("add up to at most 1, got 0.500000 and 0.600000"), std::invalid_argument);
}

TEST_CASE("losses refuse bad input with clear messages — a non-finite loss is reported") {
  auto energy = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{2, 8, 1});
  const Tensor pos = randn({8, 2});
  MLELoss mle(energy);
  CHECK_THROWS_WITH_AS(mle(pos, randn({8, 3})), doctest::Contains("pos samples have D = 2 but neg samples have D = 3"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(mle(pos), doctest::Contains("needs negative samples"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(mle(zeros({0, 2}), pos), doctest::Contains("empty"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(mle(full({2, 2}, NAN), pos), doctest::Contains("NaN or infinite"), std::invalid_argument);
  DenoisingScoreMatchingLoss dsm(energy);
  CHECK_THROWS_WITH_AS(dsm(randn({8})), doctest::Contains("[N, D]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(DenoisingScoreMatchingLoss(energy, {.sigmas = {0.1, 0.0}}), doctest::Contains("σ"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(DenoisingScoreMatchingLoss(energy, {.sigmas = {}}), doctest::Contains("empty"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(NCELoss(energy, {.noise_ratio = 0}), doctest::Contains("noise_ratio"), std::invalid_argument);
  // neg without the distribution it was drawn from: refused, also after a call has fitted one.
  NCELoss fitted_nce(energy);
  CHECK_THROWS_WITH_AS(fitted_nce(pos, pos), doctest::Contains("no noise distribution"), std::invalid_argument);
  fitted_nce(pos);
  CHECK_THROWS_WITH_AS(fitted_nce(pos, pos), doctest::Contains("pass that distribution as NCEOptions::noise"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(SlicedScoreMatchingLoss(energy, {.n_projections = 0}), doctest::Contains("n_projections"), std::invalid_argument);
  auto other = std::make_shared<energies::Harmonic>();
  CHECK_THROWS_WITH_AS(ContrastiveDivergenceLoss(energy, {.sampler = std::make_shared<samplers::MALA>(other)}),
                       doctest::Contains("different energy"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(MLELoss(nullptr), doctest::Contains("null"), std::invalid_argument);

  /// An energy that overflows: E = exp(1000·x₁).
  class Overflowing : public energies::EnergyFunction {
   public:
    Tensor energy(const Tensor& x) const override { return exp(1000.0 * select(x, 1, 0)); }
  };
  MLELoss diverged(std::make_shared<Overflowing>());
  try {
    diverged(ones({2, 2}), zeros({2, 2}));
    FAIL("a non-finite loss must throw");
  } catch (const NonFiniteLoss& error) {
    CHECK(std::string(error.what()).find("MLELoss: the loss is not finite") != std::string::npos);
    CHECK(std::isinf(error.metrics.at("pos_energy")));
  }
}

TEST_CASE("Hutchinson's variance per probe: 2‖H‖²_F (Gaussian), 2Σ_{i≠j}H_ij² (Rademacher), 2D/(D+2)(‖H‖²_F − (tr H)²/D) (sphere)") {
  // The H of docs/figures.md, whose chart sets these closed forms against measurements.
  const int64_t d = 3, repetitions = 20000;
  const Tensor h = tensor({2, 0.8, 0.3, 0.8, 1, 0.5, 0.3, 0.5, 1.5}, {d, d}, DType::Float64);
  const double frobenius = 4 + 0.64 * 2 + 0.09 * 2 + 1 + 0.25 * 2 + 2.25, trace = 4.5;
  const double gaussian = 2 * frobenius, rademacher = 2 * (0.64 * 2 + 0.09 * 2 + 0.25 * 2),
               sphere = 2.0 * 3 / 5 * (frobenius - trace * trace / 3);
  CHECK(gaussian == doctest::Approx(18.42));
  CHECK(rademacher == doctest::Approx(3.92));
  CHECK(sphere == doctest::Approx(2.952));
  Generator generator(21);
  const Tensor points = zeros({repetitions, d}, DType::Float64);
  for (const auto& [projection, expected] : std::vector<std::pair<Projection, double>>{
           {Projection::Gaussian, gaussian}, {Projection::Rademacher, rademacher}, {Projection::Sphere, sphere}}) {
    CAPTURE(expected);
    const Tensor v = select(draw_projections(points, 1, projection, generator), 0, 0);  // [R, D]
    const std::vector<double> forms = sum(matmul(v, h) * v, 1).to_vector();     // vᵀHv
    double mean = 0, variance = 0;
    for (double q : forms) mean += q / static_cast<double>(repetitions);
    for (double q : forms) variance += (q - mean) * (q - mean) / static_cast<double>(repetitions - 1);
    CHECK(mean == doctest::Approx(trace).epsilon(0.05));
    // The sample variance of a quadratic form has a heavy tail: 15% is about 5 standard errors here.
    CHECK(variance == doctest::Approx(expected).epsilon(0.15));
  }
}
