# Checks that the test cases ctest runs are exactly the test cases the doctest binaries contain.
# doctest_discover_tests turns the list of names into a CMake list, so a name with a `;` (or an
# unbalanced bracket) becomes several ctest entries whose filters match nothing: each passed
# without running. This script fails, naming both sides, whenever the two sets differ.
#
# Run as: cmake -DCTEST=<ctest> -DBUILD_DIR=<dir> -DEXECUTABLES=<exe;exe> -P check_registration.cmake

# CMake lists split at `;` outside brackets; names are encoded before they enter a list.
function(encode text out)
  string(REPLACE ";" "<semicolon>" text "${text}")
  string(REPLACE "[" "<open>" text "${text}")
  string(REPLACE "]" "<close>" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# What the binaries contain: the lines between the two rules of `--list-test-cases`.
set(contained "")
foreach(executable IN LISTS EXECUTABLES)
  execute_process(COMMAND "${executable}" --list-test-cases OUTPUT_VARIABLE listing RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${executable} --list-test-cases failed with ${status}")
  endif()
  encode("${listing}" listing)
  string(REPLACE "\n" ";" lines "${listing}")
  set(inside FALSE)
  foreach(line IN LISTS lines)
    if(line MATCHES "^=+$")
      if(inside)
        break()
      endif()
      set(inside TRUE)
    elseif(inside)
      list(APPEND contained "${executable} :: ${line}")
    endif()
  endforeach()
endforeach()

# What ctest runs: every test whose command passes `--test-case=NAME` to a doctest binary.
execute_process(COMMAND "${CTEST}" --show-only=json-v1 WORKING_DIRECTORY "${BUILD_DIR}"
                OUTPUT_VARIABLE json RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "ctest --show-only=json-v1 failed with ${status}")
endif()
set(run "")
string(JSON test_count LENGTH "${json}" tests)
math(EXPR last "${test_count} - 1")
foreach(index RANGE ${last})
  string(JSON argument_count ERROR_VARIABLE no_command LENGTH "${json}" tests ${index} command)
  if(no_command OR argument_count LESS 2)
    continue()
  endif()
  string(JSON executable GET "${json}" tests ${index} command 0)
  math(EXPR last_argument "${argument_count} - 1")
  foreach(argument_index RANGE 1 ${last_argument})
    string(JSON argument GET "${json}" tests ${index} command ${argument_index})
    if(argument MATCHES "^--test-case=")
      string(SUBSTRING "${argument}" 12 -1 name)
      string(REPLACE "\\," "," name "${name}")  # doctest_discover_tests escapes commas
      encode("${name}" name)
      list(APPEND run "${executable} :: ${name}")
    endif()
  endforeach()
endforeach()

list(LENGTH contained contained_count)
list(LENGTH run run_count)
set(never_run ${contained})
set(unknown ${run})
if(run)
  list(REMOVE_ITEM never_run ${run})
endif()
if(contained)
  list(REMOVE_ITEM unknown ${contained})
endif()
set(distinct ${run})
list(REMOVE_DUPLICATES distinct)
list(LENGTH distinct distinct_count)

if(never_run OR unknown OR NOT distinct_count EQUAL run_count OR contained_count EQUAL 0)
  list(JOIN never_run "\n  " never_run)
  list(JOIN unknown "\n  " unknown)
  foreach(side never_run unknown)  # decode for the message
    string(REPLACE "<semicolon>" ";" ${side} "${${side}}")
    string(REPLACE "<open>" "[" ${side} "${${side}}")
    string(REPLACE "<close>" "]" ${side} "${${side}}")
  endforeach()
  message(FATAL_ERROR "ctest runs ${run_count} doctest entries (${distinct_count} distinct) but the binaries contain "
                      "${contained_count} test cases.\nNever run by ctest:\n  ${never_run}\n"
                      "Run by ctest but matching no test case:\n  ${unknown}\n"
                      "A test case name must not contain `;` or brackets.")
endif()
message(STATUS "ctest runs each of the ${contained_count} test cases of the doctest binaries exactly once")
