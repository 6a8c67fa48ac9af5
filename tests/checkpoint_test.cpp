// Checkpoints: round trip, atomic writes, and every kind of bad file caught with the
// parameters left untouched.
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "io/atomic_file.hpp"
#include "test_support.hpp"

namespace {

using namespace ebm;
namespace fs = std::filesystem;

/// A fresh empty directory in the system's temporary directory, removed when the test ends.
class ScratchDirectory {
 public:
  explicit ScratchDirectory(const std::string& name)
      : path_(fs::temp_directory_path() / ("ebm_checkpoint_test_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDirectory() { fs::remove_all(path_); }
  fs::path operator/(const std::string& file) const { return path_ / file; }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::ptrdiff_t entries(const ScratchDirectory& directory) {
  return std::distance(fs::directory_iterator(directory.path()), fs::directory_iterator());
}

std::string read_bytes(const fs::path& path) { return io::read_file(path.string()); }

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

/// Loading `bytes` into `params` throws a message containing `fragment` and changes nothing.
void check_rejected(std::vector<Tensor>& params, const fs::path& path, const std::string& bytes, const std::string& fragment) {
  write_bytes(path, bytes);
  std::vector<std::vector<double>> before;
  for (const Tensor& p : params) before.push_back(p.to_vector());
  CHECK_THROWS_WITH_AS(load(params, path.string()), doctest::Contains(fragment.c_str()), std::runtime_error);
  for (std::size_t i = 0; i < params.size(); ++i) CHECK(params[i].to_vector() == before[i]);
}

}  // namespace

TEST_CASE("save and load round-trip float32 and float64 parameters exactly") {
  const ScratchDirectory directory("round_trip");
  Generator generator(3);
  const nn::MLP source({2, 5, 1}, nn::Activation::SiLU, generator);
  std::vector<Tensor> extra = {randn({3}, generator, DType::Float64).requires_grad_()};
  std::vector<Tensor> saved = source.parameters();
  saved.push_back(extra[0]);
  const fs::path path = directory / "model.ebm";
  save(saved, path.string());

  const nn::MLP target({2, 5, 1}, nn::Activation::SiLU, generator);
  std::vector<Tensor> loaded = target.parameters();
  loaded.push_back(zeros({3}, DType::Float64).requires_grad_());
  load(loaded, path.string());
  for (std::size_t i = 0; i < saved.size(); ++i) CHECK(loaded[i].to_vector() == saved[i].to_vector());
  // Only the file itself is left: the temporary was renamed onto it.
  CHECK(entries(directory) == 1);
}

TEST_CASE("a bad checkpoint is refused with a clear message and the parameters stay as they were") {
  const ScratchDirectory directory("bad");
  const fs::path good_path = directory / "good.ebm";
  const fs::path bad_path = directory / "bad.ebm";
  std::vector<Tensor> params = {full({2, 3}, 1.5).requires_grad_(), full({3}, -2.0, DType::Float64).requires_grad_()};
  save(params, good_path.string());
  const std::string good = read_bytes(good_path);
  std::vector<Tensor> target = {zeros({2, 3}).requires_grad_(), zeros({3}, DType::Float64).requires_grad_()};

  for (std::size_t length : {std::size_t{0}, std::size_t{5}, std::size_t{20}, std::size_t{40}, good.size() - 9, good.size() - 1}) {
    CAPTURE(length);
    check_rejected(target, bad_path, good.substr(0, length), length < 8 ? "not an ebm parameter file" : "truncated");
  }
  std::string flipped = good;
  flipped[good.size() - 20] ^= 0x10;  // a bit of the last tensor's data
  check_rejected(target, bad_path, flipped, "checksum");
  std::string future = good;
  future[8] = 2;  // format version 2
  check_rejected(target, bad_path, future, "format version 2");
  check_rejected(target, bad_path, "something else entirely", "not an ebm parameter file");
  std::string other_order = good;
  std::swap(other_order[12], other_order[15]);  // the byte-order mark as the other byte order writes it
  std::swap(other_order[13], other_order[14]);
  check_rejected(target, bad_path, other_order, "other byte order");

  std::vector<Tensor> wrong_shape = {zeros({3, 2}).requires_grad_(), zeros({3}, DType::Float64).requires_grad_()};
  check_rejected(wrong_shape, bad_path, good, "tensor 0 is float32 [2, 3], but the parameter is float32 [3, 2]");
  std::vector<Tensor> wrong_dtype = {zeros({2, 3}, DType::Float64).requires_grad_(), zeros({3}, DType::Float64).requires_grad_()};
  check_rejected(wrong_dtype, bad_path, good, "float64 [2, 3]");
  std::vector<Tensor> wrong_count = {zeros({2, 3}).requires_grad_()};
  check_rejected(wrong_count, bad_path, good, "holds 2 tensors, but 1 parameters");

  CHECK_THROWS_WITH_AS(load(target, (directory / "missing.ebm").string()), doctest::Contains("cannot open"), std::runtime_error);
  CHECK_THROWS_WITH_AS(load(target, directory.path().string()), doctest::Contains("is a directory"), std::runtime_error);
  CHECK_THROWS_WITH_AS(save(params, (directory / "no_such_directory" / "x.ebm").string()),
                       doctest::Contains("cannot create a temporary file"), std::runtime_error);
  load(target, good_path.string());
  CHECK(target[0].to_vector() == std::vector<double>(6, 1.5));
}

TEST_CASE("save replaces an existing file atomically and keeps its permissions") {
  const ScratchDirectory directory("replace");
  const fs::path path = directory / "model.ebm";
  save({full({2}, 1.0)}, path.string());
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  save({full({2}, 2.0)}, path.string());
  std::vector<Tensor> target = {zeros({2})};
  load(target, path.string());
  CHECK(target[0].to_vector() == std::vector<double>{2.0, 2.0});
  CHECK(fs::status(path).permissions() == (fs::perms::owner_read | fs::perms::owner_write));
  CHECK(entries(directory) == 1);
}
