# Builds and runs tests/install_consumer against ebm, in the mode given by MODE:
#   install:          `cmake --install` of BUILD_DIR into a prefix, then find_package(ebm);
#   add_subdirectory: the source tree SOURCE_DIR added to the consumer's build (EBM_CUDA=OFF).
# Run with: cmake -DMODE=... -DSOURCE_DIR=... -DBUILD_DIR=... -DWORK_DIR=... -P consumer_test.cmake
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}): ${ARGN}\n${output}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
if(MODE STREQUAL "install")
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
  set(configure_arguments -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
else()
  # Without the CUDA backend: the suite's own build has it where nvcc exists, so this consumer is
  # what builds and runs the CPU-only configuration.
  set(configure_arguments -DEBM_SOURCE_DIR=${SOURCE_DIR} -DEBM_CUDA=OFF)
endif()
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install_consumer -B ${WORK_DIR}/build -DCMAKE_BUILD_TYPE=Release
    ${configure_arguments})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build --parallel 2)
run(${WORK_DIR}/build/consumer)
message(STATUS "consumer built with ${MODE} and ran")
