// Using a model that `ebm train` trained, from an application: load the run, score rows by their
// energy, flag the unusual ones, and draw new samples. Everything is in the data's own units.
//
//   ebm train --data readings.csv --out runs/readings
//   deploy runs/readings new_readings.csv
//
// A row is flagged when its energy is above the 99th percentile of the energies of the model's own
// samples: rarer, by the model, than 99% of what it generates.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <ebm.hpp>

namespace {

/// The rows of a CSV file of numbers (a first line of column names is skipped), as [N, D].
ebm::Tensor read_rows(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot open " + path);
  std::vector<double> values;
  int64_t rows = 0, columns = 0;
  for (std::string line; std::getline(file, line);) {
    if (line.empty() || !(std::isdigit(static_cast<unsigned char>(line[0])) || line[0] == '-' || line[0] == '.')) continue;
    std::istringstream fields(line);
    int64_t count = 0;
    for (std::string field; std::getline(fields, field, ','); ++count) values.push_back(std::stod(field));
    if (rows > 0 && count != columns) throw std::runtime_error(path + ": rows of different lengths");
    columns = count;
    ++rows;
  }
  return ebm::tensor(values, {rows, columns}, ebm::DType::Float64);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: deploy RUN_DIRECTORY ROWS.csv\n");
    return 2;
  }
  try {
    const auto model = ebm::models::TrainedModel::load(argv[1]);
    std::cout << "model: " << model.dimension() << " columns\n" << model.description();

    // The rows' energies.
    const ebm::Tensor rows = read_rows(argv[2]);
    const std::vector<double> energies = model.energy(rows).to_vector();

    // The threshold: the 99th percentile of the energies of 1,000 of the model's own samples.
    ebm::Generator generator(0);
    const ebm::Tensor samples = model.sample(1000, generator);
    std::vector<double> typical = model.energy(samples).to_vector();
    std::sort(typical.begin(), typical.end());
    const double threshold = typical[typical.size() * 99 / 100];

    std::ostringstream report;
    report.precision(9);  // as `ebm energy` prints them
    for (std::size_t i = 0; i < energies.size(); ++i) {
      report << "row " << i + 1 << ": energy " << energies[i] << (energies[i] > threshold ? "  unusual" : "") << "\n";
    }
    std::cout << report.str() << "threshold (99th percentile of the model's samples): " << threshold << "\n";
    const std::vector<double> first = ebm::slice(samples, 0, 0, 1).to_vector();
    std::cout << "a sample:";
    for (double value : first) std::cout << " " << value;
    std::cout << "\n";
  } catch (const std::exception& error) {
    std::fprintf(stderr, "deploy: %s\n", error.what());
    return 1;
  }
  return 0;
}
