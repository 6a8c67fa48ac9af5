#include "io/atomic_file.hpp"

#include <atomic>
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

/// Opens a new file next to `path` with a name no one else uses, created 0666 less the umask
/// (the kernel applies it); returns the descriptor and fills `temporary` with its name.
int create_temporary(const std::string& path, std::string& temporary) {
  static std::atomic<unsigned> counter{0};
  for (int attempt = 0; attempt < 100; ++attempt) {
    temporary = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    const int descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (descriptor >= 0 || errno != EEXIST) return descriptor;
  }
  return -1;
}

/// The directory holding `path`, for syncing the rename.
std::string directory_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view contents) {
  std::string temporary;
  const int descriptor = create_temporary(path, temporary);
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
  struct stat existing {};
  if (::stat(path.c_str(), &existing) == 0 && ::fchmod(descriptor, existing.st_mode & 07777) != 0) {
    throw abandon("cannot keep the permissions of");
  }
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
  // Make the rename itself durable.
  const int directory = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory >= 0) {
    ::fsync(directory);
    ::close(directory);
  }
}

std::string read_file(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) == 0 && S_ISDIR(status.st_mode)) {
    throw std::runtime_error("cannot read '" + path + "': it is a directory");
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) throw failure("cannot open", path);
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) throw failure("cannot read", path);
  return contents.str();
}

}  // namespace ebm::io
