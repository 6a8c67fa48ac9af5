// Host-to-device copies through pinned staging buffers. A copy from pageable memory makes the
// driver stage it and obliges the caller to wait (the host buffer may be freed on return); copying
// into a pinned buffer first lets the transfer run in stream order while the host goes on. Four
// buffers are reused in turn, each guarded by an event recorded after its transfer: reusing one
// waits only for its own transfer, never for the whole stream.
#pragma once

#include <cstddef>

namespace ebm::cuda {

/// Copies `bytes` bytes from host_data to device_data on ebm's stream; host_data may be freed as
/// soon as this returns. `op` names the copy in errors.
void upload(void* device_data, const void* host_data, std::size_t bytes, const char* op);

}  // namespace ebm::cuda
