// Saving and loading parameters in a checked binary format (docs/checkpoints.md):
//
//   magic "EBMPARAM" | format version u32 | byte-order mark u32 0x01020304 | tensor count u32 |
//   per tensor: dtype u8 (0 float32, 1 float64) | rank u8 | extents i64 × rank | elements |
//   FNV-1a 64-bit checksum of every byte before it, u64
//
// integers in the byte order of the machine that wrote the file; the byte-order mark, checked
// first, refuses a file from a machine of the other order.
#pragma once

#include <string>
#include <vector>

#include "engine/tensor.hpp"

namespace ebm::nn {

/// Current checkpoint format version.
inline constexpr uint32_t checkpoint_format_version = 1;

/// Serialises the parameters' values (not their gradients).
std::string serialize_parameters(const std::vector<Tensor>& params);
/// Checks `bytes` completely against the parameters' count, dtypes and shapes, then copies the
/// values in; on any mismatch throws std::runtime_error and leaves every parameter untouched.
/// `source` names the data in messages (a path).
void deserialize_parameters(std::vector<Tensor>& params, const std::string& bytes, const std::string& source);

/// Writes the parameters to `path` atomically (temporary file + rename).
void save(const std::vector<Tensor>& params, const std::string& path);
/// Reads `path` into the parameters; throws on a missing, truncated, corrupted, wrong-version or
/// mismatched file, and then leaves the parameters untouched.
void load(std::vector<Tensor>& params, const std::string& path);

}  // namespace ebm::nn

namespace ebm {
using nn::load;
using nn::save;
}  // namespace ebm
