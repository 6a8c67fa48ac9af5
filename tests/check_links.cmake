# Checks that no file of the repository points outside it, and that every relative link of its
# Markdown files resolves. The repository documents itself (docs/api.md is the API reference), so
# a reader never needs a file that is not in it.
#
# In every text file (*.md, *.cpp, *.hpp, *.cu, *.cuh, *.cmake, *.sh, *.py, *.txt) it flags a path
# into the shared folder beside the repository and an absolute path under the machine's work
# directory. In every Markdown file it checks each link ](target) or ](<target>) (images too; a
# "title" after the target is allowed) that is not a URL (http:, https:, mailto:, any scheme:):
#   - the target must not resolve outside the repository (docs/x.md may link ../README.md, not
#     ../../x); it is taken relative to the linking file's directory, or to the root when it
#     starts with /;
#   - the file or directory it names must exist (#anchor alone names the linking file);
#   - when it has a #fragment and names a Markdown file, the fragment must be the GitHub slug of
#     one of that file's ATX headings (# to ######, outside fenced code) or the id/name of an
#     explicit <a id="..."> / <a name="...">. Fragments are compared exactly (slugs are lowercase);
#     %XX escapes in targets are decoded first. A fragment on another kind of file (x.cpp#L10)
#     is not checked.
# Links inside fenced code blocks (``` or ~~~) and inline code spans are not links and are
# skipped. Reference-style links ([text][label]) and HTML href/src are not checked.
#
# The slug follows GitHub (github-slugger): the heading's text (closing #s, link targets and HTML
# tags removed; _emphasis_ is not unwrapped), lowercased, with every character dropped that is
# not a letter, a number, a space, a hyphen or an underscore, then each space turned into a
# hyphen; a repeated slug gets -1, -2, ... CMake lowers and classifies ASCII only, so non-ASCII
# characters are handled by explicit lists below: uppercase Greek and Latin-1 letters are lowered
# (slug_upper, slug_lower), and the symbols in slug_drop are dropped; every other non-ASCII
# character is kept as a letter or a number (σ, é, ², ₁). A heading with a new non-ASCII symbol
# or punctuation mark needs that character added to slug_drop, or links to it will be reported
# as missing anchors.
#
# docs/README.md, the index of the documents, must link every other docs/*.md.
#
# Not scanned: .git, build*, runs, .gpu_deps (build outputs, ignored by git), shared (not part of
# the repository) and fuzz/corpus (fuzzer inputs); a link into them is still resolved. Fails
# naming each file:line, the problem (a path outside the repository, a link that leaves the
# repository, a missing file, or a missing anchor) and the link or the line's text.
#
# Run as: cmake -DSOURCE_DIR=<repository> -P check_links.cmake
if(NOT SOURCE_DIR)
  message(FATAL_ERROR "usage: cmake -DSOURCE_DIR=<repository> -P check_links.cmake")
endif()
get_filename_component(root "${SOURCE_DIR}" ABSOLUTE)
cmake_path(SET root NORMALIZE "${root}")
string(REGEX REPLACE "/$" "" root "${root}")

# The patterns are spelled so that this file does not match them itself.
set(outside_pattern "\\.\\./shared|/wor[k]/")

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
set(markdown_files "${files}")
list(FILTER markdown_files INCLUDE REGEX "\\.md$")

include(${CMAKE_CURRENT_LIST_DIR}/text_lines.cmake)  # read_lines, decode

# Decodes %XX escapes (UTF-8 bytes) in a link target.
function(percent_decode text out)
  while(text MATCHES "%([0-9A-Fa-f][0-9A-Fa-f])")
    set(hex "${CMAKE_MATCH_1}")
    math(EXPR code "0x${hex}")
    string(ASCII ${code} byte)
    string(REPLACE "%${hex}" "${byte}" text "${text}")
  endwhile()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# --- GitHub heading slugs -------------------------------------------------------------------
# Non-ASCII symbols and punctuation that GitHub drops from a slug. Only ASCII is classified
# automatically: a heading with any other symbol must have it added here. (Holds the ones our
# headings use -- — × ∇ ∂ -- and common others.)
set(slug_drop
  "—" "–" "‐" "‑" "‒" "―" "·" "•" "…" "‘" "’" "‚" "“" "”" "„" "′" "″" "«" "»" "‹" "›" "¡" "¿"
  "§" "¶" "†" "‡" "°" "©" "®" "™" "¦" "¨" "¯" "´" "¸" "¬" "±" "×" "÷" "€" "£" "¥" "¢"
  "→" "←" "↔" "↑" "↓" "⇒" "⇐" "⇔" "↦" "∇" "∂" "∆" "∑" "∏" "∫" "√" "∞" "≤" "≥" "≠" "≈" "≡" "∼"
  "≪" "≫" "∈" "∉" "⊂" "⊆" "∪" "∩" "∧" "∨" "∀" "∃" "∅" "∘" "⋅" "∗" "⊗" "⊕" "‖" "⟨" "⟩" "✓" "✗")
# Spaces other than ' ' go too: no-break (U+00A0), thin (U+2009), narrow no-break (U+202F).
string(ASCII 194 160 no_break_space)
string(ASCII 226 128 137 thin_space)
string(ASCII 226 128 175 narrow_no_break_space)
list(APPEND slug_drop "${no_break_space}" "${thin_space}" "${narrow_no_break_space}")
# Uppercase letters CMake's string(TOLOWER) leaves alone, and their lowercase (same order).
set(slug_upper
  "Α" "Β" "Γ" "Δ" "Ε" "Ζ" "Η" "Θ" "Ι" "Κ" "Λ" "Μ" "Ν" "Ξ" "Ο" "Π" "Ρ" "Σ" "Τ" "Υ" "Φ" "Χ" "Ψ" "Ω"
  "Ά" "Έ" "Ή" "Ί" "Ό" "Ύ" "Ώ"
  "À" "Á" "Â" "Ã" "Ä" "Å" "Æ" "Ç" "È" "É" "Ê" "Ë" "Ì" "Í" "Î" "Ï" "Ð" "Ñ" "Ò" "Ó" "Ô" "Õ" "Ö" "Ø"
  "Ù" "Ú" "Û" "Ü" "Ý" "Þ")
set(slug_lower
  "α" "β" "γ" "δ" "ε" "ζ" "η" "θ" "ι" "κ" "λ" "μ" "ν" "ξ" "ο" "π" "ρ" "σ" "τ" "υ" "φ" "χ" "ψ" "ω"
  "ά" "έ" "ή" "ί" "ό" "ύ" "ώ"
  "à" "á" "â" "ã" "ä" "å" "æ" "ç" "è" "é" "ê" "ë" "ì" "í" "î" "ï" "ð" "ñ" "ò" "ó" "ô" "õ" "ö" "ø"
  "ù" "ú" "û" "ü" "ý" "þ")
list(LENGTH slug_upper slug_letters)
math(EXPR slug_last "${slug_letters} - 1")

# The slug of a heading's text (with the replacement characters of read_lines).
function(github_slug text out)
  # The rendered text: [label](target) shows its label, HTML tags show nothing.
  string(REGEX REPLACE "${open_bracket}([^${close_bracket}]*)${close_bracket}\\([^)]*\\)" "\\1" text "${text}")
  string(REGEX REPLACE "<[^>]*>" "" text "${text}")
  string(TOLOWER "${text}" text)
  if(text MATCHES "[^\t -~]")
    foreach(index RANGE ${slug_last})
      list(GET slug_upper ${index} upper)
      list(GET slug_lower ${index} lower)
      string(REPLACE "${upper}" "${lower}" text "${text}")
    endforeach()
    foreach(symbol IN LISTS slug_drop)
      string(REPLACE "${symbol}" "" text "${text}")
    endforeach()
  endif()
  # ASCII: keep letters, digits, space, hyphen and underscore; the replacement characters stand
  # for [ ] \ ; and go too.
  string(REGEX REPLACE "[]!\"#$%&'()*+,./:<=>?@^`{|}~\\[\t${open_bracket}${close_bracket}${backslash}${semicolon}]" ""
         text "${text}")
  string(REPLACE " " "-" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# --- Markdown: the one place links and anchors are parsed -------------------------------------
# parse_markdown(path): reads a Markdown file once and records, as global properties,
#   ebm_links:<path>    its links, each "line|target" (target with the replacement characters),
#   ebm_anchors:<path>  the anchors a #fragment may name: heading slugs and explicit <a id/name>.
function(parse_markdown path)
  get_property(done GLOBAL PROPERTY "ebm_parsed:${path}" SET)
  if(done)
    return()
  endif()
  read_lines("${path}" lines)
  set(links "")
  set(anchors "")
  set(number 0)
  set(fence "")
  foreach(line IN LISTS lines)
    math(EXPR number "${number} + 1")
    # Fenced code: opened by ``` or ~~~ (any indentation, so inside list items too; a ``` line
    # with another backtick after the fence is inline code, not a fence), closed by a line of the
    # same character, at least as long.
    set(marker "")
    if(line MATCHES "^ *(```+)[^`]*$")
      set(marker "${CMAKE_MATCH_1}")
    elseif(line MATCHES "^ *(~~~+)")
      set(marker "${CMAKE_MATCH_1}")
    endif()
    if(NOT marker STREQUAL "")
      if(fence STREQUAL "")
        set(fence "${marker}")
        continue()
      endif()
      string(SUBSTRING "${fence}" 0 1 fence_char)
      string(LENGTH "${fence}" fence_length)
      string(LENGTH "${marker}" marker_length)
      if(marker MATCHES "^${fence_char}" AND NOT marker_length LESS fence_length AND line MATCHES "^ *[`~]+[ \t]*$")
        set(fence "")
      endif()
      continue()
    endif()
    if(NOT fence STREQUAL "")
      continue()
    endif()

    # Inline code spans are not links (nor HTML).
    string(REGEX REPLACE "``([^`]|`[^`])*``" "" text "${line}")
    string(REGEX REPLACE "`[^`]*`" "" text "${text}")

    if(text MATCHES "^ ? ? ?(#+)([ \t].*)?$")
      string(LENGTH "${CMAKE_MATCH_1}" level)
      if(level LESS_EQUAL 6)
        # The heading keeps its code spans' text: take it from the raw line.
        string(REGEX REPLACE "^ ? ? ?#+" "" heading "${line}")
        string(REGEX REPLACE "[ \t]+#+[ \t]*$" "" heading "${heading}")
        string(REGEX REPLACE "^#+$" "" heading "${heading}")
        string(STRIP "${heading}" heading)
        github_slug("${heading}" slug)
        if(NOT slug STREQUAL "")
          # github-slugger: a slug already taken gets -N, N counting per original slug.
          string(MD5 key "${slug}")
          if(NOT DEFINED occurrences_${key})
            set(occurrences_${key} 0)
          endif()
          set(result "${slug}")
          list(FIND anchors "${result}" taken)
          while(NOT taken EQUAL -1)
            math(EXPR occurrences_${key} "${occurrences_${key}} + 1")
            set(result "${slug}-${occurrences_${key}}")
            list(FIND anchors "${result}" taken)
          endwhile()
          list(APPEND anchors "${result}")
        endif()
      endif()
    endif()

    string(REGEX MATCHALL "<[aA][ \t][^>]*(id|name)=\"[^\"]*\"" explicit "${text}")
    foreach(tag IN LISTS explicit)
      string(REGEX REPLACE "^.*(id|name)=\"([^\"]*)\"$" "\\2" id "${tag}")
      list(APPEND anchors "${id}")
    endforeach()

    # ](target), ](<target>), either followed by an optional "title" or 'title'.
    string(REGEX MATCHALL "${close_bracket}\\((<[^>]*>|[^ \t()<>${open_bracket}${close_bracket}]+)([ \t]+(\"[^\"]*\"|'[^']*'))?\\)"
           found "${text}")
    foreach(link IN LISTS found)
      string(REGEX REPLACE "^${close_bracket}\\((<[^>]*>|[^ \t()<>${open_bracket}${close_bracket}]+).*$" "\\1" target "${link}")
      string(REGEX REPLACE "^<(.*)>$" "\\1" target "${target}")
      list(APPEND links "${number}|${target}")
    endforeach()
  endforeach()
  set_property(GLOBAL PROPERTY "ebm_parsed:${path}" TRUE)
  set_property(GLOBAL PROPERTY "ebm_links:${path}" "${links}")
  set_property(GLOBAL PROPERTY "ebm_anchors:${path}" "${anchors}")
endfunction()

set(report "")

# Paths outside the repository, in every text file.
foreach(path IN LISTS files)
  file(STRINGS "${path}" candidates REGEX "${outside_pattern}")
  if(NOT candidates)
    continue()
  endif()
  file(RELATIVE_PATH name "${root}" "${path}")
  read_lines("${path}" lines)
  set(number 0)
  foreach(line IN LISTS lines)
    math(EXPR number "${number} + 1")
    if(line MATCHES "${outside_pattern}")
      decode("${line}" text)
      string(STRIP "${text}" text)
      string(APPEND report "\n  ${name}:${number}: a path outside the repository: ${text}")
    endif()
  endforeach()
endforeach()

# Links of every Markdown file.
set(link_count 0)
foreach(path IN LISTS markdown_files)
  parse_markdown("${path}")
  get_property(links GLOBAL PROPERTY "ebm_links:${path}")
  file(RELATIVE_PATH name "${root}" "${path}")
  get_filename_component(directory "${path}" DIRECTORY)
  foreach(entry IN LISTS links)
    string(REGEX REPLACE "^([0-9]+)\\|.*$" "\\1" number "${entry}")
    string(REGEX REPLACE "^[0-9]+\\|" "" target "${entry}")
    decode("${target}" shown)
    if(target MATCHES "^[A-Za-z][A-Za-z0-9+.-]*:")
      continue()  # a URL
    endif()
    math(EXPR link_count "${link_count} + 1")
    decode("${target}" target)
    set(fragment "")
    set(has_fragment FALSE)
    if(target MATCHES "^([^#]*)#(.*)$")
      set(target "${CMAKE_MATCH_1}")
      set(fragment "${CMAKE_MATCH_2}")
      set(has_fragment TRUE)
    endif()
    string(REGEX REPLACE "\\?.*$" "" target "${target}")
    percent_decode("${target}" target)
    percent_decode("${fragment}" fragment)

    if(target STREQUAL "")
      set(resolved "${path}")
    elseif(target MATCHES "^/")
      cmake_path(SET resolved NORMALIZE "${root}${target}")
    else()
      cmake_path(SET resolved NORMALIZE "${directory}/${target}")
    endif()
    string(REGEX REPLACE "(.)/$" "\\1" resolved "${resolved}")
    cmake_path(IS_PREFIX root "${resolved}" NORMALIZE inside)
    if(NOT inside)
      string(APPEND report "\n  ${name}:${number}: a link that leaves the repository: ${shown}")
      continue()
    endif()
    if(NOT EXISTS "${resolved}")
      file(RELATIVE_PATH missing "${root}" "${resolved}")
      string(APPEND report "\n  ${name}:${number}: a link to a missing file (${missing}): ${shown}")
      continue()
    endif()
    if(has_fragment AND NOT fragment STREQUAL "" AND NOT IS_DIRECTORY "${resolved}" AND resolved MATCHES "\\.md$")
      parse_markdown("${resolved}")
      get_property(anchors GLOBAL PROPERTY "ebm_anchors:${resolved}")
      list(FIND anchors "${fragment}" found)
      if(found EQUAL -1)
        file(RELATIVE_PATH in "${root}" "${resolved}")
        string(APPEND report "\n  ${name}:${number}: a link to a missing anchor (no heading of ${in} has the slug ${fragment}): ${shown}")
      endif()
    endif()
  endforeach()
endforeach()

# docs/README.md is the index of the documents: every other docs/*.md must be linked from it.
file(GLOB documents RELATIVE "${root}/docs" "${root}/docs/*.md")
if(EXISTS "${root}/docs/README.md")
  file(READ "${root}/docs/README.md" index)
  foreach(document IN LISTS documents)
    string(FIND "${index}" "](${document})" listed)
    if(NOT document STREQUAL "README.md" AND listed EQUAL -1)
      string(APPEND report "\n  docs/README.md: the index does not list docs/${document} (add a line: [${document}](${document}): what it holds)")
    endif()
  endforeach()
else()
  string(APPEND report "\n  docs/README.md: the index of the documents is missing")
endif()

list(LENGTH files count)
list(LENGTH markdown_files markdown_count)
if(report)
  message(FATAL_ERROR "files point outside the repository (document it here instead: docs/api.md) or hold broken links:${report}")
endif()
message(STATUS "no file points outside the repository and every link resolves (${count} files scanned, "
               "${link_count} relative links in ${markdown_count} Markdown files)")
