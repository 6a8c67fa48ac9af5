# Text files as lists of lines, for the checks that CMake scripts run (tests/check_*.cmake). A CMake
# list splits at ';' and treats [ ] and \ specially, so while a file is a list of lines those
# characters are replaced by control characters, and `decode` gives a line's text back.
string(ASCII 1 open_bracket)
string(ASCII 2 close_bracket)
string(ASCII 3 backslash)
string(ASCII 4 semicolon)
string(ASCII 5 escaped_bar)  # a Markdown table's \| inside a cell, while a row is split into cells

# The lines of the file at `path` (\r dropped), with [ ] \ ; replaced.
function(read_lines path out)
  file(READ "${path}" content)
  string(REPLACE "\r" "" content "${content}")
  string(REPLACE "\\" "${backslash}" content "${content}")
  string(REPLACE ";" "${semicolon}" content "${content}")
  string(REPLACE "[" "${open_bracket}" content "${content}")
  string(REPLACE "]" "${close_bracket}" content "${content}")
  string(REPLACE "\n" ";" lines "${content}")
  set(${out} "${lines}" PARENT_SCOPE)
endfunction()

# `text` with the replaced characters (and an escaped |) turned back into what the file holds.
function(decode text out)
  string(REPLACE "${escaped_bar}" "|" text "${text}")
  string(REPLACE "${backslash}" "\\" text "${text}")
  string(REPLACE "${semicolon}" ";" text "${text}")
  string(REPLACE "${open_bracket}" "[" text "${text}")
  string(REPLACE "${close_bracket}" "]" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()
