// Philox 4x32-10 (Salmon et al., "Parallel Random Numbers: As Easy as 1, 2, 3", SC 2011) and the
// maps from its words to uniform numbers and, by Box–Muller, normals. Plain
// portable code with no state: the n-th number of a stream is a pure function of (seed, counter),
// so a CUDA kernel that includes this header produces the same integers as the CPU.
#pragma once

#include <cmath>
#include <cstdint>

#include "engine/host_device.hpp"
#include "engine/scalar_math.hpp"

namespace ebm::philox {

struct Block {
  uint32_t word[4];
};

/// One Philox round: two 32×32→64 multiplications, the high halves xor-ed with the other words
/// and the key (a Feistel-like step).
EBM_HOST_DEVICE inline Block round(Block counter, uint32_t key0, uint32_t key1) {
  const uint64_t product0 = uint64_t{0xD2511F53u} * counter.word[0];
  const uint64_t product1 = uint64_t{0xCD9E8D57u} * counter.word[2];
  return Block{{static_cast<uint32_t>(product1 >> 32) ^ counter.word[1] ^ key0,
                static_cast<uint32_t>(product1),
                static_cast<uint32_t>(product0 >> 32) ^ counter.word[3] ^ key1,
                static_cast<uint32_t>(product0)}};
}

/// Philox 4x32 with 10 rounds; the key is bumped by the Weyl constants between rounds.
EBM_HOST_DEVICE inline Block philox4x32_10(Block counter, uint32_t key0, uint32_t key1) {
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      key0 += 0x9E3779B9u;
      key1 += 0xBB67AE85u;
    }
    counter = round(counter, key0, key1);
  }
  return counter;
}

/// The block at position `index` of the stream keyed by `seed`: counter = (index, 0).
EBM_HOST_DEVICE inline Block stream_block(uint64_t seed, uint64_t index) {
  return philox4x32_10(Block{{static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), 0u, 0u}},
                       static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

/// Elements drawn from one block: four for float32 (32 bits each), two for float64 (64 bits each).
template <class T>
inline constexpr int per_block = sizeof(T) == 4 ? 4 : 2;

/// The numbers drawn from one block.
template <class T>
struct Draws {
  T value[per_block<T>];
};

/// The top 53 bits of the 64-bit word pair of a float64 lane: a double's mantissa worth.
EBM_HOST_DEVICE inline uint64_t high_53_bits(const Block& block, int lane) {
  return ((uint64_t{block.word[2 * lane]} << 32) | block.word[2 * lane + 1]) >> 11;
}

/// Uniforms in [0, 1) with 24 (float) or 53 (double) random bits each.
template <class T>
EBM_HOST_DEVICE inline Draws<T> uniforms(const Block& block) {
  Draws<T> draws{};
  for (int lane = 0; lane < per_block<T>; ++lane) {
    if constexpr (sizeof(T) == 4) {
      draws.value[lane] = static_cast<T>(block.word[lane] >> 8) * T(1.0 / 16777216.0);
    } else {
      draws.value[lane] = static_cast<T>(high_53_bits(block, lane)) * T(1.0 / 9007199254740992.0);
    }
  }
  return draws;
}

/// Uniform in the open interval (0, 1) in double precision from lane `lane` (of T's lanes), for
/// Box–Muller's logarithm: never 0.
template <class T>
EBM_HOST_DEVICE inline double open_uniform(const Block& block, int lane) {
  if constexpr (sizeof(T) == 4) {
    return (double(block.word[lane]) + 0.5) * (1.0 / 4294967296.0);
  } else {
    return (double(high_53_bits(block, lane)) + 0.5) * (1.0 / 9007199254740992.0);
  }
}

/// Two normals from lanes `lane` and `lane + 1` of a block by Box–Muller, in T:
/// r = √(−2 log u₁), θ = 2πu₂, first = r cos θ, second = r sin θ, with u in (0, 1). The CUDA kernels
/// draw normals with this function; the CPU evaluates the same formula with Eigen's vectorised
/// functions, which may differ from the math library's in the last bits (docs/gpu.md).
template <class T>
EBM_HOST_DEVICE inline void box_muller(const Block& block, int lane, T& first, T& second) {
  const T radius = scalar::sqrt(T(-2) * scalar::log(static_cast<T>(open_uniform<T>(block, lane))));
  const T angle = T(6.283185307179586) * static_cast<T>(open_uniform<T>(block, lane + 1));
  first = radius * scalar::cos(angle);
  second = radius * scalar::sin(angle);
}

}  // namespace ebm::philox
