// Points as CSV: one point per line, comma-separated coordinates, an optional header line.
#pragma once

#include <string>
#include <vector>

#include "engine/tensor.hpp"

namespace ebm::tools {

/// Reads a CSV file of points into [N, D] float64. Throws CliError(kInputError) naming the line
/// and column of anything malformed or non-finite, or a row with a different number of columns.
Tensor read_points(const std::string& path);

/// Writes points [N, D] as CSV with a header (x1, x2, …), atomically.
void write_points(const std::string& path, const Tensor& points);

/// Rows of named columns as CSV text, numbers to 9 significant digits (a float32 exactly).
std::string table_text(const std::vector<std::string>& columns, const std::vector<std::vector<double>>& rows);

/// Writes rows of named columns as CSV, atomically.
void write_table(const std::string& path, const std::vector<std::string>& columns,
                 const std::vector<std::vector<double>>& rows);

}  // namespace ebm::tools
