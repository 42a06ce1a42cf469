"""scikit-learn's reference figures for bench/trees.bench.ts, on the CSV that Earmark wrote.

Usage: trees_sklearn.py MATRIX.csv REPEATS THREADS
Columns: path, label, split ('train' | 'test'), then the named feature columns.
The random forest runs with n_jobs=THREADS; gradient boosting's OpenMP threads are set by the caller
(OMP_NUM_THREADS), and checked here.
Prints one JSON line: for each model, test accuracy, macro-F1 and the fit times of every repeat.
"""

import csv
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    x = np.array([[float(v) if v != "" else np.nan for v in r[3:]] for r in body])
    labels = np.array([r[1] for r in body])
    train = np.array([r[2] == "train" for r in body])
    return header[3:], x, labels, train


def measure(make, x, labels, train, repeats):
    times, model = [], None
    for _ in range(repeats):
        model = make()
        start = time.perf_counter()
        model.fit(x[train], labels[train])
        times.append(time.perf_counter() - start)
    predicted = model.predict(x[~train])
    return {
        "accuracy": accuracy_score(labels[~train], predicted),
        "macroF1": f1_score(labels[~train], predicted, average="macro"),
        "fitSeconds": times,
    }


def main():
    path, repeats, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    _, x, labels, train = load(path)
    openmp = _openmp_effective_n_threads()
    if openmp != threads:
        raise RuntimeError(f"gradient boosting would use {openmp} OpenMP threads, not {threads}: set OMP_NUM_THREADS")
    result = {
        "sklearn": sklearn.__version__,
        "threads": threads,
        "rf": measure(
            lambda: RandomForestClassifier(n_estimators=300, n_jobs=threads, random_state=0), x, labels, train, repeats
        ),
        "gbdt": measure(lambda: HistGradientBoostingClassifier(random_state=0), x, labels, train, repeats),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
