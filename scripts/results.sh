#!/usr/bin/env bash
# Reproduces README's results table: trains every dataset × loss with the defaults, one thread,
# and evaluates the samples against fresh data. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
ebm=./build/tools/ebm
out=runs/results
mkdir -p "$out"
echo "| dataset | loss | training seconds | MMD | energy distance | modes covered | samples near a mode |"
echo "|---|---|---|---|---|---|---|"
for dataset in eight_gaussians two_moons; do
  for loss in dsm ssm sm cd nce; do
    dir="$out/${dataset}_$loss"
    "$ebm" train --dataset "$dataset" --loss "$loss" --out "$dir" --force --quiet
    seconds=$(tail -n 1 "$dir/log.csv" | awk -F, '{print $NF}')
    metrics=$("$ebm" eval --samples "$dir/samples.csv" --dataset "$dataset")
    field() { echo "$metrics" | grep "\"$1\"" | head -1 | sed 's/.*: //; s/,//'; }
    covered=$(field covered_fraction || true)
    near=$(field near_fraction || true)
    printf "| %s | %s | %.1f | %.3f | %.3f | %s | %s |\n" "$dataset" "$loss" "$seconds" "$(field mmd)" "$(field energy_distance)" \
      "${covered:-n/a}" "${near:-n/a}"
  done
done
