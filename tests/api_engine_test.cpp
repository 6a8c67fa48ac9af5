// The engine section of docs/api.md, written as users write it: every name and call shape
// there must compile and behave as documented.
#include <cmath>
#include <functional>
#include <map>

#include "test_support.hpp"

TEST_CASE("API.md engine section: names and call shapes") {
  using namespace ebm;
  const DType dtypes[] = {DType::Float32, DType::Float64};
  const Device device = Device::CPU;
  // float32 keeps 24 significant bits, float64 53: 1 + 2⁻³⁰ survives only in float64.
  const double fine = 1 + std::ldexp(1.0, -30);
  CHECK(tensor({fine}, {1}, dtypes[0]).item() == 1.0);
  CHECK(tensor({fine}, {1}, dtypes[1]).item() == fine);
  const Shape shape = {2, 3};

  Generator generator(42);
  Generator& shared = default_generator();
  manual_seed(7);
  CHECK(&shared == &default_generator());
  // manual_seed restarts the default generator's stream: the draws of a fresh Generator(7).
  const std::vector<double> seeded = randn({4}).to_vector();
  Generator seven(7);
  CHECK(seeded == randn({4}, seven).to_vector());

  Tensor undefined;
  CHECK_FALSE(undefined.defined());
  Tensor t = tensor({1, 2, 3, 4, 5, 6}, shape, DType::Float32, Device::CPU);
  CHECK(t.shape() == shape);
  CHECK(t.dim() == 2);
  CHECK(t.numel() == 6);
  CHECK(t.size(1) == 3);
  CHECK(t.dtype() == DType::Float32);
  CHECK(t.device() == device);
  CHECK(t.to_vector() == std::vector<double>{1, 2, 3, 4, 5, 6});
  CHECK(sum(t).item() == 21.0);
  CHECK(t.to(Device::CPU).to_vector() == t.to_vector());
  const Tensor widened = t.to(DType::Float64);
  CHECK(widened.dtype() == DType::Float64);
  CHECK(widened.to_vector() == t.to_vector());

  Tensor z = zeros(shape);
  Tensor o = ones(shape, DType::Float64);
  Tensor f = full(shape, 2.5, DType::Float32, Device::CPU);
  Tensor n = randn(shape);
  Tensor n2 = randn(shape, generator, DType::Float64, Device::CPU);
  Tensor u = rand(shape, generator);
  Tensor like = randn_like(n2);
  Tensor like2 = randn_like(n2, generator);
  CHECK(z.to_vector() == std::vector<double>(6, 0.0));
  CHECK(o.dtype() == DType::Float64);
  CHECK(f.to_vector()[0] == 2.5);
  CHECK(n.dtype() == DType::Float32);
  for (double v : u.to_vector()) CHECK((v >= 0 && v < 1));
  CHECK(like.dtype() == DType::Float64);
  CHECK(like2.shape() == shape);
  CHECK(like2.to_vector() != n2.to_vector());  // a fresh draw, not a copy

  Tensor a = randn({2, 3}, generator, DType::Float64).requires_grad_();
  Tensor b = randn({3}, generator, DType::Float64).requires_grad_(true);
  CHECK(a.requires_grad());
  const auto all_ops = [](const Tensor& a, const Tensor& b) {
    return sum(a + b) + sum(a - b) + sum(a * b) + sum(a / (b * b + 1.0)) + sum(-a) + sum(2.0 + a) + sum(a + 2.0) +
        sum(2.0 - a) + sum(a - 2.0) + sum(2.0 * a) + sum(a * 2.0) + sum(a / 2.0) + sum(2.0 / (square(a) + 1.0)) +
        sum(matmul(a, transpose(a))) + sum(exp(a)) + sum(log(square(a) + 1.0)) + sum(sqrt(square(a) + 1.0)) +
        sum(pow(a, 2.0)) + sum(abs(a)) + sum(sin(a)) + sum(cos(a)) + sum(tanh(a)) + sum(sigmoid(a)) + sum(softplus(a)) +
        sum(relu(a)) + sum(silu(a)) + sum(a, 0) .numel() * 0.0 + sum(sum(a, 1, true)) + mean(a) + sum(mean(a, 0)) +
        sum(mean(a, 1, true)) + sum(logsumexp(a, 1)) + sum(logsumexp(a, 0, true)) + sum(reshape(a, {3, 2})) +
        sum(unsqueeze(b, 0)) + sum(squeeze(unsqueeze(b, 1))) + sum(cat({a, a}, 0)) + sum(select(a, 0, 1)) +
        sum(slice(a, 1, 0, 2)) + sum(where(greater(a, 0.0), a, b)) + sum(clamp(a, -0.5, 0.5));
  };
  const Tensor everything = all_ops(a, b);
  // Every rule above against finite differences (a's draws lie away from the kinks at 0 and ±0.5).
  CHECK(gradcheck([&](const std::vector<Tensor>& x) { return all_ops(x[0], x[1]); }, {a, b}));

  everything.backward();
  CHECK(a.grad().to_vector() == grad(all_ops(a, b), {a})[0].to_vector());
  a.zero_grad();
  CHECK_FALSE(a.grad().defined());
  CHECK_FALSE(a.detach().requires_grad());

  GradOptions options{.create_graph = true, .allow_unused = false, .grad_output = {}};
  std::vector<Tensor> gradients = grad(sum(square(a)), {a}, options);
  CHECK(gradients[0].requires_grad());
  gradients = grad(sum(square(a)), {a, b}, {.allow_unused = true});
  CHECK_FALSE(gradients[1].defined());
  // vᵀ·∂(a²)/∂a = 2a ⊙ v.
  const Tensor v = tensor({1, 2, 3, 4, 5, 6}, {2, 3}, DType::Float64);
  gradients = grad(square(a), {a}, {.grad_output = v});
  CHECK(gradients[0].to_vector() == (2.0 * a * v).to_vector());

  {
    NoGradGuard guard;
    Tensor parameter = a;
    parameter.copy_(zeros({2, 3}, DType::Float64));
    CHECK_FALSE((parameter * 2.0).requires_grad());
  }
  CHECK(a.to_vector() == std::vector<double>(6, 0.0));

  std::function<Tensor(const std::vector<Tensor>&)> function = [](const std::vector<Tensor>& x) {
    return sum(tanh(x[0]) * x[1]);
  };
  const std::vector<Tensor> inputs = {randn({3}, generator, DType::Float64).requires_grad_(),
                                      randn({3}, generator, DType::Float64).requires_grad_()};
  const bool first = gradcheck(function, inputs);
  const bool second = gradgradcheck(function, inputs);
  CHECK(first);
  CHECK(second);
}
