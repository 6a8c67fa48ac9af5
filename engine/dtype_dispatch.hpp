// The one switch from a run-time dtype to a C++ element type, for the backends' kernels.
#pragma once

#include "engine/types.hpp"

namespace ebm {

/// Calls body(T{}) with T the C++ type of the dtype: float for Float32, double for Float64.
template <class Body>
void with_type(DType dtype, Body&& body) {
  if (dtype == DType::Float32) {
    body(float{});
  } else {
    body(double{});
  }
}

}  // namespace ebm
