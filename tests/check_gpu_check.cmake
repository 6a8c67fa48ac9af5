# scripts/gpu_check.sh on a machine without a GPU must say so in one line and exit 1.
# Run with: cmake -DSOURCE_DIR=... -P check_gpu_check.cmake
execute_process(COMMAND bash ${SOURCE_DIR}/scripts/gpu_check.sh RESULT_VARIABLE result OUTPUT_VARIABLE output
                ERROR_VARIABLE output)
string(STRIP "${output}" output)
string(FIND "${output}" "\n" newline)
if(NOT result EQUAL 1 OR NOT newline EQUAL -1 OR NOT output MATCHES "no GPU here")
  message(FATAL_ERROR "gpu_check.sh without a GPU exited ${result}, saying:\n${output}")
endif()
message(STATUS "gpu_check.sh without a GPU: ${output}")
