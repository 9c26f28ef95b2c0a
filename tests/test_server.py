"""Integration with a real `mlflow server` process on 127.0.0.1: train, promote, and serve from a fresh process."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import free_port, quack

pytestmark = pytest.mark.server


@pytest.fixture(scope='module')
def mlflow_server(tmp_path_factory):
    "A real tracking server (SQLite backend, one worker, jobs off); stopped by its PID afterwards."
    folder = tmp_path_factory.mktemp('server')
    port = free_port()
    env = {**os.environ, 'MLFLOW_SERVER_ENABLE_JOB_EXECUTION': 'false'}
    cmd = [sys.executable, '-m', 'mlflow', 'server', '--backend-store-uri', f'sqlite:///{folder}/mlflow.db',
           '--artifacts-destination', str(folder / 'artifacts'), '--host', '127.0.0.1', '--port', str(port), '--workers', '1']
    proc = subprocess.Popen(cmd, env=env, cwd=folder, stdout=open(folder / 'server.log', 'w'), stderr=subprocess.STDOUT, start_new_session=True)
    url = f'http://127.0.0.1:{port}'
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f'{url}/health', timeout=2).status == 200: break
        except OSError: time.sleep(0.5)
        assert proc.poll() is None, (folder / 'server.log').read_text()[-2000:]
    else: pytest.fail('mlflow server did not start:\n' + (folder / 'server.log').read_text()[-2000:])
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    try: proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL); proc.wait()
    assert proc.poll() is not None


def test_pipeline_against_a_real_server_and_handout_load_path(mlflow_server, tmp_path):
    assert quack('train', uri=mlflow_server).returncode == 0
    r = quack('promote', uri=mlflow_server)
    assert r.returncode == 0, r.stdout + r.stderr
    # a fresh Python that knows nothing but the URI loads the production model the handout's way
    code = ("import mlflow, pandas as pd\n"
            "m = mlflow.pyfunc.load_model('models:/iris-classifier@production')\n"
            "row = pd.DataFrame([{'sepal length (cm)': 6.7, 'sepal width (cm)': 3.0, 'petal length (cm)': 5.2, 'petal width (cm)': 2.3}])\n"
            "print(m.predict(row)[0])")
    env = {**os.environ, 'MLFLOW_TRACKING_URI': mlflow_server}
    out = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == 'virginica'
    # and the same through amalea_quack, with the audit trail kept on the server
    hist = quack('history', uri=mlflow_server)
    entries = [line for line in hist.stdout.strip().splitlines() if not line.startswith(' ')]  # gates: indented below
    assert [e.split(' · ')[2] for e in entries] == ['registriert', 'freigegeben']  # German at the edge
    pred = quack('predict', '-', uri=mlflow_server, stdin=json.dumps({'sepal length (cm)': 5.1, 'sepal width (cm)': 3.5,
                                                                        'petal length (cm)': 1.4, 'petal width (cm)': 0.2}))
    assert json.loads(pred.stdout)[0]['prediction'] == 'setosa'


def test_a_served_model_fetches_each_of_its_files_once(mlflow_server, monkeypatch):
    "Loading from a server: the model's files come once (flavour and model read from one copy), and predicting asks for nothing more."
    import re

    import requests

    from amalea_quack.pipeline import ensure_production
    from amalea_quack.registry import ServedModel
    from amalea_quack.store import store_at
    with store_at(mlflow_server):
        ensure_production(latency_rows=5)  # the model the first test released (or, run alone, one released now)
        sent, send = [], requests.Session.request
        def spy(self, method, url, *a, **k):
            sent.append(url.split('?')[0])
            return send(self, method, url, *a, **k)
        monkeypatch.setattr(requests.Session, 'request', spy)
        model = ServedModel('iris-classifier', 'production')
        files = [re.sub(r'.*/mlflow-artifacts/artifacts/', '', url) for url in sent if re.search(r'/mlflow-artifacts/artifacts/.', url)]
        assert 'MLmodel' in {f.rsplit('/', 1)[-1] for f in files} and len(files) == len(set(files)), files
        sent.clear()
        assert [str(x) for x in model.predict([FLOWER, FLOWER]).labels] == ['virginica'] * 2
        assert sent and not [url for url in sent if re.search(r'registered-models|model-versions|/models/', url)], sent  # its run's schema only
        sent.clear()
        model.predict(FLOWER)
        assert sent == []  # the schema is kept


FLOWER = {'sepal length (cm)': 6.7, 'sepal width (cm)': 3.0, 'petal length (cm)': 5.2, 'petal width (cm)': 2.3}
