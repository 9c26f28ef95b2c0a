"""The `quack` command end to end against temporary stores: in-process through `main`, and as a real process."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import assert_valid_nbformat, quack

from amalea_quack.cli import main


class Result:
    def __init__(self, code, out, err): self.returncode, self.stdout, self.stderr = code, out, err


def run(capsys, monkeypatch, uri, *args, stdin=None):
    "Call `quack` in this process (same code path as the console script, minus interpreter start-up)."
    monkeypatch.setenv('MLFLOW_TRACKING_URI', uri)
    if stdin is not None:
        import io
        import sys
        monkeypatch.setattr(sys, 'stdin', type('In', (), {'buffer': io.BytesIO(stdin.encode())})())
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return Result(code, out, err)

FLOWERS = [{'sepal length (cm)': 5.1, 'sepal width (cm)': 3.5, 'petal length (cm)': 1.4, 'petal width (cm)': 0.2},
           {'sepal length (cm)': 6.7, 'sepal width (cm)': 3.0, 'petal length (cm)': 5.2, 'petal width (cm)': 2.3}]


def aliases(uri):
    from mlflow import MlflowClient
    return dict(MlflowClient(uri).get_registered_model('iris-classifier').aliases)


def audit_count(uri):
    from mlflow import MlflowClient
    return sum(k.startswith('audit.') for k in MlflowClient(uri).get_registered_model('iris-classifier').tags)


@pytest.fixture(scope='module')
def lifecycle(tmp_path_factory, template_db):
    "Two training runs, one good promotion, one refused promotion, a third version promoted."
    from conftest import new_store
    uri = new_store(tmp_path_factory.mktemp('cli'), template_db)
    steps = {'train1': quack('train', uri=uri), 'promote1': quack('promote', '--from', 'staging', '--to', 'production', uri=uri),
             'train_weak': quack('train', '--max-depth', '1', '--n-estimators', '3', uri=uri)}
    steps['aliases_before_refusal'] = aliases(uri)
    steps['promote_weak'] = quack('promote', uri=uri)
    steps['aliases_after_refusal'] = aliases(uri)
    steps['train3'] = quack('train', '--n-estimators', '15', uri=uri)
    steps['promote3'] = quack('promote', uri=uri)
    return uri, steps


def test_train_registers_a_new_version_each_time(lifecycle):
    uri, s = lifecycle
    assert s['train1'].returncode == 0, s['train1'].stderr
    assert 'Version 1 registriert' in s['train1'].stdout
    assert 'Version 2 registriert' in s['train_weak'].stdout
    assert 'Version 3 registriert' in s['train3'].stdout


def test_refused_promotion_names_the_gates_and_changes_nothing(lifecycle):
    uri, s = lifecycle
    r = s['promote_weak']
    assert r.returncode == 1
    assert r.stderr.count('\n') == 1 and 'verweigert' in r.stderr and 'KPIs' in r.stderr and 'Mindestqualität' in r.stderr
    assert s['aliases_before_refusal'] == s['aliases_after_refusal'] == {'production': 1, 'staging': 2}


def test_rollback_restores_the_previous_production_and_history_shows_it(lifecycle, capsys, monkeypatch):
    uri, s = lifecycle
    assert s['promote3'].returncode == 0, s['promote3'].stderr
    assert aliases(uri)['production'] == 3
    r = run(capsys, monkeypatch, uri, 'rollback')
    assert r.returncode == 0 and 'Version 1' in r.stdout
    assert aliases(uri)['production'] == 1
    hist = run(capsys, monkeypatch, uri, 'history')
    assert hist.returncode == 0
    actions = [line.split(' · ')[2] for line in hist.stdout.strip().splitlines() if not line.startswith(' ')]  # gates: indented
    assert actions == ['registriert', 'freigegeben', 'registriert', 'verweigert', 'registriert', 'freigegeben', 'zurückgerollt']  # German labels
    # pressed again: never forward to version 3, which was just rolled back; nothing earlier is left, and it says so
    again = run(capsys, monkeypatch, uri, 'rollback')
    assert again.returncode == 1 and 'keine frühere freigegebene Version' in again.stderr and aliases(uri)['production'] == 1
    # back to version 3 for the tests below, the way the message suggests; promoting it a second time changes and logs nothing
    assert run(capsys, monkeypatch, uri, 'promote', '--from', '3', '--to', 'production').returncode == 0 and aliases(uri)['production'] == 3
    count = len(run(capsys, monkeypatch, uri, 'history').stdout.strip().splitlines())
    assert run(capsys, monkeypatch, uri, 'promote', '--from', '3', '--to', 'production').returncode == 0
    assert len(run(capsys, monkeypatch, uri, 'history').stdout.strip().splitlines()) == count


def test_status_lists_versions_aliases_and_metrics(lifecycle, capsys, monkeypatch):
    uri, _ = lifecycle
    r = run(capsys, monkeypatch, uri, 'status')
    assert r.returncode == 0
    lines = r.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ['Modell', 'Version', 'Aliase'] and 'Genauigkeit' in lines[0]
    assert len(lines) == 4


@pytest.mark.parametrize('fmt', ['json', 'csv'])
def test_predict_reads_json_and_csv(lifecycle, tmp_path, fmt, capsys, monkeypatch):
    uri, _ = lifecycle
    path = tmp_path / f'rows.{fmt}'
    if fmt == 'json': path.write_text(json.dumps(FLOWERS))
    else: path.write_text('sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n')
    r = run(capsys, monkeypatch, uri, 'predict', str(path))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [o['prediction'] for o in out] == ['setosa', 'virginica']
    assert abs(sum(out[0][f'p_{c}'] for c in ('setosa', 'versicolor', 'virginica')) - 1) < 1e-3


def test_predict_from_stdin_as_csv_in_a_real_process(lifecycle):
    uri, _ = lifecycle
    r = quack('predict', '--format', 'csv', '-', uri=uri, stdin=json.dumps(FLOWERS[0]), console=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1].split(',')[4] == 'setosa'


@pytest.mark.parametrize('content, message', [
    (json.dumps({**FLOWERS[0], 'petal width (cm)': 'breit'}), "erwartet Zahlen, enthält aber Text 'breit'"),
    (json.dumps({k: v for k, v in FLOWERS[0].items() if k != 'sepal width (cm)'}), "es fehlen Spalten: 'sepal width (cm)'"),
    (json.dumps({**FLOWERS[0], 'farbe': 'blau'}), "unerwartete Spalten: 'farbe'"),
    ('{"sepal length (cm)": NaN, "sepal width (cm)": 3.5, "petal length (cm)": 1.4, "petal width (cm)": 0.2}', 'fehlende Werte'),
    ('{kaputt', 'kein gültiges JSON'),
    ('', 'leer'),
])
def test_bad_input_is_refused_in_one_line_and_changes_nothing(lifecycle, tmp_path, content, message, capsys, monkeypatch):
    uri, _ = lifecycle
    before = (aliases(uri), audit_count(uri))
    path = tmp_path / 'bad.json'
    path.write_text(content)
    r = run(capsys, monkeypatch, uri, 'predict', str(path))
    assert r.returncode == 1
    assert r.stdout == '' and r.stderr.count('\n') == 1 and message in r.stderr
    assert (aliases(uri), audit_count(uri)) == before


def test_bad_input_exits_non_zero_in_a_real_process(lifecycle):
    uri, _ = lifecycle
    r = quack('predict', '-', uri=uri, stdin=json.dumps({**FLOWERS[0], 'petal width (cm)': 'breit'}), console=True)
    assert r.returncode == 1 and r.stdout == '' and r.stderr.count('\n') == 1 and 'breit' in r.stderr


def test_missing_model_names_the_fix(store, capsys, monkeypatch):
    r = run(capsys, monkeypatch, store, 'predict', '-', stdin=json.dumps(FLOWERS[0]))
    assert r.returncode == 1 and 'Abhilfe: quack setup --only iris-classifier' in r.stderr  # the course model's one command


@pytest.mark.parametrize('command', ['history', 'status'])
def test_an_unknown_model_name_is_named_in_german(store, capsys, monkeypatch, command):
    "MLflow's 'Registered Model with name=… not found' reached the terminal in English; the course says what is missing and what helps."
    r = run(capsys, monkeypatch, store, command, '--name', 'gibt-es-nicht')
    assert r.returncode == 1 and "gibt es kein registriertes Modell 'gibt-es-nicht'" in r.stderr and 'quack status' in r.stderr, r.stderr
    assert 'not found' not in r.stderr


def test_unknown_command_and_bad_data_source_fail(store, capsys, monkeypatch):
    with pytest.raises(SystemExit) as e: main(['fliegen'])
    assert e.value.code == 1  # a usage error is an error like any other: exit code 1, in German
    r = run(capsys, monkeypatch, store, 'train', '--data', 'gibt-es-nicht.csv')
    assert r.returncode == 1 and 'gibt-es-nicht.csv' in r.stderr


def test_train_on_own_csv_with_categories_and_gaps(store, tmp_path, capsys, monkeypatch):
    from amalea_quack.eda import load_dataset
    path = tmp_path / 'pinguine.csv'
    load_dataset('penguins').to_csv(path, index=False)
    r = run(capsys, monkeypatch, store, 'train', '--data', str(path), '--target', 'species', '--name', 'pinguine')
    assert r.returncode == 0, r.stderr
    assert 'pinguine Version 1 registriert' in r.stdout
    r = run(capsys, monkeypatch, store, 'predict', '--name', 'pinguine', '--alias', 'staging', '-',
            stdin=json.dumps({'island': 'Biscoe', 'bill_length_mm': 48.0, 'bill_depth_mm': 15.0, 'flipper_length_mm': 220.0,
                                'body_mass_g': 5200.0, 'sex': 'male'}))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]['prediction'] == 'Gentoo'



def test_a_run_trained_from_a_relative_path_reproduces_from_any_folder(store, tmp_path, capsys, monkeypatch):
    "quack train --data daten.csv (relative) logs where the file is, so quack reproduce finds it from another folder too."
    import re

    from amalea_quack.eda import load_dataset
    (tmp_path / 'projekt').mkdir()
    load_dataset('iris').to_csv(tmp_path / 'projekt' / 'blueten.csv', index=False)
    monkeypatch.chdir(tmp_path / 'projekt')
    r = run(capsys, monkeypatch, store, 'train', '--data', 'blueten.csv', '--target', 'species', '--name', 'blueten')
    assert r.returncode == 0, r.stderr
    run_id = re.search(r'Lauf (\w+):', r.stdout).group(1)
    monkeypatch.chdir(tmp_path)
    r = run(capsys, monkeypatch, store, 'reproduce', run_id)
    assert r.returncode == 0, r.stderr
    assert f'Lauf {run_id}: reproduziert' in r.stdout


def test_a_model_trained_from_a_table_in_memory_has_no_data_version_to_reproduce(store, tmp_path):
    "A table from memory leaves no source quack reproduce can load: the portfolio check says so instead of a ✓ for 'tabelle'."
    from amalea_quack.course import portfolio_check
    from amalea_quack.eda import load_dataset
    from amalea_quack.monitoring import release
    from amalea_quack.pipeline import run_pipeline
    run_pipeline(load_dataset('iris'), target='species', name='aus-dem-speicher', latency_rows=5)
    release('aus-dem-speicher', latency_rows=5)
    item = next(i for i in portfolio_check(tmp_path, 'aus-dem-speicher') if i.name == 'Datenversion')
    assert not item.ok and 'Tabelle aus dem Speicher' in item.found and 'quack reproduce' in item.found, item

def test_reproduce_a_logged_run(lifecycle, capsys, monkeypatch):
    import re
    uri, s = lifecycle
    run_id = re.search(r'Lauf (\w+):', s['train1'].stdout).group(1)
    r = run(capsys, monkeypatch, uri, 'reproduce', run_id)
    assert r.returncode == 0, r.stderr
    assert f'Lauf {run_id}: reproduziert' in r.stdout and 'Genauigkeit' in r.stdout  # the metrics by their German labels
    r = run(capsys, monkeypatch, uri, 'reproduce', 'gibt-es-nicht')
    assert r.returncode == 1 and "Lauf 'gibt-es-nicht'" in r.stderr


def tiny_edition(folder, fails: str | None = None):
    "Two notebooks in week01/ that print their store (each run has its own); the one named `fails` raises instead."
    import nbformat
    for name in ('01_eins', '02_zwei'):
        code = "raise RuntimeError('kaputt')" if name == fails else "import os\nprint(os.environ['MLFLOW_TRACKING_URI'], QUICK)"
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('QUICK = False', metadata={'tags': ['parameters']}),
                                             nbformat.v4.new_code_cell(code)])
        (folder / 'week01').mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / 'week01' / f'{name}.ipynb')
    return folder


def printed(nb_path) -> str:
    nb = json.loads(nb_path.read_text(encoding='utf-8'))
    return ''.join(''.join(o.get('text', '')) for c in nb['cells'] for o in c.get('outputs', []))


def test_run_notebooks_executes_several_editions_in_one_run(capsys, monkeypatch, tmp_path):
    "Each notebook of each edition lands in its own edition's folder, each with its own store; a failure names its edition."
    course, student = tiny_edition(tmp_path / 'kurs'), tiny_edition(tmp_path / 'studi', fails='02_zwei')
    r = run(capsys, monkeypatch, 'sqlite:///unbenutzt.db', 'run-notebooks', '--nbs', str(course), '--out', str(tmp_path / 'aus-kurs'),
            '--nbs', str(student), '--out', str(tmp_path / 'aus-studi'))
    assert r.returncode == 1
    assert f'{student}/week01/02_zwei.ipynb (RuntimeError: kaputt)' in r.stderr and str(course) not in r.stderr, r.stderr
    totals = [line for line in r.stdout.splitlines() if line.startswith('Summe:')]
    assert len(totals) == 2 and totals[0].endswith(f'2 von 2 ohne Fehler ({course})') and totals[1].endswith(f'1 von 2 ohne Fehler ({student})')
    copies = [tmp_path / out / 'week01' / f'{nb}.ipynb' for out in ('aus-kurs', 'aus-studi') for nb in ('01_eins', '02_zwei')]
    stores = [printed(c) for c in copies[:3]]
    assert all(s.startswith('sqlite:///') and s.rstrip().endswith('True') for s in stores), stores  # QUICK injected
    assert len(set(stores)) == 3, stores
    failed = json.loads(copies[3].read_text(encoding='utf-8'))  # kept, to show where it broke
    assert [(o['ename'], o['evalue']) for c in failed['cells'] for o in c.get('outputs', []) if o['output_type'] == 'error'] == [
        ('RuntimeError', 'kaputt')]
    for c in copies: assert_valid_nbformat(c)


def test_run_notebooks_runs_the_course_into_one_folder_by_default(capsys, monkeypatch, tmp_path):
    import amalea_quack.course
    monkeypatch.setattr(amalea_quack.course, 'nbs_path', lambda: tiny_edition(tmp_path / 'kurs'))
    r = run(capsys, monkeypatch, 'sqlite:///unbenutzt.db', 'run-notebooks', '--out', str(tmp_path / 'aus'))
    assert r.returncode == 0, r.stderr
    assert [line for line in r.stdout.splitlines() if line.startswith('Summe:')] == [r.stdout.splitlines()[-1]]
    assert r.stdout.splitlines()[-1].endswith('2 von 2 ohne Fehler') and 'week01/01_eins.ipynb' in r.stdout
    assert printed(tmp_path / 'aus' / 'week01' / '02_zwei.ipynb').startswith('sqlite:///')


@pytest.mark.parametrize('args, expected', [
    (['--nbs', '{a}', '--out', 'x', '--out', 'y'], 'Zu jedem --nbs gehört ein --out (in derselben Reihenfolge); gekommen: 1 × --nbs, 2 × --out'),
    (['--out', 'x', '--out', 'y'], 'gekommen: 0 × --nbs, 2 × --out'),
    (['--nbs', '{a}'], 'gekommen: 1 × --nbs, 0 × --out'),
    (['--nbs', '{a}', '--out', 'x', '--nbs', '{a}/../a', '--out', 'y'], 'Jeder Notebook-Ordner darf nur einmal vorkommen; doppelt: {a}'),
    (['--nbs', '{a}', '--out', 'x', '--nbs', '{b}', '--out', 'x'], 'Jeder Zielordner darf nur einmal vorkommen'),
    (['--nbs', '{a}', '--out', 'x', '--nbs', '{leer}', '--out', 'y'], 'Keine Kurs-Notebooks in {leer}: erwartet Dateien wie week01/01_'),
], ids=['ein-nbs-zwei-out', 'nur-out', 'nur-nbs', 'ordner-doppelt', 'ziel-doppelt', 'ordner-leer'])
def test_run_notebooks_refuses_what_it_cannot_pair(capsys, monkeypatch, tmp_path, args, expected):
    "Refused before anything runs (no store template is made), with what was expected and what came."
    monkeypatch.chdir(tmp_path)
    folders = {'a': tiny_edition(tmp_path / 'a'), 'b': tiny_edition(tmp_path / 'b'), 'leer': tmp_path / 'leer'}
    folders['leer'].mkdir()
    r = run(capsys, monkeypatch, 'sqlite:///unbenutzt.db', 'run-notebooks', *[x.format(**folders) for x in args])
    assert r.returncode == 1 and expected.format(**folders) in r.stderr, r.stderr
    assert not list(tmp_path.rglob('.store')), 'vor der Ablehnung wurde schon ein Store angelegt'


def test_an_unknown_engine_is_refused_before_anything_runs(tmp_path):
    "The Python API says it in German (the command line's choices refuse it earlier): no store template is made, nothing runs."
    from amalea_quack.course import execute_all, execute_editions, notebooks
    course = tiny_edition(tmp_path / 'kurs')
    with pytest.raises(ValueError, match=r"engine muss einer von \('inprocess', 'papermill'\) sein, nicht 'kernel'"):
        execute_editions([(course, tmp_path / 'aus')], engine='kernel')
    with pytest.raises(ValueError, match="nicht 'kernel'"):
        execute_all(tmp_path / 'aus', notebooks(course), engine='kernel', src_root=course)
    assert not (tmp_path / 'aus').exists()


def test_a_mistyped_command_is_told_in_german_with_exit_code_1(store):
    "argparse's own errors speak German and exit with 1, as every other quack error; --n-estimators 0 is refused before training."
    for args, said in ((['trian'], "BEFEHL: unbekannt: 'trian' – erlaubt: 'train'"),
                       (['train', '--n-estimators', '0'], 'erwartet eine ganze Zahl ≥ 1, nicht 0'),
                       (['predict'], 'quack predict: es fehlt: input'), (['train', '--seed', 'abc'], "erwartet eine ganze Zahl, nicht 'abc'")):
        r = quack(*args, uri=store)
        assert r.returncode == 1 and said in r.stderr and 'invalid' not in r.stderr and 'required' not in r.stderr, (args, r.stderr)
    helped = quack('train', '--help', uri=store)
    assert helped.returncode == 0 and helped.stdout.startswith('Aufruf: quack train') and 'Optionen:' in helped.stdout
    assert 'show this help' not in helped.stdout and 'usage:' not in helped.stdout


def test_serve_names_a_taken_or_impossible_port_in_german(store):
    "uvicorn said 'address already in use' in English (and exit code 3, the one for severe drift); 99999 gave a traceback."
    import socket
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0)); taken.listen()
        port = taken.getsockname()[1]
        r = quack('serve', '--port', str(port), uri=store)
    assert r.returncode == 1 and f'Port {port} auf 127.0.0.1 ist schon belegt' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    r = quack('serve', '--port', '99999', uri=store)
    assert r.returncode == 1 and 'erwartet eine Portnummer von 1 bis 65535, nicht 99999' in r.stderr


def test_ui_and_class_server_name_a_taken_port_before_they_start(store, tmp_path):
    "Both default to port 5000 (as does AirPlay on macOS): a taken port was a false password error on the class server."
    import socket

    from amalea_quack.class_server import ClassServer, start_class_server
    said = 'ist schon belegt – läuft schon ein Kursserver'
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0)); taken.listen()
        port = taken.getsockname()[1]
        r = quack('ui', '--port', str(port), uri=store)
        server = ClassServer(tmp_path / 'kurs', 'postgresql+psycopg://kurs:geheim@127.0.0.1:1/mlflow', 'postgresql+psycopg://kurs:geheim@127.0.0.1:1/auth',
                             port=port)
        with pytest.raises(ValueError, match=f'Port {port} auf 127.0.0.1 {said}'): server.start()
        with pytest.raises(ValueError, match=f'Port {port} auf 127.0.0.1 {said}'): start_class_server(tmp_path / 'klasse', port=port)
    assert r.returncode == 1 and f'Port {port} auf 127.0.0.1 ist schon belegt' in r.stderr and f'quack ui --port {port + 1}' in r.stderr, r.stderr
    assert server.proc is None and not (tmp_path / 'kurs' / 'basic_auth.ini').exists()  # nothing started, nothing written
    assert not (tmp_path / 'klasse').exists()  # said before PostgreSQL was set up


@pytest.mark.parametrize('stop', ['strg_c', 'kill'])
def test_quack_ui_ends_with_its_mlflow_server(store, sigint_like_a_terminal, stop):
    """Strg+C said an open run was marked aborted, with exit code 130 (make: Error 130) – for a server that opened no run; a kill (SIGTERM)
    or a closed terminal ended quack alone, and the MLflow server in its own process group kept answering on the port."""
    import contextlib
    import signal
    import time
    import urllib.request

    from conftest import free_port
    port = free_port()
    health = lambda: urllib.request.urlopen(f'http://127.0.0.1:{port}/health', timeout=2).status == 200
    proc = subprocess.Popen([str(Path(sys.executable).parent / 'quack'), 'ui', '--port', str(port)], text=True, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, 'MLFLOW_TRACKING_URI': store})
    try:
        deadline = time.time() + 180
        while time.time() < deadline and proc.poll() is None:  # stopped once the MLflow server answers, as a student would stop it
            with contextlib.suppress(OSError):
                if health(): break
            time.sleep(0.3)
        assert proc.poll() is None, proc.communicate()[1][-800:]
        if stop == 'strg_c': os.killpg(proc.pid, signal.SIGINT)  # as a terminal sends it: to quack and the server it started
        else: proc.terminate()  # kill <pid>: to quack alone
        out, err = proc.communicate(timeout=60)
        with pytest.raises(OSError): health()  # the server is gone with quack
    finally:
        with contextlib.suppress(ProcessLookupError): os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of the group
    assert 'Traceback' not in err, err[-2000:]  # MLflow's server ended cleanly (on SIGINT uvicorn printed a CancelledError)
    if stop == 'strg_c':
        assert proc.returncode == 0 and 'quack ui: beendet (Strg+C).' in err and 'abgebrochen markiert' not in err, (proc.returncode, err[-800:])
    else: assert proc.returncode == 128 + signal.SIGTERM, (proc.returncode, err[-800:])


def test_class_commands_refuse_the_local_store(store):
    "Without the teacher's login the overview read the local store and said 'no one has created anything yet'."
    for args in (('class-overview',), ('class-password', 'anna')):
        r = quack(*args, uri=store)
        said = 'setze MLFLOW_TRACKING_URI (http://…), MLFLOW_TRACKING_USERNAME und MLFLOW_TRACKING_PASSWORD'
        assert r.returncode == 1 and said in r.stderr, r.stderr


def test_fortschritt_takes_the_edition_or_its_nbs_folder(tmp_path):
    "Naming the notebooks folder itself looked for …/nbs/nbs."
    (tmp_path / 'ausgabe' / 'nbs').mkdir(parents=True)
    for edition in (tmp_path / 'ausgabe', tmp_path / 'ausgabe' / 'nbs'):
        r = quack('fortschritt', '--edition', str(edition))
        assert r.returncode == 1 and f"In {tmp_path / 'ausgabe' / 'nbs'} liegt kein Notebook" in r.stderr, r.stderr
