// Running the ebm executable from the end-to-end tests (EBM_EXECUTABLE is its path).
#pragma once

#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace ebm::testing {

struct Result {
  int code;
  std::string output;  // stdout and stderr together
};

/// Runs the shell command line in the working directory and waits.
inline Result shell(const std::string& command_line) {
  const std::string command = "cd '" + std::filesystem::current_path().string() + "' && " + command_line + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  std::array<char, 4096> buffer;
  while (std::size_t count = std::fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), count);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

/// Runs the executable under test with these arguments (a shell command line) and waits.
inline Result run(const std::string& arguments) { return shell(EBM_EXECUTABLE " " + arguments); }

inline std::string read(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

/// A scratch directory that becomes the working directory for one test.
class Scratch {
 public:
  explicit Scratch(const std::string& name)
      : previous_(std::filesystem::current_path()),
        path_(std::filesystem::temp_directory_path() / ("ebm_cli_" + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
    std::filesystem::current_path(path_);
  }
  ~Scratch() {
    std::filesystem::current_path(previous_);
    std::filesystem::remove_all(path_);
  }

 private:
  std::filesystem::path previous_;
  std::filesystem::path path_;
};

}  // namespace ebm::testing
