// Adam's update as an in-place op: the optimizer's one call into the engine, on any device.
#include <initializer_list>
#include <stdexcept>
#include <string>

#include "engine/autograd/grad_mode.hpp"
#include "engine/ops/op_support.hpp"

namespace ebm {

void adam_update_(Tensor& parameter, Tensor& first_moment, Tensor& second_moment, const Tensor& gradient,
                  const AdamCoefficients& coefficients) {
  for (const Tensor* operand : std::initializer_list<const Tensor*>{&first_moment, &second_moment, &gradient}) {
    ops::check_compatible("adam_update_", parameter, *operand);
    if (operand->shape() != parameter.shape()) {
      throw std::invalid_argument("adam_update_: the moments and the gradient must have the parameter's shape " +
                                  shape_string(parameter.shape()) + ", got " + shape_string(operand->shape()));
    }
  }
  if (grad_mode_enabled() && parameter.requires_grad()) {
    throw std::invalid_argument("adam_update_: updates a parameter in place, which is not recorded; call it under NoGradGuard");
  }
  backend(parameter.device()).adam_update_(parameter, first_moment, second_moment, gradient.detach(), coefficients);
  for (const Tensor* updated : {&parameter, &first_moment, &second_moment}) updated->bump_version();
}

}  // namespace ebm
