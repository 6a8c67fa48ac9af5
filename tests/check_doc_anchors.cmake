# Checks that the equations of docs/losses.md and docs/samplers.md still point at what implements
# and pins them. After each equation the docs hold one anchor line (docs/testing.md):
#
#   Code: `FILE` · `SNIPPET`; `FILE` · `SNIPPET`. Pinned by: "TEST CASE" (TEST_FILE), "TEST CASE" (TEST_FILE).
#
# For every anchor line (a line that starts with "Code: ", possibly indented inside a list item)
# it checks that each FILE exists and holds SNIPPET exactly once (a part of one line, compared
# literally), and that each TEST_FILE holds TEST_CASE("TEST CASE") exactly once. "Pinned by: none
# yet." marks an equation no test pins; those are listed, not failed. Each doc must hold at least
# 10 anchors, so deleting them fails too. Fails naming each doc:line and what is missing.
#
# Run as: cmake -DSOURCE_DIR=<repository> -P check_doc_anchors.cmake
if(NOT SOURCE_DIR)
  message(FATAL_ERROR "usage: cmake -DSOURCE_DIR=<repository> -P check_doc_anchors.cmake")
endif()
get_filename_component(root "${SOURCE_DIR}" ABSOLUTE)

set(docs docs/losses.md docs/samplers.md)
set(minimum_anchors 10)

# Characters that CMake lists treat specially, replaced while a file is split into lines.
string(ASCII 1 open_bracket)
string(ASCII 2 close_bracket)
string(ASCII 3 backslash)
string(ASCII 4 semicolon)

function(encode text out)
  string(REPLACE "\\" "${backslash}" text "${text}")
  string(REPLACE ";" "${semicolon}" text "${text}")
  string(REPLACE "[" "${open_bracket}" text "${text}")
  string(REPLACE "]" "${close_bracket}" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

function(decode text out)
  string(REPLACE "${backslash}" "\\" text "${text}")
  string(REPLACE "${semicolon}" ";" text "${text}")
  string(REPLACE "${open_bracket}" "[" text "${text}")
  string(REPLACE "${close_bracket}" "]" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

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

# The items of `part` that match `pattern`, into `out`; when none does, or anything but the
# separators `rest` (a regex for what is left once the items are removed) remains, appends to
# `report` that `part` cannot be read as `form`, and gives no items.
function(items_of where part pattern rest form out)
  string(REGEX MATCHALL "${pattern}" items "${part}")
  string(REGEX REPLACE "${pattern}" "" left "${part}")
  if(NOT items OR NOT left MATCHES "${rest}")
    decode("${part}" text)
    string(APPEND report "\n  ${where}: cannot read ${form}: ${text}")
    set(report "${report}" PARENT_SCOPE)
    set(items "")
  endif()
  set(${out} "${items}" PARENT_SCOPE)
endfunction()

set(code_pattern "`[^`]+` · `[^`]+`")
set(test_pattern "\"[^\"]+\" \\([^()]+\\)")

set(report "")
set(summary "")
set(unpinned "")
foreach(doc IN LISTS docs)
  if(NOT EXISTS "${root}/${doc}")
    string(APPEND report "\n  ${doc}: the doc is missing")
    continue()
  endif()
  file(READ "${root}/${doc}" content)
  string(REPLACE "\r" "" content "${content}")
  encode("${content}" content)
  string(REPLACE "\n" ";" lines "${content}")

  set(number 0)
  set(anchors 0)
  foreach(line IN LISTS lines)
    math(EXPR number "${number} + 1")
    if(NOT line MATCHES "^ *Code: ")
      continue()
    endif()
    math(EXPR anchors "${anchors} + 1")
    set(where "${doc}:${number}")
    string(STRIP "${line}" line)

    string(FIND "${line}" ". Pinned by: " split)
    if(split EQUAL -1)
      string(APPEND report "\n  ${where}: the anchor has no \". Pinned by: \" part")
      continue()
    endif()
    string(SUBSTRING "${line}" 0 ${split} code_part)
    math(EXPR pins_start "${split} + 13")
    string(SUBSTRING "${line}" ${pins_start} -1 pins_part)

    # Code: `FILE` · `SNIPPET`, pairs separated by "; ".
    items_of("${where}" "${code_part}" "${code_pattern}" "^Code: (${semicolon} )*$" "the code part as `FILE` · `SNIPPET`; ..." pairs)
    foreach(pair IN LISTS pairs)
      string(REGEX REPLACE "^`([^`]+)` · `.*`$" "\\1" path "${pair}")
      string(REGEX REPLACE "^`[^`]+` · `(.*)`$" "\\1" snippet "${pair}")
      decode("${path}" path)
      decode("${snippet}" snippet)
      expect_once("${where}" "${path}" "${snippet}" "`${snippet}`")
    endforeach()

    # Pinned by: "NAME" (TEST_FILE), pairs separated by ", "; or "none yet.".
    if(pins_part STREQUAL "none yet.")
      list(APPEND unpinned "${where}")
      continue()
    endif()
    items_of("${where}" "${pins_part}" "${test_pattern}" "^(, )*\\.$" "the pins as \"TEST CASE\" (TEST_FILE), ..." tests)
    foreach(test IN LISTS tests)
      string(REGEX REPLACE "^\"([^\"]+)\" \\(.*\\)$" "\\1" name "${test}")
      string(REGEX REPLACE "^\"[^\"]+\" \\((.*)\\)$" "\\1" path "${test}")
      decode("${name}" name)
      decode("${path}" path)
      expect_once("${where}" "${path}" "TEST_CASE(\"${name}\")" "TEST_CASE(\"${name}\")")
    endforeach()
  endforeach()

  if(anchors LESS minimum_anchors)
    string(APPEND report "\n  ${doc}: ${anchors} anchors; every equation needs one (at least ${minimum_anchors} expected)")
  endif()
  list(APPEND summary "${doc}: ${anchors}")
endforeach()

if(report)
  message(FATAL_ERROR "the docs' equation anchors are stale; update the anchor lines (docs/testing.md):${report}")
endif()
list(JOIN summary ", " summary)
set(note "")
if(unpinned)
  list(JOIN unpinned ", " unpinned)
  set(note "; pinned by no test yet: ${unpinned}")
endif()
message(STATUS "every equation anchor names existing code and test cases (${summary}${note})")
