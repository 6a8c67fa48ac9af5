// ebm's side of the GPU benchmark (bench/gpu_workloads.md): each workload named on the command line
// on Device::CUDA, one JSON line each {"impl", "workload", "median_ms", "repeats"} ("median_ms":
// null and "error" when it fails). Every timed iteration ends by reading a value back to the host,
// which waits for the GPU, so the times are the GPU's.
#include <cstdio>
#include <functional>
#include <string>

#include <ebm.hpp>

#include "timing.hpp"
#include "training_step.hpp"

using namespace ebm;

namespace {

/// Waits for the GPU by reading one value of t back.
void wait_for(const Tensor& t) { (void)slice(reshape(t, {t.numel()}), 0, 0, 1).to_vector(); }

/// s with quotes and backslashes escaped, for a JSON string.
std::string json_escaped(const std::string& s) {
  std::string escaped;
  for (char c : s) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c == '\n' ? ' ' : c;
  }
  return escaped;
}

/// The median ms of one iteration of a kernel-level workload: `body` run `count` times, then a wait.
double repeated_ms(int count, const std::function<Tensor()>& body, int repeats) {
  return bench::median_ms(
      [&] {
        Tensor last;
        for (int i = 0; i < count; ++i) last = body();
        wait_for(last);
      },
      1, repeats);
}

/// Runs one workload; returns its median ms and sets repeats.
double run_workload(const std::string& workload, int& repeats) {
  Generator generator(0);
  repeats = 10;
  if (workload == "sampling" || workload == "langevin_65536x10") {  // 1,000 steps, or 10 (for a profiler)
    auto energy = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{2, 256, 256, 1}, nn::Activation::SiLU, generator,
                                                        DType::Float32, Device::CUDA);
    samplers::LangevinDynamics langevin(energy, {.step_size = 0.01});
    const Tensor x0 = randn({65536, 2}, generator, DType::Float32, Device::CUDA);
    const int steps = workload == "sampling" ? 1000 : 10;
    repeats = workload == "sampling" ? 3 : bench::training_repeats(10);
    return bench::median_ms([&] { (void)sum(langevin.sample(x0, steps, generator)).item(); }, 1, repeats);
  }
  // The slow paths of the backend, 100 operations an iteration (10 for the scatter).
  repeats = bench::training_repeats(10);
  if (workload == "upload_4096x2") {  // batch uploads from pageable host memory
    const Tensor batch = randn({4096, 2}, generator, DType::Float32);
    return repeated_ms(100, [&] { return batch.to(Device::CUDA); }, repeats);
  }
  if (workload == "reduce_65536x2") {  // [B, 2] → [2]: few outputs
    const Tensor x = randn({65536, 2}, generator, DType::Float32, Device::CUDA);
    return repeated_ms(100, [&] { return sum_to(x, {2}); }, repeats);
  }
  if (workload == "bias_add_65536x256") {  // [N, W] ⊕ [W], as in every linear layer
    const Tensor x = randn({65536, 256}, generator, DType::Float32, Device::CUDA);
    const Tensor bias = randn({256}, generator, DType::Float32, Device::CUDA);
    return repeated_ms(100, [&] { return x + bias; }, repeats);
  }
  if (workload == "gather_backward_65536x2") {  // gather_rows' backward on narrow rows: an accumulating scatter
    const Tensor src = randn({65536, 2}, generator, DType::Float32, Device::CUDA);
    const Tensor into = zeros({65536, 2}, DType::Float32, Device::CUDA);
    std::vector<int64_t> rows(65536);
    for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int64_t>((i * 7919) % rows.size());
    return repeated_ms(10, [&] { return scatter_add_rows(into, rows, src); }, repeats);
  }
  if (workload == "randn_65536x256") {  // Philox normals
    return repeated_ms(100, [&] { return randn({65536, 256}, generator, DType::Float32, Device::CUDA); }, repeats);
  }
  // objective_batch_dD, e.g. ssm_65536_d32.
  const auto first = workload.find('_'), second = workload.rfind("_d");
  if (first == std::string::npos || second == std::string::npos || second <= first) {
    throw std::invalid_argument("unknown workload '" + workload + "'");
  }
  bench::TrainingStep step(workload.substr(0, first), std::stoll(workload.substr(first + 1, second - first - 1)),
                           std::stoll(workload.substr(second + 2)), 256, Device::CUDA);
  return bench::median_ms([&step] { step(); }, 3, repeats);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: ebm_gpu_bench WORKLOAD... (e.g. dsm_4096_d2 sampling reduce_65536x2)\n");
    return 2;
  }
  if (!cuda_is_available()) {
    std::fprintf(stderr, "ebm_gpu_bench: no usable GPU: %s\n", cuda_device_description().c_str());
    return 3;
  }
  int status = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string workload = argv[i];
    int repeats = 0;
    try {
      const double ms = run_workload(workload, repeats);
      std::printf("{\"impl\": \"ebm\", \"workload\": \"%s\", \"median_ms\": %.4f, \"repeats\": %d}\n", workload.c_str(), ms, repeats);
    } catch (const std::exception& error) {
      std::printf("{\"impl\": \"ebm\", \"workload\": \"%s\", \"median_ms\": null, \"error\": \"%s\"}\n", workload.c_str(),
                  json_escaped(error.what()).c_str());
      status = 1;
    }
    std::fflush(stdout);
  }
  return status;
}
