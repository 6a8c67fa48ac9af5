#include "losses/loss.hpp"

#include <cmath>
#include <sstream>

#include "engine/autograd/anomaly.hpp"
#include "engine/ops.hpp"

namespace ebm::losses {
namespace {

std::string describe_metrics(const std::string& loss_name, const std::map<std::string, double>& metrics) {
  std::ostringstream text;
  text << loss_name << ": the loss is not finite (";
  bool first = true;
  for (const auto& [name, value] : metrics) {
    text << (first ? "" : ", ") << name << " = " << value;
    first = false;
  }
  text << "); the energy has probably diverged: lower the learning rate or the sampler's step size, "
          "or add regularisation";
  return text.str();
}

}  // namespace

NonFiniteLoss::NonFiniteLoss(const std::string& loss_name, std::map<std::string, double> metrics_)
    : std::runtime_error(describe_metrics(loss_name, metrics_)), metrics(std::move(metrics_)) {}

Loss::Loss(std::shared_ptr<energies::EnergyFunction> energy) : energy_(std::move(energy)) {
  if (!energy_) throw std::invalid_argument("loss: the energy function is null");
}

std::vector<Tensor> Loss::parameters() const { return energy_->parameters(); }

void Loss::check_batch(const char* loss, const char* what, const Tensor& x) const {
  const std::string where = std::string(loss) + ": " + what;
  if (!x.defined()) throw std::invalid_argument(where + " samples are missing");
  if (x.dim() != 2) throw std::invalid_argument(where + " samples must have shape [N, D], got " + shape_string(x.shape()));
  if (x.size(0) == 0) throw std::invalid_argument(where + " batch is empty (N = 0)");
  if (x.size(1) == 0) throw std::invalid_argument(where + " samples have D = 0");
  if (const auto bad = describe_non_finite(x)) throw std::invalid_argument(where + " samples contain NaN or infinite values: " + *bad);
}

void Loss::check_same_dimension(const char* loss, const Tensor& pos, const Tensor& neg) const {
  if (pos.size(1) != neg.size(1)) {
    throw std::invalid_argument(std::string(loss) + ": pos samples have D = " + std::to_string(pos.size(1)) +
                                " but neg samples have D = " + std::to_string(neg.size(1)));
  }
}

LossOutput Loss::finish(const char* loss, Tensor value, std::map<std::string, double> metrics) const {
  const double scalar = value.item();
  metrics["loss"] = scalar;
  if (!std::isfinite(scalar)) throw NonFiniteLoss(loss, std::move(metrics));
  return {std::move(value), std::move(metrics)};
}

}  // namespace ebm::losses
