// End-to-end tests of the ebm executable: every subcommand on small step counts, every kind of
// bad input (exit code and message), the checkpoint round trip, resume, Ctrl-C and the PNG.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

struct Result {
  int code;
  std::string output;  // stdout and stderr together
};

/// Runs the shell command line (with `ebm` meaning the executable under test) and waits.
Result run(const std::string& arguments) {
  const std::string command = std::string("cd '") + fs::current_path().string() + "' && " EBM_EXECUTABLE " " + arguments + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  std::array<char, 4096> buffer;
  while (std::size_t count = std::fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), count);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string read(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

int count_lines(const fs::path& path) {
  const std::string text = read(path);
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

/// Width and height from a PNG's IHDR chunk; {0, 0} if the signature or chunk is wrong.
std::array<uint32_t, 2> png_size(const fs::path& path) {
  const std::string bytes = read(path);
  if (bytes.size() < 24 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || bytes.compare(12, 4, "IHDR") != 0) return {0, 0};
  const auto be32 = [&](std::size_t at) {
    return (uint32_t(uint8_t(bytes[at])) << 24) | (uint32_t(uint8_t(bytes[at + 1])) << 16) | (uint32_t(uint8_t(bytes[at + 2])) << 8) |
           uint32_t(uint8_t(bytes[at + 3]));
  };
  return {be32(16), be32(20)};
}

/// A scratch directory that becomes the working directory for one test.
class Scratch {
 public:
  explicit Scratch(const std::string& name)
      : previous_(fs::current_path()), path_(fs::temp_directory_path() / ("ebm_cli_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
    fs::current_path(path_);
  }
  ~Scratch() {
    fs::current_path(previous_);
    fs::remove_all(path_);
  }

 private:
  fs::path previous_;
  fs::path path_;
};

const std::string kQuickTrain = "--steps 20 --samples 50 --sampler-steps 20 --hidden 16 --quiet";

void check_fails(const std::string& arguments, int code, const std::string& fragment) {
  const Result result = run(arguments);
  CAPTURE(arguments);
  CAPTURE(result.output);
  CHECK(result.code == code);
  CHECK(result.output.find(fragment) != std::string::npos);
}

}  // namespace

TEST_CASE("datasets and data") {
  Scratch scratch("data");
  const Result list = run("datasets");
  CHECK(list.code == 0);
  for (const char* name : {"eight_gaussians", "gaussian_mixture", "two_moons", "swiss_roll", "circles", "checkerboard", "pinwheel",
                           "spiral", "grid"}) {
    CHECK(list.output.find(name) != std::string::npos);
  }
  for (const char* name : {"eight_gaussians", "two_moons", "swiss_roll", "circles", "checkerboard", "pinwheel", "spiral", "grid",
                           "gaussian_mixture"}) {
    CAPTURE(name);
    CHECK(run(std::string("data --dataset ") + name + " --n 100 --out " + name + ".csv").code == 0);
    CHECK(count_lines(std::string(name) + ".csv") == 101);
  }
  CHECK(run("data --dataset gaussian_mixture --param k=3 --param std=0.5 --n 10 --out k3.csv").code == 0);
  check_fails("data --dataset two_moons --n 10 --out two_moons.csv", 4, "exists");
  CHECK(run("data --dataset two_moons --n 10 --out two_moons.csv --force").code == 0);
  check_fails("data --dataset moons --n 10 --out x.csv", 2, "known: eight_gaussians, gaussian_mixture, two_moons");
  check_fails("data --dataset grid --param spacing=2 --n 10 --out x.csv", 2, "has no parameter 'spacing'");
  check_fails("data --dataset grid --param side=2.5 --n 10 --out x.csv", 2, "out of range");
  check_fails("data --dataset grid --param side --n 10 --out x.csv", 2, "name=number");
}

TEST_CASE("train writes a checkpoint, a log, samples and a PNG — sample, eval and plot read them") {
  Scratch scratch("train");
  const Result trained = run("train --dataset eight_gaussians --loss dsm --out run " + kQuickTrain + " --log-every 5");
  CAPTURE(trained.output);
  REQUIRE(trained.code == 0);
  for (const char* file : {"run/model.ebm", "run/log.csv", "run/samples.csv", "run/energy.png"}) CHECK(fs::exists(file));
  CHECK(count_lines("run/log.csv") == 1 + 4);
  CHECK(read("run/log.csv").rfind("step,loss,loss_sigma_0.1,seconds\n", 0) == 0);
  CHECK(count_lines("run/samples.csv") == 51);
  CHECK(png_size("run/energy.png") == std::array<uint32_t, 2>{640, 520});

  CHECK(run("sample --model run --n 30 --out s.csv --sampler mala --step-size 0.001 --steps 10").code == 0);
  CHECK(count_lines("s.csv") == 31);
  for (const char* sampler : {"langevin", "hmc", "annealed"}) {
    CAPTURE(sampler);
    CHECK(run(std::string("sample --model run --n 10 --out ") + sampler + ".csv --sampler " + sampler + " --steps 8").code == 0);
  }
  const Result eval = run("eval --samples s.csv --dataset eight_gaussians");
  CHECK(eval.code == 0);
  for (const char* key : {"\"mmd2\"", "\"mmd\"", "\"mmd_bandwidth\"", "\"energy_distance\"", "\"covered_fraction\"", "\"near_fraction\""}) {
    CHECK(eval.output.find(key) != std::string::npos);
  }
  CHECK(run("data --dataset two_moons --n 50 --out moons.csv").code == 0);
  const Result against_file = run("eval --samples s.csv --data moons.csv");
  CHECK(against_file.code == 0);
  CHECK(against_file.output.find("modes") == std::string::npos);

  CHECK(run("plot --model run --out picture.png --width 400 --height 300 --density").code == 0);
  CHECK(png_size("picture.png") == std::array<uint32_t, 2>{400, 300});
  check_fails("plot --model run --out picture.png", 4, "exists");
}

TEST_CASE("every loss trains from the command line, also from a CSV file") {
  Scratch scratch("losses");
  for (const char* loss : {"dsm", "ssm", "sm", "cd", "pcd", "nce"}) {
    CAPTURE(loss);
    const Result result = run(std::string("train --dataset two_moons --loss ") + loss + " --out " + loss + " " + kQuickTrain);
    CAPTURE(result.output);
    CHECK(result.code == 0);
    CHECK(fs::exists(std::string(loss) + "/energy.png"));
  }
  CHECK(run("train --dataset two_moons --loss dsm --sigma 0.5 --sigma 0.1 --sampler annealed --out multi " + kQuickTrain).code == 0);
  CHECK(run("train --dataset two_moons --loss ssm --projection sphere --projections 2 --variance-reduced --out ssm2 " + kQuickTrain).code == 0);
  CHECK(run("train --dataset two_moons --loss cd --cd-sampler mala --cd-steps 3 --out cd2 " + kQuickTrain).code == 0);
  CHECK(run("data --dataset spiral --n 200 --out spiral.csv").code == 0);
  CHECK(run("train --data spiral.csv --loss dsm --out from_file " + kQuickTrain).code == 0);
  CHECK(run("plot --model from_file --out from_file.png").code == 0);
}

TEST_CASE("resume continues a run exactly where it stopped") {
  Scratch scratch("resume");
  REQUIRE(run("train --dataset two_moons --loss dsm --out straight " + kQuickTrain).code == 0);
  REQUIRE(run("train --dataset two_moons --loss dsm --out split --steps 10 --samples 50 --sampler-steps 20 --hidden 16 --quiet").code == 0);
  const Result resumed = run("train --resume split --steps 20 --quiet");
  CAPTURE(resumed.output);
  REQUIRE(resumed.code == 0);
  // Same parameters, Adam state and random stream: the same samples, bit for bit.
  CHECK(read("split/samples.csv") == read("straight/samples.csv"));
  // The last log row: step 20 with the same loss (only the seconds differ).
  const auto last_row_without_time = [](const std::string& text) {
    const std::string row = text.substr(text.rfind('\n', text.size() - 2) + 1);
    return row.substr(0, row.rfind(','));
  };
  CHECK(last_row_without_time(read("split/log.csv")) == last_row_without_time(read("straight/log.csv")));
  CHECK(last_row_without_time(read("split/log.csv")).rfind("20,", 0) == 0);
  check_fails("train --resume split --steps 20", 2, "already done 20 steps");
  check_fails("train --resume split --out elsewhere", 2, "drop --out");
  check_fails("train --resume split --steps 30 --lr 100", 2, "only --steps and --quiet may be given with it, not --lr");

  // A loss with parameters of its own (NCE's log Z) is saved with them: sample and resume work.
  REQUIRE(run("train --dataset two_moons --loss nce --out nce " + kQuickTrain).code == 0);
  CHECK(run("sample --model nce --n 5 --out nce.csv --steps 3").code == 0);
  CHECK(run("train --resume nce --steps 30 --quiet").code == 0);
}

TEST_CASE("sample keeps the model's sampler settings except the options given") {
  Scratch scratch("sample_options");
  REQUIRE(run("train --dataset two_moons --loss dsm --out run --sampler hmc --step-size 0.01 --leapfrog 3 " + kQuickTrain).code == 0);
  REQUIRE(run("sample --model run --n 20 --out a.csv --steps 5 --seed 3").code == 0);
  REQUIRE(run("sample --model run --n 20 --out b.csv --steps 5 --seed 3 --sampler hmc --step-size 0.01 --leapfrog 3").code == 0);
  REQUIRE(run("sample --model run --n 20 --out c.csv --steps 5 --seed 3 --sampler langevin --step-size 0.001").code == 0);
  CHECK(read("a.csv") == read("b.csv"));
  CHECK(read("a.csv") != read("c.csv"));
}

TEST_CASE("bad input: one clear message and a documented exit code") {
  Scratch scratch("bad");
  check_fails("train --dataset nine_gaussians --loss dsm --out x", 2, "unknown dataset 'nine_gaussians'; known:");
  check_fails("train --dataset two_moons --loss kl --out x", 2, "unknown loss 'kl'; known: mle, cd, pcd, nce, sm, dsm, ssm");
  check_fails("train --dataset two_moons --loss cd --cd-sampler gibbs --out x", 2, "unknown sampler 'gibbs'; known: langevin, mala, hmc, annealed");
  check_fails("train --dataset two_moons --loss dsm --steps abc --out x", 2, "--steps");
  check_fails("train --dataset two_moons --loss dsm --steps 0 --out x", 2, "--steps");
  check_fails("train --dataset two_moons --loss dsm --lr -1 --out x", 2, "--lr");
  check_fails("train --dataset two_moons --loss dsm", 2, "--out");
  check_fails("train --loss dsm --out x", 2, "exactly one of --dataset NAME and --data FILE");
  check_fails("frobnicate", 2, "unknown command 'frobnicate'");

  check_fails("train --data missing.csv --loss dsm --out x", 3, "cannot open 'missing.csv'");
  std::ofstream("bad.csv") << "x1,x2\n1,2\n3,oops\n";
  check_fails("train --data bad.csv --loss dsm --out x", 3, "bad.csv:3: column 2 is not a number: 'oops'");
  std::ofstream("ragged.csv") << "1,2\n3\n";
  check_fails("train --data ragged.csv --loss dsm --out x", 3, "ragged.csv:2: has 1 columns, expected 2");
  std::ofstream("infinite.csv") << "1,2\ninf,4\n";
  check_fails("train --data infinite.csv --loss dsm --out x", 3, "infinite.csv:2: column 1 is not finite");
  check_fails("eval --samples missing.csv --dataset two_moons", 3, "missing.csv");
  std::ofstream("one.csv") << "1,2\n";
  std::ofstream("same.csv") << "1,2\n1,2\n1,2\n";
  check_fails("eval --samples same.csv --data one.csv", 3, "at least 2 points");
  check_fails("eval --samples same.csv --data same.csv", 3, "bandwidth is 0");
  check_fails("train --dataset two_moons --loss kl --out refused", 2, "unknown loss");
  CHECK_FALSE(fs::exists("refused"));  // a refused run leaves nothing behind

  fs::create_directories("taken");
  std::ofstream("taken/notes.txt") << "mine";
  check_fails("train --dataset two_moons --loss dsm --out taken " + kQuickTrain, 4, "exists and is not empty");
  CHECK(read("taken/notes.txt") == "mine");
  CHECK(run("train --dataset two_moons --loss dsm --out taken --force " + kQuickTrain).code == 0);
  CHECK(read("taken/notes.txt") == "mine");

  check_fails("sample --model nowhere --n 5 --out s.csv", 5, "no model in 'nowhere'");
  REQUIRE(run("train --dataset two_moons --loss dsm --out good " + kQuickTrain).code == 0);
  fs::create_directories("corrupt");
  std::string bytes = read("good/model.ebm");
  std::string flipped = bytes;
  flipped[bytes.find("EBMPARAM") + 200] ^= 0x55;  // inside the first weight matrix's values
  std::ofstream("corrupt/model.ebm", std::ios::binary) << flipped;
  check_fails("sample --model corrupt --n 5 --out s.csv", 5, "checksum");
  std::ofstream("corrupt/model.ebm", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  check_fails("sample --model corrupt --n 5 --out s.csv", 5, "truncated");
  // A configuration that describes another architecture than the stored parameters.
  std::string other = bytes;
  const auto at = other.find("\"hidden\": 16");
  REQUIRE(at != std::string::npos);
  other.replace(at, 12, "\"hidden\": 17");
  std::ofstream("corrupt/model.ebm", std::ios::binary) << other;
  check_fails("sample --model corrupt --n 5 --out s.csv", 5, "does not match the architecture");
}

TEST_CASE("a diverging run stops naming the step and keeps the last good checkpoint") {
  Scratch scratch("diverge");
  const Result result = run("train --dataset two_moons --loss cd --lr 1000 --cd-step-size 10 --steps 400 --checkpoint-every 1 --out run --quiet");
  CAPTURE(result.output);
  CHECK(result.code == 6);
  CHECK(result.output.find("training diverged at step") != std::string::npos);
  CHECK(result.output.find("last good checkpoint") != std::string::npos);
  CHECK(run("sample --model run --n 5 --out s.csv --steps 0").code == 0);
}

TEST_CASE("Ctrl-C writes a last checkpoint and exits with 130") {
  Scratch scratch("interrupt");
  const std::string script = std::string("sh -c '" EBM_EXECUTABLE " train --dataset two_moons --loss dsm --steps 1000000 --out run --quiet & ") +
                             "pid=$!; sleep 2; kill -INT $pid; wait $pid; echo exit=$?'";
  FILE* pipe = ::popen(("cd '" + fs::current_path().string() + "' && " + script + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  std::array<char, 4096> buffer;
  while (std::size_t count = std::fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), count);
  ::pclose(pipe);
  CAPTURE(output);
  CHECK(output.find("exit=130") != std::string::npos);
  CHECK(output.find("interrupted after step") != std::string::npos);
  CHECK(run("train --resume run --steps 1 --quiet").output.find("already done") != std::string::npos);
}
