// End-to-end tests of the ebm executable: every subcommand on small step counts, every kind of
// bad input (exit code and message), the checkpoint round trip, resume, Ctrl-C and the PNG.
#include "cli_support.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using ebm::testing::read;
using ebm::testing::Result;
using ebm::testing::run;
using ebm::testing::Scratch;
using ebm::testing::shell;

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

const std::string kQuickTrain = "--steps 20 --samples 50 --sampler-steps 20 --hidden 16 --quiet";
/// One logged step on a batch of 64, for the checks of a loss's first step.
const std::string kFirstStep = "--steps 1 --log-every 1 --batch-size 64 --samples 5 --sampler-steps 1 --hidden 16 --quiet";

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream stream(line);
  for (std::string field; std::getline(stream, field, ',');) fields.push_back(field);
  return fields;
}

/// The coordinates of a points CSV (after its header line), row after row.
std::vector<double> read_coordinates(const fs::path& path) {
  std::istringstream lines(read(path));
  std::string line;
  std::getline(lines, line);
  std::vector<double> values;
  while (std::getline(lines, line)) {
    for (const std::string& field : split(line)) values.push_back(std::stod(field));
  }
  return values;
}

/// Column `name` of the row of `step` in DIR/log.csv.
double log_value(const fs::path& directory, int step, const std::string& name) {
  std::istringstream lines(read(directory / "log.csv"));
  std::string line;
  std::getline(lines, line);
  const std::vector<std::string> columns = split(line);
  const auto column = static_cast<std::size_t>(std::find(columns.begin(), columns.end(), name) - columns.begin());
  REQUIRE_MESSAGE(column < columns.size(), "no column " << name << " in " << line);
  while (std::getline(lines, line)) {
    const std::vector<std::string> fields = split(line);
    if (std::stoi(fields.at(0)) == step) return std::stod(fields.at(column));
  }
  FAIL("no row for step " << step << " in " << (directory / "log.csv"));
  return NAN;
}

/// DIR/log.csv without its last column (the seconds, which differ between identical runs).
std::string log_without_seconds(const fs::path& directory) {
  std::istringstream lines(read(directory / "log.csv"));
  std::string kept;
  for (std::string line; std::getline(lines, line);) kept += line.substr(0, line.rfind(',')) + "\n";
  return kept;
}

/// DIR/model.ebm split as written: "EBMMODEL" | version u32 | JSON length u64 | JSON | parameters.
struct ModelFile {
  std::string json;
  std::size_t parameter_bytes;
};
ModelFile read_model(const fs::path& directory) {
  const std::string bytes = read(directory / "model.ebm");
  constexpr std::size_t header = 8 + 4 + 8;
  REQUIRE(bytes.size() >= header);
  uint64_t length = 0;
  std::memcpy(&length, bytes.data() + 12, sizeof length);
  REQUIRE(length <= bytes.size() - header);
  return {bytes.substr(header, length), bytes.size() - header - length};
}

/// The value of the first `"key": ` of JSON text (as nlohmann::json dumps it) after the first
/// `"within": `, whitespace removed: a number, a quoted string or an array.
std::string json_value(const std::string& json, const std::string& key, const std::string& within = "") {
  const std::size_t from = within.empty() ? 0 : json.find("\"" + within + "\": ");
  REQUIRE_MESSAGE(from != std::string::npos, "no key " << within << " in " << json);
  const std::string marker = "\"" + key + "\": ";
  const std::size_t at = json.find(marker, from);
  REQUIRE_MESSAGE(at != std::string::npos, "no key " << key << " after " << within << " in " << json);
  const std::size_t begin = at + marker.size();
  const std::size_t end = json[begin] == '[' ? json.find(']', begin) + 1 : json.find_first_of(",\n}", begin);
  std::string value;
  for (char c : json.substr(begin, end - begin)) {
    if (!std::isspace(static_cast<unsigned char>(c))) value += c;
  }
  return value;
}

double json_number(const std::string& json, const std::string& key, const std::string& within = "") {
  return std::stod(json_value(json, key, within));
}

/// How far a run's random stream went (Philox blocks: 4 float32 or 2 float64 numbers each).
double generator_offset(const fs::path& directory) { return json_number(read_model(directory).json, "generator_offset"); }

/// Var(E⁻) from the cd log of a run whose data is one point: every positive has energy E₀, so
/// energy_reg − pos_energy² − neg_energy² = mean(E⁻²) − mean(E⁻)².
double negative_energy_variance(const fs::path& directory) {
  const double positive = log_value(directory, 1, "pos_energy"), negative = log_value(directory, 1, "neg_energy");
  return log_value(directory, 1, "energy_reg") - positive * positive - negative * negative;
}

void check_fails(const std::string& arguments, int code, const std::string& fragment) {
  const Result result = run(arguments);
  CAPTURE(arguments);
  CAPTURE(result.output);
  CHECK(result.code == code);
  CHECK(result.output.find(fragment) != std::string::npos);
  // The whole command line is checked before anything is printed: the error is all there is.
  CHECK(result.output.rfind("ebm: error: ", 0) == 0);
  CHECK(std::count(result.output.begin(), result.output.end(), '\n') == 1);
}

}  // namespace

TEST_CASE("ebm alone prints the commands and where the options are, ebm --version the version") {
  const Result alone = run("");
  CAPTURE(alone.output);
  CHECK(alone.code == 0);
  for (const char* command : {"train", "sample", "energy", "eval", "plot", "explain", "data", "datasets", "info"}) {
    CHECK(alone.output.find(std::string("ebm ") + command) != std::string::npos);
  }
  CHECK(alone.output.find("ebm --help") != std::string::npos);
  CHECK(alone.output.find("ebm COMMAND --help") != std::string::npos);
  const Result version = run("--version");
  CHECK(version.code == 0);
  CHECK(version.output == "ebm " EBM_VERSION "\n");
  CHECK(run("info").output.rfind("ebm " EBM_VERSION "\n", 0) == 0);
}

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
  // The recipe's ten noise levels, one column each.
  const std::string header = read("run/log.csv").substr(0, read("run/log.csv").find('\n'));
  CHECK(header.rfind("step,loss,loss_sigma_", 0) == 0);
  CHECK(std::count(header.begin(), header.end(), ',') == 12);
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
  // A constant learning rate: a cosine schedule runs over the total, which --steps changes here.
  REQUIRE(run("train --dataset two_moons --loss dsm --lr-schedule constant --out straight " + kQuickTrain).code == 0);
  REQUIRE(run("train --dataset two_moons --loss dsm --lr-schedule constant --out split --steps 10 --samples 50 --sampler-steps 20 --hidden 16 "
              "--quiet").code == 0);
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
  check_fails("train --resume split --steps 30 --lr 100", 2, "only --steps, --quiet, --device and --detect-anomaly may be given with it, not --lr");

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
  // Each option alone changes the draw: the model's sampler with another step, or more leapfrog steps.
  REQUIRE(run("sample --model run --n 20 --out d.csv --steps 5 --seed 3 --step-size 0.02").code == 0);
  REQUIRE(run("sample --model run --n 20 --out e.csv --steps 5 --seed 3 --leapfrog 4").code == 0);
  CHECK(read("a.csv") != read("d.csv"));
  CHECK(read("a.csv") != read("e.csv"));
}

TEST_CASE("bad input: one clear message and a documented exit code") {
  Scratch scratch("bad");
  check_fails("train --dataset nine_gaussians --loss dsm --out x", 2, "unknown dataset 'nine_gaussians'; known:");
  check_fails("train --dataset two_moons --loss kl --out x", 2, "unknown loss 'kl'; known: mle, cd, pcd, nce, sm, dsm, ssm");
  check_fails("train --dataset two_moons --loss cd --cd-sampler gibbs --out x", 2, "unknown sampler 'gibbs'; known: langevin, mala, hmc, annealed");
  check_fails("train --dataset two_moons --loss dsm --sampler gibbs --out x", 2, "unknown sampler 'gibbs'; known:");
  check_fails("train --dataset two_moons --loss dsm --start middle --out x", 2, "unknown --start 'middle'; known: uniform, resampled");
  check_fails("train --dataset two_moons --loss ssm --projection cube --out x", 2, "unknown projection 'cube'");
  check_fails("train --dataset two_moons --loss dsm --activation gelu --out x", 2, "unknown activation 'gelu'");
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

TEST_CASE("every range error says what was given and what is accepted, in one short line") {
  Scratch scratch("ranges");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"train --dataset two_moons --out x --steps -5", "--steps: got '-5'; accepted: a whole number ≥ 1"},
      {"train --dataset two_moons --out x --steps 1.5", "--steps: got '1.5'; accepted: a whole number ≥ 1"},
      {"train --dataset two_moons --out x --hidden 0", "--hidden: got '0'; accepted: a whole number from 1 to 65536"},
      {"train --dataset two_moons --out x --lr nan", "--lr: got 'nan'; accepted: a number > 0"},
      {"train --dataset two_moons --out x --energy-reg -1", "--energy-reg: got '-1'; accepted: a number ≥ 0"},
      {"train --dataset two_moons --out x --data-restarts 0.99", "--data-restarts: got '0.99'; accepted: a number from 0 to 0.95"},
      {"train --dataset two_moons --out x --sigma 0.5 --sigma -1", "--sigma: got '-1'; accepted: a number > 0"},
      {"train --dataset two_moons --out x --target-acceptance 2", "--target-acceptance: got '2'; accepted: a number from 0.01 to 0.99"},
      {"train --dataset two_moons --out x --fourier-averaged maybe", "--fourier-averaged: got 'maybe'; accepted: true or false"},
      {"sample --model m --out s.csv --steps -1", "--steps: got '-1'; accepted: a whole number ≥ 0"},
      {"plot --model m --out p.png --width 5", "--width: got '5'; accepted: a whole number from 200 to 8000"},
      {"--threads 999 info", "--threads: got '999'; accepted: a whole number from 1 to 256"},
  };
  for (const auto& [arguments, message] : cases) {
    const Result result = run(arguments);
    CAPTURE(arguments);
    CAPTURE(result.output);
    CHECK(result.code == 2);
    CHECK(result.output.rfind("ebm: error: " + message, 0) == 0);
    CHECK(std::count(result.output.begin(), result.output.end(), '\n') == 1);
    CHECK(result.output.size() < 160);  // no type limits spelled out
  }
}

TEST_CASE("a diverging run stops naming the step and keeps the last good checkpoint") {
  Scratch scratch("diverge");
  const Result result = run("train --dataset two_moons --loss cd --lr 1e6 --cd-step-size 10 --steps 400 --checkpoint-every 1 --out run --quiet");
  CAPTURE(result.output);
  CHECK(result.code == 6);
  CHECK(result.output.find("training diverged at step") != std::string::npos);
  const std::string named = "last good checkpoint (step ";
  const std::size_t at = result.output.find(named);
  REQUIRE(at != std::string::npos);
  const int step = std::stoi(result.output.substr(at + named.size()));
  // The file holds the step the message names, with parameters that give finite energies and
  // gradients: chains that move under a NaN parameter become NaN, and sample fails (exit 6).
  CHECK(json_number(read_model("run").json, "step", "state") == step);
  const Result sampled = run("sample --model run --n 5 --out s.csv --steps 10 --step-size 1e-9");
  CAPTURE(sampled.output);
  CHECK(sampled.code == 0);
  const std::vector<double> samples = read_coordinates("s.csv");
  CHECK(samples.size() == 10);
  CHECK(std::all_of(samples.begin(), samples.end(), [](double v) { return std::isfinite(v); }));
}

TEST_CASE("train --detect-anomaly names the op that made the first NaN or Inf, its shapes and its loss") {
  Scratch scratch("anomaly");
  const std::string diverging = "train --dataset two_moons --loss dsm --lr 1e6 --lr-schedule constant --steps 50 --hidden 16 --quiet";
  const Result plain = run(diverging + " --out plain");
  CAPTURE(plain.output);
  CHECK(plain.code == 6);
  CHECK(plain.output.find("anomaly") == std::string::npos);
  const Result detected = run(diverging + " --out detected --detect-anomaly");
  CAPTURE(detected.output);
  CHECK(detected.code == 6);
  CHECK(detected.output.find("training diverged at step") != std::string::npos);
  CHECK(detected.output.find(": anomaly: ") != std::string::npos);
  const bool names_place = (detected.output.find("recorded in the forward pass") != std::string::npos &&
                            detected.output.find(", in DenoisingScoreMatchingLoss > ") != std::string::npos) ||
                           detected.output.find("Adam's step made parameter") != std::string::npos;
  CHECK(names_place);
  // It may be given when resuming, as a diagnostic of the same run.
  CHECK(run("train --resume plain --steps 60 --detect-anomaly --quiet").code == 6);
}

TEST_CASE("Ctrl-C writes a last checkpoint and exits with 130") {
  Scratch scratch("interrupt");
  const Result result = shell("sh -c '" EBM_EXECUTABLE " train --dataset two_moons --loss dsm --steps 1000000 --out run --quiet & "
                              "pid=$!; sleep 2; kill -INT $pid; wait $pid; echo exit=$?'");
  CAPTURE(result.output);
  CHECK(result.output.find("exit=130") != std::string::npos);
  CHECK(result.output.find("interrupted after step") != std::string::npos);
  CHECK(run("train --resume run --steps 1 --quiet").output.find("already done") != std::string::npos);
}

TEST_CASE("ebm --threads splits the training's matrix products between that many threads, with the same results") {
  Scratch scratch("threads");
  // Two long runs side by side, one with --threads 3. Once it has forked its OpenMP team, count
  // each process's threads (/proc/PID/task); a build without OpenMP runs on one thread only.
  const std::string train = EBM_EXECUTABLE " train --dataset two_moons --loss dsm --steps 1000000 --quiet --out ";
  const Result counted = shell("sh -c '" EBM_EXECUTABLE " --threads 3 train --dataset two_moons --loss dsm --steps 1000000 --quiet --out three & a=$!; " +
                               train + "one & b=$!; " +
                               "for i in $(seq 50); do sleep 0.1; [ $(ls /proc/$a/task | wc -l) -ge 3 ] && break; done; sleep 0.2; "
                               "echo openmp=$(grep -c -E \"lib(g|i)?omp\" /proc/$a/maps) three=$(ls /proc/$a/task | wc -l) "
                               "one=$(ls /proc/$b/task | wc -l); kill -INT $a $b; wait $a $b'");
  CAPTURE(counted.output);
  const bool openmp = counted.output.find("openmp=0 ") == std::string::npos;
  CHECK(counted.output.find(openmp ? "three=3 " : "three=1 ") != std::string::npos);
  CHECK(counted.output.find("one=1\n") != std::string::npos);

  // Each element's terms are summed in the same order whatever the threads. With 64 hidden units
  // the 256 × 64 × 64 products are large enough to be split.
  const std::string options = "train --dataset two_moons --loss dsm --hidden 64 --steps 5 --samples 20 --sampler-steps 5 --quiet --out ";
  REQUIRE(run("--threads 2 " + options + "two").code == 0);
  REQUIRE(run(options + "single").code == 0);
  CHECK(read("two/samples.csv") == read("single/samples.csv"));
}

TEST_CASE("train --lr-schedule cosine takes the whole rate at the first step") {
  Scratch scratch("schedule");
  // One step: cosine's rate at step 0 is lr, so the model is the constant schedule's, bit for bit
  // (a schedule one step ahead would take lr·½(1 + cos π) = 0 and leave the initialisation).
  const std::string one = "train --dataset two_moons --loss dsm --steps 1 --samples 20 --sampler-steps 5 --hidden 16 --quiet";
  REQUIRE(run(one + " --lr-schedule cosine --out cosine").code == 0);
  REQUIRE(run(one + " --lr-schedule constant --out constant").code == 0);
  CHECK(read("cosine/samples.csv") == read("constant/samples.csv"));
  // The samples do see the rate of that step.
  REQUIRE(run(one + " --lr-schedule constant --lr 0.001 --out slower").code == 0);
  CHECK(read("slower/samples.csv") != read("constant/samples.csv"));
}

TEST_CASE("train --batch-size sets the points drawn per step") {
  Scratch scratch("batch_size");
  // Each step draws its batch and the loss's noise (DSM: one float32 normal per coordinate) from
  // one random stream, so where the stream stands after 3 steps is proportional to the batch size
  // (in Philox blocks of 4 float32 numbers: b·2/4 is whole for b = 10 and 20).
  for (const std::string size : {"10", "20"}) {
    REQUIRE(run("train --dataset two_moons --loss dsm --steps 3 --samples 5 --sampler-steps 1 --hidden 16 --quiet --batch-size " + size +
                " --out b" + size).code == 0);
    CHECK(json_number(read_model("b" + size).json, "batch_size") == std::stod(size));
  }
  CHECK(generator_offset("b10") > 0);
  CHECK(generator_offset("b20") == 2 * generator_offset("b10"));
}

TEST_CASE("train --depth and --activation build the recorded network, and sample rebuilds it") {
  Scratch scratch("architecture");
  const std::string options = "train --dataset two_moons --loss dsm " + kQuickTrain + " --out ";
  REQUIRE(run(options + "shallow --depth 1").code == 0);
  REQUIRE(run(options + "deep --depth 3 --activation tanh").code == 0);
  REQUIRE(run(options + "deep_silu --depth 3").code == 0);
  const ModelFile deep = read_model("deep");
  CHECK(json_number(deep.json, "depth") == 3);
  CHECK(json_value(deep.json, "activation") == "\"tanh\"");
  // The parameters, then Adam's two moments, in the checkpoint format (nn/checkpoint.hpp): per
  // layer a weight [out, in] and a bias [out], each dtype u8 | rank u8 | extents i64 × rank |
  // float32 values, between 20 bytes of magic, version, byte-order mark, count and an 8-byte checksum.
  const auto mlp_bytes = [](const std::vector<std::size_t>& sizes) {
    std::size_t layers = 0;
    for (std::size_t i = 0; i + 1 < sizes.size(); ++i) layers += (2 + 2 * 8 + 4 * sizes[i] * sizes[i + 1]) + (2 + 8 + 4 * sizes[i + 1]);
    return 20 + 3 * layers + 8;
  };
  // dsm's noise-conditional network takes γ(x) = [x, 16 cosines, 16 sines] and the level: 35 inputs.
  CHECK(read_model("shallow").parameter_bytes == mlp_bytes({35, 16, 1}));
  CHECK(deep.parameter_bytes == mlp_bytes({35, 16, 16, 16, 1}));
  // tanh is used: the silu network of the same seed samples differently.
  CHECK(read("deep/samples.csv") != read("deep_silu/samples.csv"));
  // sample rebuilds the tanh network: from the end sampler's start (seed 0 + 3) it draws train's samples again.
  REQUIRE(run("sample --model deep --n 50 --seed 3 --out again.csv").code == 0);
  CHECK(read("again.csv") == read("deep/samples.csv"));
  check_fails(options + "x --activation swish", 2, "unknown activation 'swish'; known: relu, tanh, sigmoid, softplus, silu");
}

TEST_CASE("train --seed seeds the initialisation, the data, the noise and the end samples") {
  Scratch scratch("seed");
  const std::string options = "train --dataset two_moons --loss dsm --log-every 1 " + kQuickTrain + " --out ";
  REQUIRE(run(options + "five --seed 5").code == 0);
  REQUIRE(run(options + "five_again --seed 5").code == 0);
  REQUIRE(run(options + "six --seed 6").code == 0);
  CHECK(json_number(read_model("five").json, "seed") == 5);
  CHECK(log_without_seconds("five") == log_without_seconds("five_again"));
  CHECK(read("five/samples.csv") == read("five_again/samples.csv"));
  CHECK(log_value("five", 1, "loss") != log_value("six", 1, "loss"));
  CHECK(read("five/samples.csv") != read("six/samples.csv"));
  // The end samples' chains are seeded with seed + 3.
  REQUIRE(run("sample --model five --n 50 --seed 8 --out again.csv").code == 0);
  CHECK(read("again.csv") == read("five/samples.csv"));
}

TEST_CASE("train --sm-method and --probes - Hutchinson's trace draws its probes, the exact trace draws nothing") {
  Scratch scratch("sm");
  // Two steps of 8 points: the probes are p × 8 × 2 float32 numbers a step, 4 to a Philox block.
  const std::string options = "train --dataset two_moons --loss sm --plain --steps 2 --batch-size 8 --samples 5 --sampler-steps 1 --hidden 16 --quiet ";
  REQUIRE(run(options + "--out exact").code == 0);
  REQUIRE(run(options + "--sm-method hutchinson --out one_probe").code == 0);
  REQUIRE(run(options + "--sm-method hutchinson --probes 3 --out three_probes").code == 0);
  const ModelFile three = read_model("three_probes");
  CHECK(json_value(three.json, "sm_method") == "\"hutchinson\"");
  CHECK(json_number(three.json, "probes") == 3);
  CHECK(generator_offset("one_probe") - generator_offset("exact") == 2 * 1 * 8 * 2 / 4);
  CHECK(generator_offset("three_probes") - generator_offset("exact") == 2 * 3 * 8 * 2 / 4);
  check_fails(options + "--sm-method trace --out x", 2, "unknown --sm-method 'trace'; known: exact, hutchinson");
}

TEST_CASE("train --energy-reg adds lambda times the energies' mean squares to the cd loss") {
  Scratch scratch("energy_reg");
  // loss = mean E⁺ − mean E⁻ + λ(mean E⁺² + mean E⁻²); the log's energy_reg is the bracket.
  for (const std::string lambda : {"0", "0.5"}) {
    CAPTURE(lambda);
    REQUIRE(run("train --dataset two_moons --loss cd --energy-reg " + lambda + " --out " + lambda + " " + kFirstStep).code == 0);
    CHECK(json_number(read_model(lambda).json, "energy_regularization") == std::stod(lambda));
    const double positive = log_value(lambda, 1, "pos_energy"), negative = log_value(lambda, 1, "neg_energy");
    const double magnitude = log_value(lambda, 1, "energy_reg");
    REQUIRE(magnitude > 0);
    // Float32 sums of terms of this size: a relative error of 1e-6 is 20 roundings.
    CHECK(std::abs(log_value(lambda, 1, "loss") - (positive - negative + std::stod(lambda) * magnitude)) <=
          1e-6 * (std::abs(positive) + std::abs(negative) + magnitude));
  }
}

TEST_CASE("train --buffer-size and --data-restarts set pcd's replay buffer") {
  Scratch scratch("buffer_size");
  // The buffer starts as B uniform points in the data's box, B × 2 float32 numbers (4 to a Philox
  // block) drawn from the training stream; the steps after draw the same with any B ≥ the batch,
  // and with any share of restarts at the data (one uniform number per chain chooses).
  const std::string options = "train --dataset two_moons --loss pcd --steps 2 --batch-size 16 --samples 5 --sampler-steps 1 --hidden 16 --quiet ";
  REQUIRE(run(options + "--buffer-size 20 --out small").code == 0);
  REQUIRE(run(options + "--buffer-size 100 --data-restarts 0.5 --out large").code == 0);
  CHECK(json_number(read_model("large").json, "buffer_size") == 100);
  CHECK(json_number(read_model("small").json, "data_restart_fraction") == 0.2);
  CHECK(json_number(read_model("large").json, "data_restart_fraction") == 0.5);
  CHECK(generator_offset("large") - generator_offset("small") == (100 - 20) * 2 / 4);
}

TEST_CASE("train --cd-noise-scale scales the cd sampler's noise") {
  Scratch scratch("cd_noise_scale");
  // Data of one point x₀: one Langevin step from it gives x₀ − ε∇E + √(2ε)·τ·z, so to first order
  // in the step E⁻ − E₀ ≈ √(2ε)·τ·∇E·z with the same z at every τ: Var(E⁻) ∝ τ², and 0 at τ = 0.
  std::ofstream("point.csv") << "x1,x2\n0.3,0.2\n0.3,0.2\n";
  std::array<double, 3> variance{};
  for (int tau = 0; tau <= 2; ++tau) {
    const std::string out = "tau" + std::to_string(tau);
    REQUIRE(run("train --data point.csv --loss cd --cd-sampler langevin --cd-steps 1 --cd-step-size 1e-3 --cd-noise-scale " + std::to_string(tau) +
                " --out " + out + " " +
                kFirstStep).code == 0);
    CHECK(json_number(read_model(out).json, "noise_scale", "cd_sampler") == tau);
    variance[static_cast<std::size_t>(tau)] = negative_energy_variance(out);
  }
  CAPTURE(variance);
  REQUIRE(variance[1] > 0);
  CHECK(std::abs(variance[0]) < 1e-3 * variance[1]);
  // The next order is O(√ε·τ) relative: 0.3% here.
  CHECK(variance[2] / variance[1] == doctest::Approx(4).epsilon(0.03));
}

TEST_CASE("train --cd-leapfrog sets the length of the cd sampler's HMC trajectories") {
  Scratch scratch("cd_leapfrog");
  // Data of one point x₀: one HMC step of L leapfrog steps of ε moves it to x₀ + Lε·p + O(ε²)
  // (momentum p ~ N(0, I), the same draws at every L), so Var(E⁻) ≈ (Lε)²·Var(∇E·p) ∝ L².
  std::ofstream("point.csv") << "x1,x2\n0.3,0.2\n0.3,0.2\n";
  for (const std::string leapfrog : {"1", "4"}) {
    REQUIRE(run("train --data point.csv --loss cd --cd-sampler hmc --cd-steps 1 --cd-step-size 0.02 --cd-leapfrog " + leapfrog +
                " --out leapfrog" + leapfrog + " " + kFirstStep).code == 0);
  }
  CHECK(json_number(read_model("leapfrog4").json, "leapfrog", "cd_sampler") == 4);
  REQUIRE(negative_energy_variance("leapfrog1") > 0);
  // The next order is O(Lε) relative: under 1% here.
  CHECK(negative_energy_variance("leapfrog4") / negative_energy_variance("leapfrog1") == doctest::Approx(16).epsilon(0.03));
}

TEST_CASE("train --cd-sigmas sets the cd sampler's annealing levels, and one level is plain Langevin") {
  Scratch scratch("cd_sigmas");
  // Level l runs the steps x − (α_l/2)∇E + √α_l·ξ, α_l = ε·σ_l²/σ_L²: with the one level σ = 0.5
  // that is Langevin with step ε/2, draw for draw.
  const std::string options = "train --dataset two_moons --loss cd --steps 2 --log-every 1 --batch-size 64 "
                              "--samples 5 --sampler-steps 1 --hidden 16 --quiet --out ";
  REQUIRE(run(options + "one_level --cd-step-size 2e-3 --cd-sampler annealed --cd-sigmas 0.5").code == 0);
  REQUIRE(run(options + "langevin --cd-step-size 1e-3 --cd-sampler langevin").code == 0);
  REQUIRE(run(options + "default_levels --cd-step-size 2e-3 --cd-sampler annealed").code == 0);
  CHECK(json_value(read_model("one_level").json, "sigmas", "cd_sampler") == "[0.5]");
  CHECK(log_without_seconds("one_level") == log_without_seconds("langevin"));
  CHECK(log_without_seconds("default_levels") != log_without_seconds("langevin"));
  check_fails(options + "x --cd-sampler annealed --cd-sigmas 0.1 --cd-sigmas 0.5", 2, "strictly decreasing");
}

TEST_CASE("train --noise-ratio and --noise-widen set nce's noise") {
  Scratch scratch("nce");
  const std::string options = "train --dataset two_moons --loss nce " + kFirstStep + " --out ";
  REQUIRE(run(options + "wide --noise-widen 1e3").code == 0);
  REQUIRE(run(options + "wider --noise-widen 1e4").code == 0);
  REQUIRE(run(options + "wide_ratio4 --noise-widen 1e3 --noise-ratio 4").code == 0);
  const ModelFile ratio4 = read_model("wide_ratio4");
  CHECK(json_number(ratio4.json, "noise_ratio") == 4);
  CHECK(json_number(ratio4.json, "noise_widen") == 1e3);
  // ν·64 noise points of 2 float32 numbers each, 4 to a Philox block.
  CHECK(generator_offset("wide_ratio4") - generator_offset("wide") == (4 - 1) * 64 * 2 / 4);
  // pos_loss = mean softplus(−h) with h = −E − log Z − log p_n(x) − log ν. For the data under noise
  // of stds w × theirs, −log p_n(x) = log(2π w² s₁s₂) + ‖(x − μ)/s‖²/(2w²) ≈ 15 at w = 1e3, so
  // softplus(−h) = e^−h to 1e-6 and pos_loss ∝ ν/w²: the same first batch and energy in all three
  // runs, and ‖(x − μ)/s‖²/(2w²) < 1e-5 at these w.
  const double wide = log_value("wide", 1, "pos_loss");
  CHECK(wide / log_value("wider", 1, "pos_loss") == doctest::Approx(100).epsilon(1e-4));
  CHECK(log_value("wide_ratio4", 1, "pos_loss") / wide == doctest::Approx(4).epsilon(1e-4));
}

TEST_CASE("train --noise-scale scales the end sampler's Langevin noise") {
  Scratch scratch("noise_scale");
  REQUIRE(run("train --dataset two_moons --loss dsm --steps 20 --hidden 16 --quiet --samples 500 --sampler langevin --sampler-steps 20 "
              "--step-size 1e-4 --noise-scale 5 --out run").code == 0);
  CHECK(json_number(read_model("run").json, "noise_scale", "sampler") == 5);
  // The chains' start: train's end samples start from seed 0 + 3, as sample --seed 3 does.
  REQUIRE(run("sample --model run --n 500 --seed 3 --steps 0 --out start.csv").code == 0);
  const std::vector<double> end = read_coordinates("run/samples.csv"), start = read_coordinates("start.csv");
  REQUIRE(end.size() == 1000);
  REQUIRE(start.size() == 1000);
  // K = 20 steps x ← x − ε∇E + √(2ε)·τ·z move each coordinate by N(0, 2εKτ² = 0.1), plus a drift
  // Kε∇E ≈ 2e-3·∇E. The mean of 1000 squares has a standard error of 0.1·√(2/1000) ≈ 0.0045.
  double mean_square = 0;
  for (std::size_t i = 0; i < end.size(); ++i) mean_square += (end[i] - start[i]) * (end[i] - start[i]) / 1000;
  CHECK(std::abs(mean_square - 0.1) < 4 * 0.1 * std::sqrt(2.0 / 1000));
  // sample keeps the model's τ: it draws the same chains again.
  REQUIRE(run("sample --model run --n 500 --seed 3 --out again.csv").code == 0);
  CHECK(read("again.csv") == read("run/samples.csv"));
}

TEST_CASE("train --sigmas sets the end sampler's annealing levels, and one level is plain Langevin") {
  Scratch scratch("sigmas");
  // Level l runs the steps x − (α_l/2)∇E + √α_l·ξ, α_l = ε·σ_l²/σ_L²: with the one level σ = 0.5
  // that is Langevin with step ε/2, draw for draw.
  const std::string options = "train --dataset two_moons --loss dsm --plain " + kQuickTrain + " --out ";
  REQUIRE(run(options + "one_level --sampler annealed --step-size 2e-3 --sigmas 0.5").code == 0);
  REQUIRE(run(options + "langevin --sampler langevin --step-size 1e-3").code == 0);
  REQUIRE(run(options + "default_levels --sampler annealed --step-size 2e-3").code == 0);
  CHECK(json_value(read_model("one_level").json, "sigmas", "sampler") == "[0.5]");
  CHECK(read("one_level/samples.csv") == read("langevin/samples.csv"));
  CHECK(read("default_levels/samples.csv") != read("langevin/samples.csv"));
}

TEST_CASE("eval --n, --seed and --param draw the reference points as ebm data does") {
  Scratch scratch("eval_reference");
  const std::string mixture = "--dataset gaussian_mixture --param k=3 --param std=0.1";
  REQUIRE(run("data " + mixture + " --n 30 --seed 4 --out samples.csv").code == 0);
  REQUIRE(run("data " + mixture + " --n 40 --seed 7 --out reference.csv").code == 0);
  const Result drawn = run("eval --samples samples.csv " + mixture + " --n 40 --seed 7");
  const Result from_file = run("eval --samples samples.csv --data reference.csv");
  CAPTURE(drawn.output);
  REQUIRE(drawn.code == 0);
  REQUIRE(from_file.code == 0);
  CHECK(json_number(drawn.output, "n_reference") == 40);
  // The file holds 9 significant digits.
  for (const char* metric : {"mmd2", "mmd_bandwidth", "energy_distance"}) {
    CAPTURE(metric);
    CHECK(json_number(drawn.output, metric) == doctest::Approx(json_number(from_file.output, metric)).epsilon(1e-6));
  }
  // The modes of k = 3, std = 0.1: the default radius is max(√3/10, 3 · 0.1) = 0.3.
  CHECK(json_number(drawn.output, "count", "modes") == 3);
  CHECK(json_number(drawn.output, "radius", "modes") == doctest::Approx(0.3).epsilon(1e-12));
  // Without --n, as many points as samples.
  CHECK(json_number(run("eval --samples samples.csv " + mixture + " --seed 7").output, "n_reference") == 30);
}

TEST_CASE("eval --mode-radius sets the distance within which a sample is near a mode") {
  Scratch scratch("mode_radius");
  // Modes of k = 4, radius 1: (1, 0), (0, 1), (−1, 0), (0, −1). The samples lie 0.1, 0.3, 0 and 0.5
  // from them; with N = 4 and K = 4 one sample covers a mode (N/(5K) = 0.2).
  std::ofstream("samples.csv") << "1.1,0\n0,1.3\n-1,0\n0,-1.5\n";
  const std::string eval = "eval --samples samples.csv --dataset gaussian_mixture --param k=4 ";
  const auto check_modes = [&](const std::string& options, double radius, double near, double covered) {
    const Result result = run(eval + options);
    CAPTURE(result.output);
    REQUIRE(result.code == 0);
    CHECK(json_number(result.output, "radius", "modes") == doctest::Approx(radius).epsilon(1e-12));
    CHECK(json_number(result.output, "near_fraction", "modes") == near);
    CHECK(json_number(result.output, "covered_fraction", "modes") == covered);
  };
  check_modes("--mode-radius 0.2", 0.2, 0.5, 0.5);
  check_modes("--mode-radius 0.4", 0.4, 0.75, 0.75);
  check_modes("--mode-radius 1", 1, 1, 1);
  // The default: max(√2/10, 3 · 0.05) = 0.15.
  check_modes("", 0.15, 0.5, 0.5);
}

TEST_CASE("plot --samples overlays that file instead of the run's samples") {
  Scratch scratch("plot_samples");
  REQUIRE(run("train --dataset two_moons --loss dsm --out run " + kQuickTrain).code == 0);
  REQUIRE(run("data --dataset spiral --n 50 --out other.csv").code == 0);
  REQUIRE(run("plot --model run --out default.png").code == 0);
  REQUIRE(run("plot --model run --out given.png --samples other.csv").code == 0);
  CHECK(read("given.png") != read("default.png"));
  // The same picture as with those points as the run's own samples.
  fs::copy_file("other.csv", "run/samples.csv", fs::copy_options::overwrite_existing);
  REQUIRE(run("plot --model run --out replaced.png").code == 0);
  CHECK(read("replaced.png") == read("given.png"));
}

TEST_CASE("plot --score overlays the score field, --true-energy draws the dataset's own energy, --title names the picture") {
  Scratch scratch("plot_score");
  REQUIRE(run("train --dataset gaussian_mixture --loss dsm --out run " + kQuickTrain).code == 0);
  REQUIRE(run("plot --model run --out energy.png").code == 0);
  REQUIRE(run("plot --model run --out score.png --score").code == 0);
  REQUIRE(run("plot --model run --out true.png --true-energy").code == 0);
  REQUIRE(run("plot --model run --out true_score.png --true-energy --score").code == 0);
  REQUIRE(run("plot --model run --out titled.png --title 'dsm, sigma = 0.1'").code == 0);
  const std::vector<std::string> pictures = {read("energy.png"), read("score.png"), read("true.png"), read("true_score.png"), read("titled.png")};
  for (std::size_t i = 0; i < pictures.size(); ++i) {
    for (std::size_t j = i + 1; j < pictures.size(); ++j) CHECK(pictures[i] != pictures[j]);
  }
  REQUIRE(run("train --dataset two_moons --loss dsm --out moons " + kQuickTrain).code == 0);
  check_fails("plot --model moons --out x.png --true-energy", 2, "--true-energy draws the density of a mixture dataset");
}

TEST_CASE("sample and plot refuse to replace a file without --force and replace it with --force") {
  Scratch scratch("force");
  REQUIRE(run("train --dataset two_moons --loss dsm --out run " + kQuickTrain).code == 0);
  REQUIRE(run("sample --model run --n 5 --out s.csv --steps 2").code == 0);
  check_fails("sample --model run --n 7 --out s.csv --steps 2", 4, "'s.csv' exists; choose another output or pass --force");
  CHECK(count_lines("s.csv") == 6);
  CHECK(run("sample --model run --n 7 --out s.csv --steps 2 --force").code == 0);
  CHECK(count_lines("s.csv") == 8);

  REQUIRE(run("plot --model run --out p.png --width 300").code == 0);
  check_fails("plot --model run --out p.png --width 400", 4, "'p.png' exists; choose another output or pass --force");
  CHECK(png_size("p.png") == std::array<uint32_t, 2>{300, 520});
  CHECK(run("plot --model run --out p.png --width 400 --force").code == 0);
  CHECK(png_size("p.png") == std::array<uint32_t, 2>{400, 520});
}

TEST_CASE("info names the CPU kernels in use, the best this CPU runs, and EBM_CPU_CAPABILITY forces one or is refused") {
  const Result info = run("info");
  CAPTURE(info.output);
  REQUIRE(info.code == 0);
  const std::string runs_label = "(this CPU runs: ";
  const std::size_t runs_at = info.output.find(runs_label);
  REQUIRE(runs_at != std::string::npos);
  std::vector<std::string> runs;
  std::istringstream list(info.output.substr(runs_at + runs_label.size(), info.output.find(';', runs_at) - runs_at - runs_label.size()));
  for (std::string level; std::getline(list >> std::ws, level, ',');) runs.push_back(level);
  REQUIRE_FALSE(runs.empty());
  CHECK(info.output.find("cpu kernels: " + runs.back() + " ") != std::string::npos);
  for (const std::string& level : runs) {
    const Result forced = shell("EBM_CPU_CAPABILITY=" + level + " " EBM_EXECUTABLE " info");
    CAPTURE(forced.output);
    CHECK(forced.code == 0);
    CHECK(forced.output.find("cpu kernels: " + level + " ") != std::string::npos);
  }
  const Result unknown = shell("EBM_CPU_CAPABILITY=sse4 " EBM_EXECUTABLE " info");
  CAPTURE(unknown.output);
  CHECK(unknown.code == 2);
  CHECK(unknown.output.find("EBM_CPU_CAPABILITY=sse4 is not a level; accepted: baseline, avx2, avx512") != std::string::npos);
  if (runs.front() != "native") {
    const Result native = shell("EBM_CPU_CAPABILITY=native " EBM_EXECUTABLE " info");
    CAPTURE(native.output);
    CHECK(native.code == 2);
    CHECK(native.output.find("this build of ebm has no native kernels") != std::string::npos);
  }
}

TEST_CASE("info names the devices, and --device picks one: cpu as the default, cuda only with a usable GPU") {
  Scratch scratch("device");
  const Result info = run("info");
  CAPTURE(info.output);
  REQUIRE(info.code == 0);
  CHECK(info.output.find("devices in this build: cpu") != std::string::npos);
  CHECK(info.output.find("gpu: ") != std::string::npos);
  const bool gpu = info.output.find("cuda usable: yes") != std::string::npos;

  // --device cpu is the default: the same samples, bit for bit.
  REQUIRE(run("train --dataset two_moons --loss dsm --out plain " + kQuickTrain).code == 0);
  REQUIRE(run("train --dataset two_moons --loss dsm --out on_cpu --device cpu " + kQuickTrain).code == 0);
  CHECK(read("plain/samples.csv") == read("on_cpu/samples.csv"));
  check_fails("train --dataset two_moons --loss dsm --out x --device tpu", 2, "--device must be cpu or cuda, got 'tpu'");
  check_fails("sample --model plain --n 5 --out s.csv --device tpu", 2, "--device must be cpu or cuda");
  // --device may be given with --resume: it is not part of the run's configuration.
  CHECK(run("train --resume plain --steps 25 --device cpu --quiet").code == 0);
  if (!gpu) {
    check_fails("train --dataset two_moons --loss dsm --out x --device cuda", 2, "--device cuda:");
    check_fails("sample --model plain --n 5 --out s.csv --device cuda", 2, "--device cuda:");
    CHECK_FALSE(fs::exists("x"));
    return;
  }
  // With a GPU: the run trains there, its model file loads on the CPU, and samples agree closely.
  REQUIRE(run("train --dataset two_moons --loss dsm --out on_gpu --device cuda " + kQuickTrain).code == 0);
  CHECK(run("sample --model on_gpu --n 20 --steps 5 --out gpu_model_on_cpu.csv").code == 0);
  CHECK(run("sample --model plain --n 20 --steps 5 --out cpu_model_on_gpu.csv --device cuda").code == 0);
  CHECK(count_lines("cpu_model_on_gpu.csv") == 21);
}

namespace {

/// What a default recipe must reach on a mixture dataset with seed 0, scored as scripts/results.sh
/// scores it against 1,000 fresh points.
struct RecipeTarget {
  std::string dataset = "eight_gaussians";
  double covered = 1.0;  // fraction of the modes covered, at least
  double near = 0.75;    // fraction of the samples near a mode, at least
  double mmd = 0.06;     // at most
};

/// The default recipe of `loss` trained on the target's dataset. On eight_gaussians (8 modes of
/// std 0.02 at radius 2): every mode covered, at least 75% of the samples near one, MMD at most
/// 0.06. The targets of the results matrix are 100%, 80% and 0.05 on every seed; the margins absorb
/// other CPUs' rounding.
void check_recipe(const std::string& loss, const RecipeTarget& target = {}) {
  Scratch scratch("recipe_" + loss + "_" + target.dataset);
  const Result trained = run("train --dataset " + target.dataset + " --loss " + loss + " --out run");
  CAPTURE(trained.output);
  REQUIRE(trained.code == 0);
  CHECK(trained.output.find("recipe:") != std::string::npos);
  const Result scored = run("eval --samples run/samples.csv --dataset " + target.dataset + " --n 1000 --seed 1000");
  CAPTURE(scored.output);
  REQUIRE(scored.code == 0);
  CHECK(json_number(scored.output, "covered_fraction") >= target.covered);
  CHECK(json_number(scored.output, "near_fraction") >= target.near);
  CHECK(json_number(scored.output, "mmd") <= target.mmd);
}

}  // namespace

TEST_CASE("recipe end to end: dsm") { check_recipe("dsm"); }
TEST_CASE("recipe end to end: ssm") { check_recipe("ssm"); }
TEST_CASE("recipe end to end: sm") { check_recipe("sm"); }
TEST_CASE("recipe end to end: nce") { check_recipe("nce"); }
TEST_CASE("recipe end to end: cd") { check_recipe("cd"); }
TEST_CASE("recipe end to end: pcd") { check_recipe("pcd"); }
// The grid (100 modes of std 0.01, 0.22 apart) needs the Fourier features: without them dsm covered
// 7–11% of its modes; ssm and sm need them averaged over each level's noise (with them whole at
// every level every chain left the data).
TEST_CASE("recipe end to end: dsm on the grid") { check_recipe("dsm", RecipeTarget{"grid", 0.95, 0.9, 0.08}); }
TEST_CASE("recipe end to end: ssm on the grid") { check_recipe("ssm", RecipeTarget{"grid", 0.95, 0.9, 0.08}); }
TEST_CASE("recipe end to end: sm on the grid") { check_recipe("sm", RecipeTarget{"grid", 0.95, 0.9, 0.08}); }
// gaussian_mixture (8 modes of std 0.05, 0.77 apart) needs pcd's restarts at data points: without
// them the buffer's share of chains per mode drifted, and the regulariser that held the modes' depths
// together left 77% of the samples near a mode.
TEST_CASE("recipe end to end: pcd on gaussian_mixture") { check_recipe("pcd", RecipeTarget{"gaussian_mixture", 1.0, 0.9, 0.06}); }

TEST_CASE("train prints and records the recipe, and options given stay as given") {
  Scratch scratch("recipe_options");
  const Result trained = run("train --dataset two_moons --loss ssm --steps 3 --hidden 16 --sampler-steps 10 --samples 20 --out run");
  CAPTURE(trained.output);
  REQUIRE(trained.code == 0);
  CHECK(trained.output.find("recipe: noise-conditional energy E(x; σ) = MLP([γ(x), log σ])/σ, 10 noise levels") != std::string::npos);
  CHECK(trained.output.find("end samples: annealed, 10 steps") != std::string::npos);
  // The progress of a run whose output is not a terminal: its last step's line, then the summary.
  CHECK(trained.output.find("step 3/3  loss ") != std::string::npos);
  CHECK(trained.output.find("trained 3 steps in ") != std::string::npos);
  const std::string json = read_model("run").json;
  CHECK(json_value(json, "noise_conditional") == "true");
  CHECK(json_value(json, "name", "sampler") == "\"annealed\"");
  CHECK(json_value(json, "sigmas", "sampler") == json_value(json, "sigmas", "seed"));  // the training levels (keys are sorted)
  CHECK(json_value(json, "lr_schedule") == "\"cosine\"");
  CHECK(json_value(json, "fourier_averaged") == "true");
  // sample uses the recorded recipe: the annealed levels, from the chains' seed.
  REQUIRE(run("sample --model run --n 20 --seed 3 --out again.csv").code == 0);
  CHECK(read("again.csv") == read("run/samples.csv"));
  // --plain, --sigma and the sampler's options as given.
  REQUIRE(run("train --dataset two_moons --loss dsm --plain --sigma 0.2 --sampler langevin --steps 3 --hidden 16 --samples 5 --quiet --out plain").code ==
          0);
  const std::string plain = read_model("plain").json;
  REQUIRE(run("train --dataset two_moons --loss sm --fourier-averaged false --steps 3 --hidden 16 --sampler-steps 10 --samples 5 --quiet --out whole")
              .code == 0);
  CHECK(json_value(read_model("whole").json, "fourier_averaged") == "false");
  CHECK(json_value(plain, "noise_conditional") == "false");
  CHECK(json_value(plain, "sigmas", "seed") == "[0.2]");
  CHECK(json_value(plain, "name", "sampler") == "\"langevin\"");
  REQUIRE(run("train --dataset two_moons --loss nce --steps 3 --hidden 16 --samples 5 --quiet --out nce").code == 0);
  const std::string nce = read_model("nce").json;
  CHECK(json_value(nce, "name", "sampler") == "\"mala\"");
  CHECK(json_value(nce, "start", "sampler") == "\"resampled\"");
  CHECK(json_number(nce, "adapt_steps", "sampler") == 500);
  check_fails("train --dataset two_moons --loss dsm --sigma 0.1 0.5 --out x", 2, "strictly decreasing");
  check_fails("train --dataset two_moons --loss dsm --lr-schedule linear --out x", 2, "--lr-schedule must be constant or cosine");
  check_fails("sample --model nce --n 5 --out s.csv --start box", 2, "unknown --start 'box'; known: uniform, resampled");
}

TEST_CASE("energy: each row's energy (and score) under a trained model, to standard output or a file, bad input refused") {
  Scratch scratch("energy");
  REQUIRE(run("train --dataset two_moons --loss dsm --out run " + kQuickTrain).code == 0);
  std::ofstream("rows.csv") << "x,y\n0.5,0.25\n-1,0.5\n2,2\n";
  const Result printed = run("energy --model run --data rows.csv");
  CAPTURE(printed.output);
  REQUIRE(printed.code == 0);
  std::istringstream lines(printed.output);
  std::string line;
  std::getline(lines, line);
  CHECK(line == "energy");
  int rows = 0;
  while (std::getline(lines, line)) ++rows;
  CHECK(rows == 3);
  // --out and --score: one score column per coordinate, the same energies.
  REQUIRE(run("energy --model run --data rows.csv --score --out scored.csv").code == 0);
  const std::string scored = read("scored.csv");
  CHECK(scored.rfind("energy,score_1,score_2\n", 0) == 0);
  CHECK(std::count(scored.begin(), scored.end(), '\n') == 4);
  CHECK(scored.substr(scored.find('\n') + 1, scored.find(',', scored.find('\n')) - scored.find('\n') - 1) ==
        printed.output.substr(7, printed.output.find('\n', 7) - 7));
  check_fails("energy --model run --data rows.csv --out scored.csv", 4, "'scored.csv' exists");
  std::ofstream("wide.csv") << "1,2,3\n4,5,6\n";
  check_fails("energy --model run --data wide.csv", 3, "'wide.csv' has 3 columns, and the model takes points of 2");
  std::ofstream("bad.csv") << "x,y\n1,2\n3,oops\n";
  check_fails("energy --model run --data bad.csv", 3, "bad.csv:3: column 2 is not a number: 'oops'");
  check_fails("energy --model missing --data rows.csv", 5, "no model in 'missing'");
}

TEST_CASE("wide data: train standardises it, records it and draws a scatter matrix, plot draws images, --threads after the command") {
  Scratch scratch("wide");
  // 8 columns of grey levels k/16, one of them constant.
  std::ofstream file("wide.csv");
  file << "a,b,c,d,e,f,g,h\n";
  for (int i = 0; i < 120; ++i) {
    for (int c = 0; c < 8; ++c) file << (c == 5 ? 0.5 : ((i * 7 + c * 3) % 17) / 16.0) << (c < 7 ? "," : "\n");
  }
  file.close();
  check_fails("train --data wide.csv --loss dsm --out refused " + kQuickTrain, 3, "'wide.csv': column 6 is constant (every row holds 0.5)");
  CHECK_FALSE(fs::exists("refused"));
  std::ofstream kept("kept.csv");
  kept << "a,b,c,d\n";
  for (int i = 0; i < 120; ++i) kept << ((i * 7) % 17) / 16.0 << "," << ((i * 5 + 3) % 17) / 16.0 << "," << ((i * 11 + 1) % 17) / 16.0 << ","
                                     << ((i * 13 + 2) % 17) / 16.0 << "\n";
  kept.close();
  const Result trained = run("train --data kept.csv --loss dsm --out run --steps 20 --samples 40 --sampler-steps 30 --hidden 16 --threads 1");
  CAPTURE(trained.output);
  REQUIRE(trained.code == 0);
  CHECK(trained.output.find("data: 4 columns, each standardised") != std::string::npos);
  CHECK(trained.output.find("clipped to the data's range") != std::string::npos);
  CHECK(fs::exists("run/samples.png"));
  const std::string json = read_model("run").json;
  const std::string means = json_value(json, "data_mean");
  CHECK(std::count(means.begin(), means.end(), ',') == 3);
  CHECK(json_value(json, "clip", "sampler") == "true");
  // Samples lie in the data's range (clipped), in its units.
  for (double value : read_coordinates("run/samples.csv")) {
    CHECK(value >= 0);
    CHECK(value <= 1);
  }
  CHECK(run("plot --model run --out matrix.png").code == 0);
  CHECK(run("plot --model run --out images.png --image-shape 2,2").code == 0);
  // --title heads the wide pictures too.
  CHECK(run("plot --model run --out matrix_titled.png --title 'dsm, four columns'").code == 0);
  CHECK(run("plot --model run --out images_titled.png --image-shape 2,2 --title 'dsm, 2 x 2'").code == 0);
  CHECK(read("matrix_titled.png") != read("matrix.png"));
  CHECK(read("images_titled.png") != read("images.png"));
  CHECK(read("images.png").rfind("\x89PNG", 0) == 0);
  check_fails("plot --model run --out bad.png --image-shape 3,3", 2, "--image-shape 3,3 needs 9 columns, and the data have 4");
  check_fails("plot --model run --out bad.png --image-shape 3x3", 2, "--image-shape expects H,W");
  CHECK(run("sample --model run --n 5 --out s.csv --steps 10 --clip false --threads 2").code == 0);
}
