// Which compilation of the CPU kernels runs (engine/cpu/dispatch.cpp, docs/backends.md).
#pragma once

#include <string_view>

#include "engine/backend.hpp"

namespace ebm::cpu {

/// The CPU backend in use: the level chosen once, at the first call (ebm::cpu_capability()).
const Backend& cpu_backend();

/// The CPU backend compiled for `level` ("baseline", "avx2", "avx512", "native"), whatever level
/// is in use; null when this build lacks it or this CPU cannot run it. The tests compare levels
/// with it.
const Backend* backend_at(std::string_view level);

}  // namespace ebm::cpu
