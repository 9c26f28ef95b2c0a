"""Drift monitor: time of drift_report, drift_score and the HTML report for growing current data sets (no store needed)."""
import os
import tempfile
import time

os.environ.setdefault('MPLCONFIGDIR', tempfile.mkdtemp(prefix='bench-mpl-'))

import pandas as pd  # noqa: E402

from amalea_quack.eda import load_dataset  # noqa: E402
from amalea_quack.monitoring import drift_report, drift_score  # noqa: E402
from amalea_quack.validation import reference_profile  # noqa: E402


def best_of(fn, repeat: int = 3) -> float:
    "Fastest of `repeat` runs in milliseconds."
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); fn(); times.append((time.perf_counter() - t) * 1000)
    return min(times)


def main():
    rows = []
    for name, target in (('iris', 'species'), ('penguins', 'species'), ('breast_cancer', 'diagnosis')):
        X = load_dataset(name).drop(columns=target)
        profile = reference_profile(X)
        for n in (50, 1_000, 50_000):  # 50 000 rows of breast_cancer are about the 10 MB upload limit
            current = X.sample(n, replace=True, random_state=0).reset_index(drop=True)  # bootstrap: no drift
            csv_mb = len(current.to_csv(index=False).encode()) / 1024 / 1024
            report = drift_report(profile, current)
            rows.append({'Datensatz': name, 'Merkmale': X.shape[1], 'Zeilen': n, 'CSV (MB)': round(csv_mb, 2),
                         'drift_report (ms)': round(best_of(lambda p=profile, c=current: drift_report(p, c)), 1),
                         'drift_score (ms)': round(best_of(lambda p=profile, c=current: drift_score(p, c)), 1),
                         'HTML-Bericht (ms)': round(best_of(report.html, repeat=1), 0), 'Urteil': report.verdict})
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == '__main__':
    main()
