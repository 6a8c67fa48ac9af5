#!/usr/bin/env bash
# Mutation check: applies each mutation of scripts/mutations.txt to a scratch copy of the working
# tree, one at a time, rebuilds the test binaries incrementally and runs them. A mutation the suite
# does not notice (it "survives") marks a gap in the tests. docs/testing.md explains the list and
# the results.
#
#   scripts/mutation_check.sh [--only ID...] [-j N] [--scratch DIR] [--timeout S] [--list FILE] [--check]
#
#   --only ID...    run only these mutations (IDs as in the list; every ID must exist)
#   -j N            build parallelism (default: nproc)
#   --scratch DIR   scratch directory (default: $EBM_MUTATION_DIR, else /tmp/ebm-mutation); it keeps
#                   the copied sources and the Release build, so a second run builds incrementally
#   --timeout S     seconds each test binary may run per mutation (default: 5x its unmutated time + 30)
#   --list FILE     the mutation list (default: scripts/mutations.txt)
#   --check         only check that every entry applies (its text occurs exactly once); no build
#
# Exit status: 0 when every mutation is killed and every entry is sound, 1 when a mutation survives
# or an entry is broken (text not found exactly once, or the mutant does not compile), 2 on a setup
# failure (bad arguments, the unmutated build or suite fails).
set -euo pipefail

readonly build_lock=/tmp/ebm-build.lock  # shared with everyone building in the main checkout
root="$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)"
list="$root/scripts/mutations.txt"
scratch="${EBM_MUTATION_DIR:-/tmp/ebm-mutation}"
jobs="$(nproc)"
timeout_override=""
check_only=0
only=()

die() { echo "mutation_check: $*" >&2; exit 2; }

while (($#)); do
  case "$1" in
    --only)
      shift
      while (($#)) && [[ "$1" != -* ]]; do only+=("$1"); shift; done
      ((${#only[@]})) || die "--only needs at least one ID"
      continue ;;
    -j) (($# >= 2)) || die "-j needs a number"; jobs="$2"; shift ;;
    -j*) jobs="${1#-j}" ;;
    --scratch) (($# >= 2)) || die "--scratch needs a directory"; scratch="$2"; shift ;;
    --timeout) (($# >= 2)) || die "--timeout needs seconds"; timeout_override="$2"; shift ;;
    --list) (($# >= 2)) || die "--list needs a file"; list="$2"; shift ;;
    --check) check_only=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || die "-j expects a positive number, got '$jobs'"
[[ -z "$timeout_override" || "$timeout_override" =~ ^[1-9][0-9]*$ ]] || die "--timeout expects seconds, got '$timeout_override'"
[[ -f "$list" ]] || die "no mutation list at $list"

# ---------------------------------------------------------------------------------------------
# The list: entries of `key: value` lines (id, file, desc, from, to), separated by blank lines;
# `#` starts a comment line. from/to are taken verbatim after "key: " (one space).
ids=() files=() descs=() froms=() tos=()
declare -A index_of=()
list_errors=0
list_error() { echo "mutation list, $1" >&2; list_errors=$((list_errors + 1)); }

parse_list() {
  local line number=0 key value current=-1
  local -A seen=()
  finish_entry() {
    ((current >= 0)) || return 0
    local k
    for k in id file desc from to; do
      [[ -n "${seen[$k]:-}" ]] || list_error "entry '${ids[current]:-?}' (ending at line $number): no '$k:' line"
    done
    [[ "${froms[current]}" != "${tos[current]}" ]] || list_error "entry '${ids[current]}': from and to are the same text"
  }
  while IFS= read -r line || [[ -n "$line" ]]; do
    number=$((number + 1))
    [[ "$line" =~ ^[[:space:]]*# ]] && continue
    if [[ -z "${line//[[:space:]]/}" ]]; then continue; fi
    [[ "$line" =~ ^(id|file|desc|from|to):( (.*))?$ ]] || { list_error "line $number: expected 'id|file|desc|from|to: value', got: $line"; continue; }
    key="${BASH_REMATCH[1]}"
    value="${BASH_REMATCH[3]}"
    if [[ "$key" == id ]]; then
      finish_entry
      current=${#ids[@]}
      seen=([id]=1)
      [[ "$value" =~ ^[A-Za-z0-9._-]+$ ]] || list_error "line $number: id '$value' may hold only letters, digits, '.', '_' and '-'"
      [[ -z "${index_of[$value]:-}" ]] || list_error "line $number: id '$value' is used twice"
      ids+=("$value") files+=("") descs+=("") froms+=("") tos+=("")
      index_of[$value]=$current
      continue
    fi
    ((current >= 0)) || { list_error "line $number: '$key:' before the first 'id:'"; continue; }
    [[ -z "${seen[$key]:-}" ]] || list_error "line $number: entry '${ids[current]}' has two '$key:' lines"
    seen[$key]=1
    case "$key" in
      file) files[current]="$value" ;;
      desc) descs[current]="$value" ;;
      from) froms[current]="$value" ;;
      to) tos[current]="$value" ;;
    esac
  done < "$list"
  finish_entry
}
parse_list
((list_errors == 0)) || { echo "mutation_check: $list has $list_errors malformed lines or entries (above)" >&2; exit 1; }
((${#ids[@]})) || die "the list $list holds no mutation"

selected=()
if ((${#only[@]})); then
  for id in "${only[@]}"; do
    [[ -n "${index_of[$id]:-}" ]] || die "--only: no mutation with id '$id' in $list"
    selected+=("${index_of[$id]}")
  done
else
  selected=("${!ids[@]}")
fi

# Counts the occurrences of the literal text $2 in file $1.
occurrences() { FROM="$2" perl -0777 -ne 'my $n = () = /\Q$ENV{FROM}\E/g; print $n' "$1"; }

broken=()  # "id: why"
validate_entries() {  # $1: the tree to check against
  local i target count
  for i in "${selected[@]}"; do
    target="$1/${files[i]}"
    if [[ ! -f "$target" ]]; then
      list_error "entry '${ids[i]}': no file ${files[i]}"; broken+=("${ids[i]}: no file ${files[i]}"); continue
    fi
    count="$(occurrences "$target" "${froms[i]}")"
    if [[ "$count" != 1 ]]; then
      list_error "entry '${ids[i]}': its text occurs $count times in ${files[i]} (must be exactly once): ${froms[i]}"
      broken+=("${ids[i]}: text occurs $count times")
    fi
  done
}
if ((check_only)); then
  validate_entries "$root"
  echo "${#selected[@]} entries checked against $root: $list_errors problems"
  ((list_errors == 0)) && exit 0 || exit 1
fi

# ---------------------------------------------------------------------------------------------
# The scratch copy: tracked and untracked-but-not-ignored files. Unchanged files keep their
# timestamps, so the build stays incremental from one run to the next.
src="$scratch/src"
build="$scratch/build"
runs="$scratch/run"
mkdir -p "$src" "$build" "$runs"
exec 9> "$scratch/.lock"
flock -n 9 || die "another mutation check is using $scratch (pass --scratch DIR to run one beside it)"

sync_sources() {
  local -A wanted=()
  local path
  while IFS= read -r -d '' path; do
    [[ -f "$root/$path" || -L "$root/$path" ]] || continue  # deleted in the working tree
    wanted["$path"]=1
    if [[ ! -e "$src/$path" ]] || ! cmp -s "$root/$path" "$src/$path"; then
      mkdir -p "$src/$(dirname "$path")"
      cp -P "$root/$path" "$src/$path"
    fi
  done < <(git -C "$root" ls-files -z -co --exclude-standard)
  while IFS= read -r -d '' path; do
    path="${path#"$src"/}"
    [[ -n "${wanted[$path]:-}" ]] || rm -f "$src/$path"
  done < <(find "$src" \( -type f -o -type l \) -print0)
}
sync_sources

validate_entries "$src"

# ---------------------------------------------------------------------------------------------
# Build: one Release configuration, then only the targets the suite needs, under the shared lock.
log="$scratch/log"
mkdir -p "$log"
echo "mutation_check: copying $root to $src, building in $build" >&2
# The project's defaults, not those cached by an earlier run: a cache from before EBM_NATIVE turned
# off by default would build one CPU kernel level, and the dispatch mutants would be equivalent.
rm -f "$build/CMakeCache.txt"
flock "$build_lock" nice -n 10 cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release > "$log/configure.txt" 2>&1 ||
  { cat "$log/configure.txt" >&2; die "configuring the scratch copy failed"; }
binaries=(ebm_tests)
target_list="$(cmake --build "$build" --target help 2>/dev/null || true)"
if grep -qw ebm_tools_tests <<< "$target_list"; then binaries+=(ebm_tools_tests); fi
binaries+=(ebm_cli_tests)
targets=(ebm_tool "${binaries[@]}")

build_targets() {  # $1: log file
  flock "$build_lock" nice -n 10 cmake --build "$build" --parallel "$jobs" --target "${targets[@]}" > "$1" 2>&1
}

declare -A binary_path=() binary_timeout=()
locate_binaries() {
  local name found
  for name in "${binaries[@]}"; do
    found="$(find "$build" -type f -name "$name" -perm -u+x -print -quit)"
    [[ -n "$found" ]] || die "built $name but cannot find it under $build"
    binary_path[$name]="$found"
  done
}

# Runs one binary from its own empty working directory (ctest runs each from the build tree; no
# test reads its working directory, but tests may write there). Sets run_status to
# pass | fail | timeout and run_by to the failing test case.
run_binary() {  # $1: binary name, $2: timeout in seconds, $3: log file
  local name="$1" limit="$2" output="$3" status=0 case_name
  rm -rf "${runs:?}/$name"
  mkdir -p "$runs/$name"
  # The braces take bash's own report of a child killed by a signal ("Aborted") off the terminal.
  { (cd "$runs/$name" && timeout --kill-after=10 "$limit" nice -n 10 "${binary_path[$name]}" --abort-after=1) > "$output" 2>&1; } 2> /dev/null || status=$?
  run_by=""
  if ((status == 0)); then run_status=pass; return; fi
  if ((status == 124 || status == 137)); then run_status=timeout; run_by="$name: timeout after ${limit}s"; return; fi
  run_status=fail
  case_name="$(grep -m1 '^TEST CASE:' "$output" | sed 's/^TEST CASE:[[:space:]]*//; s/[[:space:]]*$//')" || true
  run_by="$name: ${case_name:-exit status $status, no test case named}"
  if grep -q 'CRASHED' "$output" || ((status > 128)); then run_by+=" (crashed)"; fi
}

echo "mutation_check: building the unmutated tree (-j $jobs)" >&2
build_targets "$log/build-unmutated.txt" || { tail -n 40 "$log/build-unmutated.txt" >&2; die "the unmutated tree does not build"; }
locate_binaries
for name in "${binaries[@]}"; do
  start=$(date +%s)
  run_binary "$name" 3600 "$log/unmutated-$name.txt"
  [[ "$run_status" == pass ]] || { tail -n 40 "$log/unmutated-$name.txt" >&2; die "the unmutated suite fails ($run_by); fix it first"; }
  elapsed=$(($(date +%s) - start))
  binary_timeout[$name]="${timeout_override:-$((5 * elapsed + 30))}"
  echo "mutation_check: unmutated $name passes in ${elapsed}s (timeout per mutation: ${binary_timeout[$name]}s)" >&2
done

# ---------------------------------------------------------------------------------------------
# The mutations, one at a time. The original file is restored with a fresh timestamp, so the next
# build recompiles it.
active_backup=""
active_target=""
restore() {
  if [[ -n "$active_backup" ]]; then
    cp "$active_backup" "$active_target"
    rm -f "$active_backup"
    active_backup=""
  fi
}
trap restore EXIT
trap 'exit 130' INT TERM

results="$scratch/results.tsv"
table="$scratch/results.md"
printf 'id\tfile\tdescription\toutcome\tby\tseconds\n' > "$results"
killed=0 survived=0 started=$(date +%s) total=${#selected[@]} n=0
declare -A is_broken=()
for entry in "${broken[@]}"; do is_broken["${entry%%:*}"]=1; done

report() {  # $1: index, $2: outcome, $3: by, $4: seconds
  printf '[%3d/%d] %-26s %-34s %-8s %4ss  %s — %s\n' "$n" "$total" "${ids[$1]}" "${files[$1]}" "$2" "$4" "${descs[$1]}" "$3"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "${ids[$1]}" "${files[$1]}" "${descs[$1]}" "$2" "$3" "$4" >> "$results"
}

for i in "${selected[@]}"; do
  n=$((n + 1))
  id="${ids[i]}"
  if [[ -n "${is_broken[$id]:-}" ]]; then report "$i" BROKEN "the entry does not apply (see above)" 0; continue; fi
  mutation_start=$(date +%s)
  target="$src/${files[i]}"
  active_target="$target"
  active_backup="$scratch/original.$$"
  cp "$target" "$active_backup"
  FROM="${froms[i]}" TO="${tos[i]}" perl -0777 -i -pe 's/\Q$ENV{FROM}\E/$ENV{TO}/' "$target"
  if ! build_targets "$log/build-$id.txt"; then
    restore
    first_error="$(grep -m1 -E ' error: |Error [0-9]' "$log/build-$id.txt" || true)"
    broken+=("$id: does not compile")
    report "$i" BROKEN "does not compile: ${first_error:0:200}" $(($(date +%s) - mutation_start))
    continue
  fi
  outcome=SURVIVED by="all ${#binaries[@]} binaries pass"
  for name in "${binaries[@]}"; do
    run_binary "$name" "${binary_timeout[$name]}" "$log/run-$id-$name.txt"
    if [[ "$run_status" != pass ]]; then outcome=KILLED by="$run_by"; break; fi
  done
  restore
  if [[ "$outcome" == KILLED ]]; then killed=$((killed + 1)); else survived=$((survived + 1)); fi
  report "$i" "$outcome" "$by" $(($(date +%s) - mutation_start))
done

elapsed=$(($(date +%s) - started))
tested=$((killed + survived))
if ((tested > 0)); then
  summary="$killed of $tested mutations killed ($((100 * killed / tested))%), $survived survived, ${#broken[@]} broken entries; $((elapsed / 60)) min"
else
  summary="no mutation was tested; ${#broken[@]} broken entries"
fi
{  # the table docs/testing.md shows
  echo "Kill rate: $summary."
  echo
  echo "| id | file | mutation | outcome | killed by |"
  echo "|---|---|---|---|---|"
  tail -n +2 "$results" | while IFS=$'\t' read -r r_id r_file r_desc r_outcome r_by _; do
    [[ "$r_outcome" == KILLED ]] || r_outcome="**$r_outcome**"
    [[ "$r_outcome" == KILLED ]] || r_by=""
    printf '| %s | %s | %s | %s | %s |\n' "$r_id" "$r_file" "$r_desc" "$r_outcome" "${r_by//|/\\|}"
  done
} > "$table"
echo
echo "Kill rate: $summary"
echo "Results: $results and $table; build and test logs: $log"
if ((${#broken[@]})); then
  echo "Broken entries (fix the list):"
  printf '  %s\n' "${broken[@]}"
fi
((survived == 0 && ${#broken[@]} == 0 && list_errors == 0))
