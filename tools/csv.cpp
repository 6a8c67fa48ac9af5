#include "tools/csv.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "io/atomic_file.hpp"
#include "tools/cli_error.hpp"

namespace ebm::tools {
namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream stream(line);
  while (std::getline(stream, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

/// The number in `field`, or nullopt when it is not one.
bool parse_number(const std::string& field, double& value) {
  const std::string text = trim(field);
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && errno != ERANGE;
}

std::string format(double value) {
  std::ostringstream text;
  text.precision(9);
  text << value;
  return text.str();
}

}  // namespace

Tensor read_points(const std::string& path) {
  std::string contents;
  try {
    contents = io::read_file(path);
  } catch (const std::exception& error) {
    throw CliError(kInputError, error.what());
  }
  std::istringstream lines(contents);
  std::string line;
  std::vector<double> values;
  int64_t columns = -1;
  int64_t rows = 0;
  for (int64_t number = 1; std::getline(lines, line); ++number) {
    if (trim(line).empty()) continue;
    const std::vector<std::string> fields = split(line);
    std::vector<double> row;
    bool numeric = true;
    std::size_t bad_column = 0;
    for (std::size_t c = 0; c < fields.size(); ++c) {
      double value = 0;
      if (!parse_number(fields[c], value)) {
        numeric = false;
        bad_column = c;
        break;
      }
      row.push_back(value);
    }
    const std::string where = path + ":" + std::to_string(number);
    if (!numeric) {
      if (rows == 0 && columns < 0) {  // a header line of names
        columns = static_cast<int64_t>(fields.size());
        continue;
      }
      throw CliError(kInputError, where + ": column " + std::to_string(bad_column + 1) + " is not a number: '" +
                                      trim(fields[bad_column]) + "'");
    }
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (!std::isfinite(row[c])) {
        throw CliError(kInputError, where + ": column " + std::to_string(c + 1) + " is not finite: '" + trim(fields[c]) + "'");
      }
    }
    if (columns >= 0 && static_cast<int64_t>(row.size()) != columns) {
      throw CliError(kInputError, where + ": has " + std::to_string(row.size()) + " columns, expected " + std::to_string(columns));
    }
    columns = static_cast<int64_t>(row.size());
    values.insert(values.end(), row.begin(), row.end());
    ++rows;
  }
  if (rows == 0) throw CliError(kInputError, path + ": contains no points");
  return tensor(values, {rows, columns}, DType::Float64);
}

std::string table_text(const std::vector<std::string>& columns, const std::vector<std::vector<double>>& rows) {
  std::string text;
  const auto append_row = [&text](const auto& fields, auto&& to_text) {
    for (std::size_t c = 0; c < fields.size(); ++c) {
      if (c > 0) text += ',';
      text += to_text(fields[c]);
    }
    text += '\n';
  };
  append_row(columns, [](const std::string& name) { return name; });
  for (const auto& row : rows) append_row(row, format);
  return text;
}

void write_table(const std::string& path, const std::vector<std::string>& columns,
                 const std::vector<std::vector<double>>& rows) {
  try {
    io::write_file_atomically(path, table_text(columns, rows));
  } catch (const std::exception& error) {
    throw CliError(kIoError, error.what());
  }
}

void write_points(const std::string& path, const Tensor& points) {
  const int64_t d = points.size(1);
  std::vector<std::string> columns;
  for (int64_t c = 0; c < d; ++c) {
    std::string name = "x";
    name += std::to_string(c + 1);
    columns.push_back(std::move(name));
  }
  const std::vector<double> values = points.to_vector();
  std::vector<std::vector<double>> rows;
  for (int64_t i = 0; i < points.size(0); ++i) rows.emplace_back(values.begin() + i * d, values.begin() + (i + 1) * d);
  write_table(path, columns, rows);
}

}  // namespace ebm::tools
