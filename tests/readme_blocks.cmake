# README.md's programs and their outputs: fenced blocks after a `<!-- MARKER -->` line. Shared by
# tests/readme_example.cmake (which compiles the first program) and tests/check_readme_program.cmake
# (which checks a program's listing and output).

# README.md's text from the line `<!-- marker -->` on.
function(readme_after_marker readme marker out)
  file(READ "${readme}" text)
  string(FIND "${text}" "<!-- ${marker} -->" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "README.md has no <!-- ${marker} --> line")
  endif()
  string(SUBSTRING "${text}" ${at} -1 text)
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# The body of the first ```language block in `text`, and the text after it.
function(fenced_block text language body rest)
  string(FIND "${text}" "```${language}\n" start)
  if(start EQUAL -1)
    message(FATAL_ERROR "README.md: no ```${language} block where one was expected")
  endif()
  string(LENGTH "```${language}\n" opening)
  math(EXPR start "${start} + ${opening}")
  string(SUBSTRING "${text}" ${start} -1 text)
  string(FIND "${text}" "```" end)
  string(SUBSTRING "${text}" 0 ${end} block)
  math(EXPR end "${end} + 3")
  string(SUBSTRING "${text}" ${end} -1 text)
  set(${body} "${block}" PARENT_SCOPE)
  set(${rest} "${text}" PARENT_SCOPE)
endfunction()
