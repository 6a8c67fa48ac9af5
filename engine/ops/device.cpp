// Moving a tensor between devices, recorded like any op: a gradient reaches a parameter through a
// device move (NCE's log Z on the CPU in a loss on the GPU, for example).
#include <vector>

#include "engine/ops/op_support.hpp"

namespace ebm {

Tensor to_device(const Tensor& a, Device device) {
  ops::check_defined("to", a);
  if (a.device() == device) return a;
  Tensor moved = empty(a.shape(), a.dtype(), device);
  const std::size_t bytes = static_cast<std::size_t>(a.numel()) * element_size(a.dtype());
  if (a.device() == Device::CPU) {
    backend(device).copy_from_host(moved.raw_data(), a.raw_data(), bytes);
  } else if (device == Device::CPU) {
    backend(a.device()).copy_to_host(moved.raw_data(), a.raw_data(), bytes);
  } else {  // between two devices, through the host
    std::vector<char> staging(bytes);
    backend(a.device()).copy_to_host(staging.data(), a.raw_data(), bytes);
    backend(device).copy_from_host(moved.raw_data(), staging.data(), bytes);
  }
  return record(std::move(moved), "to_device", {a}, {}, SaveOutput::No,
                [source = a.device()](const Node&, const Tensor& g) -> Gradients { return {to_device(g, source)}; });
}

}  // namespace ebm
