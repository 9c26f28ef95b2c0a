"""The class server for real: its own PostgreSQL cluster, `mlflow server` with basic-auth and the course's rules, 20 students at once.

Everything is started on 127.0.0.1 and stopped by PID. The students are forked processes, each with its own credentials,
running the course's own functions (tests/class_simulation.py); the teacher's checks run here as admin.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
import requests
from class_simulation import MODEL, class_list, run_class, write_class_list
from conftest import ROOT, free_port, quack

pytestmark = pytest.mark.server


def _initdb_missing() -> bool:
    from amalea_quack.class_server import postgres_bin
    try: return not (postgres_bin()/'initdb').exists()
    except FileNotFoundError: return True


NO_POSTGRES = 'PostgreSQL fehlt: initdb nicht gefunden (make postgres installiert Debians Paket postgresql, oder PG_BIN setzen)'
needs_postgres = pytest.mark.skipif(_initdb_missing(), reason=NO_POSTGRES)

N = 20
VIRGINICA = {'sepal length (cm)': 6.7, 'sepal width (cm)': 3.0, 'petal length (cm)': 5.2, 'petal width (cm)': 2.3}
ATTACKS = ('move_alias', 'delete_alias', 'forged_audit_entry', 'delete_audit_entry', 'new_version_in_their_model', 'rollback_their_model',
           'run_in_their_experiment', 'artifact_in_their_run', 'model_in_their_namespace', 'experiment_in_their_namespace',
           'audit_entry_in_my_log_as_them', 'audit_entry_in_a_new_model_as_them', 'audit_entry_nested_too_deep', 'audit_entry_forever_last',
           'audit_entry_backdated', 'hide_model_as_prompt')


def _alive(pid: int) -> bool:
    try: os.kill(pid, 0); return True
    except ProcessLookupError: return False


@pytest.fixture(scope='module')
def server():
    "A class server on its own PostgreSQL cluster with N students; both stopped by PID afterwards."
    if _initdb_missing(): pytest.skip(NO_POSTGRES)
    from amalea_quack.class_server import start_class_server
    folder = Path(tempfile.mkdtemp(prefix='quack-class-server-'))
    folder.chmod(0o755)  # as root, PostgreSQL runs as the user postgres and must reach its data folder
    students = class_list(N)
    setup = start_class_server(folder/'server', users=write_class_list(folder/'klasse.csv', students), port=free_port(), pg_port=free_port())
    setup.students = students
    pids = (setup.server.proc.pid, setup.cluster.pid)
    try: yield setup
    finally:
        setup.stop()
        assert not any(_alive(p) for p in pids), 'server or PostgreSQL still running after stop()'
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope='module')
def afternoon(server):
    "N students train, release, attack their neighbour and roll back, all at the same time."
    results, wall = run_class(server.server.url, server.students)
    sent = sorted(s for r in results for s, _ in r['requests'])
    print(f'\n{N} Studierende gleichzeitig: {wall:.0f} s, {len(sent)} Anfragen, p50 {sent[len(sent) // 2] * 1000:.0f} ms, '
          f'p95 {sent[int(0.95 * len(sent))] * 1000:.0f} ms, Server-RSS {server.server.rss() / 2**20:.0f} MiB')
    out = Path(__file__).resolve().parent.parent/'test-output'
    out.mkdir(exist_ok=True)
    (out/'class_server_afternoon.json').write_text(json.dumps(results, indent=1, default=str), encoding='utf-8')
    return results


@contextmanager
def signed_in(env: dict):
    "This process as another user on another store for a block; afterwards everything as before."
    from amalea_quack.store import store_at
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update({k: v for k, v in env.items() if k != 'MLFLOW_TRACKING_URI'})
    try:
        with store_at(env['MLFLOW_TRACKING_URI']): yield
    finally:
        for k, v in saved.items():
            if v is None: os.environ.pop(k, None)
            else: os.environ[k] = v


def admin_env(server) -> dict:
    return {'MLFLOW_TRACKING_URI': server.server.url, 'MLFLOW_TRACKING_USERNAME': server.server.admin,
            'MLFLOW_TRACKING_PASSWORD': server.server.admin_password}


def student_env(server, i: int, password: str | None = None) -> dict:
    user, pw = server.students[i]
    return {'MLFLOW_TRACKING_URI': server.server.url, 'MLFLOW_TRACKING_USERNAME': user, 'MLFLOW_TRACKING_PASSWORD': password or pw}


def model_ops(env: dict):
    "The Model Ops app run once (AppTest, in this process) signed in with `env`."
    from streamlit.testing.v1 import AppTest
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try: at = AppTest.from_file(str(ROOT/'apps'/'model_ops'/'streamlit_app.py'), default_timeout=180).run()
    finally:
        for k, v in saved.items():
            if v is None: os.environ.pop(k, None)
            else: os.environ[k] = v
    assert not at.exception, at.exception
    return at


def run_quack(env: dict, *args) -> subprocess.CompletedProcess:
    "`quack ARGS` as the user and on the store that `env` names."
    return quack(*args, env=env)


def test_configuration_on_disk(server):
    folder = Path(server.server.folder)
    ini = (folder/'basic_auth.ini').read_text()
    assert 'default_permission = READ' in ini and 'admin_username = lehrer' in ini
    assert server.server.admin_password not in ini
    for secret in ('basic_auth.ini', 'admin-passwort.txt', 'flask-secret.txt', 'postgres/postgres-passwort.txt'):
        assert (folder/secret).stat().st_mode & 0o077 == 0, secret
    assert server.server.database_uri.startswith('postgresql+psycopg://') and '127.0.0.1' in server.server.database_uri
    import psutil  # the database password reaches the server by environment: `ps` shows no command line holding it
    procs = [psutil.Process(server.server.proc.pid), *psutil.Process(server.server.proc.pid).children(recursive=True)]
    assert procs[1:] and not [p.pid for p in procs if server.cluster.password in ' '.join(p.cmdline())]


def test_nothing_lost_and_every_student_owns_their_work(server, afternoon):
    assert len(afternoon) == N
    for r in afternoon:
        assert r['errors'] == [], r['errors']
        assert r['versions'] == [1, 2]  # no foreign version in anyone's model
        assert r['promotions'] == [[f"{r['user']}.{MODEL}", '1', True], [f"{r['user']}.{MODEL}", '2', True]]
        assert r['rolled_back_to'] == 1
        assert [(e['action'], e['alias'], e['from_version'], e['to_version']) for e in r['audit']] == [
            ('register', 'staging', None, 1), ('promote', 'production', None, 1),
            ('register', 'staging', 1, 2), ('promote', 'production', 1, 2), ('rollback', 'production', 2, 1)]
        assert {e['who'] for e in r['audit']} == {r['user']}
    # the store seen from outside, as the teacher: every run, version and audit entry is there, and nothing else
    from amalea_quack.registry import alias_history, audit_log, released_through_gates, resolve, unexplained_aliases
    from amalea_quack.store import client
    from amalea_quack.tracking import IRIS_EXPERIMENT
    with signed_in(admin_env(server)):
        c = client()
        for user, _ in server.students:
            name = f'{user}.{MODEL}'
            runs = c.search_runs([c.get_experiment_by_name(f'{user}.{IRIS_EXPERIMENT}').experiment_id])
            mine = next(r for r in afternoon if r['user'] == user)
            assert [r.info.run_id for r in runs] == mine['runs']
            assert len(c.search_model_versions(f"name = '{name}'")) == 2
            assert len(audit_log(name)) == 5
            assert resolve(name, 'production').version == '1'
            assert resolve(name, 'production').run_id == mine['runs'][0]  # their own gated version, trained by them
            assert released_through_gates(name) is True and unexplained_aliases(name) == [] and alias_history(name) == [1]
        names = {m.name for m in c.search_registered_models(max_results=1000)}
        assert names == {f'{u}.{MODEL}' for u, _ in server.students}  # no squatted names
        exps = {e.name for e in c.search_experiments(max_results=1000)} - {'Default'}
        assert exps == {f'{u}.{IRIS_EXPERIMENT}' for u, _ in server.students}


def test_no_request_failed(afternoon):
    "Every request of the afternoon got an answer, none a 5xx or a 401 (403 only for the attacks)."
    codes = [c for r in afternoon for _, c in r['requests']]
    assert codes and not [c for c in codes if c == 0 or c >= 500 or c == 401]
    assert sum(c == 403 for c in codes) >= N * len(ATTACKS)


def test_every_cross_student_write_is_refused_in_german(afternoon):
    for r in afternoon:
        assert set(r['attacks']) == set(ATTACKS)
        for attack, outcome in r['attacks'].items():
            assert outcome != 'allowed', f"{r['user']}: {attack} was allowed"
            kind, message = outcome
            assert kind == 'PermissionDenied', (attack, outcome)
            assert message.startswith(f"Keine Berechtigung für '{r['user']}'"), message
            assert 'Traceback' not in message and '\n' not in message
        assert 'Namensraum' in r['attacks']['model_in_their_namespace'][1]
        assert "'who' muss" in r['attacks']['audit_entry_in_my_log_as_them'][1]
        assert "'who' muss" in r['attacks']['audit_entry_in_a_new_model_as_them'][1]
        assert 'Uhr des Servers' in r['attacks']['audit_entry_forever_last'][1]
        assert 'vor dem neuesten Eintrag' in r['attacks']['audit_entry_backdated'][1]


def test_the_teacher_cannot_sign_an_audit_entry_in_a_students_name(server, afternoon):
    "The audit rule binds the teacher too: an entry signed by a student is refused as a tag and as a tag of a new model."
    import time

    from class_simulation import _forged_entry

    from amalea_quack.store import PermissionDenied, client
    user = server.students[3][0]
    with signed_in(admin_env(server)):
        c = client()
        with pytest.raises(PermissionDenied, match="'who' muss"):
            c.set_registered_model_tag(f'{user}.{MODEL}', f'audit.{time.time_ns()}', _forged_entry(user, 1))
        with pytest.raises(PermissionDenied, match="'who' muss"):
            c.create_registered_model(f'{user}.zweites', tags={f'audit.{time.time_ns()}': _forged_entry(user, 1)})
        assert f'{user}.zweites' not in {m.name for m in c.search_registered_models(max_results=1000)}


def test_cli_history_rollback_and_refusals(server, afternoon):
    env = student_env(server, 0)
    h = run_quack(env, 'history')
    assert h.returncode == 0, h.stderr
    assert h.stdout.count(server.students[0][0]) == 5 and 'Achtung' not in h.stderr
    other = f'{server.students[1][0]}.{MODEL}'
    assert run_quack(env, 'history', '--name', other).returncode == 0  # reading someone else's work is allowed
    r = run_quack(env, 'promote', '--name', other, '--from', '2', '--to', 'production')  # their version 2 would pass the gates
    assert r.returncode == 1 and r.stderr.count('\n') == 1 and 'Keine Berechtigung' in r.stderr, r.stderr
    bad = run_quack(student_env(server, 0, 'falsches-passwort-123'), 'status')
    assert bad.returncode == 1 and bad.stderr.count('\n') == 1, bad.stderr
    assert f"lehnt die Anmeldung als '{server.students[0][0]}' ab" in bad.stderr
    anon = run_quack({'MLFLOW_TRACKING_URI': server.server.url, 'MLFLOW_TRACKING_USERNAME': '', 'MLFLOW_TRACKING_PASSWORD': ''}, 'status')
    assert anon.returncode == 1 and 'verlangt eine Anmeldung' in anon.stderr and 'Traceback' not in anon.stderr


def test_a_move_outside_the_gates_is_flagged(server, afternoon):
    "The owner moves their own alias with the bare MLflow client: history warns, the teacher's overview shows it."
    code = ("from mlflow import MlflowClient\n"
            f"MlflowClient().set_registered_model_alias('{server.students[2][0]}.{MODEL}', 'production', '2')\n")
    env = {**os.environ, **student_env(server, 2)}
    subprocess.run([sys.executable, '-c', code], env=env, check=True, capture_output=True, timeout=120)
    h = run_quack(student_env(server, 2), 'history')
    assert 'nicht über die Gates gelaufen' in h.stderr and 'quack rollback' in h.stderr
    overview = run_quack(admin_env(server), 'class-overview')
    assert overview.returncode == 0, overview.stderr
    row = next(line for line in overview.stdout.splitlines() if line.strip().startswith(server.students[2][0]))
    assert 'NEIN' in row and 'iris-classifier@production' in row
    back = run_quack(student_env(server, 2), 'rollback')
    assert back.returncode == 0 and 'Version 1' in back.stdout


def test_teacher_overview_reads_the_whole_class(server, afternoon):
    from amalea_quack.class_server import class_overview
    from amalea_quack.store import client
    with signed_in(admin_env(server)):
        before = {m.name: len(m.tags) for m in client().search_registered_models(max_results=1000)}
        o = class_overview()
        after = {m.name: len(m.tags) for m in client().search_registered_models(max_results=1000)}
    assert before == after  # reading only
    assert o['student'].tolist() == [u for u, _ in server.students]  # the admin is not a student
    assert (o['runs'] == 1).all() and (o['models'] == 1).all()
    assert o['production'].tolist() == ['iris-classifier v1'] * N
    assert o['released_through_gates'].tolist() == [True] * N
    assert o['best_cv_accuracy'].between(0.8, 1).all()


def test_model_ops_shows_the_teacher_the_class_read_only(server, afternoon):
    at = model_ops(admin_env(server))  # the teacher has no models of their own: the page is the class
    table = next(d.value for d in at.dataframe if 'Person' in d.value.columns)
    assert table['Person'].tolist() == [u for u, _ in server.students]
    assert set(table['über die Gates']) == {'ja'} and (table['Läufe'] == 1).all()
    assert len(at.button) == 0 and len(at.text_input) == 0  # nothing on it writes
    denied = model_ops(student_env(server, 0, 'falsches-passwort-123'))
    assert [e.value for e in denied.error] and 'lehnt die Anmeldung' in denied.error[0].value and not denied.exception


def test_a_backup_taken_while_the_class_works_restores_the_whole_class(server, afternoon):
    """quack class-backup while the server runs, quack class-restore into a new folder, a server started on it: the same overview,
    audit logs and passwords, and production models that predict. Nothing existing is overwritten: neither the backup file nor a folder."""
    from amalea_quack.class_server import class_overview, start_class_server
    from amalea_quack.registry import ServedModel, audit_log
    folder = Path(server.server.folder)
    archive, restored = folder.parent/'sicherung.tar.gz', folder.parent/'wiederhergestellt'
    r = run_quack({}, 'class-backup', '--folder', str(folder), '--out', str(archive))
    assert r.returncode == 0 and f'Gesichert: {archive}' in r.stdout, r.stderr
    assert archive.stat().st_mode & 0o077 == 0  # it holds the passwords
    again = run_quack({}, 'class-backup', '--folder', str(folder), '--out', str(archive))
    assert again.returncode == 1 and 'überschreibt nichts' in again.stderr and again.stderr.count('\n') == 1, again.stderr
    second = folder.parent/'sicherung-2.tar.gz'
    killed = second.with_name(second.name + '.teil')  # a half-written file beside the target, as a killed backup left it (English error once)
    killed.write_bytes(b'\x1f\x8b halb')
    r = run_quack({}, 'class-backup', '--folder', str(folder), '--out', str(second))
    assert r.returncode == 0 and second.stat().st_size == pytest.approx(archive.stat().st_size, rel=0.2), r.stderr
    assert [p.name for p in archive.parent.iterdir() if p.name.endswith('.teil') or p.name.startswith('tmp')] == [killed.name]
    before = sorted(p.name for p in folder.iterdir())
    over = run_quack({}, 'class-restore', str(archive), '--folder', str(folder))  # over the running server
    assert over.returncode == 1 and 'nicht leer' in over.stderr, over.stderr
    assert sorted(p.name for p in folder.iterdir()) == before
    r = run_quack({}, 'class-restore', str(archive), '--folder', str(restored))
    assert r.returncode == 0 and f'quack class-server --folder {restored}' in r.stdout, r.stderr
    again = run_quack({}, 'class-backup', '--folder', str(restored))  # restored, never started: no basic_auth.ini yet
    assert again.returncode == 0 and f"Gesichert: {folder.parent/'sicherungen'}" in again.stdout, again.stderr
    user, password = server.students[5]
    with signed_in(admin_env(server)): overview, audit = class_overview(), audit_log(f'{user}.{MODEL}')
    with start_class_server(restored, port=free_port()) as copy:  # the admin password came along: the server starts with it
        with signed_in({**admin_env(server), 'MLFLOW_TRACKING_URI': copy.server.url}):
            pd.testing.assert_frame_equal(class_overview(), overview)
        with signed_in({'MLFLOW_TRACKING_URI': copy.server.url, 'MLFLOW_TRACKING_USERNAME': user, 'MLFLOW_TRACKING_PASSWORD': password}):
            assert audit_log(f'{user}.{MODEL}') == audit
            served = ServedModel(f'{user}.{MODEL}', 'production')  # its files come from the restored artifacts
            assert served.version == '1' and list(served.predict(VIRGINICA).labels) == ['virginica']
    assert overview['runs'].sum() == N


def test_users_are_created_once_and_changed_passwords_survive(server, tmp_path):
    from amalea_quack.class_server import import_users
    url, admin, pw = server.server.url, server.server.admin, server.server.admin_password
    first = import_users(write_class_list(tmp_path/'neu.csv', [('nachzuegler', 'Startpasswort-neu-1')]), url, admin, pw)
    assert first.to_dict('records') == [{'user': 'nachzuegler', 'status': 'created'}]
    # the student changes their password (self-service: the current one is required)
    r = requests.patch(f'{url}/api/2.0/mlflow/users/update-password', auth=('nachzuegler', 'Startpasswort-neu-1'), timeout=30,
                       json={'username': 'nachzuegler', 'password': 'mein-eigenes-passwort', 'current_password': 'Startpasswort-neu-1'})
    assert r.status_code == 200, r.text
    again = import_users(write_class_list(tmp_path/'alle.csv', [*server.students[:2], ('nachzuegler', 'Startpasswort-neu-1')]), url, admin, pw)
    assert set(again['status']) == {'exists'}
    search = f'{url}/api/2.0/mlflow/experiments/search?max_results=1'
    assert requests.get(search, auth=('nachzuegler', 'mein-eigenes-passwort'), timeout=30).status_code == 200
    assert requests.get(search, auth=('nachzuegler', 'Startpasswort-neu-1'), timeout=30).status_code == 401
    # only an admin creates users
    from amalea_quack.store import PermissionDenied
    with pytest.raises(PermissionDenied):
        import_users(write_class_list(tmp_path/'x.csv', [('eindringling', 'Startpasswort-x-99')]), url, *server.students[0])


def test_a_forgotten_password_is_reset_by_the_teacher(server):
    "quack class-password: a random new password (shown once) or a given one; the old one stops working; German errors otherwise."
    user, old = server.students[3]
    search = f'{server.server.url}/api/2.0/mlflow/experiments/search?max_results=1'
    r = run_quack(admin_env(server), 'class-password', user)
    assert r.returncode == 0 and f'Neues Passwort für {user}: ' in r.stdout, r.stderr
    new = r.stdout.split(f'Neues Passwort für {user}: ')[1].split()[0]
    assert len(new) >= 12 and new != old
    assert requests.get(search, auth=(user, new), timeout=30).status_code == 200
    assert requests.get(search, auth=(user, old), timeout=30).status_code == 401
    assert run_quack(admin_env(server), 'class-password', user, '--passwort', old).returncode == 0  # back as it was, for the other tests
    assert requests.get(search, auth=(user, old), timeout=30).status_code == 200
    r = run_quack(admin_env(server), 'class-password', 'gibt-es-nicht')
    assert r.returncode == 1 and "keinen Benutzer 'gibt-es-nicht'" in r.stderr, r.stderr
    r = run_quack(admin_env(server), 'class-password', user, '--passwort', 'kurz')
    assert r.returncode == 1 and 'kürzer als 12 Zeichen' in r.stderr, r.stderr
    r = run_quack(student_env(server, 4), 'class-password', user)
    assert r.returncode == 1 and 'Lehrperson mit Admin-Rechten' in r.stderr, r.stderr


@needs_postgres
def test_a_model_with_the_teachers_entries_is_deleted_only_by_the_teacher(server, afternoon):
    "Deleting a model takes its audit log with it: a student deletes only models whose log she alone signed. Last: it adds an entry."
    import time

    from amalea_quack.registry import audit_log
    from amalea_quack.store import PermissionDenied, client
    user = server.students[4][0]
    name, teacher = f'{user}.{MODEL}', server.server.admin
    entry = {'when': '2025-06-02T10:00:00+00:00', 'who': teacher, 'action': 'refused', 'alias': 'production', 'from_version': 1,
             'to_version': 2, 'note': 'Gate verweigert', 'gates': [{'name': 'kpis', 'title': 'KPIs', 'passed': False, 'severity': 'block',
                                                                    'message': 'verfehlt'}]}
    with signed_in(admin_env(server)): client().set_registered_model_tag(name, f'audit.{time.time_ns()}', json.dumps(entry))
    with signed_in(student_env(server, 4)):
        with pytest.raises(PermissionDenied, match=f'Einträge von {teacher}; ein solches Modell löscht nur die Lehrperson'):
            client().delete_registered_model(name)
        with pytest.raises(PermissionDenied, match=f'Einträge von {teacher}; ein solches Modell benennt nur die Lehrperson um'):
            client().rename_registered_model(name, f'{user}.versteckt')  # the log goes with the name
        assert audit_log(name)[-1] == entry
    r = requests.post(f'{server.server.url}/ajax-api/3.0/mlflow/demo/generate', json={'features': ['prompts']}, timeout=30,
                      auth=server.students[4])
    assert r.status_code == 403 and 'nur die Lehrperson' in r.json()['message']  # MLflow's demo experiment lies outside every namespace


@pytest.mark.parametrize('stop_with', ['SIGTERM', 'SIGINT'])
def test_class_server_command_starts_and_stops(stop_with, sigint_like_a_terminal):
    """`quack class-server` in a process: prints where it runs, creates users, and stops server and database on SIGTERM (exit 143, for
    a service manager) or Strg+C (exit 0 and where the data stays: it had said an open run was marked aborted, and make said Error 130)."""
    import signal
    import time
    folder = Path(tempfile.mkdtemp(prefix='quack-class-cli-'))
    folder.chmod(0o755)
    proc = None
    try:
        csv = write_class_list(folder/'klasse.csv', class_list(2))
        port = free_port()
        log = open(folder/'out.txt', 'w')
        proc = subprocess.Popen([str(Path(sys.executable).parent/'quack'), 'class-server', '--folder', str(folder/'kurs'), '--users', str(csv),
                                 '--port', str(port)], stdout=log, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + 240
        while 'Strg+C' not in (folder/'out.txt').read_text() and time.time() < deadline:
            assert proc.poll() is None, (folder/'out.txt').read_text()
            time.sleep(1)
        out = (folder/'out.txt').read_text()
        assert f'Kursserver läuft auf http://127.0.0.1:{port}' in out and 'angelegt' in out, out
        pg_pid = int((folder/'kurs'/'postgres'/'data'/'postmaster.pid').read_text().split()[0])
        assert requests.get(f'http://127.0.0.1:{port}/health', timeout=10).status_code == 200
        proc.send_signal(getattr(signal, stop_with))
        assert proc.wait(timeout=90) == (143 if stop_with == "SIGTERM" else 0)
        out = (folder/'out.txt').read_text()
        assert 'abgebrochen markiert' not in out and ('Kursserver beendet' in out) == (stop_with == 'SIGINT'), out
        assert not _alive(pg_pid)
        with pytest.raises(requests.ConnectionError): requests.get(f'http://127.0.0.1:{port}/health', timeout=5)
    finally:
        if proc is not None and proc.poll() is None: proc.kill()
        shutil.rmtree(folder, ignore_errors=True)


def test_compose_file_matches_the_compose_specification():
    import jsonschema
    import yaml
    root = Path(__file__).resolve().parent.parent
    schema = json.loads((root/'tests'/'compose-spec'/'compose-spec.json').read_text(encoding='utf-8'))
    compose = yaml.safe_load((root/'docker-compose.yml').read_text(encoding='utf-8'))
    validator = jsonschema.Draft7Validator(schema)  # its $schema names draft 07 without the '#' jsonschema looks for
    validator.validate(compose)
    mlflow = compose['services']['mlflow']
    assert 'class-server' in ' '.join(mlflow['command']) and mlflow['depends_on']['db']['condition'] == 'service_healthy'
    assert compose['services']['db']['image'].startswith('postgres:15')
    broken = {**compose, 'services': {**compose['services'], 'mlflow': {**mlflow, 'ports': 'nicht-eine-liste'}}}
    with pytest.raises(jsonschema.ValidationError): validator.validate(broken)
