# Checks a program shown in README.md: the first ```cpp block after the line `<!-- MARKER -->`
# is followed by a ```text block, and PROGRAM's standard output is that block, exactly; PROGRAM
# exits with 0. With SOURCE (a path from the repository root), the ```cpp block must also be
# that file, exactly, so that the README shows what the tests build. Fails showing both texts.
#
# Run as: cmake -DREADME=<README.md> -DMARKER=<marker> -DPROGRAM=<executable> [-DSOURCE_DIR=<root> -DSOURCE=<path>]
#         -P check_readme_program.cmake
foreach(variable README MARKER PROGRAM)
  if(NOT ${variable})
    message(FATAL_ERROR "usage: cmake -DREADME=… -DMARKER=… -DPROGRAM=… [-DSOURCE_DIR=… -DSOURCE=…] -P check_readme_program.cmake")
  endif()
endforeach()

include(${CMAKE_CURRENT_LIST_DIR}/readme_blocks.cmake)
readme_after_marker("${README}" "${MARKER}" text)
fenced_block("${text}" "cpp" code text)
fenced_block("${text}" "text" expected text)

set(report "")
if(SOURCE)
  file(READ "${SOURCE_DIR}/${SOURCE}" source)
  if(NOT source STREQUAL code)
    string(APPEND report "\nthe ```cpp block after <!-- ${MARKER} --> is not ${SOURCE}; copy the file into README.md")
  endif()
endif()
execute_process(COMMAND "${PROGRAM}" RESULT_VARIABLE result OUTPUT_VARIABLE output)
if(NOT result EQUAL 0)
  string(APPEND report "\n${PROGRAM} exited with ${result}")
endif()
if(NOT output STREQUAL expected)
  string(APPEND report "\nits output is not the ```text block after <!-- ${MARKER} -->;\nREADME.md shows:\n${expected}the program printed:\n${output}")
endif()
if(report)
  message(FATAL_ERROR "README.md's program after <!-- ${MARKER} -->:${report}")
endif()
message(STATUS "README.md's program after <!-- ${MARKER} --> prints what README.md shows")
