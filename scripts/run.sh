#!/usr/bin/env bash
# Quick start (1): install what is missing, build, and run the main job: train the default model
# (an MLP energy on eight Gaussians by denoising score matching) and write its picture.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build --parallel "$(nproc)" --target ebm_tool
out=runs/eight_gaussians_dsm
./build/tools/ebm train --dataset eight_gaussians --loss dsm --out "$out" --force
./build/tools/ebm eval --samples "$out/samples.csv" --dataset eight_gaussians
echo "picture: $out/energy.png"
