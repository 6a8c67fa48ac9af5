// The scratch directory of the targets whose parser reads a path: one per process under /tmp,
// created on first use and removed at exit.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace ebm::fuzz {

/// This process's scratch directory, /tmp/ebm-fuzz-XXXXXX.
inline const std::string& scratch_directory() {
  // Never destroyed, so that the exit handler can still read it.
  static const std::string* directory = [] {
    auto* name = new std::string("/tmp/ebm-fuzz-XXXXXX");
    if (::mkdtemp(name->data()) == nullptr) {
      std::perror("ebm fuzz: cannot create a scratch directory");
      std::abort();
    }
    std::atexit([] { std::filesystem::remove_all(scratch_directory()); });
    return name;
  }();
  return *directory;
}

/// Writes `bytes` to the file `name` in the scratch directory; returns its path.
inline std::string write_scratch_file(const std::string& name, std::string_view bytes) {
  const std::string path = scratch_directory() + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

}  // namespace ebm::fuzz
