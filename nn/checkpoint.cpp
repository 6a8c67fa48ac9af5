#include "nn/checkpoint.hpp"

#include <cstring>
#include <stdexcept>

#include "engine/autograd/grad_mode.hpp"
#include "io/atomic_file.hpp"

namespace ebm::nn {
namespace {

constexpr char magic[8] = {'E', 'B', 'M', 'P', 'A', 'R', 'A', 'M'};
constexpr uint32_t byte_order_mark = 0x01020304;

/// FNV-1a, 64 bits.
uint64_t checksum(const char* data, std::size_t size) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= static_cast<unsigned char>(data[i]);
    hash *= 0x100000001b3ull;
  }
  return hash;
}

template <class T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

/// Reads fields in order, throwing a "truncated" error when the bytes run out.
class Reader {
 public:
  Reader(const std::string& bytes, std::size_t end, const std::string& source)
      : bytes_(bytes), end_(end), source_(source) {}

  template <class T>
  T take(const char* what) {
    T value;
    std::memcpy(&value, take_bytes(sizeof(T), what), sizeof(T));
    return value;
  }
  const char* take_bytes(std::size_t count, const char* what) {
    if (count > end_ - position_) {
      throw std::runtime_error("checkpoint '" + source_ + "' is truncated: it ends inside " + what);
    }
    const char* data = bytes_.data() + position_;
    position_ += count;
    return data;
  }
  std::size_t position() const { return position_; }

 private:
  const std::string& bytes_;
  std::size_t end_;
  const std::string& source_;
  std::size_t position_ = 0;
};

}  // namespace

std::string serialize_parameters(const std::vector<Tensor>& params) {
  if (params.size() > UINT32_MAX) throw std::invalid_argument("save: too many tensors for the checkpoint format");
  for (const Tensor& parameter : params) {
    if (!parameter.defined()) throw std::invalid_argument("save: a parameter is undefined");
    if (parameter.dim() > 255) throw std::invalid_argument("save: a parameter has more than 255 dimensions");
  }
  std::string out(magic, sizeof magic);
  put<uint32_t>(out, checkpoint_format_version);
  put<uint32_t>(out, byte_order_mark);
  put<uint32_t>(out, static_cast<uint32_t>(params.size()));
  for (const Tensor& parameter : params) {
    put<uint8_t>(out, parameter.dtype() == DType::Float32 ? 0 : 1);
    put<uint8_t>(out, static_cast<uint8_t>(parameter.dim()));
    for (int64_t extent : parameter.shape()) put<int64_t>(out, extent);
    const std::vector<char> data = parameter.to_bytes();
    out.append(data.data(), data.size());
  }
  put<uint64_t>(out, checksum(out.data(), out.size()));
  return out;
}

void deserialize_parameters(std::vector<Tensor>& params, const std::string& bytes, const std::string& source) {
  const std::string where = "checkpoint '" + source + "'";
  if (bytes.size() < sizeof magic || std::memcmp(bytes.data(), magic, sizeof magic) != 0) {
    throw std::runtime_error(where + " is not an ebm parameter file (it does not start with \"EBMPARAM\")");
  }
  if (bytes.size() < sizeof magic + 12 + sizeof(uint64_t)) throw std::runtime_error(where + " is truncated: its header is incomplete");
  Reader reader(bytes, bytes.size() - sizeof(uint64_t), source);
  reader.take_bytes(sizeof magic, "the magic");
  const auto version = reader.take<uint32_t>("the version");
  if (reader.take<uint32_t>("the byte-order mark") != byte_order_mark) {
    throw std::runtime_error(where + " was written on a machine of the other byte order, or is corrupted");
  }
  if (version != checkpoint_format_version) {
    throw std::runtime_error(where + " has format version " + std::to_string(version) + "; this build of ebm reads version " +
                             std::to_string(checkpoint_format_version));
  }
  uint64_t stored_checksum;
  std::memcpy(&stored_checksum, bytes.data() + bytes.size() - sizeof(uint64_t), sizeof(uint64_t));
  const auto count = reader.take<uint32_t>("the tensor count");

  // Parse everything into staging tensors first, so a bad file changes nothing.
  std::vector<Tensor> staged;
  for (uint32_t i = 0; i < count; ++i) {
    const auto dtype_code = reader.take<uint8_t>("a tensor header");
    if (dtype_code > 1) {
      throw std::runtime_error(where + " is corrupted: tensor " + std::to_string(i) + " has an unknown dtype code " +
                               std::to_string(dtype_code));
    }
    const auto rank = reader.take<uint8_t>("a tensor header");
    Shape shape;
    uint64_t elements = 1;
    for (uint8_t d = 0; d < rank; ++d) {
      const auto extent = reader.take<int64_t>("a tensor shape");
      // No tensor in the file can hold more elements than the file has bytes.
      if (extent < 0 || (extent > 0 && elements > bytes.size() / static_cast<uint64_t>(extent))) {
        throw std::runtime_error(where + " is corrupted: tensor " + std::to_string(i) + " has impossible extent " +
                                 std::to_string(extent));
      }
      elements *= static_cast<uint64_t>(extent);
      shape.push_back(extent);
    }
    const DType dtype = dtype_code == 0 ? DType::Float32 : DType::Float64;
    const auto size = static_cast<std::size_t>(shape_numel(shape)) * element_size(dtype);
    const char* data = reader.take_bytes(size, "tensor data");
    staged.push_back(from_bytes(std::vector<char>(data, data + size), shape, dtype));
  }
  if (reader.position() != bytes.size() - sizeof(uint64_t)) {
    throw std::runtime_error(where + " is corrupted: " + std::to_string(bytes.size() - sizeof(uint64_t) - reader.position()) +
                             " unexpected bytes after the last tensor");
  }
  if (checksum(bytes.data(), bytes.size() - sizeof(uint64_t)) != stored_checksum) {
    throw std::runtime_error(where + " is corrupted: its checksum does not match its contents");
  }
  if (staged.size() != params.size()) {
    throw std::runtime_error(where + " holds " + std::to_string(staged.size()) + " tensors, but " +
                             std::to_string(params.size()) + " parameters were given to load into");
  }
  for (std::size_t i = 0; i < staged.size(); ++i) {
    if (staged[i].shape() != params[i].shape() || staged[i].dtype() != params[i].dtype()) {
      throw std::runtime_error(where + ": tensor " + std::to_string(i) + " is " + dtype_name(staged[i].dtype()) + " " +
                               shape_string(staged[i].shape()) + ", but the parameter is " +
                               dtype_name(params[i].dtype()) + " " + shape_string(params[i].shape()));
    }
  }
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < staged.size(); ++i) params[i].copy_(staged[i]);
}

void save(const std::vector<Tensor>& params, const std::string& path) {
  io::write_file_atomically(path, serialize_parameters(params));
}

void load(std::vector<Tensor>& params, const std::string& path) {
  deserialize_parameters(params, io::read_file(path), path);
}

}  // namespace ebm::nn
