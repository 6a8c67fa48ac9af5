// Philox 4x32-10 against the Random123 known-answer vectors, and the streams built on it.
#include <cmath>

#include "engine/philox.hpp"
#include "test_support.hpp"

using namespace ebm;

TEST_CASE("Philox 4x32-10 reproduces the Random123 known-answer vectors") {
  const auto check = [](philox::Block counter, uint32_t key0, uint32_t key1, philox::Block expected) {
    const philox::Block result = philox::philox4x32_10(counter, key0, key1);
    for (int i = 0; i < 4; ++i) CHECK(result.word[i] == expected.word[i]);
  };
  check({{0, 0, 0, 0}}, 0, 0, {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}});
  check({{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}}, 0xffffffff, 0xffffffff,
        {{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}});
  check({{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}}, 0xa4093822, 0x299f31d0,
        {{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}});
}

TEST_CASE("a seed gives the same stream — draws continue the stream") {
  Generator a(42), b(42), c(43);
  const auto first = randn({1000}, a).to_vector();
  CHECK(first == randn({1000}, b).to_vector());
  CHECK(first != randn({1000}, c).to_vector());
  // Two draws of 8 float32 values (two blocks each) equal one draw of 16.
  Generator split(5), whole(5);
  auto parts = randn({8}, split).to_vector();
  const auto rest = randn({8}, split).to_vector();
  parts.insert(parts.end(), rest.begin(), rest.end());
  CHECK(parts == randn({16}, whole).to_vector());
  CHECK(whole.offset() == 4);

  manual_seed(9);
  const auto once = rand({5}).to_vector();
  manual_seed(9);
  CHECK(once == rand({5}).to_vector());
}

TEST_CASE("uniform and normal draws have the right moments") {
  // n = 200,000: the standard error of a mean is σ/√n; tolerances are 5 standard errors.
  const int64_t n = 200000;
  for (DType dtype : {DType::Float32, DType::Float64}) {
    CAPTURE(dtype_name(dtype));
    Generator generator(123);
    const auto u = rand({n}, generator, dtype).to_vector();
    const auto z = randn({n}, generator, dtype).to_vector();
    double u_mean = 0, u_min = 1, u_max = 0, z_mean = 0, z_square = 0, z_fourth = 0;
    for (double v : u) {
      u_mean += v / n;
      u_min = std::min(u_min, v);
      u_max = std::max(u_max, v);
    }
    for (double v : z) {
      z_mean += v / n;
      z_square += v * v / n;
      z_fourth += v * v * v * v / n;
    }
    CHECK(u_min >= 0.0);
    CHECK(u_max < 1.0);
    CHECK(std::abs(u_mean - 0.5) < 5 * std::sqrt(1.0 / 12 / n));
    CHECK(std::abs(z_mean) < 5 / std::sqrt(double(n)));
    CHECK(std::abs(z_square - 1) < 5 * std::sqrt(2.0 / n));   // Var(z²) = 2
    CHECK(std::abs(z_fourth - 3) < 5 * std::sqrt(96.0 / n));  // Var(z⁴) = 105 − 9
    // Normals come in Box–Muller pairs; an odd count is the even one cut short.
    Generator odd(9), even(9);
    const auto seven = randn({7}, odd, dtype).to_vector();
    const auto eight = randn({8}, even, dtype).to_vector();
    CHECK(seven == std::vector<double>(eight.begin(), eight.begin() + 7));
  }
}
