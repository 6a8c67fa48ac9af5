// Writing your own objective: subclass losses::Loss, return {loss, metrics}, and train with it
// like any built-in loss. This one is a margin ("hinge") contrastive loss,
//   L = mean max(0, m + E(x⁺) − E(x⁻)),
// which pushes each negative's energy at least m above its paired positive's, trained on a
// two-mode target with uniform noise in a box as negatives.
#include <cstdio>

#include <ebm.hpp>

using namespace ebm;

class MarginLoss : public losses::Loss {
 public:
  MarginLoss(std::shared_ptr<energies::EnergyFunction> energy, double margin) : Loss(std::move(energy)), margin_(margin) {}

  losses::LossOutput operator()(const Tensor& pos, const Tensor& neg = Tensor()) override {
    check_batch("MarginLoss", "pos", pos);
    check_same_dimension("MarginLoss", pos, neg.defined() ? neg : pos);
    // Negatives: the caller's, or uniform noise in [−3, 3]^D.
    const Tensor negatives = neg.defined() ? neg.detach() : 6.0 * rand_like(pos) - 3.0;
    const Tensor pos_energy = (*energy_)(pos);
    const Tensor neg_energy = (*energy_)(negatives);
    const Tensor loss = mean(relu(margin_ + pos_energy - neg_energy));
    return finish("MarginLoss", loss,
                  {{"pos_energy", mean(pos_energy).item()}, {"neg_energy", mean(neg_energy).item()}});
  }

 private:
  double margin_;
};

int main() {
  manual_seed(3);
  auto energy = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{2, 32, 32, 1});
  MarginLoss loss(energy, 1.0);
  optim::Adam adam(loss.parameters(), {.lr = 1e-3});

  // Data: two Gaussian blobs at (±2, 0).
  Generator generator(4);
  for (int step = 0; step <= 1500; ++step) {
    const Tensor centres = sign(randn({128, 1}, generator)) * tensor({2.0, 0.0}, {2});
    const Tensor data = centres + 0.2 * randn({128, 2}, generator);
    const auto [value, metrics] = loss(data);
    adam.zero_grad();
    value.backward();
    adam.step();
    if (step % 500 == 0) {
      std::printf("step %3d  loss %.4f  E(data) %+.3f  E(negatives) %+.3f\n", step, metrics.at("loss"),
                  metrics.at("pos_energy"), metrics.at("neg_energy"));
    }
  }
  // The modes should now sit lower than the point between them.
  const Tensor probes = tensor({-2.0, 0.0, 0.0, 0.0, 2.0, 0.0}, {3, 2});
  const auto e = (*energy)(probes).to_vector();
  std::printf("E(-2, 0) = %.3f   E(0, 0) = %.3f   E(2, 0) = %.3f\n", e[0], e[1], e[2]);
  return e[0] < e[1] && e[2] < e[1] ? 0 : 1;
}
