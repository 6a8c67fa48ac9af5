// Random number generator: a seed and a position in the Philox 4x32-10 stream.
#pragma once

#include <cstdint>

namespace ebm {

/// Counter-based generator (Philox 4x32-10). Drawing n numbers reserves the next blocks of the
/// stream keyed by the seed, so a seed gives the same numbers on every platform and device.
class Generator {
 public:
  explicit Generator(uint64_t seed);

  uint64_t seed() const { return seed_; }
  /// Blocks of the stream used so far.
  uint64_t offset() const { return offset_; }
  /// Reserves `blocks` consecutive blocks of the stream and returns the index of the first.
  uint64_t reserve(uint64_t blocks);
  /// Starts the stream over with a new seed.
  void reseed(uint64_t seed);

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
};

/// The generator that factories and losses use when none is passed. Its seed is 0 until
/// manual_seed is called.
Generator& default_generator();
/// Reseeds the default generator.
void manual_seed(uint64_t seed);

}  // namespace ebm
