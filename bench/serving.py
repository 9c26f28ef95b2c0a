"""Iris serving and training figures: single-row latency through amalea_quack and the handout's path, one tracked run, import time.

Run: .venv/bin/python bench/serving.py   (uses a temporary store; prints figures, asserts nothing)
"""
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

N = 1000
ROW = pd.DataFrame([{'sepal length (cm)': 5.9, 'sepal width (cm)': 3.0, 'petal length (cm)': 4.2, 'petal width (cm)': 1.5}])


def percentiles(fn, n=N) -> str:
    fn()  # warm-up
    t = []
    for _ in range(n):
        s = time.perf_counter(); fn(); t.append((time.perf_counter() - s) * 1000)
    return f'p50 {np.percentile(t, 50):6.2f} ms   p99 {np.percentile(t, 99):6.2f} ms   (n={n})'


def import_time(module: str) -> float:
    code = f'import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)'
    return float(subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout)


def main():
    store = Path(tempfile.mkdtemp(prefix='bench-store-'))
    os.environ['MLFLOW_TRACKING_URI'] = f'sqlite:///{store}/mlflow.db'
    print(f'import amalea_quack:              {import_time("amalea_quack") * 1000:7.1f} ms')
    print(f'import amalea_quack.registry:     {import_time("amalea_quack.registry") * 1000:7.1f} ms (loads MLflow)')

    from amalea_quack.store import use_store
    use_store()  # create the database first: its one-off migration is not part of a training run
    from amalea_quack.pipeline import course_gates, run_pipeline
    from amalea_quack.registry import load_model, promote
    t = time.perf_counter(); run_pipeline('iris'); cold = time.perf_counter() - t
    t = time.perf_counter(); run_pipeline('iris'); warm = time.perf_counter() - t
    print(f'one tracked Iris run (train_tabular + register), first in process: {cold:5.2f} s')
    print(f'one tracked Iris run (train_tabular + register), next:             {warm:5.2f} s')
    promote(gates=course_gates())

    import mlflow
    served = load_model('iris-classifier', 'production')
    handout = mlflow.pyfunc.load_model('models:/iris-classifier@production')
    print('single-row latency, iris-classifier@production:')
    print(f'  amalea_quack ServedModel.predict (schema check + model): {percentiles(lambda: served.predict(ROW))}')
    print(f'  handout path pyfunc.load_model(...).predict:            {percentiles(lambda: handout.predict(ROW))}')
    print(f'  ServedModel.predict_proba:                              {percentiles(lambda: served.predict_proba(ROW))}')


if __name__ == '__main__':
    main()
