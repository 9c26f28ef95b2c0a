"""The inputs that broke the product (tests/data/cases, see its README) and their siblings: each gives the right value now,
through the library, the command line and the REST service alike."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, new_store, quack

from amalea_quack.validation import CsvFormat, DataValidationError, read_csv_checked, validate_training_data

CASES = ROOT / 'tests/data/cases'


def runs_in(uri: str) -> list:
    from mlflow import MlflowClient
    c = MlflowClient(uri)
    return [r for e in c.search_experiments() for r in c.search_runs([e.experiment_id])]


# --- 1. silent wrong results -----------------------------------------------------------------------------------------------------------

def test_windows_1252_file_arrives_as_written():
    df = read_csv_checked(CASES / 'kauf_cp1252.csv')
    assert df.attrs['csv_format'] == CsvFormat('cp1252', ';', ',', '.')
    assert sorted(df['Preisklasse'].unique()) == ['bis 10 €', 'über 10 €']  # € and ü, not control characters
    assert df['Gewicht'].dtype.kind == 'f' and df['Gewicht'].iloc[0] == 1.52


def test_excel_utf8_with_bom_thousands_and_decimal_commas_gives_numbers():
    df = read_csv_checked(CASES / 'excel_utf8_bom.csv')
    assert df.attrs['csv_format'].encoding == 'utf-8-sig' and list(df.columns)[0] == 'Preisklasse'  # no BOM in the first name
    assert df['Preis (€)'].dtype.kind == 'f' and df['Menge'].dtype.kind == 'f'
    assert df['Menge'].iloc[0] == 1234.5 and df['Preisklasse'].iloc[0] == 'Günstig – unter 10 €'


@pytest.mark.parametrize('data, expected', [
    (b'a;b\n1.5;x\n2.25;y\n', [1.5, 2.25]),  # semicolon with decimal points (was refused as text in number columns)
    (b'a\tb\n1,5\tx\n2\ty\n', [1.5, 2.0]),  # tab-separated with decimal commas
    ('a;b\n1.234,5;x\n12,25;y\n'.encode('cp1252'), [1234.5, 12.25]),  # thousands dots, Windows encoding
    (b'a,b\n"1,234,567.5",x\n"2.5",y\n', [1234567.5, 2.5]),  # English thousands commas inside quotes
])
def test_numbers_are_numbers_in_every_convention(data, expected):
    assert read_csv_checked(data)['a'].tolist() == expected


def test_mixed_conventions_and_undecodable_bytes_are_refused_with_the_reason():
    with pytest.raises(DataValidationError, match='mischt Zahlen mit Dezimalkomma'): read_csv_checked(b'a;b\n1,5;2.25\n')
    with pytest.raises(DataValidationError, match='weder UTF-8 noch Windows-1252'): read_csv_checked(b'a,b\n\x81,1\n')
    assert read_csv_checked(b'a,b\n\xe9,1\n', encoding='latin-1')['a'].tolist() == ['é']  # the user can say how to read it


def test_the_command_line_says_how_it_read_a_file(tmp_path, template_db):
    uri = new_store(tmp_path / 's', template_db)
    r = quack('train', '--data', str(CASES / 'kauf_cp1252.csv'), '--target', 'gekauft', uri=uri)
    assert r.returncode == 0, r.stderr
    assert 'Gelesen als: Windows-1252, Trennzeichen Semikolon, Dezimalkomma' in r.stderr


@pytest.fixture(scope='module')
def kunden(tmp_path_factory, template_db):
    "kunden.csv trained and promoted (target ziel)."
    uri = new_store(tmp_path_factory.mktemp('kunden'), template_db)
    assert quack('train', '--data', str(CASES / 'kunden.csv'), '--target', 'ziel', uri=uri).returncode == 0
    assert quack('promote', '--name', 'kunden-classifier', uri=uri).returncode == 0
    return uri


def test_unknown_category_is_warned_by_the_command_line(kunden):
    r = quack('predict', '--name', 'kunden-classifier', str(CASES / 'unknown_category.json'), uri=kunden)
    assert r.returncode == 0, r.stderr
    assert "Spalte 'region': 'nord', 'Norden' kamen im Training nie vor" in r.stderr
    assert len(json.loads(r.stdout)) == 3


def test_true_for_a_number_is_one_german_line_in_the_command_line(kunden):
    r = quack('predict', '--name', 'kunden-classifier', str(CASES / 'bool_for_number.json'), uri=kunden)
    assert r.returncode == 1 and r.stdout == '' and r.stderr.count('\n') == 1
    assert "Spalte 'alter' erwartet Zahlen, enthält aber einen Wahrheitswert True" in r.stderr


@pytest.fixture(scope='module')
def service(kunden):
    from fastapi.testclient import TestClient

    from amalea_quack.registry import load_model
    from amalea_quack.serving import create_app
    os.environ['MLFLOW_TRACKING_URI'] = kunden
    try: yield TestClient(create_app(load_model('kunden-classifier', 'production')))
    finally: os.environ.pop('MLFLOW_TRACKING_URI', None)


def test_the_service_answers_true_for_a_number_with_400_and_counts_it(service):
    r = service.post('/invocations', content=(CASES / 'bool_for_number.json').read_bytes(), headers={'content-type': 'application/json'})
    assert r.status_code == 400 and "Spalte 'alter' erwartet Zahlen" in r.json()['message']
    assert 'outcome="refused"' in service.get('/metrics').text


def test_the_service_warns_about_and_counts_unknown_categories(service):
    r = service.post('/invocations', content=(CASES / 'unknown_category.json').read_bytes(), headers={'content-type': 'application/json'})
    assert r.status_code == 200 and len(r.json()['predictions']) == 3
    assert any("'nord', 'Norden'" in w for w in r.json()['warnings'])
    metrics = service.get('/metrics').text
    line = next(m for m in metrics.splitlines() if m.startswith('quack_unknown_categories_total') and 'region' in m)
    assert float(line.split()[-1]) == 2.0


def test_cli_and_service_accept_the_same_bodies(kunden, service, tmp_path):
    row = {'alter': 35, 'einkommen': 3400, 'region': 'Nord'}
    bodies = {'records': {'dataframe_records': [row]}, 'split': {'dataframe_split': {'columns': list(row), 'data': [list(row.values())]}},
              'inputs': {'inputs': [row]}, 'list': [row], 'one': row}
    for name, body in bodies.items():
        path = tmp_path / f'{name}.json'
        path.write_text(json.dumps(body))
        cli = quack('predict', '--name', 'kunden-classifier', str(path), uri=kunden)
        web = service.post('/invocations', json=body)
        assert cli.returncode == 0 and web.status_code == 200, (name, cli.stderr, web.text)
        assert json.loads(cli.stdout)[0]['prediction'] == web.json()['predictions'][0]


def test_likely_id_column_is_said_where_the_user_looks(tmp_path, template_db):
    df = pd.read_csv(CASES / 'kunden.csv')
    df.insert(0, 'kundennummer', range(100000, 100000 + len(df)))
    path = tmp_path / 'mit_id.csv'
    df.to_csv(path, index=False)
    r = quack('train', '--data', str(path), '--target', 'ziel', uri=new_store(tmp_path / 's', template_db))
    assert r.returncode == 0
    assert "Warnung: Keine Kennungen als Merkmal: vermutlich Kennungen oder Zeitstempel (jeder Wert einmalig): 'kundennummer'" in r.stderr


# --- 2. checks that do what they say ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('case, klass, count', [('eine_probe', 'C', 1), ('zwei_proben', 'C', 2)])
def test_too_few_examples_of_a_class_block_before_training(case, klass, count, tmp_path, template_db):
    report = validate_training_data(pd.read_csv(CASES / f'{case}.csv'), 'klasse')
    assert report.passed is False and 'class_counts' in report.failed
    assert f"Klasse '{klass}' hat {count}" in report['class_counts'].message
    uri = new_store(tmp_path / 's', template_db)
    r = quack('train', '--data', str(CASES / f'{case}.csv'), '--target', 'klasse', uri=uri)
    assert r.returncode == 1 and r.stderr.count('\n') == 1 and f"Klasse '{klass}' hat {count}" in r.stderr
    assert [x.info.status for x in runs_in(uri)] == ['FAILED']  # refused before any training; the run keeps the report


def test_true_false_columns_are_features(tmp_path, template_db):
    uri = new_store(tmp_path / 's', template_db)
    r = quack('train', '--data', str(CASES / 'versicherung.csv'), '--target', 'risiko', uri=uri)
    assert r.returncode == 0, r.stderr
    row = json.dumps({'alter': 40, 'raucher': True})
    p = quack('predict', '--name', 'versicherung-classifier', '--alias', 'staging', '-', stdin=row, uri=uri)
    assert p.returncode == 0 and json.loads(p.stdout)[0]['prediction'] in ('hoch', 'niedrig') and 'Warnung' not in p.stderr


def test_every_check_verdict_is_a_real_bool():
    from amalea_quack.eda import load_dataset
    report = validate_training_data(load_dataset('penguins'), 'species')
    assert all(c.passed is None or type(c.passed) is bool for c in report.checks)


# --- 3. no English traceback after our checks pass -----------------------------------------------------------------------------------------

def test_bad_model_name_is_refused_before_training_and_leaves_no_run(tmp_path, template_db):
    uri = new_store(tmp_path / 's', template_db)
    for name in ('kunden/v2', 'kunden:v2', 'kunden v2'):
        r = quack('train', '--data', str(CASES / 'kunden.csv'), '--target', 'ziel', '--name', name, uri=uri)
        assert r.returncode == 1 and 'Ungültiger Modellname' in r.stderr and 'Traceback' not in r.stderr
    assert runs_in(uri) == []


def test_rollback_skips_a_deleted_version_and_says_so_in_german(tmp_path, template_db):
    from mlflow import MlflowClient
    uri = new_store(tmp_path / 's', template_db)
    for extra in ([], ['--n-estimators', '15'], ['--n-estimators', '20']):
        assert quack('train', *extra, uri=uri).returncode == 0 and quack('promote', uri=uri).returncode == 0
    MlflowClient(uri).delete_model_version('iris-classifier', '2')
    r = quack('rollback', uri=uri)
    assert r.returncode == 0 and 'Version 1' in r.stdout
    r = quack('rollback', uri=uri)
    assert r.returncode == 1 and 'keine frühere freigegebene Version' in r.stderr and 'Traceback' not in r.stderr


@pytest.mark.parametrize('command', [('status',), ('train',), ('history',), ('predict', '-')])
def test_unreachable_store_is_one_german_line(command):
    r = quack(*command, uri='http://127.0.0.1:9', stdin='{}')
    assert r.returncode == 1 and r.stderr.count('\n') == 1 and 'ist nicht erreichbar' in r.stderr and 'Traceback' not in r.stderr


def test_reproducing_a_failed_run_is_one_german_line(tmp_path, template_db):
    uri = new_store(tmp_path / 's', template_db)
    quack('train', '--data', str(CASES / 'eine_probe.csv'), '--target', 'klasse', uri=uri)
    failed = runs_in(uri)[0].info.run_id
    r = quack('reproduce', failed, uri=uri)
    assert r.returncode == 1 and 'fehlgeschlagen' in r.stderr and 'nur ein abgeschlossener Lauf' in r.stderr


# --- 4. the store's integrity ---------------------------------------------------------------------------------------------------------------

def test_moved_course_folder_is_detected_and_fixed_in_one_command(tmp_path, template_db):
    import shutil
    first = tmp_path / 'kurs' / 'mlflow-store'
    uri = new_store(first, template_db)
    assert quack('train', uri=uri).returncode == 0
    moved = tmp_path / 'kurs-umbenannt' / 'mlflow-store'
    shutil.move(str(first.parent), str(moved.parent))
    muri = f'sqlite:///{moved}/mlflow.db'
    r = quack('predict', '--alias', 'staging', '-', stdin=json.dumps({'sepal length (cm)': 5.1, 'sepal width (cm)': 3.5,
                                                                      'petal length (cm)': 1.4, 'petal width (cm)': 0.2}), uri=muri)
    assert r.returncode == 1 and 'ist umgezogen' in r.stderr and 'quack relocate-store' in r.stderr and 'Traceback' not in r.stderr
    assert quack('relocate-store', uri=muri).returncode == 0
    r = quack('predict', '--alias', 'staging', '-', stdin=json.dumps({'sepal length (cm)': 5.1, 'sepal width (cm)': 3.5,
                                                                      'petal length (cm)': 1.4, 'petal width (cm)': 0.2}), uri=muri)
    assert r.returncode == 0 and json.loads(r.stdout)[0]['prediction'] == 'setosa'


def test_copied_course_folder_is_named_and_made_its_own_without_touching_the_original(tmp_path, template_db):
    "A copy while the original stays: its paths point into the original, so new models would land there; one command makes it its own."
    import shutil
    first = tmp_path / 'kurs' / 'mlflow-store'
    uri = new_store(first, template_db)
    assert quack('train', uri=uri).returncode == 0
    copy = tmp_path / 'kurs-kopie' / 'mlflow-store'
    shutil.copytree(first.parent, copy.parent)
    curi = f'sqlite:///{copy}/mlflow.db'
    before = sorted(p.relative_to(first) for p in first.rglob('*') if p.is_file())
    r = quack('train', uri=curi)
    assert r.returncode == 1 and 'ist eine Kopie des Stores' in r.stderr and 'quack relocate-store' in r.stderr and 'Traceback' not in r.stderr
    assert quack('relocate-store', uri=curi).returncode == 0
    assert quack('train', uri=curi).returncode == 0
    assert sorted(p.relative_to(first) for p in first.rglob('*') if p.is_file()) == before  # nothing new in the original


def test_sigterm_during_training_ends_the_run_as_killed(tmp_path, template_db):
    uri = new_store(tmp_path / 's', template_db)
    env = {**os.environ, 'MLFLOW_TRACKING_URI': uri}
    exe = Path(sys.executable).parent / 'quack'
    proc = subprocess.Popen([str(exe), 'train', '--data', 'breast_cancer', '--n-estimators', '400'], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not any(r.info.status == 'RUNNING' for r in runs_in(uri)): time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    statuses = [r.info.status for r in runs_in(uri)]
    seen = f'exit code {proc.returncode}, runs {statuses}, stderr: {err[-1500:]}'  # one message that explains a rare failure
    assert proc.returncode == 143 and 'SIGTERM' in err, seen
    assert statuses == ['KILLED'], seen


def test_stale_running_runs_are_shown_and_closed(tmp_path, template_db):
    import socket

    from mlflow import MlflowClient
    uri = new_store(tmp_path / 's', template_db)
    c = MlflowClient(uri)
    exp = c.create_experiment('x', artifact_location=str(tmp_path / 's' / 'artifacts'))
    ghost = c.create_run(exp, tags={'host': socket.gethostname(), 'pid': '999999999'})  # its process no longer exists
    r = quack('status', uri=uri)
    assert ghost.info.run_id in r.stderr and 'quack close-stale' in r.stderr
    assert quack('close-stale', uri=uri).returncode == 0
    assert c.get_run(ghost.info.run_id).info.status == 'KILLED'


# --- 5. the service and the command line under bad input ----------------------------------------------------------------------------------

def test_endless_standard_input_is_refused_after_the_limit(tmp_path, template_db):
    uri = new_store(tmp_path / 's', template_db)
    with open('/dev/zero', 'rb') as zero:
        r = subprocess.run([str(Path(sys.executable).parent / 'quack'), 'predict', '-'], stdin=zero, capture_output=True, text=True,
                           env={**os.environ, 'MLFLOW_TRACKING_URI': uri}, timeout=120)
    assert r.returncode == 1 and 'größer als 10 MB' in r.stderr


def test_too_many_columns_are_refused_with_the_limit(tmp_path):
    path = tmp_path / 'breit.csv'
    path.write_text(','.join(f'x{i}' for i in range(5000)) + ',ziel\n' + ','.join(['1'] * 5000) + ',a\n')
    with pytest.raises(DataValidationError, match='5001 Spalten'): read_csv_checked(path)


def test_csv_output_does_not_run_as_a_spreadsheet_formula(tmp_path, template_db):
    uri = new_store(tmp_path / 's', template_db)
    df = pd.read_csv(CASES / 'kunden.csv')
    df.loc[df.index[:40], 'region'] = '=HYPERLINK("http://x")'
    df.to_csv(tmp_path / 'formel.csv', index=False)
    assert quack('train', '--data', str(tmp_path / 'formel.csv'), '--target', 'ziel', '--name', 'formel', uri=uri).returncode == 0
    row = json.dumps({'alter': 40, 'einkommen': 3000, 'region': '=HYPERLINK("http://x")'})
    r = quack('predict', '--name', 'formel', '--alias', 'staging', '--format', 'csv', '-', stdin=row, uri=uri)
    assert r.returncode == 0 and '\'=HYPERLINK' in r.stdout and ',=HYPERLINK' not in r.stdout


def test_gitignore_covers_secrets_stray_databases_and_reports():
    ignore = (ROOT / '.gitignore').read_text()
    for pattern in ('.env.*', '.envrc', '*.db', 'drift_report.html'): assert pattern in ignore, pattern
