# Builds tests/install_consumer against ebm the ways users build, in the mode given by MODE, each
# consumer once without a C++ standard of its own and once with CMAKE_CXX_STANDARD 20 (required):
#   install:          `cmake --install` of BUILD_DIR into a prefix, then find_package(ebm). Both
#                     consumers configure, build and run (each is one source file); the C++20 one
#                     also builds examples/deploy.cpp, which then loads a run that BUILD_DIR's
#                     `ebm train` writes and must print the energies `ebm energy` prints, digit
#                     for digit.
#   add_subdirectory: the source tree SOURCE_DIR added to the consumer's build with the default
#                     options: EBM_CUDA=AUTO, so the CUDA backend wherever nvcc is found. The C++20
#                     consumer configures, builds and runs; the other configures and generates
#                     (one build of the library is CI's time for this path).
# Every consumer that runs must report the GPU (or why there is none) and exit 0.
# Run with: cmake -DMODE=... -DSOURCE_DIR=... -DBUILD_DIR=... -DWORK_DIR=... -P consumer_test.cmake
function(run output_variable)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}): ${ARGN}\n${output}")
  endif()
  set(${output_variable} "${output}" PARENT_SCOPE)
endfunction()

# consumer(NAME STANDARD BUILD ARGUMENTS...): configures the consumer in WORK_DIR/NAME with
# CONSUMER_CXX_STANDARD=STANDARD (empty: none) and the ARGUMENTS; with BUILD true, builds and runs it.
function(consumer name standard build)
  set(build_dir ${WORK_DIR}/${name})
  run(configured ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install_consumer -B ${build_dir} -DCMAKE_BUILD_TYPE=Release
      -DCONSUMER_CXX_STANDARD=${standard} ${ARGN})
  string(REGEX MATCH "ebm: building the CUDA backend[^\n]*" cuda "${configured}")
  if(NOT build)
    message(STATUS "consumer ${name}: configured and generated ${cuda}")
    return()
  endif()
  run(built ${CMAKE_COMMAND} --build ${build_dir} --parallel 2)
  run(ran ${build_dir}/consumer)
  if(NOT ran MATCHES "gpu: [^\n]+" OR NOT ran MATCHES "cuda backend: [^\n]+")
    message(FATAL_ERROR "consumer ${name} did not report the GPU:\n${ran}")
  endif()
  message(STATUS "consumer ${name}: built and ran ${cuda}\n${ran}")
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
if(MODE STREQUAL "install")
  run(installed ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
  consumer(find_package_cxx20 20 TRUE -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCONSUMER_DEPLOY=${SOURCE_DIR}/examples/deploy.cpp)
  consumer(find_package "" TRUE -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
  # An application loads a run trained by the tool: the same energies as `ebm energy`.
  set(ebm ${BUILD_DIR}/tools/ebm)
  run(trained ${ebm} train --dataset two_moons --loss dsm --steps 40 --hidden 16 --samples 20 --sampler-steps 20 --out ${WORK_DIR}/run --quiet)
  run(data ${ebm} data --dataset two_moons --n 12 --seed 5 --out ${WORK_DIR}/rows.csv)
  run(scored ${ebm} energy --model ${WORK_DIR}/run --data ${WORK_DIR}/rows.csv)
  run(deployed ${WORK_DIR}/find_package_cxx20/deploy ${WORK_DIR}/run ${WORK_DIR}/rows.csv)
  string(REGEX MATCHALL "row [0-9]+: energy [^ \n]+" lines "${deployed}")
  string(REGEX REPLACE "row [0-9]+: energy " "" deploy_energies "${lines}")
  string(REGEX REPLACE "^energy\n" "" tool_energies "${scored}")
  string(STRIP "${tool_energies}" tool_energies)
  string(REPLACE "\n" ";" tool_energies "${tool_energies}")
  list(LENGTH deploy_energies count)
  if(NOT count EQUAL 12 OR NOT "${deploy_energies}" STREQUAL "${tool_energies}")
    message(FATAL_ERROR "deploy's energies differ from ebm energy's:\n${deployed}\nebm energy:\n${scored}")
  endif()
  message(STATUS "deploy printed ebm energy's 12 energies digit for digit:\n${deployed}")
else()
  consumer(add_subdirectory_cxx20 20 TRUE -DEBM_SOURCE_DIR=${SOURCE_DIR})
  consumer(add_subdirectory "" FALSE -DEBM_SOURCE_DIR=${SOURCE_DIR})
endif()
