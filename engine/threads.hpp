// How many CPU threads the CPU backend's matrix products may use.
#pragma once

namespace ebm {

/// Threads for the CPU backend's matrix products, which split their rows between them (needs a
/// build with OpenMP; otherwise only 1 is possible and larger values are ignored). The default is 1.
void set_num_threads(int threads);
int num_threads();

}  // namespace ebm
