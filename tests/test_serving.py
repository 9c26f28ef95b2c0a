"""`quack serve` as a real process on 127.0.0.1: predictions over HTTP, bad rows as 4xx, Prometheus metrics scraped."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import free_port

pytestmark = pytest.mark.server
FLOWER = {'sepal length (cm)': 6.7, 'sepal width (cm)': 3.0, 'petal length (cm)': 5.2, 'petal width (cm)': 2.3}


def post(url, body: bytes, content_type='application/json'):
    req = urllib.request.Request(url, data=body, headers={'Content-Type': content_type}, method='POST')
    try:
        with urllib.request.urlopen(req, timeout=30) as r: return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e: return e.code, json.loads(e.read())


@pytest.fixture(scope='module')
def service(iris_store, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp('serve') / 'serve.log'
    exe = Path(sys.executable).parent / 'quack'
    proc = subprocess.Popen([str(exe), 'serve', '--port', str(port)], env={**os.environ, 'MLFLOW_TRACKING_URI': iris_store},
                            stdout=open(log, 'w'), stderr=subprocess.STDOUT, start_new_session=True)
    url = f'http://127.0.0.1:{port}'
    deadline = time.time() + 120
    while True:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            urllib.request.urlopen(f'{url}/ping', timeout=2); break
        except OSError:
            assert time.time() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def test_valid_rows_are_predicted(service):
    small = {**FLOWER, 'petal length (cm)': 1.4, 'petal width (cm)': 0.2, 'sepal length (cm)': 5.0}
    status, body = post(f'{service}/invocations', json.dumps({'dataframe_records': [FLOWER, small]}).encode())
    assert status == 200
    assert body['predictions'] == ['virginica', 'setosa']
    assert abs(sum(body['probabilities'][0].values()) - 1) < 1e-6
    csv = b'sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)\n6.7,3.0,5.2,2.3\n'
    status, body = post(f'{service}/invocations', csv, 'text/csv')
    assert status == 200 and body['predictions'] == ['virginica']


@pytest.mark.parametrize('body, content_type, status, message', [
    (json.dumps({'dataframe_records': [{**FLOWER, 'petal width (cm)': 'breit'}]}), 'application/json', 400, 'erwartet Zahlen'),
    (json.dumps({'dataframe_records': [{'sepal length (cm)': 1.0}]}), 'application/json', 400, 'es fehlen Spalten'),
    ('{"dataframe_records": [{"sepal length (cm)": NaN}]}', 'application/json', 400, 'fehlende Werte'),
    ('{kaputt', 'application/json', 400, 'kein gültiges JSON'),
    ('\x89PNG', 'image/png', 415, 'nicht unterstützt'),
    (json.dumps({'dataframe_records': [{**FLOWER, 'sepal length (cm)': 1e308}]}), 'application/json', 400, 'zu groß für das Modell'),  # was a 500
])
def test_bad_rows_get_a_clear_4xx(service, body, content_type, status, message):
    got, payload = post(f'{service}/invocations', body.encode(), content_type)
    assert got == status and message in payload['message']


def test_prometheus_metrics_are_scraped(service):
    assert post(f'{service}/invocations', b'{kaputt')[0] == 400
    rows = [{**FLOWER, 'petal length (cm)': 9.0 + i / 10} for i in range(60)]  # far outside the training data
    assert post(f'{service}/invocations', json.dumps({'dataframe_records': rows}).encode())[0] == 200
    text = urllib.request.urlopen(f'{service}/metrics', timeout=10).read().decode()
    ok, refused = (counted(text, 'quack_requests_total', outcome=o) for o in ('ok', 'refused'))
    assert ok >= 1 and refused >= 1 and counted(text, 'quack_predictions_total') >= 60  # requests by outcome, rows predicted
    assert 'quack_prediction_latency_seconds_bucket{' in text
    assert counted(text, 'quack_drift_score') > 0.25 and counted(text, 'quack_drift_level') == 2  # the PSI and the report's verdict


def counted(text: str, name: str, **labels) -> float:
    "One sample of a Prometheus exposition, by metric name and labels."
    wanted = [f'{k}="{v}"' for k, v in labels.items()]
    return next(float(line.split(' ')[-1]) for line in text.splitlines()
                if line.startswith(name + '{') and all(w in line for w in wanted))


@pytest.fixture(scope='module')
def served(iris_store):
    "iris-classifier@production loaded in this process, with its reference profile."
    from amalea_quack.registry import load_model
    from amalea_quack.store import store_at
    with store_at(iris_store):
        model = load_model()
        assert model.reference_profile is not None
    return model


@pytest.fixture
def impatient(served):
    "The service in this process under uvicorn on a real port, waiting at most 1 s for a request's body."
    import uvicorn

    from amalea_quack.serving import create_app
    app = create_app(served, body_timeout=1)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host='127.0.0.1', port=port, log_level='warning'))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        assert thread.is_alive() and time.time() < deadline, 'uvicorn did not start'
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(timeout=30)


PART = b'{"dataframe_records": ['  # the first 23 of the 1000 bytes a request announces


def metrics_of(port: int) -> str:
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    conn.request('GET', '/metrics')
    return conn.getresponse().read().decode()


def test_a_slow_client_gets_408_and_one_that_hangs_up_is_no_error_of_the_service(impatient):
    conn = http.client.HTTPConnection('127.0.0.1', impatient, timeout=30)
    conn.putrequest('POST', '/invocations')
    conn.putheader('Content-Type', 'application/json')
    conn.putheader('Content-Length', '1000')
    conn.endheaders(PART)  # and then nothing more
    answer = conn.getresponse()
    body = json.loads(answer.read())
    conn.close()
    assert answer.status == 408 and body['error_code'] == 'REQUEST_TIMEOUT'
    assert body['message'] == 'Der Rumpf der Anfrage kam nicht innerhalb von 1 s ganz an (23 Bytes bis dahin).'
    with socket.create_connection(('127.0.0.1', impatient), timeout=10) as s:  # the same half request, and the client hangs up
        s.sendall(b'POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n' + PART)
    deadline = time.time() + 10
    while not counted(text := metrics_of(impatient), 'quack_requests_total', outcome='aborted') and time.time() < deadline: time.sleep(0.1)
    assert [counted(text, 'quack_requests_total', outcome=o) for o in ('ok', 'refused', 'aborted', 'error')] == [0, 1, 1, 0]


ROW = '"sepal length (cm)": 6.7, "sepal width (cm)": 3.0, "petal length (cm)": 5.2'
HEADER = 'sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)'


def records(rest: str) -> str:
    "A dataframe_records body of one row: three iris columns and `rest` (the fourth column, as JSON text)."
    return '{"dataframe_records": [{' + ROW + ', ' + rest + '}]}'


@pytest.mark.parametrize('body, headers, status, said', [
    (records('"petal width (cm)": 1' + '0' * 400), {}, 400, 'eine Zahl, zu groß für eine Kommazahl'),
    (records('"petal width (cm)": ' + '9' * 5000), {}, 400, 'eine Zahl hat mehr als 4.300 Ziffern'),
    (records('"petal width (cm)": 2.3, "petal width (cm)": 0.2'), {}, 400, 'steht doppelt in einem Objekt'),
    ('{"dataframe_split": {"columns": ["a", "a"], "data": [[1, 2]]}}', {}, 400, "die Spalte 'a' steht doppelt"),
    ('{"dataframe_split": {"columns": [[1], {"a": 1}, 3, 4], "data": [[1, 2, 3, 4]]}}', {}, 400, 'Spaltenname muss ein Text sein'),
    (records('"petal width (cm)": "\\ud800"'), {}, 400, 'unvollständiges Unicode-Zeichen'),
    (records('"\\ud800": 2.3'), {}, 400, 'unvollständiges Unicode-Zeichen'),
    (records('"petal width (cm)": "5_1"'), {}, 400, "enthält aber Text '5_1'"),  # Python's float() reads 51
    (records('"petal width (cm)": "\u0665"'), {}, 400, 'erwartet Zahlen'),  # an Arabic-Indic five
    (f'{HEADER}\r6.7,3.0,5.2,2.3\r', {'content-type': 'text/csv'}, 200, 'virginica'),  # old Mac line ends: read, not a 500
    (f'{HEADER}\n6.7,3.0,5.2,"{"2" * 140_000}"\n', {'content-type': 'text/csv'}, 400, 'länger als 131.072 Zeichen'),
    (f'{HEADER}\n6.7,3.0,5.2,{"9" * 5000}\n', {'content-type': 'text/csv'}, 400, 'die eine Kommazahl nicht mehr fasst'),
    (f'{HEADER}\n6.7,3.0,5.2,12345678901234567890\n', {'content-type': 'text/csv'}, 200, 'virginica'),  # was an int64 overflow
    ('{"dataframe_records": []}', {'content-encoding': 'gzip'}, 415, "Content-Encoding 'gzip'"),
    ('{"dataframe_records": []}', {'content-type': 'application/json; charset=latin-1'}, 415, "Zeichensatz 'latin-1'"),
])
def test_odd_input_gets_a_4xx_never_a_500(served, body, headers, status, said):
    "Inputs a hostile or clumsy client sent: each was a 500 (or silently read another number) before."
    from fastapi.testclient import TestClient

    from amalea_quack.serving import create_app
    client = TestClient(create_app(served))
    r = client.post('/invocations', content=body.encode('utf-8', 'surrogatepass'), headers={'content-type': 'application/json', **headers})
    assert r.status_code == status and said in r.text, (r.status_code, r.text[:600])
    outcome = 'ok' if status == 200 else 'refused'
    assert counted(client.get('/metrics').text, 'quack_requests_total', outcome=outcome) == 1


def test_wrong_methods_are_counted_and_head_ping_answers(served):
    from fastapi.testclient import TestClient

    from amalea_quack.serving import create_app
    client = TestClient(create_app(served))
    assert client.head('/ping').status_code == 200  # health checks that send HEAD
    assert client.get('/invocations').status_code == 405
    long = client.get('/x' * 5000)
    assert long.status_code == 404 and len(long.json()['message']) < 200  # the path is not echoed whole
    assert counted(client.get('/metrics').text, 'quack_requests_total', outcome='refused') == 1
