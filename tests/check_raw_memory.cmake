# Checks that no code above engine/ touches tensor memory or tape internals: raw_data(), data<T>(),
# impl() and bump_version() are for kernels and autograd. Code above reaches memory through ops
# (gather_rows, scatter_rows_, adam_update_, to_bytes, from_bytes). Fails naming each use.
#
# Run as: cmake -DSOURCE_DIR=<repository> -P check_raw_memory.cmake
set(uses "")
foreach(layer nn optim energies samplers losses tools)
  file(GLOB_RECURSE sources "${SOURCE_DIR}/${layer}/*.cpp" "${SOURCE_DIR}/${layer}/*.hpp")
  foreach(source IN LISTS sources)
    file(STRINGS "${source}" lines REGEX "(\\.|->)(raw_data|impl|bump_version)\\(|\\.data<")
    foreach(line IN LISTS lines)
      file(RELATIVE_PATH name "${SOURCE_DIR}" "${source}")
      string(STRIP "${line}" line)
      list(APPEND uses "${name}: ${line}")
    endforeach()
  endforeach()
endforeach()
if(uses)
  list(JOIN uses "\n  " uses)
  message(FATAL_ERROR "code above engine/ touches tensor memory; use ops instead (docs/backends.md):\n  ${uses}")
endif()
message(STATUS "no code above engine/ touches tensor memory")
