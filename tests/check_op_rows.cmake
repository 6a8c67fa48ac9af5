# Fails, naming each one, when an op of engine/ops.hpp has no row in the op table (tests/op_rows.hpp).
# An op is a declaration line `Tensor name(` of the header; in-place updates (names ending in `_`)
# are exempt. A named op has a row when some row's op lambda `(auto& x) { … }` calls it. An
# operator has a row for each of its overloads: some lambda applies it to operands of the declared
# kinds, a tensor (`x[i]`, a call or a parenthesis) or a number, e.g. `2.5 - x[0]` for
# operator-(double, const Tensor&).
#
# Run as: cmake -DOPS_HEADER=<engine/ops.hpp> -DROWS=<tests/op_rows.hpp> -P check_op_rows.cmake

file(READ "${OPS_HEADER}" header)
file(READ "${ROWS}" rows)
# `;` separates CMake list elements: none of the patterns below needs it.
string(REPLACE ";" "," header "\n${header}")
string(REPLACE ";" "," rows "${rows}")

# The op lambdas' bodies, with braces nested one level (`cat({x[0], x[1]}, 0)`). A body nested
# deeper is not seen, so its ops are reported missing: the guard fails loudly, never silently.
string(REGEX MATCHALL "\\(auto& x\\) \\{([^{}]|\\{[^{}]*\\})*\\}" lambdas "${rows}")
list(JOIN lambdas "\n" lambdas)

# Operands as written in a lambda, on either side of a binary operator.
set(tensor_before "(\\]|\\))")                                # x[0] + …, silu(…) * …
set(tensor_after "(x\\[|[A-Za-z_][A-Za-z_0-9]*\\(|\\()")     # … + x[1], … * sum(…), … / (…)
set(number_before "[ (,{][0-9][0-9.]*")                       # 2.5 - …
set(number_after "-?[0-9]")                                   # … * -1.5

set(missing "")
set(op_count 0)

string(REGEX MATCHALL "\nTensor [a-z_0-9]+\\(" named "${header}")
set(names "")
foreach(declaration IN LISTS named)
  string(REGEX REPLACE "\nTensor ([a-z_0-9]+)\\(" "\\1" name "${declaration}")
  list(APPEND names "${name}")
endforeach()
list(REMOVE_DUPLICATES names)
foreach(name IN LISTS names)
  if(name MATCHES "_$")
    continue()
  endif()
  math(EXPR op_count "${op_count} + 1")
  if(NOT lambdas MATCHES "(^|[^A-Za-z0-9_:.])${name}\\(")
    list(APPEND missing "${name}")
  endif()
endforeach()

string(REGEX MATCHALL "\nTensor operator[-+*/]\\([^)]*\\)" operators "${header}")
foreach(declaration IN LISTS operators)
  string(REGEX REPLACE "\nTensor operator(.)\\(([^)]*)\\)" "\\1" symbol "${declaration}")
  string(REGEX REPLACE "\nTensor operator(.)\\(([^)]*)\\)" "\\2" parameters "${declaration}")
  string(REPLACE "," ";" parameters "${parameters}")
  set(kinds "")
  set(patterns "")
  foreach(parameter IN LISTS parameters)
    if(parameter MATCHES "Tensor")
      list(APPEND kinds "const Tensor&")
      list(APPEND patterns tensor)
    else()
      list(APPEND kinds "double")
      list(APPEND patterns number)
    endif()
  endforeach()
  list(JOIN kinds ", " signature)
  list(LENGTH patterns arity)
  if(arity EQUAL 1)  # unary: the operator written against its operand, `-x[0]`
    set(use "[ (,{][${symbol}]${tensor_after}")
  else()
    list(GET patterns 0 left)
    list(GET patterns 1 right)
    set(use "${${left}_before} [${symbol}] ${${right}_after}")
  endif()
  math(EXPR op_count "${op_count} + 1")
  if(NOT lambdas MATCHES "${use}")
    list(APPEND missing "operator${symbol}(${signature})")
  endif()
endforeach()

if(op_count EQUAL 0)
  message(FATAL_ERROR "found no declaration `Tensor name(` in ${OPS_HEADER}: has its layout changed?")
endif()
if(missing)
  list(JOIN missing "\n  " missing)
  message(FATAL_ERROR "ops of ${OPS_HEADER} without a row in ${ROWS}:\n  ${missing}\n"
                      "Add a row that calls each (an operator with operands of the kinds declared).")
endif()
message(STATUS "each of the ${op_count} ops of engine/ops.hpp (operator overloads counted one by one) has a row")
