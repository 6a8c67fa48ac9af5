#!/usr/bin/env bash
# Copies the header-only dependencies (and stb's small library) from this build machine's Debian
# packages into .gpu_deps/, an ignored folder that travels with the working tree to a GPU machine
# that has nvcc, CMake and ninja but none of Debian's -dev packages. scripts/gpu_check.sh builds
# against it (CMAKE_PREFIX_PATH). Run it here, after scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -rf .gpu_deps
mkdir -p .gpu_deps
for package in libeigen3-dev doctest-dev libcli11-dev nlohmann-json3-dev libstb-dev libstb0; do
  # Every file the package installs under /usr, but its documentation and pkg-config files, at
  # the same path under .gpu_deps (so the packages' CMake configs find their headers relative to
  # themselves); links are copied as the files they point to.
  dpkg -L "$package" | while read -r path; do
    [ -f "$path" ] || continue
    case "$path" in /usr/share/doc/* | */pkgconfig/*) continue ;; esac
    target=".gpu_deps/${path#/usr/}"
    mkdir -p "$(dirname "$target")"
    cp -L "$path" "$target"
  done
done
du -sh .gpu_deps
