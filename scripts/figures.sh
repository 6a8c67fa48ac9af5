#!/usr/bin/env bash
# The figures of docs/figures.md, made with the ebm tool from the Release build (build/, as
# scripts/test.sh makes it) and tiled by scripts/png_grid.py into docs/images/.
#   bash scripts/figures.sh
# 1. score_fields.png: the score −∇E learned by sm, dsm and ssm (plain objectives, one noise level
#    for dsm, σ = 0.1) on gaussian_mixture with std 0.15, next to the data's own score.
# 2. dsm_smoothing.png: plain DSM at σ = 0.1, 0.2, 0.4, 1: the density of the data blurred by σ.
# 3. tape_sm_backward.svg: the tape of one step of exact SM by the backward route, as
#    `ebm explain sm --route backward --svg` draws it (needs Graphviz's dot).
# 4. hutchinson_variance.png and ula_bias.png, from the library by tools/figures.cpp (ebm_figures),
#    measured against their closed forms; the numbers go to docs/images/figures.csv.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
fi
cmake --build "$build" --parallel "$(nproc)" --target ebm_tool ebm_figures > /dev/null
ebm=$build/tools/ebm
runs=$build/figure-runs
rm -rf "$runs"
mkdir -p "$runs" docs/images

data=(--dataset gaussian_mixture --param std=0.15)
common=(--steps 10000 --hidden 64 --samples 500 --seed 0 --quiet)

echo "== score fields"
declare -A titles=([sm]="exact SM" [dsm]="DSM, sigma = 0.1" [ssm]="sliced SM")
for loss in sm dsm ssm; do
  sigma=()
  if [ "$loss" = dsm ]; then sigma=(--sigma 0.1); fi
  "$ebm" train "${data[@]}" --loss "$loss" --plain "${sigma[@]}" "${common[@]}" --out "$runs/$loss"
  "$ebm" plot --model "$runs/$loss" --score --title "${titles[$loss]}" --width 480 --height 380 --out "$runs/$loss.png"
done
"$ebm" plot --model "$runs/sm" --true-energy --score --title "the data's own" --width 480 --height 380 --out "$runs/true.png"
python3 scripts/png_grid.py docs/images/score_fields.png 2 "$runs/true.png" "$runs/sm.png" "$runs/dsm.png" "$runs/ssm.png"

echo "== DSM's smoothing"
tiles=()
for sigma in 0.1 0.2 0.4 1; do
  "$ebm" train "${data[@]}" --loss dsm --plain --sigma "$sigma" "${common[@]}" --out "$runs/dsm_$sigma"
  "$ebm" plot --model "$runs/dsm_$sigma" --density --title "DSM, sigma = $sigma" --width 480 --height 380 --out "$runs/dsm_$sigma.png"
  tiles+=("$runs/dsm_$sigma.png")
done
python3 scripts/png_grid.py docs/images/dsm_smoothing.png 4 "${tiles[@]}"
echo "== the tape of exact SM"
"$ebm" explain sm --route backward --svg docs/images/tape_sm_backward.svg --force > /dev/null
echo "== Hutchinson's variance and ULA's bias"
"$build/tools/ebm_figures" docs/images > docs/images/figures.csv
echo "wrote docs/images/score_fields.png, dsm_smoothing.png, tape_sm_backward.svg, hutchinson_variance.png, ula_bias.png"
