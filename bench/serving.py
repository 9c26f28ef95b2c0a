"""Iris serving and training figures: single-row latency through amalea_quack and the handout's path, one tracked run, import time,
and how long /ping of the REST service waits while it answers a request of 100,000 rows.

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


def ping_during_a_large_request(served, rows: int = 100_000) -> str:
    "The REST service under uvicorn in this process: one request of `rows` rows (about 2 MB), /ping polled meanwhile."
    import http.client
    import json
    import socket
    import threading

    import uvicorn

    from amalea_quack.serving import create_app
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(served), host='127.0.0.1', port=port, log_level='warning'))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started: time.sleep(0.05)
    body = json.dumps({'dataframe_split': {'columns': list(ROW.columns), 'data': ROW.to_numpy().tolist() * rows}}, separators=(',', ':')).encode()
    pings, done = [], threading.Event()
    def poll():
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
        while not done.is_set():
            t = time.perf_counter(); conn.request('GET', '/ping'); conn.getresponse().read(); pings.append((time.perf_counter() - t) * 1000)
    poller = threading.Thread(target=poll); poller.start()
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=120)
    t = time.perf_counter()
    conn.request('POST', '/invocations', body, {'Content-Type': 'application/json'})
    answer = conn.getresponse(); size = len(answer.read()); took = time.perf_counter() - t
    done.set(); poller.join(); server.should_exit = True
    return (f'{rows:,} rows ({len(body) / 1e6:.1f} MB) answered with {answer.status} in {took:.2f} s ({size / 1e6:.1f} MB); '
            f'/ping meanwhile: {len(pings)} calls, p50 {np.percentile(pings, 50):.1f} ms, max {max(pings):.0f} ms')


def main():
    store = Path(tempfile.mkdtemp(prefix='bench-store-'))
    os.environ['MLFLOW_TRACKING_URI'] = f'sqlite:///{store}/mlflow.db'
    print(f'import amalea_quack:              {import_time("amalea_quack") * 1000:7.1f} ms')
    print(f'import amalea_quack.registry:     {import_time("amalea_quack.registry") * 1000:7.1f} ms (loads MLflow)')

    from amalea_quack.store import use_store
    use_store()  # create the database first: its one-off migration is not part of a training run
    from amalea_quack.monitoring import release
    from amalea_quack.pipeline import run_pipeline
    from amalea_quack.registry import load_model
    t = time.perf_counter(); run_pipeline('iris'); cold = time.perf_counter() - t
    t = time.perf_counter(); run_pipeline('iris'); warm = time.perf_counter() - t
    print(f'one tracked Iris run (train_tabular + register), first in process: {cold:5.2f} s')
    print(f'one tracked Iris run (train_tabular + register), next:             {warm:5.2f} s')
    release(latency_rows=20)

    import mlflow
    served = load_model('iris-classifier', 'production')
    handout = mlflow.pyfunc.load_model('models:/iris-classifier@production')
    print('single-row latency, iris-classifier@production:')
    print(f'  amalea_quack ServedModel.predict (schema check, labels and probabilities): {percentiles(lambda: served.predict(ROW))}')
    print(f'  handout path pyfunc.load_model(...).predict (labels only):                 {percentiles(lambda: handout.predict(ROW))}')
    print(f'REST service: {ping_during_a_large_request(served)}')


if __name__ == '__main__':
    main()
