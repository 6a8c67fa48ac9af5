# Checks that the equations of docs/losses.md and docs/samplers.md still point at what implements
# and pins them. At the end of each section the docs hold one anchor table (docs/testing.md), one
# row per equation, each row on one line however long:
#
#   | Equation | Code | Pinned by |
#   |---|---|---|
#   | NAME | [`FILE`](../FILE) · `SNIPPET`; [`FILE`](../FILE) · `SNIPPET` | "TEST CASE" ([`TEST_FILE`](../TEST_FILE)), "TEST CASE" ([`TEST_FILE`](../TEST_FILE)) |
#
# An anchor table is one whose header line is exactly the first line above; its rows are the lines
# that start with "|" after the rule line below it. For every row it checks that the row has three
# cells (a '|' inside a cell is written "\|" and read back as '|'), that each code item is a link
# whose text is the path in backticks and whose target is ../ that path, that each FILE exists and
# holds SNIPPET exactly once (a part of one line, compared literally), and that each TEST_FILE,
# linked the same way, holds TEST_CASE("TEST CASE") exactly once. The cell "none yet" marks an
# equation no test pins; those are listed, not failed. It also fails on an old-style anchor line
# (one that starts with "Code: ", possibly indented), on a header that only resembles the anchor
# header, and on a code item outside an anchor table, so no anchor goes unchecked. Each doc must
# hold at least 10 anchor rows, so deleting them fails too. Fails naming each doc:line and what is
# wrong.
#
# Run as: cmake -DSOURCE_DIR=<repository> -P check_doc_anchors.cmake
if(NOT SOURCE_DIR)
  message(FATAL_ERROR "usage: cmake -DSOURCE_DIR=<repository> -P check_doc_anchors.cmake")
endif()
get_filename_component(root "${SOURCE_DIR}" ABSOLUTE)

set(docs docs/losses.md docs/samplers.md)
set(minimum_anchors 10)

include(${CMAKE_CURRENT_LIST_DIR}/text_lines.cmake)  # read_lines, decode

# How often `needle` occurs in the file `path` (relative to the root), literally; -1 when the file
# does not exist.
function(count_in path needle out)
  if(NOT EXISTS "${root}/${path}" OR IS_DIRECTORY "${root}/${path}")
    set(${out} -1 PARENT_SCOPE)
    return()
  endif()
  file(READ "${root}/${path}" text)
  string(REPLACE "${needle}" "" rest "${text}")
  string(LENGTH "${text}" total)
  string(LENGTH "${rest}" left)
  string(LENGTH "${needle}" size)
  math(EXPR count "(${total} - ${left}) / ${size}")
  set(${out} ${count} PARENT_SCOPE)
endfunction()

# Appends to `report` (in the caller) unless the file `path` holds `needle` exactly once; `what`
# names the needle in the message ("`snippet`", "TEST_CASE(...)").
function(expect_once where path needle what)
  count_in("${path}" "${needle}" found)
  if(found EQUAL -1)
    string(APPEND report "\n  ${where}: no file ${path}")
  elseif(found EQUAL 0)
    string(APPEND report "\n  ${where}: ${path} has no ${what}")
  elseif(NOT found EQUAL 1)
    string(APPEND report "\n  ${where}: ${path} holds ${what} ${found} times; it must occur once")
  endif()
  set(report "${report}" PARENT_SCOPE)
endfunction()

# Appends to `report` unless the link to `path` targets ../`path` (docs/ is one level down).
function(expect_target where path target)
  if(NOT target STREQUAL "../${path}")
    decode("${target}" target)
    decode("${path}" path)
    string(APPEND report "\n  ${where}: the link to ${path} targets ${target}; it must target ../${path}")
    set(report "${report}" PARENT_SCOPE)
  endif()
endfunction()

# The items of a cell: [`FILE`](../FILE) · `SNIPPET` in the code cell, "NAME" ([`FILE`](../FILE))
# in the pins cell. No groups inside, so that a whole cell can be matched as ITEM(separator ITEM)*.
set(link "${open_bracket}`[^`]+`${close_bracket}\\([^()]+\\)")
set(code_item "${link} · `[^`]+`")
set(test_item "\"[^\"]+\" \\(${link}\\)")
set(code_parts "^${open_bracket}`([^`]+)`${close_bracket}\\(([^()]+)\\) · `(.*)`$")
set(test_parts "^\"([^\"]+)\" \\(${open_bracket}`([^`]+)`${close_bracket}\\(([^()]+)\\)\\)$")

set(header "| Equation | Code | Pinned by |")
set(rule_pattern "^\\|( *:?-+:? *\\|)+$")

set(report "")
set(summary "")
set(unpinned "")
foreach(doc IN LISTS docs)
  if(NOT EXISTS "${root}/${doc}")
    string(APPEND report "\n  ${doc}: the doc is missing")
    continue()
  endif()
  read_lines("${root}/${doc}" lines)

  set(number 0)
  set(anchors 0)
  # outside: not in an anchor table; rule: the line after its header; rows: in its rows.
  set(state outside)
  foreach(line IN LISTS lines)
    math(EXPR number "${number} + 1")
    set(where "${doc}:${number}")

    if(state STREQUAL "rule")
      if(NOT line MATCHES "${rule_pattern}")
        string(APPEND report "\n  ${where}: the anchor table's header is not followed by its rule line |---|---|---|")
        set(state outside)
      else()
        set(state rows)
        set(rows_here 0)
      endif()
      continue()
    endif()
    if(state STREQUAL "rows" AND NOT line MATCHES "^\\|")
      if(rows_here EQUAL 0)
        string(APPEND report "\n  ${where}: the anchor table above has no rows")
      endif()
      set(state outside)
    endif()

    if(line MATCHES "^ *Code: ")
      string(APPEND report "\n  ${where}: an anchor line in the old form (\"Code: …\"); move it into its section's anchor table")
      continue()
    endif()
    if(state STREQUAL "outside")
      if(line STREQUAL header)
        set(state rule)
        continue()
      endif()
      string(TOLOWER "${line}" lower)
      if(lower MATCHES "^ *\\|.*equation.*pinned by")
        string(APPEND report "\n  ${where}: this table header resembles the anchor header; write it exactly as ${header}")
      elseif(line MATCHES "${code_item}")
        string(APPEND report "\n  ${where}: a code item outside an anchor table (a table must start with the header ${header}, and its rows must follow one another)")
      endif()
      continue()
    endif()

    # A row of an anchor table.
    math(EXPR anchors "${anchors} + 1")
    math(EXPR rows_here "${rows_here} + 1")
    string(REPLACE "${backslash}|" "${escaped_bar}" row "${line}")
    if(NOT row MATCHES "^\\| .* \\|$")
      decode("${line}" text)
      string(APPEND report "\n  ${where}: a row must start with \"| \" and end with \" |\": ${text}")
      continue()
    endif()
    string(REGEX MATCHALL "\\|" bars "${row}")
    string(REGEX REPLACE "^\\| (.*) \\|$" "\\1" row "${row}")
    string(REPLACE " | " ";" cells "${row}")
    list(LENGTH cells columns)
    string(FIND "${cells}" "|" stray)
    if(NOT columns EQUAL 3 OR NOT stray EQUAL -1)
      list(LENGTH bars bar_count)
      math(EXPR columns "${bar_count} - 1")
      string(APPEND report "\n  ${where}: the row has ${columns} columns; it needs 3 (Equation | Code | Pinned by), with each '|' inside a cell written \\|")
      continue()
    endif()
    list(GET cells 0 name)
    list(GET cells 1 code_cell)
    list(GET cells 2 pins_cell)
    string(STRIP "${name}" name)
    if(name STREQUAL "")
      string(APPEND report "\n  ${where}: the row names no equation in its first column")
    endif()

    # [`FILE`](../FILE) · `SNIPPET`, items separated by "; ".
    if(NOT code_cell MATCHES "^${code_item}(${semicolon} ${code_item})*$")
      decode("${code_cell}" text)
      string(APPEND report "\n  ${where}: cannot read the code cell as [`FILE`](../FILE) · `SNIPPET`; ...: ${text}")
    else()
      string(REGEX MATCHALL "${code_item}" items "${code_cell}")
      foreach(item IN LISTS items)
        string(REGEX REPLACE "${code_parts}" "\\1" path "${item}")
        string(REGEX REPLACE "${code_parts}" "\\2" target "${item}")
        string(REGEX REPLACE "${code_parts}" "\\3" snippet "${item}")
        expect_target("${where}" "${path}" "${target}")
        decode("${path}" path)
        decode("${snippet}" snippet)
        expect_once("${where}" "${path}" "${snippet}" "`${snippet}`")
      endforeach()
    endif()

    # "NAME" ([`TEST_FILE`](../TEST_FILE)), items separated by ", "; or "none yet".
    if(pins_cell STREQUAL "none yet")
      list(APPEND unpinned "${where}")
    elseif(NOT pins_cell MATCHES "^${test_item}(, ${test_item})*$")
      decode("${pins_cell}" text)
      string(APPEND report "\n  ${where}: cannot read the pins cell as \"TEST CASE\" ([`TEST_FILE`](../TEST_FILE)), ... or none yet: ${text}")
    else()
      string(REGEX MATCHALL "${test_item}" items "${pins_cell}")
      foreach(item IN LISTS items)
        string(REGEX REPLACE "${test_parts}" "\\1" name "${item}")
        string(REGEX REPLACE "${test_parts}" "\\2" path "${item}")
        string(REGEX REPLACE "${test_parts}" "\\3" target "${item}")
        expect_target("${where}" "${path}" "${target}")
        decode("${name}" name)
        decode("${path}" path)
        expect_once("${where}" "${path}" "TEST_CASE(\"${name}\")" "TEST_CASE(\"${name}\")")
      endforeach()
    endif()
  endforeach()
  if(state STREQUAL "rule")
    string(APPEND report "\n  ${doc}:${number}: the doc ends after an anchor table's header")
  elseif(state STREQUAL "rows" AND rows_here EQUAL 0)
    string(APPEND report "\n  ${doc}:${number}: the anchor table at the end has no rows")
  endif()

  if(anchors LESS minimum_anchors)
    string(APPEND report "\n  ${doc}: ${anchors} anchor rows; every equation needs one (at least ${minimum_anchors} expected)")
  endif()
  list(APPEND summary "${doc}: ${anchors}")
endforeach()

if(report)
  message(FATAL_ERROR "the docs' equation anchors are stale; update the anchor tables (docs/testing.md):${report}")
endif()
list(JOIN summary ", " summary)
set(note "")
if(unpinned)
  list(JOIN unpinned ", " unpinned)
  set(note "; pinned by no test yet: ${unpinned}")
endif()
message(STATUS "every equation anchor names existing code and test cases (${summary}${note})")
