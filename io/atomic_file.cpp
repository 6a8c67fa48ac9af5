#include "io/atomic_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace ebm::io {
namespace {

std::runtime_error failure(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " '" + path + "': " + std::strerror(errno));
}

/// The permissions the file should end with: those of the file it replaces, else 0666 less the umask.
mode_t permissions_for(const std::string& path) {
  struct stat existing {};
  if (::stat(path.c_str(), &existing) == 0) return existing.st_mode & 07777;
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view contents) {
  std::string temporary = path + ".tmp-XXXXXX";
  const int descriptor = ::mkstemp(temporary.data());
  if (descriptor < 0) throw failure("cannot create a temporary file next to", path);
  const auto abandon = [&](const std::string& what) {
    const std::runtime_error error = failure(what, path);
    ::close(descriptor);
    ::unlink(temporary.c_str());
    return error;
  };
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t count = ::write(descriptor, contents.data() + written, contents.size() - written);
    if (count < 0) {
      if (errno == EINTR) continue;
      throw abandon("cannot write");
    }
    written += static_cast<std::size_t>(count);
  }
  if (::fchmod(descriptor, permissions_for(path)) != 0) throw abandon("cannot set permissions of");
  if (::fsync(descriptor) != 0) throw abandon("cannot flush");
  if (::close(descriptor) != 0) {
    const std::runtime_error error = failure("cannot close", path);
    ::unlink(temporary.c_str());
    throw error;
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::runtime_error error = failure("cannot rename the temporary file onto", path);
    ::unlink(temporary.c_str());
    throw error;
  }
}

std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw failure("cannot open", path);
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) throw failure("cannot read", path);
  return contents.str();
}

}  // namespace ebm::io
