// The fuzz targets' inputs replayed in the normal build: every seed of fuzz/corpus/ and every
// finding kept in fuzz/regressions/ goes through its parser (fuzz/inputs.hpp), which must accept
// it or refuse it cleanly. Under scripts/sanitize.sh this runs with ASan and UBSan too.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string>

#include "fuzz/inputs.hpp"

namespace {

namespace fs = std::filesystem;

const std::map<std::string, std::function<void(std::string_view)>>& parsers() {
  static const std::map<std::string, std::function<void(std::string_view)>> table = {
      {"model_file", ebm::fuzz::read_model_file},
      {"checkpoint", ebm::fuzz::read_checkpoint},
      {"csv", ebm::fuzz::read_csv},
      {"cli", ebm::fuzz::parse_arguments},
  };
  return table;
}

std::string contents(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Feeds every file of SOURCE/fuzz/FOLDER/TARGET/ to TARGET's parser; returns how many.
int replay(const std::string& folder) {
  int inputs = 0;
  for (const auto& [target, parse] : parsers()) {
    const fs::path directory = fs::path(EBM_SOURCE_DIR) / "fuzz" / folder / target;
    if (!fs::exists(directory)) continue;
    for (const fs::directory_entry& entry : fs::directory_iterator(directory)) {
      CAPTURE(entry.path().string());
      CHECK_NOTHROW(parse(contents(entry.path())));
      ++inputs;
    }
  }
  return inputs;
}

}  // namespace

TEST_CASE("every seed of the fuzz corpus is accepted or refused cleanly by its parser") {
  CHECK(replay("corpus") >= 4 * 3);  // a few seeds per target
}
