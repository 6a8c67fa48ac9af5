// Every built-in energy against its closed-form value, gradient and Laplacian (float64), and a
// user-defined energy trained end to end.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <numbers>

#include "test_support.hpp"

namespace {

using namespace ebm;
using namespace ebm::energies;
using ebm::testing::max_relative_error;
using ebm::testing::sample_input;

using Point = std::vector<double>;

/// Closed forms at one point: E, ∇E and ΔE.
struct ClosedForm {
  std::function<double(const Point&)> value;
  std::function<Point(const Point&)> gradient;
  std::function<double(const Point&)> laplacian;
};

/// The D unit vectors as directions for each of the n points: [D, n, D] with e_d at [d, i, :].
Tensor unit_directions(int64_t n, int64_t d) {
  std::vector<double> values(static_cast<std::size_t>(d * n * d), 0.0);
  for (int64_t k = 0; k < d; ++k) {
    for (int64_t i = 0; i < n; ++i) values[static_cast<std::size_t>((k * n + i) * d + k)] = 1.0;
  }
  return tensor(values, {d, n, d}, DType::Float64);
}

/// Compares energy, gradient and laplacian of `energy` on the rows of x with the closed forms; along
/// the unit vectors the directional derivatives are ∇E's entries and their second ones sum to ΔE.
void check_against(const EnergyFunction& energy, const Tensor& x, const ClosedForm& closed, double tolerance = 1e-10) {
  const int64_t n = x.size(0);
  const int64_t d = x.size(1);
  const std::vector<double> flat = x.to_vector();
  std::vector<double> values, gradients, laplacians;
  for (int64_t i = 0; i < n; ++i) {
    const Point p(flat.begin() + i * d, flat.begin() + (i + 1) * d);
    values.push_back(closed.value(p));
    const Point g = closed.gradient(p);
    gradients.insert(gradients.end(), g.begin(), g.end());
    laplacians.push_back(closed.laplacian(p));
  }
  CHECK(max_relative_error(energy(x).to_vector(), values) < tolerance);
  const Tensor gradient = energy.gradient(x);
  CHECK(gradient.shape() == x.shape());
  CHECK(max_relative_error(gradient.to_vector(), gradients) < tolerance);
  CHECK(max_relative_error(energy.score(x).to_vector(), (-1.0 * tensor(gradients, x.shape(), DType::Float64)).to_vector()) < tolerance);
  CHECK(max_relative_error(energy.laplacian(x).to_vector(), laplacians) < tolerance);
  for (double g : gradient.to_vector()) CHECK(std::isfinite(g));
  const auto [first, second] = energy.directional_derivatives(x, unit_directions(n, d));
  CHECK(first.shape() == Shape{d, n});
  CHECK(max_relative_error(transpose(first).to_vector(), gradients) < tolerance);
  CHECK(max_relative_error(second.to_vector(), laplacians) < tolerance);
}

double sum_of(const Point& p, const std::function<double(double)>& f) {
  double s = 0;
  for (double v : p) s += f(v);
  return s;
}

Point map_of(const Point& p, const std::function<double(double)>& f) {
  Point out;
  for (double v : p) out.push_back(f(v));
  return out;
}

/// The parameter gradients of one objective computed two ways (a forward propagation and backward
/// passes) agree to 1e-10. A parameter neither reaches counts as zero (ReLU's derivatives do not
/// depend on the biases before the last layer); the last bias shifts E only and reaches neither.
void check_same_parameter_gradients(const Tensor& through_forward, const Tensor& through_backward,
                                    const std::vector<Tensor>& parameters) {
  const auto forward_gradients = grad(through_forward, parameters, {.allow_unused = true});
  const auto backward_gradients = grad(through_backward, parameters, {.allow_unused = true});
  const auto values = [](const Tensor& gradient, const Tensor& parameter) {
    return gradient.defined() ? gradient.to_vector() : std::vector<double>(static_cast<std::size_t>(parameter.numel()), 0.0);
  };
  for (std::size_t i = 0; i + 1 < parameters.size(); ++i) {
    CAPTURE(i);
    CHECK(max_relative_error(values(forward_gradients[i], parameters[i]), values(backward_gradients[i], parameters[i])) < 1e-10);
  }
  CHECK_FALSE(forward_gradients.back().defined());
  CHECK_FALSE(backward_gradients.back().defined());
}

}  // namespace

TEST_CASE("Gaussian: E = ½(x−μ)ᵀP(x−μ), ∇E = P(x−μ), ΔE = tr P") {
  const Tensor mean = tensor({1.0, -0.5, 0.25}, {3}, DType::Float64);
  const Tensor covariance = tensor({2.0, 0.3, 0.1, 0.3, 1.0, -0.2, 0.1, -0.2, 0.5}, {3, 3}, DType::Float64);
  const Gaussian gaussian(mean, covariance);
  const std::vector<double> p = gaussian.precision().to_vector();
  // P·Σ = I.
  const auto identity = matmul(gaussian.precision(), covariance).to_vector();
  CHECK(max_relative_error(identity, {1, 0, 0, 0, 1, 0, 0, 0, 1}) < 1e-12);
  const Point mu = mean.to_vector();
  const auto centred_product = [&](const Point& x) {
    Point out(3, 0.0);
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) out[i] += p[static_cast<std::size_t>(i * 3 + j)] * (x[j] - mu[j]);
    }
    return out;
  };
  check_against(gaussian, sample_input({5, 3}, -2, 2, {}, 1),
                {[&](const Point& x) {
                   const Point px = centred_product(x);
                   double s = 0;
                   for (int i = 0; i < 3; ++i) s += 0.5 * (x[i] - mu[i]) * px[i];
                   return s;
                 },
                 centred_product, [&](const Point&) { return p[0] + p[4] + p[8]; }});
  CHECK(gaussian(sample_input({2, 3}, -1, 1, {}, 2, DType::Float32)).dtype() == DType::Float32);
  // Along any directions v: vᵀ∇E = vᵀP(x−μ) and vᵀ(∇²E)v = vᵀPv.
  const Tensor x = sample_input({4, 3}, -2, 2, {}, 3);
  const Tensor directions = sample_input({2, 4, 3}, -1, 1, {}, 4);
  const auto [first, second] = gaussian.directional_derivatives(x, directions);
  const Point flat_x = x.to_vector(), flat_v = directions.to_vector();
  Point expected_first, expected_second(4, 0.0);
  for (int m = 0; m < 2; ++m) {
    for (int i = 0; i < 4; ++i) {
      const Point v(flat_v.begin() + (m * 4 + i) * 3, flat_v.begin() + (m * 4 + i + 1) * 3);
      const Point px = centred_product(Point(flat_x.begin() + i * 3, flat_x.begin() + (i + 1) * 3));
      double slope = 0;
      for (int a = 0; a < 3; ++a) {
        slope += v[a] * px[a];
        for (int b = 0; b < 3; ++b) expected_second[i] += v[a] * p[static_cast<std::size_t>(a * 3 + b)] * v[b];
      }
      expected_first.push_back(slope);
    }
  }
  CHECK(max_relative_error(first.to_vector(), expected_first) < 1e-12);
  CHECK(max_relative_error(second.to_vector(), expected_second) < 1e-12);
}

TEST_CASE("Gaussian: covariance that is not symmetric positive definite is refused") {
  const Tensor mean = zeros({2});
  CHECK_THROWS_WITH_AS(Gaussian(mean, tensor({1, 0.5, 0.4, 1}, {2, 2})), doctest::Contains("symmetric"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(Gaussian(mean, tensor({1, 2, 2, 1}, {2, 2})), doctest::Contains("positive definite"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(Gaussian(mean, zeros({3, 3})), doctest::Contains("[2, 2]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(Gaussian(zeros({2, 1}), zeros({2, 2})), doctest::Contains("[D]"), std::invalid_argument);
  const Gaussian gaussian(mean, tensor({1, 0, 0, 1}, {2, 2}));
  CHECK_THROWS_WITH_AS(gaussian(zeros({4, 3})), doctest::Contains("D = 3"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(gaussian(zeros({4})), doctest::Contains("[N, D]"), std::invalid_argument);
}

TEST_CASE("DoubleWell: E = hΣ(x² − b²)², ∂E/∂xᵢ = 4h·xᵢ(xᵢ² − b²), ∂²E/∂xᵢ² = h(12xᵢ² − 4b²)") {
  const double h = 2.0, b = 1.3;
  check_against(DoubleWell(h, b), sample_input({6, 2}, -2, 2, {}, 3),
                {[&](const Point& x) { return sum_of(x, [&](double v) { return h * std::pow(v * v - b * b, 2); }); },
                 [&](const Point& x) { return map_of(x, [&](double v) { return 4 * h * v * (v * v - b * b); }); },
                 [&](const Point& x) { return sum_of(x, [&](double v) { return h * (12 * v * v - 4 * b * b); }); }});
  CHECK_THROWS_WITH_AS(DoubleWell(0.0), doctest::Contains("barrier_height"), std::invalid_argument);
}

TEST_CASE("Harmonic: E = ½k‖x‖², ∇E = kx, ΔE = kD") {
  const double k = 3.0;
  check_against(Harmonic(k), sample_input({4, 3}, -2, 2, {}, 4),
                {[&](const Point& x) { return sum_of(x, [&](double v) { return 0.5 * k * v * v; }); },
                 [&](const Point& x) { return map_of(x, [&](double v) { return k * v; }); },
                 [&](const Point& x) { return k * static_cast<double>(x.size()); }});
  CHECK_THROWS_WITH_AS(Harmonic(-1.0), doctest::Contains("k must be"), std::invalid_argument);
}

TEST_CASE("Rosenbrock: value, gradient and Laplacian — D ≥ 2 enforced") {
  const double a = 1.0, b = 100.0;
  const auto value = [&](const Point& x) {
    double s = 0;
    for (std::size_t i = 0; i + 1 < x.size(); ++i) s += std::pow(a - x[i], 2) + b * std::pow(x[i + 1] - x[i] * x[i], 2);
    return s;
  };
  const auto gradient = [&](const Point& x) {
    Point g(x.size(), 0.0);
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (i + 1 < x.size()) g[i] += -2 * (a - x[i]) - 4 * b * x[i] * (x[i + 1] - x[i] * x[i]);
      if (i > 0) g[i] += 2 * b * (x[i] - x[i - 1] * x[i - 1]);
    }
    return g;
  };
  const auto laplacian = [&](const Point& x) {
    double s = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (i + 1 < x.size()) s += 2 + 12 * b * x[i] * x[i] - 4 * b * x[i + 1];
      if (i > 0) s += 2 * b;
    }
    return s;
  };
  check_against(Rosenbrock(a, b), sample_input({5, 4}, -2, 2, {}, 5), {value, gradient, laplacian});
  check_against(Rosenbrock(a, b), tensor({1, 1}, {1, 2}, DType::Float64), {value, gradient, laplacian});
  CHECK(Rosenbrock()(tensor({1, 1, 1}, {1, 3}, DType::Float64)).item() == 0.0);
  CHECK_THROWS_WITH_AS(Rosenbrock()(zeros({3, 1})), doctest::Contains("D ≥ 2"), std::invalid_argument);
}

TEST_CASE("Ackley: value, gradient and Laplacian — at the cusp at the origin ∇E = 0 and ΔE = e·c²") {
  const double a = 20, b = 0.2, c = 2 * std::numbers::pi;
  const auto parts = [&](const Point& x) {
    const double dimension = static_cast<double>(x.size());
    const double r = std::sqrt(sum_of(x, [](double v) { return v * v; }) / dimension);
    const double cosine_mean = sum_of(x, [&](double v) { return std::cos(c * v); }) / dimension;
    return std::tuple{dimension, r, cosine_mean};
  };
  const auto value = [&](const Point& x) {
    const auto [dimension, r, cosine_mean] = parts(x);
    return -a * std::exp(-b * r) - std::exp(cosine_mean) + a + std::numbers::e;
  };
  const auto gradient = [&](const Point& x) {
    const auto [dimension, r, cosine_mean] = parts(x);
    return map_of(x, [&](double v) {
      return a * b * std::exp(-b * r) * v / (dimension * r) + std::exp(cosine_mean) * c * std::sin(c * v) / dimension;
    });
  };
  const auto laplacian = [&](const Point& x) {
    const auto [dimension, r, cosine_mean] = parts(x);
    const double radial = a * b * std::exp(-b * r) * ((dimension - 1) / (dimension * r) - b / dimension);
    const double periodic = std::exp(cosine_mean) * sum_of(x, [&](double v) {
      return -c * c * std::pow(std::sin(c * v), 2) / (dimension * dimension) + c * c * std::cos(c * v) / dimension;
    });
    return radial + periodic;
  };
  check_against(Ackley(), sample_input({5, 3}, -2, 2, {}, 6), {value, gradient, laplacian}, 1e-9);

  // At the origin the radial part −a·e^{−br} is a cusp. The code selects r = 0 there through a
  // where whose untaken branch passes no derivative, so the radial part contributes 0 to ∇E and ΔE
  // (docs/energies.md, "The origin"). The periodic part −e^m, m = (1/D)Σcos(cxᵢ), has
  //   ∂²(−e^m)/∂xᵢ² = e^m·(c²cos(cxᵢ)/D − c²sin²(cxᵢ)/D²),
  // which at x = 0 (m = 1, cos = 1, sin = 0) is e·c²/D; summed over the D coordinates ΔE(0) = e·c²,
  // whatever D, a and b.
  for (const auto& [ackley, c_origin] : {std::pair{Ackley(), c}, std::pair{Ackley(5, 0.5, 3), 3.0}}) {
    for (int64_t dimension : {1, 2, 5}) {
      CAPTURE(dimension);
      const Tensor origin = zeros({1, dimension}, DType::Float64);
      CHECK(ackley(origin).item() == doctest::Approx(0.0).epsilon(1e-12));
      CHECK(ackley.gradient(origin).to_vector() == std::vector<double>(static_cast<std::size_t>(dimension), 0.0));
      const double expected = std::numbers::e * c_origin * c_origin;  // 107.31 with the default c = 2π
      CHECK(ackley.laplacian(origin).item() == doctest::Approx(expected).epsilon(1e-12));
      CHECK(ackley.directional_derivatives(origin, unit_directions(1, dimension)).second.item() ==
            doctest::Approx(expected).epsilon(1e-12));
    }
  }
}

TEST_CASE("Rastrigin: E = aD + Σ(x² − a cos 2πx), ∇E = 2x + 2πa sin 2πx, ΔE = Σ(2 + 4π²a cos 2πx)") {
  const double a = 10, two_pi = 2 * std::numbers::pi;
  check_against(Rastrigin(a), sample_input({5, 2}, -3, 3, {}, 7),
                {[&](const Point& x) {
                   return a * static_cast<double>(x.size()) + sum_of(x, [&](double v) { return v * v - a * std::cos(two_pi * v); });
                 },
                 [&](const Point& x) { return map_of(x, [&](double v) { return 2 * v + two_pi * a * std::sin(two_pi * v); }); },
                 [&](const Point& x) { return sum_of(x, [&](double v) { return 2 + two_pi * two_pi * a * std::cos(two_pi * v); }); }});
}

TEST_CASE("GaussianMixture: E = −log Σ wₖN(x | μₖ, σₖ²I), responsibilities in ∇E and ΔE") {
  const Tensor means = tensor({-1, 0, 1.5, 0.5, 0, -2}, {3, 2}, DType::Float64);
  const Tensor stds = tensor({0.5, 1.0, 0.8}, {3}, DType::Float64);
  const Tensor weights = tensor({2, 1, 1}, {3}, DType::Float64);  // normalised to ½, ¼, ¼
  const GaussianMixture mixture(means, stds, weights);
  CHECK(mixture.weights().to_vector() == std::vector<double>{0.5, 0.25, 0.25});
  const std::vector<double> mu = means.to_vector(), sigma = stds.to_vector(), w = {0.5, 0.25, 0.25};

  // Component densities, responsibilities rₖ and uₖ = (x − μₖ)/σₖ².
  struct Terms {
    double density = 0;
    std::vector<double> responsibility;
    std::vector<Point> u;
  };
  const auto terms = [&](const Point& x) {
    Terms t;
    std::vector<double> weighted;
    for (int k = 0; k < 3; ++k) {
      double squared = 0;
      Point u;
      for (int j = 0; j < 2; ++j) {
        const double diff = x[j] - mu[static_cast<std::size_t>(k * 2 + j)];
        squared += diff * diff;
        u.push_back(diff / (sigma[k] * sigma[k]));
      }
      weighted.push_back(w[k] * std::exp(-squared / (2 * sigma[k] * sigma[k])) / (2 * std::numbers::pi * sigma[k] * sigma[k]));
      t.density += weighted.back();
      t.u.push_back(u);
    }
    for (double value : weighted) t.responsibility.push_back(value / t.density);
    return t;
  };
  check_against(mixture, sample_input({6, 2}, -3, 3, {}, 8),
                {[&](const Point& x) { return -std::log(terms(x).density); },
                 [&](const Point& x) {
                   const Terms t = terms(x);
                   Point g(2, 0.0);
                   for (int k = 0; k < 3; ++k) {
                     for (int j = 0; j < 2; ++j) g[j] += t.responsibility[k] * t.u[k][j];
                   }
                   return g;
                 },
                 [&](const Point& x) {
                   // ΔE = Σₖ rₖ(D/σₖ² − ‖uₖ‖²) + ‖Σₖ rₖuₖ‖².
                   const Terms t = terms(x);
                   double s = 0;
                   Point mean_u(2, 0.0);
                   for (int k = 0; k < 3; ++k) {
                     const double norm = t.u[k][0] * t.u[k][0] + t.u[k][1] * t.u[k][1];
                     s += t.responsibility[k] * (2 / (sigma[k] * sigma[k]) - norm);
                     for (int j = 0; j < 2; ++j) mean_u[j] += t.responsibility[k] * t.u[k][j];
                   }
                   return s + mean_u[0] * mean_u[0] + mean_u[1] * mean_u[1];
                 }});
  // Far from every mean the densities underflow, but the log-sum-exp form stays exact:
  //   ℓₖ = log wₖ − (D/2)log(2πσₖ²) − ‖x − μₖ‖²/(2σₖ²),  M = maxₖ ℓₖ,
  //   E = −M − log Σₖ e^{ℓₖ − M},  rₖ = e^{ℓₖ − M}/Σⱼ e^{ℓⱼ − M},  ∇E = Σₖ rₖ(x − μₖ)/σₖ².
  // At (300, −400) the widest component (σ = 1) dominates: E ≈ 1.2475e5, ∇E ≈ x − μ₂ = (298.5, −400.5).
  const Point far_point = {300, -400};
  std::vector<double> log_terms;
  for (int k = 0; k < 3; ++k) {
    double squared = 0;
    for (int j = 0; j < 2; ++j) squared += std::pow(far_point[j] - mu[static_cast<std::size_t>(k * 2 + j)], 2);
    log_terms.push_back(std::log(w[k]) - std::log(2 * std::numbers::pi * sigma[k] * sigma[k]) - squared / (2 * sigma[k] * sigma[k]));
  }
  const double largest = *std::max_element(log_terms.begin(), log_terms.end());
  double normaliser = 0;
  for (double l : log_terms) normaliser += std::exp(l - largest);
  const double far_energy = -largest - std::log(normaliser);
  Point far_gradient(2, 0.0);
  for (int k = 0; k < 3; ++k) {
    const double r = std::exp(log_terms[k] - largest) / normaliser;
    for (int j = 0; j < 2; ++j) far_gradient[j] += r * (far_point[j] - mu[static_cast<std::size_t>(k * 2 + j)]) / (sigma[k] * sigma[k]);
  }
  for (const auto& [dtype, tolerance] : {std::pair{DType::Float64, 1e-12}, std::pair{DType::Float32, 1e-6}}) {
    CAPTURE(dtype_name(dtype));
    const GaussianMixture typed(means.to(dtype), stds.to(dtype), weights.to(dtype));
    const Tensor far = tensor(far_point, {1, 2}, dtype);
    CHECK(max_relative_error(typed(far).to_vector(), {far_energy}) < tolerance);
    CHECK(max_relative_error(typed.gradient(far).to_vector(), far_gradient) < tolerance);
  }

  CHECK_THROWS_WITH_AS(GaussianMixture(means, tensor({0.5, 0, 1}, {3}), weights), doctest::Contains("std"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(GaussianMixture(means, stds, tensor({1, -1, 1}, {3})), doctest::Contains("weight"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(GaussianMixture(means, zeros({2}), weights), doctest::Contains("[3]"), std::invalid_argument);
}

TEST_CASE("MLPEnergy: E = MLP(x) — gradient and Laplacian against finite differences") {
  Generator generator(5);
  const MLPEnergy energy({2, 16, 16, 1}, nn::Activation::Tanh, generator, DType::Float64);
  CHECK(energy.parameters().size() == 6);
  const Tensor x = sample_input({3, 2}, -1, 1, {}, 9);
  const nn::MLP& network = energy.network();
  CHECK(max_relative_error(energy(x).to_vector(), reshape(network(x), {-1}).to_vector()) == 0.0);

  const double h = 1e-4;
  const std::vector<double> x0 = x.to_vector();
  std::vector<double> finite_gradient(x0.size()), finite_laplacian(3, 0.0);
  for (std::size_t k = 0; k < x0.size(); ++k) {
    std::vector<double> plus = x0, minus = x0;
    plus[k] += h;
    minus[k] -= h;
    const auto e_plus = energy(tensor(plus, {3, 2}, DType::Float64)).to_vector();
    const auto e_minus = energy(tensor(minus, {3, 2}, DType::Float64)).to_vector();
    const auto e_zero = energy(x).to_vector();
    const std::size_t row = k / 2;
    finite_gradient[k] = (e_plus[row] - e_minus[row]) / (2 * h);
    finite_laplacian[row] += (e_plus[row] - 2 * e_zero[row] + e_minus[row]) / (h * h);
  }
  CHECK(max_relative_error(energy.gradient(x).to_vector(), finite_gradient) < 1e-7);
  CHECK(max_relative_error(energy.laplacian(x).to_vector(), finite_laplacian) < 1e-5);
  CHECK_THROWS_WITH_AS(MLPEnergy({2, 8, 2}), doctest::Contains("last 1"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(energy(zeros({3, 5}, DType::Float64)), doctest::Contains("D = 5"), std::invalid_argument);
}

TEST_CASE("MLPEnergy: the forward Laplacian equals D backward passes, in value and in parameter gradient") {
  for (const nn::Activation activation : nn::all_activations) {
    const std::string name = nn::activation_name(activation);
    CAPTURE(name);
    Generator generator(11);
    const MLPEnergy energy({3, 7, 5, 1}, activation, generator, DType::Float64);
    const Tensor x = sample_input({4, 3}, -1.5, 1.5, {}, 12);
    const auto [forward_gradient, forward_laplacian] = energy.gradient_and_laplacian(x);
    const auto [backward_gradient, backward_laplacian] = energy.EnergyFunction::gradient_and_laplacian(x);
    CHECK(forward_gradient.shape() == Shape{4, 3});
    CHECK(forward_laplacian.shape() == Shape{4});
    CHECK(max_relative_error(forward_gradient.to_vector(), backward_gradient.to_vector()) < 1e-12);
    CHECK(max_relative_error(forward_laplacian.to_vector(), backward_laplacian.to_vector()) < 1e-12);
    // The exact score-matching objective's parameter gradient, through either computation.
    const auto objective = [](const Tensor& g, const Tensor& laplacian) {
      return mean(0.5 * sum(square(g), 1) - laplacian);
    };
    check_same_parameter_gradients(objective(forward_gradient, forward_laplacian),
                                   objective(backward_gradient, backward_laplacian), energy.parameters());
  }
  // A single layer E = xW + b: ∇E = W for every point and ΔE = 0.
  Generator generator(13);
  const MLPEnergy linear_energy({2, 1}, nn::Activation::SiLU, generator, DType::Float64);
  const auto [g, laplacian] = linear_energy.gradient_and_laplacian(zeros({3, 2}, DType::Float64));
  const auto w = linear_energy.parameters()[0].to_vector();
  CHECK(g.to_vector() == std::vector<double>{w[0], w[1], w[0], w[1], w[0], w[1]});
  CHECK(laplacian.to_vector() == std::vector<double>(3, 0.0));
}

TEST_CASE("MLPEnergy: the forward Laplacian's parameter gradient against central differences") {
  Generator generator(14);
  const MLPEnergy energy({2, 4, 3, 1}, nn::Activation::SiLU, generator, DType::Float64);
  const Tensor x = sample_input({3, 2}, -1, 1, {}, 15);
  const auto objective = [&] {
    const auto [g, laplacian] = energy.gradient_and_laplacian(x);
    return mean(0.5 * sum(square(g), 1) - laplacian);
  };
  Tensor weight = energy.parameters()[2];  // W₂ [4, 3]
  const auto analytical = grad(objective(), {weight})[0].to_vector();
  const std::vector<double> w0 = weight.to_vector();
  const double h = 1e-6;
  for (std::size_t k = 0; k < w0.size(); ++k) {
    CAPTURE(k);
    NoGradGuard no_grad;
    std::vector<double> moved = w0;
    moved[k] = w0[k] + h;
    weight.copy_(tensor(moved, weight.shape(), DType::Float64));
    const double plus = objective().item();
    moved[k] = w0[k] - h;
    weight.copy_(tensor(moved, weight.shape(), DType::Float64));
    const double minus = objective().item();
    weight.copy_(tensor(w0, weight.shape(), DType::Float64));
    CHECK(analytical[k] == doctest::Approx((plus - minus) / (2 * h)).epsilon(1e-6));
  }
}

TEST_CASE("MLPEnergy: forward directional derivatives equal the backward passes, in value and in parameter gradient") {
  for (const nn::Activation activation : nn::all_activations) {
    const std::string name = nn::activation_name(activation);
    CAPTURE(name);
    Generator generator(16);
    const MLPEnergy energy({3, 7, 5, 1}, activation, generator, DType::Float64);
    const Tensor x = sample_input({4, 3}, -1.5, 1.5, {}, 17);
    const Tensor directions = sample_input({2, 4, 3}, -1, 1, {}, 18);
    const auto [forward_first, forward_second] = energy.directional_derivatives(x, directions);
    const auto [backward_first, backward_second] = energy.EnergyFunction::directional_derivatives(x, directions);
    CHECK(forward_first.shape() == Shape{2, 4});
    CHECK(forward_second.shape() == Shape{4});
    CHECK(max_relative_error(forward_first.to_vector(), backward_first.to_vector()) < 1e-12);
    CHECK(max_relative_error(forward_second.to_vector(), backward_second.to_vector()) < 1e-12);
    // The sliced score-matching objective's parameter gradient, through either computation.
    const auto objective = [](const Tensor& first, const Tensor& second) {
      return mean(0.5 * mean(square(first), 0) - 0.5 * second);
    };
    check_same_parameter_gradients(objective(forward_first, forward_second), objective(backward_first, backward_second),
                                   energy.parameters());
    // Along the unit vectors: the gradient and the Laplacian.
    const auto [unit_first, unit_second] = energy.directional_derivatives(x, unit_directions(4, 3));
    const auto [gradient, laplacian] = energy.gradient_and_laplacian(x);
    CHECK(max_relative_error(transpose(unit_first).to_vector(), gradient.to_vector()) < 1e-12);
    CHECK(max_relative_error(unit_second.to_vector(), laplacian.to_vector()) < 1e-12);
  }
}

TEST_CASE("MLPEnergy: directional derivatives against central differences of E along each direction") {
  Generator generator(19);
  const MLPEnergy energy({2, 6, 4, 1}, nn::Activation::SiLU, generator, DType::Float64);
  const Tensor x = sample_input({3, 2}, -1, 1, {}, 20);
  const Tensor directions = sample_input({2, 3, 2}, -1, 1, {}, 21);
  const auto [first, second] = energy.directional_derivatives(x, directions);
  const double h = 1e-4;
  const std::vector<double> e_zero = energy(x).to_vector();
  std::vector<double> finite_first, finite_second(3, 0.0);
  for (int64_t m = 0; m < 2; ++m) {
    const Tensor v = select(directions, 0, m);
    const std::vector<double> e_plus = energy(x + h * v).to_vector();
    const std::vector<double> e_minus = energy(x - h * v).to_vector();
    for (std::size_t i = 0; i < 3; ++i) {
      finite_first.push_back((e_plus[i] - e_minus[i]) / (2 * h));
      finite_second[i] += (e_plus[i] - 2 * e_zero[i] + e_minus[i]) / (h * h);
    }
  }
  CHECK(max_relative_error(first.to_vector(), finite_first) < 1e-7);
  CHECK(max_relative_error(second.to_vector(), finite_second) < 1e-5);
  // A single layer E = xW + b: vᵀ∇E = vᵀW and no curvature.
  const MLPEnergy linear_energy({2, 1}, nn::Activation::SiLU, generator, DType::Float64);
  const auto [linear_first, linear_second] = linear_energy.directional_derivatives(x, directions);
  const std::vector<double> w = linear_energy.parameters()[0].to_vector(), v = directions.to_vector();
  std::vector<double> expected;
  for (std::size_t k = 0; k < 6; ++k) expected.push_back(v[2 * k] * w[0] + v[2 * k + 1] * w[1]);
  CHECK(max_relative_error(linear_first.to_vector(), expected) < 1e-15);
  CHECK(linear_second.to_vector() == std::vector<double>(3, 0.0));
}

namespace {

/// E(x) = x·w + c, linear in x; with `uses_x` false, E = c ignores x.
class AffineEnergy : public EnergyFunction {
 public:
  explicit AffineEnergy(bool uses_x) : uses_x_(uses_x) {}
  Tensor energy(const Tensor& x) const override {
    const Tensor constant = full({x.size(0)}, 0.5, DType::Float64);
    return uses_x_ ? reshape(matmul(x, tensor({2.0, -3.0}, {2, 1}, DType::Float64)), {-1}) + constant : constant;
  }

 private:
  bool uses_x_;
};

}  // namespace

TEST_CASE("default directional_derivatives: linear in x, no curvature — independent of x, neither") {
  const Tensor x = sample_input({3, 2}, -1, 1, {}, 23);
  const Tensor directions = sample_input({2, 3, 2}, -1, 1, {}, 24);
  const auto [first, second] = AffineEnergy(true).directional_derivatives(x, directions);
  const std::vector<double> v = directions.to_vector();
  std::vector<double> expected;
  for (std::size_t k = 0; k < 6; ++k) expected.push_back(2.0 * v[2 * k] - 3.0 * v[2 * k + 1]);
  CHECK(max_relative_error(first.to_vector(), expected) < 1e-15);
  CHECK(second.to_vector() == std::vector<double>(3, 0.0));
  const auto [flat_first, flat_second] = AffineEnergy(false).directional_derivatives(x, directions);
  CHECK(flat_first.shape() == Shape{2, 3});
  CHECK(flat_first.to_vector() == std::vector<double>(6, 0.0));
  CHECK(flat_second.to_vector() == std::vector<double>(3, 0.0));
}

TEST_CASE("directional_derivatives refuses directions that do not fit the points") {
  Generator generator(22);
  const MLPEnergy mlp({2, 4, 1}, nn::Activation::SiLU, generator, DType::Float64);
  const Harmonic harmonic;
  const Tensor x = zeros({3, 2}, DType::Float64);
  for (const EnergyFunction* energy : {static_cast<const EnergyFunction*>(&mlp), static_cast<const EnergyFunction*>(&harmonic)}) {
    CHECK_THROWS_WITH_AS(energy->directional_derivatives(x, zeros({3, 2}, DType::Float64)),
                         doctest::Contains("expects directions of shape [M, 3, 2]"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(energy->directional_derivatives(x, zeros({1, 4, 2}, DType::Float64)),
                         doctest::Contains("got [1, 4, 2]"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(energy->directional_derivatives(x, zeros({0, 3, 2}, DType::Float64)),
                         doctest::Contains("M ≥ 1"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(energy->directional_derivatives(x, zeros({1, 3, 2}, DType::Float32)),
                         doctest::Contains("dtype and device (float64, cpu), got float32"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(energy->directional_derivatives(zeros({3}, DType::Float64), zeros({1, 3, 2}, DType::Float64)),
                         doctest::Contains("got [3]"), std::invalid_argument);
  }
}

TEST_CASE("gradient() is differentiable for losses and detached for samplers") {
  Generator generator(6);
  const MLPEnergy energy({2, 8, 1}, nn::Activation::SiLU, generator, DType::Float64);
  const Tensor x = sample_input({4, 2}, -1, 1, {}, 10);
  const Tensor recorded = energy.gradient(x);
  CHECK(recorded.requires_grad());  // the parameters require grad: ∇ₓE depends on them
  // ∇ₓE reaches every parameter but the last bias, which shifts E without changing its slope.
  const auto through = grad(sum(square(recorded)), energy.parameters(), {.allow_unused = true});
  for (std::size_t i = 0; i < 3; ++i) CHECK(through[i].defined());
  CHECK_FALSE(through[3].defined());
  {
    NoGradGuard no_grad;
    const Tensor plain = energy.gradient(x);
    CHECK_FALSE(plain.requires_grad());
    CHECK(max_relative_error(plain.to_vector(), recorded.to_vector()) == 0.0);
    CHECK_FALSE(energy.laplacian(x).requires_grad());
  }
  CHECK_FALSE(Harmonic().gradient(x).requires_grad());
}

namespace {

/// A user-defined energy with a learnable centre θ: E(x) = ½‖x − θ‖²/s².
class LearnableWell : public ebm::energies::EnergyFunction {
 public:
  explicit LearnableWell(double scale) : scale_(scale), centre_(ebm::zeros({2}, ebm::DType::Float64).requires_grad_()) {}
  ebm::Tensor energy(const ebm::Tensor& x) const override {
    return 0.5 * ebm::sum(ebm::square(x - centre_), 1) / (scale_ * scale_);
  }
  std::vector<ebm::Tensor> parameters() const override { return {centre_}; }

 private:
  double scale_;
  ebm::Tensor centre_;
};

}  // namespace

TEST_CASE("a user-defined energy trains end to end: score matching with Adam, then save and load") {
  // Exact score matching J = mean[½‖∇E‖² − ΔE] with ∇E = (x − θ)/s² and ΔE = D/s² is minimised
  // at θ = the data's mean.
  Generator generator(11);
  const Tensor data = randn({500, 2}, generator, DType::Float64) * 0.5 + tensor({1.0, -2.0}, {2}, DType::Float64);
  const auto sample_mean = mean(data, 0).to_vector();
  auto energy = std::make_shared<LearnableWell>(0.5);
  optim::Adam adam(energy->parameters(), {.lr = 0.05});
  for (int step = 0; step < 400; ++step) {
    const Tensor objective = mean(0.5 * sum(square(energy->gradient(data)), 1) - energy->laplacian(data));
    adam.zero_grad();
    objective.backward();
    adam.step();
  }
  CHECK(max_relative_error(energy->parameters()[0].to_vector(), sample_mean) < 1e-3);

  const std::string path = (std::filesystem::temp_directory_path() / "ebm_user_energy_test.ebm").string();
  save(energy->parameters(), path);
  LearnableWell restored(0.5);
  std::vector<Tensor> parameters = restored.parameters();
  load(parameters, path);
  CHECK(restored.parameters()[0].to_vector() == energy->parameters()[0].to_vector());
  std::remove(path.c_str());
}

TEST_CASE("NoiseConditionalMLPEnergy is MLP([x, log σ])/σ, and its fast derivatives equal the recorded ones") {
  Generator generator(31);
  NoiseConditionalMLPEnergy energy({2, 7, 5, 1}, nn::Activation::SiLU, generator, DType::Float64);
  CHECK(energy.network().sizes().front() == 3);
  const Tensor x = sample_input({4, 2}, -1.5, 1.5, {}, 32);
  for (const double sigma : {0.05, 1.0, 3.0}) {
    CAPTURE(sigma);
    energy.set_noise_level(sigma);
    CHECK(energy.noise_level() == sigma);
    const Tensor input = cat({x, full({4, 1}, std::log(sigma), DType::Float64)}, 1);
    const std::vector<double> expected = (reshape(energy.network()(input), {-1}) / sigma).to_vector();
    CHECK(max_relative_error(energy(x).to_vector(), expected) < 1e-14);
    // Without recording (samplers) against the tape's gradient of energy().
    const auto [fast_energy, fast_gradient] = energy.energy_and_gradient(x);
    const Tensor recorded_x = x.detach().requires_grad_(true);
    const Tensor recorded_gradient = grad(sum(energy(recorded_x)), {recorded_x})[0];
    CHECK(max_relative_error(fast_energy.to_vector(), expected) < 1e-14);
    CHECK(max_relative_error(fast_gradient.to_vector(), recorded_gradient.to_vector()) < 1e-12);
    // Gradient and Laplacian over x alone (the level's input held fixed), and directional derivatives.
    const auto [gradient, laplacian] = energy.gradient_and_laplacian(x);
    const auto [backward_gradient, backward_laplacian] = energy.EnergyFunction::gradient_and_laplacian(x);
    CHECK(max_relative_error(gradient.to_vector(), backward_gradient.to_vector()) < 1e-12);
    CHECK(max_relative_error(laplacian.to_vector(), backward_laplacian.to_vector()) < 1e-12);
    const Tensor directions = sample_input({2, 4, 2}, -1, 1, {}, 33);
    const auto [first, second] = energy.directional_derivatives(x, directions);
    const auto [backward_first, backward_second] = energy.EnergyFunction::directional_derivatives(x, directions);
    CHECK(max_relative_error(first.to_vector(), backward_first.to_vector()) < 1e-12);
    CHECK(max_relative_error(second.to_vector(), backward_second.to_vector()) < 1e-12);
    const auto objective = [](const Tensor& g, const Tensor& l) { return mean(0.5 * sum(square(g), 1) - l); };
    check_same_parameter_gradients(objective(gradient, laplacian), objective(backward_gradient, backward_laplacian), energy.parameters());
  }
  CHECK_THROWS_WITH_AS(energy.set_noise_level(0.0), doctest::Contains("finite and > 0"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(energy.set_noise_level(NAN), doctest::Contains("finite and > 0"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(energy(zeros({4, 3}, DType::Float64)), doctest::Contains("[N, 2]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(energy.gradient_and_laplacian(Tensor()), doctest::Contains("undefined"), std::invalid_argument);
}

namespace {

/// γ(x) = [x, a cos 2πxBᵀ, a sin 2πxBᵀ] for every row of x [N, D], computed entry by entry from
/// B [F, D]: a = 1, or averaged over noise N(0, σ²I), a_k = exp(−½σ²‖2πb_k‖²).
Tensor fourier_features_by_hand(const Tensor& x, const Tensor& frequencies, double averaged_over_sigma = 0) {
  const int64_t n = x.size(0), d = x.size(1), f = frequencies.size(0);
  const std::vector<double> points = x.to_vector(), b = frequencies.to_vector();
  std::vector<double> features;
  for (int64_t i = 0; i < n; ++i) {
    std::vector<double> cosines, sines;
    for (int64_t k = 0; k < f; ++k) {
      double u = 0, omega_squared = 0;
      for (int64_t j = 0; j < d; ++j) {
        const double omega = 2 * std::numbers::pi * b[k * d + j];
        u += omega * points[i * d + j];
        omega_squared += omega * omega;
      }
      const double a = std::exp(-0.5 * averaged_over_sigma * averaged_over_sigma * omega_squared);
      cosines.push_back(a * std::cos(u));
      sines.push_back(a * std::sin(u));
    }
    features.insert(features.end(), points.begin() + i * d, points.begin() + (i + 1) * d);
    features.insert(features.end(), cosines.begin(), cosines.end());
    features.insert(features.end(), sines.begin(), sines.end());
  }
  return tensor(features, {n, d + 2 * f}, DType::Float64);
}

/// An energy's fast derivatives (unrecorded gradient, forward Laplacian and directional derivatives)
/// against the tape's backward passes, in value and in the parameter gradients of the objectives
/// that use them.
void check_fast_derivatives(const EnergyFunction& energy, const Tensor& x, const Tensor& directions) {
  const auto [fast_energy, fast_gradient] = energy.energy_and_gradient(x);
  const Tensor recorded_x = x.detach().requires_grad_(true);
  const Tensor recorded_gradient = grad(sum(energy(recorded_x)), {recorded_x})[0];
  CHECK(max_relative_error(fast_energy.to_vector(), energy(x).to_vector()) < 1e-14);
  CHECK(max_relative_error(fast_gradient.to_vector(), recorded_gradient.to_vector()) < 1e-12);
  const auto [gradient, laplacian] = energy.gradient_and_laplacian(x);
  const auto [backward_gradient, backward_laplacian] = energy.EnergyFunction::gradient_and_laplacian(x);
  CHECK(max_relative_error(gradient.to_vector(), backward_gradient.to_vector()) < 1e-12);
  CHECK(max_relative_error(laplacian.to_vector(), backward_laplacian.to_vector()) < 1e-12);
  const auto sm = [](const Tensor& g, const Tensor& l) { return mean(0.5 * sum(square(g), 1) - l); };
  check_same_parameter_gradients(sm(gradient, laplacian), sm(backward_gradient, backward_laplacian), energy.parameters());
  const auto [first, second] = energy.directional_derivatives(x, directions);
  const auto [backward_first, backward_second] = energy.EnergyFunction::directional_derivatives(x, directions);
  CHECK(max_relative_error(first.to_vector(), backward_first.to_vector()) < 1e-12);
  CHECK(max_relative_error(second.to_vector(), backward_second.to_vector()) < 1e-12);
  const auto ssm = [](const Tensor& f, const Tensor& s) { return mean(0.5 * mean(square(f), 0) - 0.5 * s); };
  check_same_parameter_gradients(ssm(first, second), ssm(backward_first, backward_second), energy.parameters());
}

}  // namespace

TEST_CASE("MLPEnergy with Fourier features: E = MLP([x, cos 2πxBᵀ, sin 2πxBᵀ]), B ~ N(0, scale²), derivatives through γ") {
  Generator generator(41);
  const MLPEnergy energy({2, 9, 6, 1}, nn::Activation::SiLU, generator, DType::Float64, Device::CPU, {.count = 5, .scale = 1.5});
  CHECK(energy.network().sizes().front() == 2 + 2 * 5);
  REQUIRE(energy.frequencies().shape() == Shape{5, 2});
  CHECK(energy.parameters().size() == 6);  // B is fixed, not learned
  const Tensor x = sample_input({4, 2}, -1.5, 1.5, {}, 42);
  const Tensor by_hand = reshape(energy.network()(fourier_features_by_hand(x, energy.frequencies())), {-1});
  CHECK(max_relative_error(energy(x).to_vector(), by_hand.to_vector()) < 1e-13);
  check_fast_derivatives(energy, x, sample_input({3, 4, 2}, -1, 1, {}, 43));
  // Gradients and gradients of gradients through γ, in x and in the parameters.
  std::string failure;
  const auto e_of = [&energy](const std::vector<Tensor>& inputs) { return energy(inputs[0]); };
  CHECK_MESSAGE(gradcheck(e_of, {x.detach().requires_grad_(true)}, {.failure = &failure}), failure);
  CHECK_MESSAGE(gradgradcheck(e_of, {x.detach().requires_grad_(true)}, {.failure = &failure}), failure);
  // The same seed draws the same frequencies (model files redraw them); their std is the scale.
  Generator again(41);
  CHECK(MLPEnergy({2, 9, 6, 1}, nn::Activation::SiLU, again, DType::Float64, Device::CPU, {.count = 5, .scale = 1.5}).frequencies().to_vector() ==
        energy.frequencies().to_vector());
  const std::vector<double> wide = MLPEnergy({2, 4, 1}, nn::Activation::SiLU, generator, DType::Float64, Device::CPU, {.count = 2000, .scale = 3})
                                       .frequencies().to_vector();
  double sum_of_squares = 0;
  for (double b : wide) sum_of_squares += b * b;
  CHECK(std::sqrt(sum_of_squares / static_cast<double>(wide.size())) == doctest::Approx(3).epsilon(0.03));
  CHECK_THROWS_WITH_AS(MLPEnergy({2, 4, 1}, nn::Activation::SiLU, generator, DType::Float64, Device::CPU, {.count = -1}),
                       doctest::Contains("count ≥ 0"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(MLPEnergy({2, 4, 1}, nn::Activation::SiLU, generator, DType::Float64, Device::CPU, {.count = 3, .scale = 0}),
                       doctest::Contains("finite scale > 0"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(energy(zeros({4, 3}, DType::Float64)), doctest::Contains("[N, 2]"), std::invalid_argument);
}

TEST_CASE("NoiseConditionalMLPEnergy with Fourier features: E = MLP([γ_σ(x), log σ])/σ, fast derivatives equal the recorded ones") {
  const Tensor x = sample_input({4, 2}, -1.5, 1.5, {}, 45);
  for (const bool averaged : {false, true}) {
    CAPTURE(averaged);
    Generator generator(44);
    NoiseConditionalMLPEnergy energy({2, 8, 5, 1}, nn::Activation::SiLU, generator, DType::Float64, Device::CPU, {.count = 4, .scale = 0.5},
                                     averaged);
    CHECK(energy.network().sizes().front() == 2 + 2 * 4 + 1);
    for (const double sigma : {0.05, 0.3, 2.0}) {
      CAPTURE(sigma);
      energy.set_noise_level(sigma);
      const Tensor features = fourier_features_by_hand(x, energy.frequencies(), averaged ? sigma : 0);
      const Tensor input = cat({features, full({4, 1}, std::log(sigma), DType::Float64)}, 1);
      CHECK(max_relative_error(energy(x).to_vector(), (reshape(energy.network()(input), {-1}) / sigma).to_vector()) < 1e-13);
      check_fast_derivatives(energy, x, sample_input({2, 4, 2}, -1, 1, {}, 46));
      std::string failure;
      const auto e_of = [&energy](const std::vector<Tensor>& inputs) { return energy(inputs[0]); };
      CHECK_MESSAGE(gradcheck(e_of, {x.detach().requires_grad_(true)}, {.failure = &failure}), failure);
      CHECK_MESSAGE(gradgradcheck(e_of, {x.detach().requires_grad_(true)}, {.failure = &failure}), failure);
    }
  }
}

TEST_CASE("NoiseConditionalMLPEnergy preconditioned: E = MLP([c·x, log σ])/σ + ½c²‖x‖², c = 1/√(1 + σ²), and its fast derivatives equal the recorded ones") {
  const Tensor x = sample_input({4, 3}, -2, 2, {}, 50);
  for (const int64_t features : {0, 3}) {
    CAPTURE(features);
    Generator generator(49);
    NoiseConditionalMLPEnergy energy({3, 8, 5, 1}, nn::Activation::SiLU, generator, DType::Float64, Device::CPU,
                                     {.count = features, .scale = 0.4}, true, true);
    CHECK(energy.preconditioned());
    for (const double sigma : {0.05, 1.0, 20.0}) {
      CAPTURE(sigma);
      energy.set_noise_level(sigma);
      const double c = 1 / std::sqrt(1 + sigma * sigma);
      // The network at c·x (its features averaged over c·x's noise, c·σ), plus the Gaussian term.
      const Tensor scaled = c * x;
      const Tensor network_input = features > 0 ? fourier_features_by_hand(scaled, energy.frequencies(), c * sigma) : scaled;
      const Tensor input = cat({network_input, full({4, 1}, std::log(sigma), DType::Float64)}, 1);
      const std::vector<double> network = (reshape(energy.network()(input), {-1}) / sigma).to_vector(), points = x.to_vector();
      std::vector<double> expected = network;
      for (std::size_t i = 0; i < expected.size(); ++i) {
        for (std::size_t d = 0; d < 3; ++d) expected[i] += 0.5 * c * c * points[i * 3 + d] * points[i * 3 + d];
      }
      CHECK(max_relative_error(energy(x).to_vector(), expected) < 1e-13);
      check_fast_derivatives(energy, x, sample_input({2, 4, 3}, -1, 1, {}, 51));
      std::string failure;
      const auto e_of = [&energy](const std::vector<Tensor>& inputs) { return energy(inputs[0]); };
      CHECK_MESSAGE(gradcheck(e_of, {x.detach().requires_grad_(true)}, {.failure = &failure}), failure);
      CHECK_MESSAGE(gradgradcheck(e_of, {x.detach().requires_grad_(true)}, {.failure = &failure}), failure);
    }
  }
  // With the network's last layer zeroed, the energy is the Gaussian term alone, whose score
  // −x/(1 + σ²) is that of N(0, I) perturbed by N(0, σ²I), the standardised data's Gaussian fit.
  Generator generator(52);
  NoiseConditionalMLPEnergy energy({3, 6, 1}, nn::Activation::SiLU, generator, DType::Float64, Device::CPU, {}, true, true);
  {
    NoGradGuard no_grad;
    std::vector<Tensor> parameters = energy.parameters();  // the last layer's weight and bias last
    for (std::size_t k = parameters.size() - 2; k < parameters.size(); ++k) parameters[k].copy_(zeros_like(parameters[k]));
  }
  for (const double sigma : {0.1, 2.0}) {
    energy.set_noise_level(sigma);
    const std::vector<double> score = (-energy.energy_and_gradient(x).second).to_vector(), points = x.to_vector();
    for (std::size_t k = 0; k < points.size(); ++k) CHECK(score[k] == doctest::Approx(-points[k] / (1 + sigma * sigma)).epsilon(1e-14));
  }
}

TEST_CASE("Fourier features averaged over noise: E_ε cos(ωᵀ(x + σε)) = exp(−σ²‖ω‖²/2) cos ωᵀx, and the same for sin") {
  // The closed form the averaged features use, against the mean over 20,000 draws of ε, within 5
  // standard errors for each feature at two points and two levels.
  Generator generator(48);
  const MLPEnergy plain({2, 4, 1}, nn::Activation::SiLU, generator, DType::Float64, Device::CPU, {.count = 3, .scale = 0.8});
  const Tensor x = tensor({0.3, -0.7, 1.1, 0.4}, {2, 2}, DType::Float64);
  const int64_t draws = 20000;
  for (const double sigma : {0.1, 0.4}) {
    CAPTURE(sigma);
    const Tensor closed_form = fourier_features_by_hand(x, plain.frequencies(), sigma);
    for (int64_t row = 0; row < 2; ++row) {
      CAPTURE(row);
      const Tensor perturbed = slice(x, 0, row, row + 1) + sigma * randn({draws, 2}, generator, DType::Float64);
      const Tensor drawn = fourier_features_by_hand(perturbed, plain.frequencies());
      const Tensor average = mean(drawn, 0);
      const std::vector<double> means = average.to_vector(), expected = slice(closed_form, 0, row, row + 1).to_vector();
      const std::vector<double> errors = sqrt(mean(square(drawn - average), 0) / static_cast<double>(draws - 1)).to_vector();
      for (std::size_t k = 0; k < means.size(); ++k) {
        CAPTURE(k);
        CHECK(std::abs(means[k] - expected[k]) < 5 * errors[k] + 1e-12);
      }
    }
  }
}

TEST_CASE("MLP::forward_jet refuses a jet that does not fit the network") {
  Generator generator(47);
  const nn::MLP network({3, 4, 1}, nn::Activation::SiLU, generator, DType::Float64);
  CHECK_THROWS_WITH_AS(network.forward_jet(zeros({1, 5, 3}, DType::Float64)), doctest::Contains("[M + 2, N, 3] (M ≥ 0 directions)"),
                       std::invalid_argument);
  CHECK(network.forward_jet(zeros({2, 5, 3}, DType::Float64)).first.shape() == Shape{0, 5, 1});
  CHECK_THROWS_WITH_AS(network.forward_jet(zeros({3, 5, 2}, DType::Float64)), doctest::Contains("got [3, 5, 2]"), std::invalid_argument);
}
