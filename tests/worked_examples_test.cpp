// docs/worked_examples.md, pinned: every objective and every sampler on the quadratic energy
// E(x) = ½(x − μ)ᵀP(x − μ), P = LLᵀ, with every intermediate value computed twice, by the
// library and by hand in plain doubles, and compared with the value the document prints.
// EBM_PRINT_WORKED_EXAMPLES=1 prints the document's tables from the library's values.
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <numbers>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "test_support.hpp"

namespace {

using namespace ebm;
using namespace ebm::losses;
using namespace ebm::samplers;
using ebm::testing::QuadraticEnergy;
using Point = std::array<double, 2>;

// The setup every example shares (docs/worked_examples.md, "Setup").
const std::vector<double> kMu = {0.5, -0.5};
const std::vector<double> kL = {1, 0, 0.5, 1};  // row-major; P = LLᵀ = [[1, 0.5], [0.5, 1.25]]
const Point kX1 = {1, 0}, kX2 = {0, 1};

std::shared_ptr<QuadraticEnergy> quadratic() { return std::make_shared<QuadraticEnergy>(kMu, kL, 2); }
Tensor data() { return tensor({kX1[0], kX1[1], kX2[0], kX2[1]}, {2, 2}, DType::Float64); }
Tensor one_point() { return tensor({kX1[0], kX1[1]}, {1, 2}, DType::Float64); }

// By hand.
const double kP[2][2] = {{1, 0.5}, {0.5, 1.25}};
Point precision_times(const Point& v) { return {kP[0][0] * v[0] + kP[0][1] * v[1], kP[1][0] * v[0] + kP[1][1] * v[1]}; }
Point minus_mu(const Point& x) { return {x[0] - kMu[0], x[1] - kMu[1]}; }
Point gradient_by_hand(const Point& x) { return precision_times(minus_mu(x)); }
double dot(const Point& a, const Point& b) { return a[0] * b[0] + a[1] * b[1]; }
double energy_by_hand(const Point& x) { return 0.5 * dot(minus_mu(x), gradient_by_hand(x)); }
double quadratic_form(const Point& v) { return dot(v, precision_times(v)); }
Point row(const std::vector<double>& values, std::size_t i) { return {values[2 * i], values[2 * i + 1]}; }
Point axpy(const Point& x, double a, const Point& y) { return {x[0] + a * y[0], x[1] + a * y[1]}; }

/// One example's named values, in the document's order.
struct Example {
  std::string id;
  std::vector<std::pair<std::string, std::vector<double>>> values;
  void add(const std::string& name, std::vector<double> value) { values.emplace_back(name, std::move(value)); }
  void add(const std::string& name, double value) { add(name, std::vector<double>{value}); }
  void add(const std::string& name, const Point& value) { add(name, std::vector<double>(value.begin(), value.end())); }
};

void check_point(const std::vector<double>& library, const Point& by_hand) {
  REQUIRE(library.size() == 2);
  CHECK(library[0] == doctest::Approx(by_hand[0]).epsilon(1e-12));
  CHECK(library[1] == doctest::Approx(by_hand[1]).epsilon(1e-12));
}

Example score_matching() {
  Example example{"sm", {}};
  auto energy = quadratic();
  const Tensor x = data();
  const std::vector<double> gradient = energy->gradient(x).to_vector();
  ScoreMatchingLoss loss(energy);
  const LossOutput output = loss(x);
  output.loss.backward();
  double norms = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    const Point point = i == 0 ? kX1 : kX2;
    const std::string label = i == 0 ? "₁" : "₂";
    check_point(std::vector<double>{gradient[2 * i], gradient[2 * i + 1]}, gradient_by_hand(point));
    example.add("x" + label + " − μ", minus_mu(point));
    example.add("∇E(x" + label + ") = P(x" + label + " − μ)", row(gradient, i));
    const double half_norm = 0.5 * dot(row(gradient, i), row(gradient, i));
    example.add("½‖∇E(x" + label + ")‖²", half_norm);
    norms += half_norm / 2;
  }
  const double trace = kP[0][0] + kP[1][1];
  for (double laplacian : energy->laplacian(x).to_vector()) CHECK(laplacian == doctest::Approx(trace).epsilon(1e-12));
  example.add("ΔE = tr P", trace);
  CHECK(output.metrics.at("score_norm") == doctest::Approx(norms).epsilon(1e-12));
  CHECK(output.loss.item() == doctest::Approx(norms - trace).epsilon(1e-12));
  example.add("J = mean ½‖∇E‖² − ΔE", output.loss.item());
  // ∂J/∂μ = mean −P·∇E = −P·mean ∇E (ΔE does not depend on μ).
  const Point mean_gradient = {(gradient[0] + gradient[2]) / 2, (gradient[1] + gradient[3]) / 2};
  const Point by_hand = precision_times(mean_gradient);
  check_point(energy->parameters()[0].grad().to_vector(), {-by_hand[0], -by_hand[1]});
  example.add("∂J/∂μ = −P·mean ∇E", energy->parameters()[0].grad().to_vector());
  return example;
}

Example hutchinson() {
  Example example{"hutchinson", {}};
  auto energy = quadratic();
  const Tensor x = data();
  Generator generator(1), replay(1);
  const std::vector<double> probes = draw_projections(x, 1, Projection::Rademacher, replay).to_vector();
  ScoreMatchingLoss loss(energy, {.method = TraceMethod::Hutchinson, .n_probes = 1, .probe = Projection::Rademacher, .generator = &generator});
  const LossOutput output = loss(x);
  double estimate = 0, norms = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string label = i == 0 ? "₁" : "₂";
    const Point v = row(probes, i);
    example.add("v" + label, v);
    example.add("v" + label + "ᵀPv" + label, quadratic_form(v));
    estimate += quadratic_form(v) / 2;
    norms += 0.5 * dot(gradient_by_hand(i == 0 ? kX1 : kX2), gradient_by_hand(i == 0 ? kX1 : kX2)) / 2;
  }
  CHECK(output.metrics.at("hessian_trace") == doctest::Approx(estimate).epsilon(1e-12));
  example.add("mean vᵀPv (estimates tr P = 2.25)", output.metrics.at("hessian_trace"));
  CHECK(output.loss.item() == doctest::Approx(norms - estimate).epsilon(1e-12));
  example.add("J = mean ½‖∇E‖² − mean vᵀPv", output.loss.item());
  return example;
}

Example sliced_score_matching() {
  Example example{"ssm", {}};
  auto energy = quadratic();
  const Tensor x = data();
  Generator generator(2), replay(2);
  const std::vector<double> directions = draw_projections(x, 1, Projection::Gaussian, replay).to_vector();
  SlicedScoreMatchingLoss loss(energy, {.n_projections = 1, .projection = Projection::Gaussian, .generator = &generator});
  const LossOutput output = loss(x);
  double squares = 0, forms = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string label = i == 0 ? "₁" : "₂";
    const Point v = row(directions, i);
    const double projected = dot(v, gradient_by_hand(i == 0 ? kX1 : kX2));
    example.add("v" + label, v);
    example.add("v" + label + "ᵀ∇E(x" + label + ")", projected);
    example.add("½(v" + label + "ᵀ∇E)²", 0.5 * projected * projected);
    example.add("v" + label + "ᵀPv" + label, quadratic_form(v));
    squares += 0.25 * projected * projected;
    forms += quadratic_form(v) / 2;
  }
  CHECK(output.metrics.at("score_norm") == doctest::Approx(squares).epsilon(1e-12));
  CHECK(output.metrics.at("hessian_projection") == doctest::Approx(forms).epsilon(1e-12));
  CHECK(output.loss.item() == doctest::Approx(squares - forms).epsilon(1e-12));
  example.add("J = mean ½(vᵀ∇E)² − mean vᵀPv", output.loss.item());
  return example;
}

Example denoising_score_matching() {
  Example example{"dsm", {}};
  auto energy = quadratic();
  const Tensor x = data();
  const double sigma = 0.5;
  Generator generator(3), replay(3);
  const std::vector<double> epsilon = randn_like(x, replay).to_vector();
  DenoisingScoreMatchingLoss loss(energy, {.sigmas = {sigma}, .generator = &generator});
  const LossOutput output = loss(x);
  double total = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string label = i == 0 ? "₁" : "₂";
    const Point e = row(epsilon, i);
    const Point noisy = axpy(i == 0 ? kX1 : kX2, sigma, e);
    const Point g = gradient_by_hand(noisy);
    const Point target = {e[0] / sigma, e[1] / sigma};
    const Point residual = axpy(g, -1, target);
    example.add("ε" + label, e);
    example.add("x̃" + label + " = x" + label + " + σε" + label, noisy);
    example.add("∇E(x̃" + label + ")", g);
    example.add("ε" + label + "/σ", target);
    example.add("r" + label + " = ∇E(x̃" + label + ") − ε" + label + "/σ", residual);
    example.add("½‖r" + label + "‖²", 0.5 * dot(residual, residual));
    total += 0.25 * dot(residual, residual);
  }
  CHECK(output.loss.item() == doctest::Approx(total).epsilon(1e-12));
  example.add("J = mean ½‖r‖²", output.loss.item());
  return example;
}

Example noise_contrastive_estimation() {
  Example example{"nce", {}};
  auto energy = quadratic();
  const Tensor x = data();
  const Point u1 = {0, 0}, u2 = {2, -1};
  const Tensor neg = tensor({u1[0], u1[1], u2[0], u2[1]}, {2, 2}, DType::Float64);
  auto noise = std::make_shared<DiagonalGaussianNoise>(zeros({2}, DType::Float64), ones({2}, DType::Float64));
  NCELoss loss(energy, {.noise = noise, .noise_ratio = 1.0});
  const LossOutput output = loss(x, neg);
  const auto log_noise = [](const Point& u) { return -0.5 * dot(u, u) - std::log(2 * std::numbers::pi); };
  const auto softplus = [](double z) { return std::log1p(std::exp(z)); };
  double data_term = 0, noise_term = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const bool is_data = i < 2;
    const Point u = i == 0 ? kX1 : i == 1 ? kX2 : i == 2 ? u1 : u2;
    const std::string name = is_data ? std::string("x") + (i == 0 ? "₁" : "₂") : std::string("u") + (i == 2 ? "₁" : "₂");
    const double log_z = 0, nu = 1;
    const double h = -energy_by_hand(u) - log_z - log_noise(u) - std::log(nu);
    example.add("E(" + name + ")", energy_by_hand(u));
    example.add("log p_n(" + name + ")", log_noise(u));
    example.add("h(" + name + ")", h);
    if (is_data) data_term += softplus(-h) / 2;
    else noise_term += softplus(h) / 2;
  }
  CHECK(output.metrics.at("pos_loss") == doctest::Approx(data_term).epsilon(1e-12));
  CHECK(output.metrics.at("neg_loss") == doctest::Approx(noise_term).epsilon(1e-12));
  example.add("mean softplus(−h(x))", output.metrics.at("pos_loss"));
  example.add("ν·mean softplus(h(u))", output.metrics.at("neg_loss"));
  CHECK(output.loss.item() == doctest::Approx(data_term + noise_term).epsilon(1e-12));
  example.add("J", output.loss.item());
  return example;
}

Example contrastive_divergence() {
  Example example{"cd", {}};
  auto energy = quadratic();
  const Tensor x = data();
  const Point n1 = {0, 0}, n2 = {2, -1};
  const Tensor neg = tensor({n1[0], n1[1], n2[0], n2[1]}, {2, 2}, DType::Float64);
  ContrastiveDivergenceLoss loss(energy, {.energy_regularization = 0.1});
  const LossOutput output = loss(x, neg);
  const double positive = (energy_by_hand(kX1) + energy_by_hand(kX2)) / 2, negative = (energy_by_hand(n1) + energy_by_hand(n2)) / 2;
  const double magnitude = (std::pow(energy_by_hand(kX1), 2) + std::pow(energy_by_hand(kX2), 2)) / 2 +
                           (std::pow(energy_by_hand(n1), 2) + std::pow(energy_by_hand(n2), 2)) / 2;
  example.add("E(x₁), E(x₂)", std::vector<double>{energy_by_hand(kX1), energy_by_hand(kX2)});
  example.add("E(x⁻₁), E(x⁻₂)", std::vector<double>{energy_by_hand(n1), energy_by_hand(n2)});
  CHECK(output.metrics.at("pos_energy") == doctest::Approx(positive).epsilon(1e-12));
  CHECK(output.metrics.at("neg_energy") == doctest::Approx(negative).epsilon(1e-12));
  CHECK(output.metrics.at("energy_reg") == doctest::Approx(magnitude).epsilon(1e-12));
  example.add("mean E⁺", output.metrics.at("pos_energy"));
  example.add("mean E⁻", output.metrics.at("neg_energy"));
  example.add("mean E⁺² + mean E⁻²", output.metrics.at("energy_reg"));
  CHECK(output.loss.item() == doctest::Approx(positive - negative + 0.1 * magnitude).epsilon(1e-12));
  example.add("J = mean E⁺ − mean E⁻ + 0.1·(mean E⁺² + mean E⁻²)", output.loss.item());
  return example;
}

Example maximum_likelihood() {
  Example example{"mle", {}};
  auto energy = quadratic();
  const Tensor x = data();
  const Point n1 = {0, 0}, n2 = {2, -1};
  MLELoss loss(energy);
  const LossOutput output = loss(x, tensor({n1[0], n1[1], n2[0], n2[1]}, {2, 2}, DType::Float64));
  output.loss.backward();
  const double positive = (energy_by_hand(kX1) + energy_by_hand(kX2)) / 2, negative = (energy_by_hand(n1) + energy_by_hand(n2)) / 2;
  CHECK(output.loss.item() == doctest::Approx(positive - negative).epsilon(1e-12));
  example.add("J = mean E(x⁺) − mean E(x⁻)", output.loss.item());
  // ∂J/∂μ = mean −P(x⁺ − μ) − mean −P(x⁻ − μ) = P(mean x⁻ − mean x⁺).
  const Point difference = {(n1[0] + n2[0] - kX1[0] - kX2[0]) / 2, (n1[1] + n2[1] - kX1[1] - kX2[1]) / 2};
  check_point(energy->parameters()[0].grad().to_vector(), precision_times(difference));
  example.add("∂J/∂μ = P(mean x⁻ − mean x⁺)", energy->parameters()[0].grad().to_vector());
  return example;
}

Example unadjusted_langevin() {
  Example example{"ula", {}};
  const double eta = 0.1;
  Generator generator(4), replay(4);
  LangevinDynamics langevin(quadratic(), {.step_size = eta});
  const std::vector<double> next = langevin.sample(one_point(), 1, generator).to_vector();
  const Point xi = row(randn_like(one_point(), replay).to_vector(), 0);
  const Point g = gradient_by_hand(kX1);
  const Point by_hand = axpy(axpy(kX1, -eta, g), std::sqrt(2 * eta), xi);
  check_point(next, by_hand);
  example.add("∇E(x₀)", g);
  example.add("ξ", xi);
  example.add("x₁ = x₀ − η∇E(x₀) + √(2η)ξ", next);
  return example;
}

Example metropolis_adjusted_langevin() {
  Example example{"mala", {}};
  const double eta = 0.1;
  Generator generator(5), replay(5);
  MALA mala(quadratic(), {.step_size = eta});
  const std::vector<double> next = mala.sample(one_point(), 1, generator).to_vector();
  const Point xi = row(randn_like(one_point(), replay).to_vector(), 0);
  const double u = rand({1}, replay, DType::Float64).item();
  const Point gx = gradient_by_hand(kX1);
  const Point y = axpy(axpy(kX1, -eta, gx), std::sqrt(2 * eta), xi);
  const Point gy = gradient_by_hand(y);
  // log q(a ← b) = −‖a − b + η∇E(b)‖²/(4η) + const: the density of proposing a from b.
  const auto log_proposal = [&](const Point& a, const Point& b, const Point& gradient_b) {
    const Point d = axpy(axpy(a, -1, b), eta, gradient_b);
    return -dot(d, d) / (4 * eta);
  };
  const double log_ratio = energy_by_hand(kX1) - energy_by_hand(y) + log_proposal(kX1, y, gy) - log_proposal(y, kX1, gx);
  const bool accepted = std::log(u) < log_ratio;
  check_point(next, accepted ? y : kX1);
  example.add("ξ", xi);
  example.add("y = x₀ − η∇E(x₀) + √(2η)ξ", y);
  example.add("E(x₀), E(y)", std::vector<double>{energy_by_hand(kX1), energy_by_hand(y)});
  example.add("log α = E(x₀) − E(y) + log q(x₀ ← y) − log q(y ← x₀)", log_ratio);
  example.add("u", u);
  example.add("accepted (log u < log α)", accepted ? 1.0 : 0.0);
  example.add("x₁", next);
  return example;
}

Example hamiltonian_monte_carlo() {
  Example example{"hmc", {}};
  const double epsilon = 0.2;
  Generator generator(6), replay(6);
  HamiltonianMonteCarlo hmc(quadratic(), {.step_size = epsilon, .n_leapfrog = 2});
  const std::vector<double> next = hmc.sample(one_point(), 1, generator).to_vector();
  const Point p0 = row(randn_like(one_point(), replay).to_vector(), 0);
  const double u = rand({1}, replay, DType::Float64).item();
  example.add("p₀ ~ N(0, I)", p0);
  Point q = kX1, p = axpy(p0, -epsilon / 2, gradient_by_hand(kX1));
  example.add("p after the first half kick, p₀ − (ε/2)∇E(x₀)", p);
  for (int step = 1; step <= 2; ++step) {
    q = axpy(q, epsilon, p);
    p = axpy(p, step < 2 ? -epsilon : -epsilon / 2, gradient_by_hand(q));
    example.add("leapfrog step " + std::to_string(step) + ": q", q);
    example.add("leapfrog step " + std::to_string(step) + ": p", p);
  }
  const double start = energy_by_hand(kX1) + 0.5 * dot(p0, p0), end = energy_by_hand(q) + 0.5 * dot(p, p);
  const bool accepted = std::log(u) < start - end;
  check_point(next, accepted ? q : kX1);
  example.add("H(x₀, p₀) = E + ½‖p‖²", start);
  example.add("H(q, p)", end);
  example.add("u", u);
  example.add("accepted (log u < H(x₀, p₀) − H(q, p))", accepted ? 1.0 : 0.0);
  example.add("x₁", next);
  return example;
}

Example annealed_langevin() {
  Example example{"annealed", {}};
  const std::vector<double> sigmas = {1.0, 0.5};
  const double epsilon = 0.1;
  Generator generator(7), replay(7);
  AnnealedLangevin annealed(quadratic(), {.sigmas = sigmas, .step_size = epsilon, .steps_per_level = 1});
  const std::vector<double> next = annealed.sample(one_point(), generator).to_vector();
  Point x = kX1;
  for (std::size_t level = 0; level < 2; ++level) {
    const double alpha = epsilon * sigmas[level] * sigmas[level] / (sigmas.back() * sigmas.back());
    const Point xi = row(randn_like(one_point(), replay).to_vector(), 0);
    const std::string label = level == 0 ? "₁" : "₂", previous = level == 0 ? "₀" : "₁";
    CHECK(annealed.level_step_size(level) == doctest::Approx(alpha));
    example.add("α" + label + " = ε·σ" + label + "²/σ₂²", alpha);
    example.add("ξ" + label, xi);
    x = axpy(axpy(x, -alpha / 2, gradient_by_hand(x)), std::sqrt(alpha), xi);
    example.add("x" + label + " = x" + previous + " − (α" + label + "/2)∇E(x" + previous + ") + √α" + label + "·ξ" + label, x);
  }
  check_point(next, x);
  return example;
}

std::vector<Example> all_examples() {
  return {score_matching(), hutchinson(), sliced_score_matching(), denoising_score_matching(),
          noise_contrastive_estimation(), contrastive_divergence(), maximum_likelihood(), unadjusted_langevin(),
          metropolis_adjusted_langevin(), hamiltonian_monte_carlo(), annealed_langevin()};
}

std::string format_value(const std::vector<double>& value) {
  std::string text;
  for (double v : value) {
    char number[32];
    std::snprintf(number, sizeof number, "%.6g", v);
    text += (text.empty() ? "" : ", ") + std::string(number);
  }
  return value.size() > 1 ? "(" + text + ")" : text;
}

/// A document's values: for each `### id` section, each table row "| `name` | value |".
std::map<std::string, std::map<std::string, std::string>> document_values(const std::string& document) {
  std::ifstream file(std::string(EBM_SOURCE_DIR "/docs/") + document);
  REQUIRE(file.good());
  std::map<std::string, std::map<std::string, std::string>> values;
  std::string section, line;
  while (std::getline(file, line)) {
    if (line.rfind("### ", 0) == 0) {
      section = line.substr(4, line.find(' ', 4) - 4);
      continue;
    }
    if (line.rfind("| `", 0) != 0) continue;
    const auto name_end = line.find("` |", 3);
    if (name_end == std::string::npos) continue;
    const auto value_end = line.find(" |", name_end + 3);
    values[section][line.substr(3, name_end - 3)] = line.substr(name_end + 4, value_end - name_end - 4);
  }
  return values;
}

/// Checks that `document` shows exactly the examples' values; prints its tables when
/// EBM_PRINT_WORKED_EXAMPLES is set.
void check_document(const std::string& document, const std::vector<Example>& examples) {
  if (std::getenv("EBM_PRINT_WORKED_EXAMPLES") != nullptr) {
    for (const Example& example : examples) {
      std::printf("### %s\n\n| quantity | value |\n|---|---|\n", example.id.c_str());
      for (const auto& [name, value] : example.values) std::printf("| `%s` | %s |\n", name.c_str(), format_value(value).c_str());
      std::printf("\n");
    }
  }
  const auto documented = document_values(document);
  for (const Example& example : examples) {
    CAPTURE(example.id);
    REQUIRE(documented.count(example.id) == 1);
    const auto& table = documented.at(example.id);
    CHECK(table.size() == example.values.size());
    for (const auto& [name, value] : example.values) {
      CAPTURE(name);
      REQUIRE(table.count(name) == 1);
      CHECK(table.at(name) == format_value(value));
    }
  }
}

/// E_θ(x) = θx²/2 in one dimension, θ learnable: s_θ = −θx, ΔE = θ.
class OneDimensionalQuadratic : public energies::EnergyFunction {
 public:
  explicit OneDimensionalQuadratic(double theta) : theta_(tensor({theta}, {1}, DType::Float64).requires_grad_()) {}
  Tensor energy(const Tensor& x) const override { return 0.5 * theta_ * sum(square(x), 1); }
  std::vector<Tensor> parameters() const override { return {theta_}; }

 private:
  Tensor theta_;
};

uint32_t highest_order(const std::vector<TracedOp>& ops) {
  uint32_t highest = 0;
  for (const TracedOp& op : ops) highest = std::max(highest, op.derivative_order);
  return highest;
}

}  // namespace

TEST_CASE("worked examples: every value in docs/worked_examples.md is the library's, and matches the hand computation") {
  check_document("worked_examples.md", all_examples());
}

TEST_CASE("score matching from scratch: every number in docs/score_matching_from_scratch.md, computed") {
  std::vector<Example> examples;

  // 1. Integration by parts in one dimension, on the data ±0.5, ±1.5 (second moment m₂ = 1.25).
  {
    Example example{"one-dimension", {}};
    const Tensor x = tensor({-1.5, -0.5, 0.5, 1.5}, {4, 1}, DType::Float64);
    const double m2 = 1.25, theta = 2;
    auto energy = std::make_shared<OneDimensionalQuadratic>(theta);
    ScoreMatchingLoss loss(energy);
    const LossOutput output = loss(x);
    output.loss.backward();
    CHECK(output.metrics.at("score_norm") == doctest::Approx(0.5 * theta * theta * m2).epsilon(1e-12));
    CHECK(output.metrics.at("hessian_trace") == doctest::Approx(theta).epsilon(1e-12));
    CHECK(output.loss.item() == doctest::Approx(0.5 * theta * theta * m2 - theta).epsilon(1e-12));
    CHECK(energy->parameters()[0].grad().item() == doctest::Approx(theta * m2 - 1).epsilon(1e-12));
    example.add("½ mean (θx)² = ½θ²m₂", output.metrics.at("score_norm"));
    example.add("ΔE = θ", output.metrics.at("hessian_trace"));
    example.add("J(2)", output.loss.item());
    example.add("∂J/∂θ = θm₂ − 1", energy->parameters()[0].grad().item());
    // Gradient descent on θ: J(θ) = ½θ²m₂ − θ is minimised at θ* = 1/m₂.
    optim::SGD sgd(energy->parameters(), {.lr = 0.5});
    for (int step = 0; step < 100; ++step) {
      sgd.zero_grad();
      loss(x).loss.backward();
      sgd.step();
    }
    CHECK(energy->parameters()[0].item() == doctest::Approx(1 / m2).epsilon(1e-12));
    example.add("θ after 100 steps of gradient descent (1/m₂)", energy->parameters()[0].item());
    examples.push_back(example);
  }

  // 2. The tape growing: E, then ∇E, then ΔE, then ∂J/∂θ, on an MLP 2-8-8-1 (SiLU) at 4 points.
  {
    Example example{"tape", {}};
    Generator generator(0);
    auto energy = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{2, 8, 8, 1}, nn::Activation::SiLU, generator,
                                                        DType::Float64);
    const Tensor x = randn({4, 2}, generator, DType::Float64).requires_grad_();
    std::vector<TracedOp> e_ops, gradient_ops, laplacian_ops;
    Tensor e, g, laplacian;
    {
      TraceScope scope;
      e = (*energy)(x);
      e_ops = scope.trace().ops;
    }
    {
      TraceScope scope;
      g = grad(sum(e), {x}, {.create_graph = true})[0];
      gradient_ops = scope.trace().ops;
    }
    {
      TraceScope scope;
      laplacian = energies::jacobian_trace(g, x, true);
      laplacian_ops = scope.trace().ops;
    }
    const Tensor j = mean(0.5 * sum(square(g), 1) - laplacian);
    Trace final_backward;
    {
      TraceScope scope;
      j.backward();
      final_backward = scope.trace();
    }
    CHECK(highest_order(e_ops) == 0);
    CHECK(highest_order(gradient_ops) == 1);
    CHECK(highest_order(laplacian_ops) == 2);
    uint32_t final_order = 0;
    for (const AppliedRule& rule : final_backward.rules) final_order = std::max(final_order, rule.derivative_order);
    CHECK(final_order == 3);
    example.add("ops recorded by E(x) (order 0)", static_cast<double>(e_ops.size()));
    example.add("ops recorded by ∇ₓE with create_graph (order 1)", static_cast<double>(gradient_ops.size()));
    example.add("ops recorded by ΔE, 2 backward passes over ∇E (order 2)", static_cast<double>(laplacian_ops.size()));
    example.add("derivative rules run by backward(J)", static_cast<double>(final_backward.rules.size()));
    example.add("highest order of the gradients backward(J) makes", static_cast<double>(final_order));
    examples.push_back(example);
  }

  // 3. A ReLU network: ΔE = 0 wherever it is differentiable, so J = mean ½‖∇E‖², minimised by a
  //    flat energy.
  {
    Example example{"relu", {}};
    Generator generator(1);
    auto energy = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{2, 16, 16, 1}, nn::Activation::ReLU, generator,
                                                        DType::Float64);
    const Tensor x = randn({64, 2}, generator, DType::Float64) * 0.5 + 1.0;
    for (double value : energy->laplacian(x).to_vector()) CHECK(value == 0);
    ScoreMatchingLoss loss(energy);
    const LossOutput before = loss(x);
    CHECK(before.metrics.at("hessian_trace") == 0);
    optim::Adam adam(energy->parameters(), {.lr = 1e-2});
    double score_norm = 0;
    for (int step = 0; step < 300; ++step) {
      adam.zero_grad();
      const LossOutput output = loss(x);
      score_norm = output.metrics.at("score_norm");
      output.loss.backward();
      adam.step();
    }
    CHECK(score_norm < 1e-3 * before.metrics.at("score_norm"));
    example.add("mean ΔE of the ReLU network at 64 points", before.metrics.at("hessian_trace"));
    char rounded[32];
    std::snprintf(rounded, sizeof rounded, "%.3g", before.metrics.at("score_norm"));
    example.add("mean ½‖∇E‖² before training, to 3 digits", std::stod(rounded));
    example.add("after 300 Adam steps: below 0.001 × that", score_norm < 1e-3 * before.metrics.at("score_norm") ? 1.0 : 0.0);
    examples.push_back(example);
  }

  // 4. The check against the closed form for a Gaussian: data N(m, C) exactly (four points with
  //    mean m and covariance C), the quadratic with P = C⁻¹ and μ = m gives J = ½tr P − tr P = −½tr P.
  {
    Example example{"gaussian", {}};
    // Points m ± √2·(columns of C^½) with C = diag(1, 0.25): mean m = (1, 2), covariance C (divided by N).
    const Tensor x = tensor({1 + std::sqrt(2.0), 2, 1 - std::sqrt(2.0), 2, 1, 2 + std::sqrt(2.0) * 0.5, 1, 2 - std::sqrt(2.0) * 0.5},
                            {4, 2}, DType::Float64);
    auto fitted = std::make_shared<QuadraticEnergy>(std::vector<double>{1, 2}, std::vector<double>{1, 0, 0, 2}, 2);  // P = diag(1, 4) = C⁻¹
    auto other = std::make_shared<QuadraticEnergy>(std::vector<double>{1, 2}, std::vector<double>{1, 0, 0, 1}, 2);   // P = I
    const double at_optimum = ScoreMatchingLoss(fitted)(x).loss.item();
    const double elsewhere = ScoreMatchingLoss(other)(x).loss.item();
    CHECK(at_optimum == doctest::Approx(-0.5 * 5).epsilon(1e-12));             // −½ tr C⁻¹
    CHECK(elsewhere == doctest::Approx(0.5 * (1 + 0.25) - 2).epsilon(1e-12));  // ½ tr C − tr I
    CHECK(at_optimum < elsewhere);
    example.add("J at P = C⁻¹ = diag(1, 4): −½ tr C⁻¹", at_optimum);
    example.add("J at P = I: ½ tr C − 2", elsewhere);
    examples.push_back(example);
  }
  check_document("score_matching_from_scratch.md", examples);
}
