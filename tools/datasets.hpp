// The 2-D toy datasets of the ebm tool, seeded and with their parameters as options.
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include "engine/generator.hpp"
#include "engine/tensor.hpp"

namespace ebm::tools {

struct DatasetInfo {
  std::string name;
  std::string description;
  std::vector<std::pair<std::string, double>> parameters;  // name and default
};

/// Every built-in dataset, in the order `ebm datasets` lists them.
const std::vector<DatasetInfo>& datasets();

/// The dataset's info; throws CliError(kUsageError) listing the known names.
const DatasetInfo& find_dataset(const std::string& name);

/// The defaults overridden by `overrides`; throws CliError(kUsageError) for an unknown parameter
/// or an out-of-range value.
std::map<std::string, double> dataset_parameters(const std::string& name, const std::map<std::string, double>& overrides);

/// n points [n, 2] (float64) from the dataset with the given (complete) parameters.
Tensor generate_dataset(const std::string& name, int64_t n, const std::map<std::string, double>& parameters,
                        Generator& generator);

/// The mixture datasets' mode centres and their common std; empty for the others.
struct Modes {
  std::vector<std::array<double, 2>> centres;
  double std = 0;
};
Modes dataset_modes(const std::string& name, const std::map<std::string, double>& parameters);

}  // namespace ebm::tools
