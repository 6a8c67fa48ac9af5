#!/usr/bin/env bash
# Installs what ebm needs to build and test from Debian's packages; does nothing when all of it
# is already there. Run as root (or with sudo available).
#   bash scripts/setup.sh                 what the build and the test suite need
#   bash scripts/setup.sh --reliability   and what scripts/reliability.sh needs: clang with
#                                         libFuzzer and the sanitizer runtimes, and valgrind
set -euo pipefail

packages=(build-essential cmake libeigen3-dev doctest-dev libcli11-dev nlohmann-json3-dev libstb-dev)
if [ "${1:-}" = "--reliability" ]; then
  packages+=(clang libclang-rt-dev valgrind)
elif [ -n "${1:-}" ]; then
  echo "scripts/setup.sh: the one option is --reliability, got '$1'" >&2
  exit 2
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "ebm: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
