// LibTorch's side of the benchmark (bench/workloads.md), one workload per process, one thread.
// Prints one JSON line like ebm_bench.
#include <torch/torch.h>

#include <cstdio>
#include <string>
#include <vector>

#include "../timing.hpp"

namespace {

torch::nn::Sequential mlp(int64_t d) {
  return torch::nn::Sequential(torch::nn::Linear(d, 128), torch::nn::SiLU(), torch::nn::Linear(128, 128), torch::nn::SiLU(),
                               torch::nn::Linear(128, 1));
}

std::pair<torch::Tensor, torch::Tensor> energy_gradient(torch::nn::Sequential& net, const torch::Tensor& x, bool create_graph) {
  auto leaf = x.detach().requires_grad_(true);
  auto e = net->forward(leaf).sum();
  auto g = torch::autograd::grad({e}, {leaf}, {}, create_graph, create_graph)[0];
  return {leaf, g};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const std::string workload = argv[1];
  torch::set_num_threads(1);
  torch::manual_seed(0);
  int repeats = 20;
  double ms = 0;
  if (workload.rfind("small_", 0) == 0 || workload.rfind("medium_", 0) == 0) {
    repeats = bench::training_repeats(repeats);
    const bool small = workload.rfind("small_", 0) == 0;
    const int64_t batch = small ? 64 : 256, d = small ? 8 : 2;
    const std::string objective = workload.substr(workload.find('_') + 1);
    auto net = mlp(d);
    torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(1e-3));
    ms = bench::median_ms([&] {
      auto x = torch::randn({batch, d});
      torch::Tensor loss;
      if (objective == "dsm") {
        auto eps = torch::randn_like(x);
        auto [leaf, g] = energy_gradient(net, x + 0.1 * eps, true);
        loss = 0.5 * (g - eps / 0.1).pow(2).sum(1).mean();
      } else if (objective == "ssm") {
        auto [leaf, g] = energy_gradient(net, x, true);
        auto v = torch::randn_like(x);
        auto gv = (g * v).sum(1);
        auto hv = torch::autograd::grad({gv.sum()}, {leaf}, {}, true, true)[0];
        loss = (-(hv * v).sum(1) + 0.5 * gv.pow(2)).mean();
      } else if (objective == "sm") {
        auto [leaf, g] = energy_gradient(net, x, true);
        auto trace = torch::zeros({batch});
        for (int64_t k = 0; k < d; ++k) trace = trace + torch::autograd::grad({g.select(1, k).sum()}, {leaf}, {}, true, true)[0].select(1, k);
        loss = (0.5 * g.pow(2).sum(1) - trace).mean();
      } else {
        auto neg = x.clone();
        for (int s = 0; s < 20; ++s) {
          auto [leaf, g] = energy_gradient(net, neg, false);
          neg = (neg - 0.01 * g + std::sqrt(0.02) * torch::randn_like(neg)).detach();
        }
        loss = net->forward(x).mean() - net->forward(neg).mean();
      }
      adam.zero_grad();
      loss.backward();
      adam.step();
    }, 5, repeats);
  } else if (workload == "sampling") {
    auto net = mlp(2);
    for (auto& p : net->parameters()) p.requires_grad_(false);
    auto x0 = torch::randn({4096, 2});
    repeats = 5;
    ms = bench::median_ms([&] {
      auto x = x0;
      for (int s = 0; s < 100; ++s) {
        auto [leaf, g] = energy_gradient(net, x, false);
        x = (x - 0.01 * g + std::sqrt(0.02) * torch::randn_like(x)).detach();
      }
    }, 1, repeats);
  } else if (workload == "overhead") {
    auto b = torch::randn({256, 128}), c = torch::randn({256, 128}) * 0.01, r0 = torch::randn({256, 128});
    ms = bench::median_ms([&] {
      torch::NoGradGuard no_grad;
      auto r = r0;
      for (int i = 0; i < 1000; ++i) r = r * b + c;
    }, 2, repeats);
  } else {
    return 2;
  }
  std::printf("{\"impl\": \"libtorch\", \"workload\": \"%s\", \"median_ms\": %.4f, \"repeats\": %d, \"peak_rss_mb\": %.1f}\n", workload.c_str(), ms,
              repeats, bench::peak_rss_mb());
  return 0;
}
