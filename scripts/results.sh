#!/usr/bin/env bash
# The results matrix: every loss of the CLI trained on every built-in dataset with `ebm train`'s
# defaults, on one thread, its 1,000 end samples scored by `ebm eval` against 1,000 fresh points,
# for each seed. Prints a Markdown table (MMD; on the mixtures also the fraction of modes covered
# and of samples near a mode; the training seconds, from the run's log) and draws every pair's
# energy and samples, for the first seed, into one picture: docs/images/results.png, a row per
# dataset and a column per loss, in the table's order (scripts/png_grid.py tiles them).
#
# Usage: bash scripts/results.sh [seed...]       (default seeds: 0 1)
#        LOSSES="dsm nce" DATASETS="grid" bash scripts/results.sh 0
# Needs a build of the tool (bash scripts/test.sh builds one in build/); EBM=path overrides it.
set -euo pipefail
cd "$(dirname "$0")/.."
ebm=${EBM:-build/tools/ebm}
[[ -x "$ebm" ]] || { echo "results.sh: no ebm executable at $ebm (build it first, or set EBM)" >&2; exit 1; }
seeds=("$@")
((${#seeds[@]})) || seeds=(0 1)
losses=(${LOSSES:-dsm ssm sm nce cd pcd})
datasets=(${DATASETS:-$("$ebm" datasets | awk '/^[a-z]/ {print $1}')})
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tiles=()
results="$work/results.jsonl"
export OMP_NUM_THREADS=1
for seed in "${seeds[@]}"; do
  for dataset in "${datasets[@]}"; do
    for loss in "${losses[@]}"; do
      run="$work/${dataset}_${loss}_$seed"
      if ! "$ebm" train --dataset "$dataset" --loss "$loss" --seed "$seed" --out "$run" --quiet 2> "$run.err"; then
        echo "{\"dataset\": \"$dataset\", \"loss\": \"$loss\", \"seed\": $seed, \"failed\": true}" >> "$results"
        echo "results.sh: $dataset / $loss / seed $seed failed: $(tail -1 "$run.err")" >&2
        [[ "$seed" == "${seeds[0]}" ]] && tiles+=(-)
        continue
      fi
      seconds=$(tail -n 1 "$run/log.csv" | awk -F, '{print $NF}')  # training alone, as the run logged it
      "$ebm" eval --samples "$run/samples.csv" --dataset "$dataset" --n 1000 --seed $((1000 + seed)) |
        python3 -c "import json, sys; r = json.load(sys.stdin); r.update(dataset='$dataset', loss='$loss', seed=$seed, seconds=$seconds); print(json.dumps(r))" >> "$results"
      if [[ "$seed" == "${seeds[0]}" ]]; then
        "$ebm" plot --model "$run" --out "$run.png" --width 240 --height 192 > /dev/null
        tiles+=("$run.png")
      fi
    done
  done
done
python3 scripts/png_grid.py docs/images/results.png ${#losses[@]} "${tiles[@]}"
python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
losses = list(dict.fromkeys(r["loss"] for r in rows))
datasets = list(dict.fromkeys(r["dataset"] for r in rows))
def cell(found):
    if any(r.get("failed") for r in found):
        return "failed"
    mmd = " / ".join(f"{r['mmd']:.3f}" for r in found)
    text = mmd
    if "modes" in found[0]:
        text += ", modes " + " / ".join(f"{r['modes']['covered_fraction']:.2f}" for r in found)
        text += ", near " + " / ".join(f"{r['modes']['near_fraction']:.2f}" for r in found)
    return text + f", {max(r['seconds'] for r in found):.0f} s"
print("| dataset | " + " | ".join(losses) + " |")
print("|---" * (len(losses) + 1) + "|")
for d in datasets:
    print(f"| {d} | " + " | ".join(cell([r for r in rows if r["dataset"] == d and r["loss"] == l]) for l in losses) + " |")
ok = [r for r in rows if not r.get("failed")]
good = sum(1 for d in datasets for l in losses
           if all(r["mmd"] <= 0.05 for r in ok if r["dataset"] == d and r["loss"] == l)
           and any(r["dataset"] == d and r["loss"] == l for r in ok))
print(f"\n{good} of {len(datasets) * len(losses)} pairs reach MMD ≤ 0.05 on every seed; "
      f"cells: MMD per seed, on the mixtures the covered and near fractions, the longest training in seconds.")
PY
