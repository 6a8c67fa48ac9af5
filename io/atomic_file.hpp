// Writing files so that a reader never sees half of one: write a temporary file next to the
// target, flush it to disk, then rename it over the target (atomic on POSIX file systems).
#pragma once

#include <string>
#include <string_view>

namespace ebm::io {

/// Replaces `path` with `contents` atomically; on any failure the old file (if any) is untouched,
/// the temporary is removed, and std::runtime_error says what failed and why.
void write_file_atomically(const std::string& path, std::string_view contents);

/// The whole file; throws std::runtime_error naming the path and the reason when it cannot.
std::string read_file(const std::string& path);

}  // namespace ebm::io
