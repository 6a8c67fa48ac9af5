#include "engine/generator.hpp"

namespace ebm {

Generator::Generator(uint64_t seed) : seed_(seed) {}

uint64_t Generator::reserve(uint64_t blocks) {
  const uint64_t first = offset_;
  offset_ += blocks;
  return first;
}

void Generator::reseed(uint64_t seed) {
  seed_ = seed;
  offset_ = 0;
}

Generator& default_generator() {
  static Generator generator(0);
  return generator;
}

void manual_seed(uint64_t seed) { default_generator().reseed(seed); }

}  // namespace ebm
