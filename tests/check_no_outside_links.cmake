# Checks that no file of the repository points outside it: the repository documents itself
# (docs/api.md is the API reference), so a reader never needs a file that is not in it. Flags, in
# every text file (*.md, *.cpp, *.hpp, *.cu, *.cuh, *.cmake, *.sh, *.py, *.txt), a path into the
# shared folder beside the repository and an absolute path under the machine's work directory;
# in Markdown files, also every relative link ](path) that resolves to a place outside the
# repository (docs/x.md may link ../README.md, not ../../x). Not scanned: .git, build*, runs,
# .gpu_deps (build outputs, ignored by git), shared (not part of the repository) and fuzz/corpus
# (fuzzer inputs). Fails naming each file:line and its text.
#
# Run as: cmake -DSOURCE_DIR=<repository> -P check_no_outside_links.cmake
if(NOT SOURCE_DIR)
  message(FATAL_ERROR "usage: cmake -DSOURCE_DIR=<repository> -P check_no_outside_links.cmake")
endif()
get_filename_component(root "${SOURCE_DIR}" ABSOLUTE)
cmake_path(SET root NORMALIZE "${root}")

# The patterns are spelled so that this file does not match them itself.
set(outside_pattern "\\.\\./shared|/wor[k]/")
# Lines worth a closer look: anything with a parent step or one of the patterns.
set(candidate_pattern "\\.\\./|${outside_pattern}")

set(files "")
file(GLOB entries LIST_DIRECTORIES true "${root}/*" "${root}/.*")
foreach(entry IN LISTS entries)
  get_filename_component(name "${entry}" NAME)
  if(name MATCHES "^(\\.|\\.\\.|\\.git|build.*|runs|\\.gpu_deps|shared)$")
    continue()
  endif()
  if(IS_DIRECTORY "${entry}")
    file(GLOB_RECURSE found "${entry}/*.md" "${entry}/*.cpp" "${entry}/*.hpp" "${entry}/*.cu" "${entry}/*.cuh"
         "${entry}/*.cmake" "${entry}/*.sh" "${entry}/*.py" "${entry}/*.txt")
    list(APPEND files ${found})
  elseif(name MATCHES "\\.(md|cpp|hpp|cu|cuh|cmake|sh|py|txt)$")
    list(APPEND files "${entry}")
  endif()
endforeach()
list(FILTER files EXCLUDE REGEX "^${root}/fuzz/corpus/")

# Characters that CMake lists treat specially, replaced while a file is split into lines.
string(ASCII 1 open_bracket)
string(ASCII 2 close_bracket)
string(ASCII 3 backslash)
string(ASCII 4 semicolon)

set(report "")
foreach(path IN LISTS files)
  file(STRINGS "${path}" candidates REGEX "${candidate_pattern}")
  if(NOT candidates)
    continue()
  endif()
  file(RELATIVE_PATH name "${root}" "${path}")
  get_filename_component(directory "${path}" DIRECTORY)
  set(markdown FALSE)
  if(path MATCHES "\\.md$")
    set(markdown TRUE)
  endif()

  file(READ "${path}" content)
  string(REPLACE "\r" "" content "${content}")
  string(REPLACE "\\" "${backslash}" content "${content}")
  string(REPLACE ";" "${semicolon}" content "${content}")
  string(REPLACE "[" "${open_bracket}" content "${content}")
  string(REPLACE "]" "${close_bracket}" content "${content}")
  string(REPLACE "\n" ";" lines "${content}")

  set(number 0)
  set(in_code FALSE)
  foreach(line IN LISTS lines)
    math(EXPR number "${number} + 1")
    if(markdown AND line MATCHES "^ *(```|~~~)")
      if(in_code)
        set(in_code FALSE)
      else()
        set(in_code TRUE)
      endif()
    endif()
    if(NOT line MATCHES "${candidate_pattern}")
      continue()
    endif()
    set(problems "")
    if(line MATCHES "${outside_pattern}")
      list(APPEND problems "a path outside the repository")
    endif()
    if(markdown AND NOT in_code)
      # Relative Markdown link targets: ](target) with no spaces, outside fenced code.
      string(REGEX MATCHALL "${close_bracket}\\(([^) ${open_bracket}${close_bracket}${semicolon}${backslash}]+)\\)"
             links "${line}")
      foreach(link IN LISTS links)
        string(REGEX REPLACE "^${close_bracket}\\((.*)\\)$" "\\1" target "${link}")
        if(target MATCHES "^[A-Za-z][A-Za-z0-9+.-]*:" OR target MATCHES "^[#/<]")
          continue()  # a URL, an anchor in the same file, or an absolute path (checked above)
        endif()
        string(REGEX REPLACE "[#?].*$" "" target "${target}")
        cmake_path(SET resolved NORMALIZE "${directory}/${target}")
        cmake_path(IS_PREFIX root "${resolved}" NORMALIZE inside)
        if(NOT inside)
          list(APPEND problems "a link that leaves the repository (${target})")
        endif()
      endforeach()
    endif()
    if(problems)
      string(REPLACE "${backslash}" "\\" text "${line}")
      string(REPLACE "${semicolon}" ";" text "${text}")
      string(REPLACE "${open_bracket}" "[" text "${text}")
      string(REPLACE "${close_bracket}" "]" text "${text}")
      string(STRIP "${text}" text)
      list(JOIN problems ", " problems)
      string(APPEND report "\n  ${name}:${number}: ${problems}: ${text}")
    endif()
  endforeach()
endforeach()

if(report)
  message(FATAL_ERROR "files point outside the repository; document it here instead (docs/api.md):${report}")
endif()
list(LENGTH files count)
message(STATUS "no file points outside the repository (${count} files scanned)")
