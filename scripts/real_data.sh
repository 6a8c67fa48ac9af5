#!/usr/bin/env bash
# ebm on real data it was not built for (docs/results.md, "Real data"): the 1,797 8×8 grey-level
# images of handwritten digits that Debian's scikit-learn ships (UCI's optdigits test set), scaled
# to [0, 1]. 1,500 rows train, 297 are held out; the 3 pixels that are constant over the training
# rows are dropped (ebm train refuses constant columns), leaving 61 columns. Then, with every
# default of `ebm train --data` on one thread:
#   - the samples against the held-out rows by MMD (ebm eval), beside a Gaussian and a 10-component
#     Gaussian mixture fitted to the same training rows;
#   - each sample's distance to its nearest training row, beside the held-out rows' own (copying
#     would put the samples nearer);
#   - a logistic-regression classifier fitted to the training rows: its mean confidence on samples,
#     held-out rows and the mixture's samples, and the share of samples it puts in each class;
#   - the share of sample values outside the range of the training values;
#   - an outlier task: a model trained on the training rows of one digit scores the held-out rows
#     by energy (ebm energy); the AUROC of telling the other digits from it, beside that of a
#     Gaussian mixture's −log-likelihood (components and covariance chosen by BIC). The digit is 3,
#     the one such a mixture separates worst (AUROC 0.967; every other digit's is above 0.975), so
#     that the comparison has room to show a difference.
# Prints the measurements as a Markdown table and draws data and samples as images into
# docs/images/real_data.png. Installs python3-sklearn with apt-get when it is missing; needs a
# build of the tool (bash scripts/test.sh builds one in build/; EBM=path overrides it).
#
# Usage: bash scripts/real_data.sh [seed]       (default seed 0)
set -euo pipefail
cd "$(dirname "$0")/.."
ebm=${EBM:-build/tools/ebm}
python=${PYTHON:-/usr/bin/python3}
seed=${1:-0}
[[ -x "$ebm" ]] || { echo "real_data.sh: no ebm executable at $ebm (build it first, or set EBM)" >&2; exit 1; }
if ! dpkg-query -W -f='${Status}' python3-sklearn 2> /dev/null | grep -q "install ok installed"; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-sklearn
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1

# The data: training and held-out rows, the kept columns, and the one-class split.
"$python" - "$work" <<'PY'
import sys
import numpy as np
from sklearn.datasets import load_digits
work = sys.argv[1]
digits = load_digits()
x, y = digits.data / 16.0, digits.target
order = np.random.default_rng(0).permutation(len(x))
train, test = order[:1500], order[1500:]
def write(name, rows, columns):
    np.savetxt(f"{work}/{name}.csv", rows[:, columns], delimiter=",", header=",".join(f"p{c}" for c in columns), comments="", fmt="%.6g")
def varying(rows):
    return [c for c in range(64) if rows[:, c].min() != rows[:, c].max()]
kept = varying(x[train])
write("train", x[train], kept)
write("test", x[test], kept)
digit = 3
one_class = x[train][y[train] == digit]
kept_one = varying(one_class)
write("one_train", one_class, kept_one)
write("one_test", x[test], kept_one)
np.savez(f"{work}/split.npz", x=x, y=y, train=train, test=test, kept=kept, kept_one=kept_one, digit=digit)
print(f"digits: {len(train)} training rows, {len(test)} held out; {len(kept)} of 64 columns vary over the training rows "
      f"({len(kept_one)} over the {len(one_class)} rows of {digit})")
PY

"$ebm" train --data "$work/train.csv" --out "$work/run" --seed "$seed" --threads 1
seconds=$(tail -n 1 "$work/run/log.csv" | awk -F, '{print $NF}')
"$ebm" train --data "$work/one_train.csv" --out "$work/one" --seed "$seed" --threads 1 --quiet
"$ebm" energy --model "$work/one" --data "$work/one_test.csv" --out "$work/one_energy.csv"

"$python" - "$work" "$ebm" "$seconds" <<'PY'
import json, subprocess, sys
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.mixture import GaussianMixture
work, ebm, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
split = np.load(f"{work}/split.npz")
x, y, train, test, kept = split["x"], split["y"], split["train"], split["test"], split["kept"]
rows, held_out = x[train][:, kept], x[test][:, kept]
samples = np.loadtxt(f"{work}/run/samples.csv", delimiter=",", skiprows=1)
rng = np.random.default_rng(0)
gaussian = rng.multivariate_normal(rows.mean(0), np.cov(rows.T), size=len(samples))
mixture = GaussianMixture(10, covariance_type="full", random_state=0).fit(rows)
mixture_samples = mixture.sample(len(samples))[0]
def mmd(points, name):
    path = f"{work}/{name}.csv"
    np.savetxt(path, points, delimiter=",", header=",".join(f"c{i}" for i in range(points.shape[1])), comments="")
    return json.loads(subprocess.run([ebm, "eval", "--samples", path, "--data", f"{work}/test.csv"], capture_output=True, text=True,
                                     check=True).stdout)["mmd"]
def nearest(points):
    distances = ((points[:, None, :] - rows[None, :, :]) ** 2).sum(-1)
    return float(np.median(np.sqrt(distances.min(1))))
classifier = LogisticRegression(max_iter=5000).fit(rows, y[train])
confidence = lambda points: float(classifier.predict_proba(points).max(1).mean())
shares = np.bincount(classifier.predict(samples), minlength=10) / len(samples)
outside = float(np.mean((samples < rows.min(0)) | (samples > rows.max(0))))
# The outlier task: held-out rows of other digits are the outliers; the model's score is its energy.
digit, kept_one = int(split["digit"]), split["kept_one"]
outlier = (y[test] != digit).astype(int)
energy = np.loadtxt(f"{work}/one_energy.csv", delimiter=",", skiprows=1)
one_train = x[train][y[train] == digit][:, kept_one]
candidates = [GaussianMixture(k, covariance_type=kind, reg_covar=1e-3, random_state=0).fit(one_train)
              for k in (1, 2, 3, 5, 10) for kind in ("full", "diag")]
best = min(candidates, key=lambda m: m.bic(one_train))
mixture_score = -best.score_samples(x[test][:, kept_one])
report = {
    "seconds": seconds,
    "mmd": {"ebm": mmd(samples, "ebm_samples"), "gaussian": mmd(gaussian, "gaussian"), "mixture": mmd(mixture_samples, "mixture"),
            "training rows": mmd(rows[rng.choice(len(rows), len(samples), replace=False)], "rows")},
    "confidence": {"ebm": confidence(samples), "held-out rows": confidence(held_out), "mixture": confidence(mixture_samples)},
    "smallest class share": float(shares.min()),
    "class shares": [round(float(s), 3) for s in shares],
    "outside the data's range": outside,
    "nearest training row (median)": {"ebm": nearest(samples), "held-out rows": nearest(held_out), "mixture": nearest(mixture_samples)},
    "outlier AUROC": {"ebm": float(roc_auc_score(outlier, energy)), "mixture": float(roc_auc_score(outlier, mixture_score)),
                      "mixture components": int(best.n_components), "mixture covariance": best.covariance_type},
}
print(json.dumps(report, indent=1))
print()
print("| measure | ebm (dsm, defaults) | Gaussian | Gaussian mixture | held-out rows |")
print("|---|---|---|---|---|")
print(f"| MMD to held-out rows | {report['mmd']['ebm']:.3f} | {report['mmd']['gaussian']:.3f} | {report['mmd']['mixture']:.3f} | "
      f"{report['mmd']['training rows']:.3f} (training rows) |")
print(f"| classifier confidence | {report['confidence']['ebm']:.3f} | | {report['confidence']['mixture']:.3f} | {report['confidence']['held-out rows']:.3f} |")
print(f"| smallest class share | {report['smallest class share']:.3f} | | | |")
print(f"| values outside the data's range | {outside:.3f} | | | 0 |")
print(f"| median distance to the nearest training row | {report['nearest training row (median)']['ebm']:.3f} | | "
      f"{report['nearest training row (median)']['mixture']:.3f} | {report['nearest training row (median)']['held-out rows']:.3f} |")
print(f"| outlier AUROC (train on {digit}) | {report['outlier AUROC']['ebm']:.3f} | | {report['outlier AUROC']['mixture']:.3f} | |")
print(f"\ntraining: {seconds:.0f} s on one thread")
# Data and samples back to 64 pixels (the dropped ones at their constant value), for the picture.
def as_images(points):
    images = np.tile(x[train].mean(0), (len(points), 1))
    images[:, kept] = points
    return images
for name, points in (("images_samples", samples), ("images_test", held_out)):
    np.savetxt(f"{work}/{name}.csv", as_images(points), delimiter=",", header=",".join(f"p{c}" for c in range(64)), comments="")
PY
"$ebm" plot --model "$work/run" --data "$work/images_test.csv" --samples "$work/images_samples.csv" --image-shape 8,8 \
  --out docs/images/real_data.png --force
echo "picture: docs/images/real_data.png"
