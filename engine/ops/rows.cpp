// Row gathers and scatters along dimension 0: how code above engine/ picks and writes rows (a
// replay buffer's chains) without touching memory. gather_rows and scatter_add_rows are each
// other's adjoints.
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/autograd/grad_mode.hpp"
#include "engine/ops/op_support.hpp"

namespace ebm {
namespace {

/// Throws naming `op` unless a has a dimension 0 and every row index lies in [0, a.size(0)).
void check_rows(const char* op, const Tensor& a, const std::vector<int64_t>& rows) {
  ops::check_defined(op, a);
  if (a.dim() == 0) throw std::invalid_argument(std::string(op) + ": needs a tensor with rows (dimension 0), got a scalar");
  for (int64_t row : rows) {
    if (row < 0 || row >= a.size(0)) {
      throw std::invalid_argument(std::string(op) + ": row " + std::to_string(row) + " is outside [0, " +
                                  std::to_string(a.size(0)) + ") for a tensor of shape " + shape_string(a.shape()));
    }
  }
}

/// The shape of rows.size() rows of a: [rows.size(), a.shape[1:]].
Shape rows_shape(const Tensor& a, std::size_t count) {
  Shape shape = a.shape();
  shape[0] = static_cast<int64_t>(count);
  return shape;
}

/// Throws naming `op` unless src holds one row of `into`'s shape per row index.
void check_source(const char* op, const Tensor& into, const std::vector<int64_t>& rows, const Tensor& src) {
  ops::check_defined(op, src);
  if (src.shape() != rows_shape(into, rows.size())) {
    throw std::invalid_argument(std::string(op) + ": src must hold " + std::to_string(rows.size()) + " rows of shape " +
                                shape_string(rows_shape(into, rows.size())) + ", got " + shape_string(src.shape()));
  }
}

}  // namespace

Tensor gather_rows(const Tensor& a, const std::vector<int64_t>& rows) {
  check_rows("gather_rows", a, rows);
  Tensor out = ops::empty_with(a, rows_shape(a, rows.size()));
  backend(a.device()).gather_rows(a, rows, out);
  return record(std::move(out), "gather_rows", {a}, {}, SaveOutput::No,
                [rows, a_shape = a.shape()](const Node&, const Tensor& g) -> Gradients {
                  return {scatter_add_rows(zeros(a_shape, g.dtype(), g.device()), rows, g)};
                });
}

Tensor scatter_add_rows(const Tensor& into, const std::vector<int64_t>& rows, const Tensor& src) {
  check_rows("scatter_add_rows", into, rows);
  ops::check_compatible("scatter_add_rows", into, src);
  check_source("scatter_add_rows", into, rows, src);
  Tensor out = clone(into.detach());
  backend(into.device()).scatter_rows(src, rows, out, /*accumulate=*/true);
  return record(std::move(out), "scatter_add_rows", {into, src}, {}, SaveOutput::No,
                [rows](const Node& node, const Tensor& g) -> Gradients {
                  return {g, ops::if_needed(node, 1, [&] { return gather_rows(g, rows); })};
                });
}

Tensor& scatter_rows_(Tensor& into, const std::vector<int64_t>& rows, const Tensor& src) {
  check_rows("scatter_rows_", into, rows);
  check_source("scatter_rows_", into, rows, src);
  if (grad_mode_enabled() && (into.requires_grad() || src.requires_grad())) {
    throw std::invalid_argument(
        "scatter_rows_: in-place writes are not recorded for backward; the destination or source requires grad, so "
        "do it under NoGradGuard");
  }
  std::vector<bool> taken(static_cast<std::size_t>(into.size(0)), false);
  for (int64_t row : rows) {
    if (taken[static_cast<std::size_t>(row)]) {
      throw std::invalid_argument("scatter_rows_: row " + std::to_string(row) + " appears twice; the rows must be distinct");
    }
    taken[static_cast<std::size_t>(row)] = true;
  }
  Tensor source = src.detach().to(into.device()).to(into.dtype());
  // src may share into's storage (into's rows permuted, or a reshape of into): read from a copy,
  // not from rows the scatter is overwriting (a race on the GPU, an order-dependent result on the CPU).
  if (source.impl()->storage == into.impl()->storage) source = clone(source);
  backend(into.device()).scatter_rows(source, rows, into, /*accumulate=*/false);
  into.bump_version();
  return into;
}

}  // namespace ebm
