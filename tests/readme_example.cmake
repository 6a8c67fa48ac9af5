# Writes the C++ block that follows the `<!-- readme-example -->` marker in README.md to
# readme_example.cpp in the current binary directory; re-runs when README.md changes.
set(readme ${PROJECT_SOURCE_DIR}/README.md)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${readme})
include(${CMAKE_CURRENT_LIST_DIR}/readme_blocks.cmake)
readme_after_marker(${readme} readme-example text)
fenced_block("${text}" cpp code rest)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/readme_example.cpp.in "${code}")
configure_file(${CMAKE_CURRENT_BINARY_DIR}/readme_example.cpp.in ${CMAKE_CURRENT_BINARY_DIR}/readme_example.cpp COPYONLY)
