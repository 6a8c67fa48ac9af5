// The CUDA suite: the same work on the GPU and on the CPU must agree. Built only with the CUDA
// backend; without a usable GPU the whole binary reports skipped to ctest (tests/main.cpp).
// Tolerances: float64 results agree to rounding (1e-10 relative after a training step); float32
// forward values to 1e-5 and gradients to 1e-4, the parity targets.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>

#include "fused_checks.hpp"
#include "op_rows.hpp"
#include "special_values.hpp"
#include "test_support.hpp"

namespace {

using namespace ebm;
using ebm::testing::max_relative_error;
using ebm::testing::ulp_distance;

double forward_tolerance(DType dtype) { return dtype == DType::Float64 ? 1e-12 : 1e-5; }
double gradient_tolerance(DType dtype) { return dtype == DType::Float64 ? 1e-10 : 1e-4; }

/// The energy's parameters, on the host.
std::vector<std::vector<double>> parameter_values(const energies::EnergyFunction& energy) {
  std::vector<std::vector<double>> values;
  for (const Tensor& parameter : energy.parameters()) values.push_back(parameter.to_vector());
  return values;
}

}  // namespace

TEST_CASE("every row of the op table on the GPU: forward and gradients match the CPU, gradcheck and gradgradcheck there") {
  uint64_t seed = 100;
  for (const ebm::testing::OpCase& row : ebm::testing::op_table()) {
    CAPTURE(row.name);
    const bool differentiable = row.differentiable == ebm::testing::Differentiable::Yes;
    std::vector<Tensor> inputs;
    for (const Shape& shape : row.shapes) inputs.push_back(ebm::testing::sample_input(shape, row.low, row.high, row.kinks, seed++));
    for (DType dtype : {DType::Float64, DType::Float32}) {
      CAPTURE(std::string(dtype_name(dtype)));
      std::vector<Tensor> on_cpu, on_gpu;
      for (const Tensor& input : inputs) {
        on_cpu.push_back(input.to(dtype).detach().requires_grad_());
        on_gpu.push_back(input.to(dtype).to(Device::CUDA).detach().requires_grad_());
      }
      const Tensor cpu_out = row.op(on_cpu), gpu_out = row.op(on_gpu);
      REQUIRE(gpu_out.device() == Device::CUDA);
      REQUIRE(gpu_out.shape() == cpu_out.shape());
      CHECK(max_relative_error(gpu_out.to_vector(), cpu_out.to_vector()) < forward_tolerance(dtype));
      if (!differentiable) {
        CHECK_FALSE(gpu_out.requires_grad());
        continue;
      }
      // Gradients of ⟨w, op(x)⟩ for fixed weights w, on both devices.
      const Tensor weights = ebm::testing::sample_input(cpu_out.shape(), -1, 1, {}, seed++, dtype);
      const auto cpu_gradients = grad(sum(cpu_out * weights), on_cpu, {.allow_unused = true});
      const auto gpu_gradients = grad(sum(gpu_out * weights.to(Device::CUDA)), on_gpu, {.allow_unused = true});
      for (std::size_t i = 0; i < on_cpu.size(); ++i) {
        CAPTURE(i);
        REQUIRE(gpu_gradients[i].defined() == cpu_gradients[i].defined());
        if (!cpu_gradients[i].defined()) continue;
        CHECK(gpu_gradients[i].device() == Device::CUDA);
        CHECK(max_relative_error(gpu_gradients[i].to_vector(), cpu_gradients[i].to_vector()) < gradient_tolerance(dtype));
      }
    }
    if (!differentiable) continue;
    std::vector<Tensor> on_gpu;
    for (const Tensor& input : inputs) on_gpu.push_back(input.to(Device::CUDA).detach().requires_grad_());
    CHECK(gradcheck(row.op, on_gpu));
    CHECK(gradgradcheck(row.op, on_gpu));
  }
}

TEST_CASE("random streams: uniforms bit for bit the CPU's, normals within a few ulps") {
  for (DType dtype : {DType::Float32, DType::Float64}) {
    CAPTURE(std::string(dtype_name(dtype)));
    for (const Shape& shape : {Shape{1}, Shape{7}, Shape{1001, 3}, Shape{4096, 33}}) {
      CAPTURE(shape_string(shape));
      Generator cpu(42), gpu(42);
      CHECK(rand(shape, gpu, dtype, Device::CUDA).to_vector() == rand(shape, cpu, dtype).to_vector());
      CHECK(gpu.offset() == cpu.offset());
      const std::vector<double> on_gpu = randn(shape, gpu, dtype, Device::CUDA).to_vector();
      const std::vector<double> on_cpu = randn(shape, cpu, dtype).to_vector();
      int64_t worst = 0;
      for (std::size_t i = 0; i < on_cpu.size(); ++i) {
        worst = std::max(worst, dtype == DType::Float32 ? ulp_distance<float>(on_gpu[i], on_cpu[i])
                                                        : ulp_distance<double>(on_gpu[i], on_cpu[i]));
      }
      MESSAGE("normals " << std::string(dtype_name(dtype)) << " " << shape_string(shape) << ": largest difference " << worst << " ulp");
      CHECK(worst <= 16);
    }
  }
}

TEST_CASE("every unary kernel and SiLU derivative at special values: the GPU agrees with the CPU") {
  for (DType dtype : {DType::Float32, DType::Float64}) {
    const std::vector<double> values = ebm::testing::special_values(dtype);
    const Tensor on_cpu = tensor(values, {static_cast<int64_t>(values.size())}, dtype);
    const Tensor on_gpu = on_cpu.to(Device::CUDA);
    // out = f(x) on both devices, compared by tests/special_values.hpp's rule.
    const auto compare = [&](const std::string& name, bool periodic, const auto& f) {
      Tensor cpu_out = empty(on_cpu.shape(), dtype), gpu_out = empty(on_cpu.shape(), dtype, Device::CUDA);
      f(backend(Device::CPU), on_cpu, cpu_out);
      f(backend(Device::CUDA), on_gpu, gpu_out);
      ebm::testing::check_agreement(name, values, gpu_out.to_vector(), cpu_out.to_vector(), dtype, periodic);
    };
    for (int kernel = 0; kernel <= static_cast<int>(UnaryKernel::Silu); ++kernel) {
      const auto unary_kernel = static_cast<UnaryKernel>(kernel);
      const bool periodic = unary_kernel == UnaryKernel::Sin || unary_kernel == UnaryKernel::Cos;
      compare("unary kernel " + std::to_string(kernel), periodic,
              [&](const Backend& device, const Tensor& x, Tensor& out) { device.unary(unary_kernel, x, out); });
    }
    compare("silu_backward", false, [&](const Backend& device, const Tensor& x, Tensor& out) {
      device.silu_backward(ones(x.shape(), dtype, x.device()), x, out);
    });
    compare("silu_second_derivative", false, [](const Backend& device, const Tensor& x, Tensor& out) { device.silu_second_derivative(x, out); });
    compare("silu_third_derivative", false, [](const Backend& device, const Tensor& x, Tensor& out) { device.silu_third_derivative(x, out); });
  }
}

TEST_CASE("fused kernels on the GPU agree with their composites in primitives") {
  for (DType dtype : {DType::Float64, DType::Float32}) {
    CAPTURE(std::string(dtype_name(dtype)));
    ebm::testing::check_fused_kernels(Device::CUDA, dtype);
  }
}

TEST_CASE("reductions and broadcasts of every layout agree with the CPU, including split segments") {
  Generator generator(3);
  for (const auto& [input, out] : std::vector<std::pair<Shape, Shape>>{{{70000, 3}, {3}},      // few outputs: segments
                                                                        {{5, 30000}, {5, 1}},  // contiguous terms
                                                                        {{300, 7}, {300, 1}},
                                                                        {{33, 2, 5}, {1, 2, 1}},
                                                                        {{2048, 5}, {}},
                                                                        {{65536, 2}, {2}},     // few outputs: lanes by outputs
                                                                        {{100000}, {}},        // a scalar: all 256 threads
                                                                        {{0, 4}, {4}}}) {
    CAPTURE(shape_string(input));
    const Tensor a = randn(input, generator, DType::Float64);
    const Tensor on_gpu = a.to(Device::CUDA);
    CHECK(max_relative_error(sum_to(on_gpu, out).to_vector(), sum_to(a, out).to_vector()) < 1e-12);
    Tensor gpu_max = empty(out, DType::Float64, Device::CUDA), cpu_max = empty(out, DType::Float64);
    backend(Device::CUDA).max_to(on_gpu, gpu_max);
    backend(Device::CPU).max_to(a, cpu_max);
    CHECK(gpu_max.to_vector() == cpu_max.to_vector());
    // The GPU and the CPU sum in different orders; expand copies whatever sum it is given.
    const Tensor gpu_sum = sum_to(on_gpu, out);
    CHECK(expand(gpu_sum, input).to_vector() == expand(gpu_sum.to(Device::CPU), input).to_vector());
  }
  // NaN propagates through max, as on the CPU.
  Tensor with_nan = tensor({1, NAN, 3, 4}, {2, 2}, DType::Float64, Device::CUDA), row_max = empty({2}, DType::Float64, Device::CUDA);
  backend(Device::CUDA).max_to(with_nan, row_max);
  const std::vector<double> maxima = row_max.to_vector();
  CHECK(std::isnan(maxima[1]));
  CHECK(maxima[0] == 3);
}

TEST_CASE("uploads through the staging buffers arrive whole, their host buffers freed at once") {
  // More uploads than staging buffers, one of them larger than a staging piece (16 MiB).
  std::vector<Tensor> uploaded;
  std::vector<std::vector<double>> expected;
  for (int64_t size : {1, 3, 1000, 5'000'000, 7, 65536, 2, 12345}) {
    std::vector<double> values(static_cast<std::size_t>(size));
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i % 1000) + 0.25 * static_cast<double>(size % 7);
    {
      const Tensor on_host = tensor(values, {size}, DType::Float64);
      uploaded.push_back(on_host.to(Device::CUDA));
    }  // the host tensor is gone before the transfer is known to have finished
    expected.push_back(std::move(values));
  }
  for (std::size_t i = 0; i < uploaded.size(); ++i) CHECK(uploaded[i].to_vector() == expected[i]);
}

TEST_CASE("matmul through cuBLAS: every transpose, accumulation, and shapes the CPU bypasses") {
  Generator generator(4);
  for (DType dtype : {DType::Float64, DType::Float32}) {
    for (const auto& [rows, depth, columns] : std::vector<std::array<int64_t, 3>>{{4096, 2, 256}, {256, 4096, 2}, {3, 1, 4}, {1, 7, 1}, {5, 0, 3}}) {
      for (int flags = 0; flags < 8; ++flags) {
        const bool ta = flags & 1, tb = flags & 2, accumulate = flags & 4;
        CAPTURE(std::string(dtype_name(dtype)));
        CAPTURE(rows);
        CAPTURE(depth);
        CAPTURE(columns);
        CAPTURE(flags);
        const Tensor a = randn(ta ? Shape{depth, rows} : Shape{rows, depth}, generator, dtype);
        const Tensor b = randn(tb ? Shape{columns, depth} : Shape{depth, columns}, generator, dtype);
        const Tensor start = randn({rows, columns}, generator, dtype);
        Tensor cpu = clone(start), gpu = start.to(Device::CUDA);
        backend(Device::CPU).matmul(a, ta, b, tb, cpu, accumulate);
        backend(Device::CUDA).matmul(a.to(Device::CUDA), ta, b.to(Device::CUDA), tb, gpu, accumulate);
        // Sums of `depth` products: relative to their size, rounding grows like √depth.
        CHECK(max_relative_error(gpu.to_vector(), cpu.to_vector()) < forward_tolerance(dtype) * std::sqrt(double(depth) + 1) * 10);
      }
    }
  }
}

TEST_CASE("a device move is differentiable: gradients reach CPU leaves through GPU work, to any order") {
  const Tensor x = tensor({0.5, -1.0, 2.0}, {3}, DType::Float64).requires_grad_();
  const Tensor y = x.to(Device::CUDA);
  CHECK(y.device() == Device::CUDA);
  CHECK(y.requires_grad());
  const Tensor energy = sum(pow(y, 3.0));
  const Tensor first = grad(energy, {x}, {.create_graph = true})[0];  // 3x², on the CPU
  CHECK(first.device() == Device::CPU);
  CHECK(max_relative_error(first.to_vector(), {0.75, 3.0, 12.0}) < 1e-14);
  const Tensor second = grad(sum(first), {x})[0];  // 6x
  CHECK(max_relative_error(second.to_vector(), {3.0, -6.0, 12.0}) < 1e-14);
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return sum(exp(in[0].to(Device::CUDA))).to(Device::CPU); }, {x}));
  CHECK(gradgradcheck([](const std::vector<Tensor>& in) { return sum(sin(in[0].to(Device::CUDA)) * in[0].to(Device::CUDA)).to(Device::CPU); },
                      {x}));
}

TEST_CASE("every loss on the GPU matches the CPU on a fixed seed: loss and parameter gradients") {
  for (DType dtype : {DType::Float64, DType::Float32}) {
    for (const char* name : {"dsm", "ssm", "sm", "nce", "cd", "pcd", "mle"}) {
      CAPTURE(std::string(dtype_name(dtype)));
      CAPTURE(std::string(name));
      // A parameter that the loss does not depend on has no gradient, on either device (the last
      // layer's bias under the score-based losses, which see only ∇ₓE).
      std::vector<std::vector<double>> gradients[2];
      std::vector<bool> defined[2];
      double losses[2] = {0, 0};
      for (Device device : {Device::CPU, Device::CUDA}) {
        Generator init(5);
        auto energy = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{2, 32, 32, 1}, nn::Activation::SiLU, init, dtype, device);
        Generator data(6);
        const Tensor batch = randn({256, 2}, data, dtype, device);
        const Tensor negatives = randn({256, 2}, data, dtype, device) * 2.0;
        manual_seed(7);
        auto loss = losses::make_loss(name, energy);
        const auto [value, metrics] = std::string(name) == "mle" ? (*loss)(batch, negatives) : (*loss)(batch);
        value.backward();
        const auto index = static_cast<std::size_t>(device == Device::CUDA);
        losses[index] = value.item();
        for (const Tensor& parameter : loss->parameters()) {
          defined[index].push_back(parameter.grad().defined());
          gradients[index].push_back(parameter.grad().defined() ? parameter.grad().to_vector() : std::vector<double>{});
        }
      }
      CHECK(std::abs(losses[1] - losses[0]) <= forward_tolerance(dtype) * 10 * (1 + std::abs(losses[0])));
      REQUIRE(gradients[1].size() == gradients[0].size());
      CHECK(defined[1] == defined[0]);
      CHECK(std::count(defined[0].begin(), defined[0].end(), true) >= static_cast<std::ptrdiff_t>(defined[0].size()) - 1);
      for (std::size_t i = 0; i < gradients[0].size(); ++i) {
        CAPTURE(i);
        CHECK(max_relative_error(gradients[1][i], gradients[0][i]) < gradient_tolerance(dtype) * 10);
      }
    }
  }
}

TEST_CASE("samplers on the GPU follow the CPU's chains on a fixed seed") {
  Generator cpu_init(8), gpu_init(8);
  const auto cpu_energy = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{2, 16, 1}, nn::Activation::SiLU, cpu_init, DType::Float64);
  const auto gpu_energy = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{2, 16, 1}, nn::Activation::SiLU, gpu_init, DType::Float64);
  gpu_energy->to(Device::CUDA);
  for (int kind = 0; kind < 4; ++kind) {
    CAPTURE(kind);
    Tensor states[2];
    for (Device device : {Device::CPU, Device::CUDA}) {
      const auto energy = device == Device::CPU ? cpu_energy : gpu_energy;
      std::unique_ptr<samplers::Sampler> sampler;
      if (kind == 0) sampler = std::make_unique<samplers::LangevinDynamics>(energy, samplers::LangevinOptions{.step_size = 0.01});
      if (kind == 1) sampler = std::make_unique<samplers::MALA>(energy, samplers::MALAOptions{.step_size = 0.01});
      if (kind == 2) sampler = std::make_unique<samplers::HamiltonianMonteCarlo>(energy, samplers::HMCOptions{.step_size = 0.05, .n_leapfrog = 4});
      if (kind == 3) sampler = std::make_unique<samplers::AnnealedLangevin>(energy, samplers::AnnealedLangevinOptions{.sigmas = {0.5, 0.1}, .step_size = 1e-3, .steps_per_level = 10});
      Generator start(9), chain(10);
      states[device == Device::CUDA] = sampler->sample(randn({64, 2}, start, DType::Float64, device), 20, chain);
    }
    CHECK(states[1].device() == Device::CUDA);
    CHECK(max_relative_error(states[1].to_vector(), states[0].to_vector()) < 1e-9);
  }
}

TEST_CASE("Adam on the GPU takes the CPU's steps, and checkpoints move between devices") {
  Generator cpu_init(11), gpu_init(11);
  energies::MLPEnergy cpu_energy({2, 32, 1}, nn::Activation::SiLU, cpu_init, DType::Float64);
  energies::MLPEnergy gpu_energy({2, 32, 1}, nn::Activation::SiLU, gpu_init, DType::Float64, Device::CUDA);
  optim::Adam cpu_adam(cpu_energy.parameters(), {.lr = 1e-2, .weight_decay = 1e-3});
  optim::Adam gpu_adam(gpu_energy.parameters(), {.lr = 1e-2, .weight_decay = 1e-3});
  Generator data(12);
  const Tensor batch = randn({128, 2}, data, DType::Float64);
  for (int step = 0; step < 5; ++step) {
    cpu_adam.zero_grad();
    gpu_adam.zero_grad();
    mean(cpu_energy(batch)).backward();
    mean(gpu_energy(batch.to(Device::CUDA))).backward();
    cpu_adam.step();
    gpu_adam.step();
  }
  const auto cpu_values = parameter_values(cpu_energy), gpu_values = parameter_values(gpu_energy);
  for (std::size_t i = 0; i < cpu_values.size(); ++i) CHECK(max_relative_error(gpu_values[i], cpu_values[i]) < 1e-10);

  // Saved from the GPU, loaded on the CPU, and back.
  const std::filesystem::path file = std::filesystem::temp_directory_path() / "ebm_cuda_test_params.bin";
  nn::save(gpu_energy.parameters(), file.string());
  Generator other(99);
  energies::MLPEnergy loaded({2, 32, 1}, nn::Activation::SiLU, other, DType::Float64);
  std::vector<Tensor> loaded_parameters = loaded.parameters();
  nn::load(loaded_parameters, file.string());
  CHECK(parameter_values(loaded) == gpu_values);
  nn::save(loaded.parameters(), file.string());
  energies::MLPEnergy back({2, 32, 1}, nn::Activation::SiLU, other, DType::Float64, Device::CUDA);
  std::vector<Tensor> back_parameters = back.parameters();
  nn::load(back_parameters, file.string());
  CHECK(back.parameters()[0].device() == Device::CUDA);
  CHECK(parameter_values(back) == gpu_values);
  std::filesystem::remove(file);
}

TEST_CASE("the replay buffer and row ops work with chains on the GPU") {
  const Tensor a = tensor({0, 1, 2, 3, 4, 5}, {3, 2}, DType::Float64, Device::CUDA);
  CHECK(gather_rows(a, {2, 0, 2}).to_vector() == std::vector<double>{4, 5, 0, 1, 4, 5});
  CHECK(scatter_add_rows(zeros({3, 1}, DType::Float64, Device::CUDA), {1, 1, 1}, tensor({1, 10, 100}, {3, 1}, DType::Float64, Device::CUDA))
            .to_vector() == std::vector<double>{0, 111, 0});
  Tensor into = zeros({4, 2}, DType::Float64, Device::CUDA);
  scatter_rows_(into, {3, 0}, tensor({1, 2, 3, 4}, {2, 2}, DType::Float64));  // from the CPU
  CHECK(into.to_vector() == std::vector<double>{3, 4, 0, 0, 0, 0, 1, 2});
  const Tensor x = a.detach().requires_grad_();
  sum(gather_rows(x, {2, 0, 2}) * tensor({1, 2, 3, 4, 5, 6}, {3, 2}, DType::Float64, Device::CUDA)).backward();
  CHECK(x.grad().to_vector() == std::vector<double>{3, 4, 0, 0, 6, 8});
  // An accumulating scatter with repeated rows adds each target's sources in their order, as the
  // CPU does: the same sums bit for bit (gather_rows' backward on narrow rows).
  Generator rows_generator(14);
  std::vector<int64_t> rows(5000);
  const std::vector<double> draws = rand({5000}, rows_generator, DType::Float64).to_vector();
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int64_t>(draws[i] * 700);
  const Tensor sources = randn({5000, 3}, rows_generator, DType::Float32);
  const Tensor base = randn({700, 3}, rows_generator, DType::Float32);
  CHECK(scatter_add_rows(base.to(Device::CUDA), rows, sources.to(Device::CUDA)).to_vector() ==
        scatter_add_rows(base, rows, sources).to_vector());
  // Chains restarted at data rows on the GPU, in another dtype: the buffer (on the CPU) takes them.
  Generator generator(13);
  samplers::ReplayBuffer buffer(2, {.capacity = 3, .reinit_fraction = 0, .data_restart_fraction = 1}, generator, DType::Float64);
  const Tensor data = tensor({0.5, 1, 2, 3, 4, 5, 6, 7}, {4, 2}, DType::Float32, Device::CUDA);
  CHECK(buffer.sample(3, generator, data).states.to_vector() == std::vector<double>{0.5, 1, 2, 3, 4, 5});
}
