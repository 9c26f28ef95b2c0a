"""reproducibility: what notebook 02 cannot show in a notebook kernel (SIGTERM reaches only the main thread; a crashed run in a
store of its own) and the repository files the lesson reads (constraints.txt, the workflows, `make audit`)."""
import os
import re
import signal
import socket
import threading
import time

import mlflow
import pytest
from conftest import ROOT

from amalea_quack.reproducibility import Terminated, close_stale_runs, pin_report, pinned_versions, stale_runs, tracked_run, workflow_steps
from amalea_quack.store import client, store_at, use_experiment


@pytest.fixture(scope='module')
def store(tmp_path_factory):
    "One temporary store for this module (creating a store costs seconds); the caller's store is back afterwards."
    with store_at(f"sqlite:///{tmp_path_factory.mktemp('store')}/mlflow.db") as uri: yield uri


def test_sigterm_in_the_main_thread_ends_the_run_killed(store):
    assert threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated):
        with tracked_run('Abbruch', 'sigterm') as run:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler interrupts the sleep
    assert mlflow.get_run(run.info.run_id).info.status == 'KILLED'
    assert signal.getsignal(signal.SIGTERM) is previous  # the previous handler is back


def test_sigterm_while_the_run_is_being_created_still_ends_it_killed(store, monkeypatch):
    "The signal can come after MLflow has written the run (others already see it RUNNING) but before tracked_run could end it."
    created, start = [], mlflow.start_run
    def start_then_sigterm(*args, **kwargs):
        run = start(*args, **kwargs)
        created.append(run.info.run_id)
        os.kill(os.getpid(), signal.SIGTERM)  # inside start_run, once the run exists
        return run
    monkeypatch.setattr(mlflow, 'start_run', start_then_sigterm)
    try:
        with pytest.raises(Terminated), tracked_run('Abbruch', 'beim-anlegen'): time.sleep(5)
        assert mlflow.get_run(created[0]).info.status == 'KILLED'
    finally:
        while mlflow.active_run(): mlflow.end_run()  # what a failure here would leave open must not reach the next test



def test_sigterm_inside_a_database_read_ends_the_run_killed_and_frees_the_store(store, monkeypatch):
    """CI saw it once: SIGTERM arrived while set_tags read the run back; ending the run as KILLED then failed with
    'database is locked', because the interrupted SELECT's cursor lives on in the traceback's frames and holds SQLite's shared lock."""
    from sqlalchemy.engine.default import DefaultDialect
    execute, set_tags, armed, sent = DefaultDialect.do_execute, mlflow.set_tags, [], []
    def sigterm_inside_a_read(self, cursor, statement, *args, **kwargs):
        execute(self, cursor, statement, *args, **kwargs)
        if armed and not sent and statement.lstrip().upper().startswith('SELECT'):
            sent.append(statement)
            os.kill(os.getpid(), signal.SIGTERM)  # raised here, where the signal landed in CI: the statement executed, not yet fetched
    monkeypatch.setattr(DefaultDialect, 'do_execute', sigterm_inside_a_read)
    monkeypatch.setattr(mlflow, 'set_tags', lambda *a, **k: armed.append(1) or set_tags(*a, **k))
    try:
        with pytest.raises(Terminated), tracked_run('Abbruch', 'beim-lesen'): time.sleep(5)
    finally:
        monkeypatch.undo()
        while mlflow.active_run(): mlflow.end_run()
    run = mlflow.last_active_run()
    assert sent and run.info.run_name == 'beim-lesen' and run.info.status == 'KILLED'
    with tracked_run('Abbruch', 'danach') as after: mlflow.log_metric('m', 1.0)  # the store takes writes again
    assert mlflow.get_run(after.info.run_id).info.status == 'FINISHED'

def test_failed_finished_and_killed(store):
    with pytest.raises(ValueError), tracked_run('Status', 'fehler') as bad: raise ValueError('kaputt')
    with pytest.raises(KeyboardInterrupt), tracked_run('Status', 'strg-c') as stopped: raise KeyboardInterrupt
    with tracked_run('Status', 'gut', target='species') as good: mlflow.log_metric('m', 1.0)
    status = {r.info.run_name: mlflow.get_run(r.info.run_id).info.status for r in (bad, stopped, good)}
    assert status == {'fehler': 'FAILED', 'strg-c': 'KILLED', 'gut': 'FINISHED'}
    tags = mlflow.get_run(good.info.run_id).data.tags
    assert tags['target'] == 'species' and tags['pid'] == str(os.getpid()) and tags['git_commit']


def test_stale_runs_finds_a_crashed_process_but_not_an_open_run(store):
    exp = use_experiment('Abgestürzt')
    ghost = client().create_run(exp, tags={'host': socket.gethostname(), 'pid': '999999999'})  # a process that does not exist
    with tracked_run('Abgestürzt', 'läuft-noch'):
        assert list(stale_runs()['run_id']) == [ghost.info.run_id]  # the open run of this process is not stale
    assert close_stale_runs() == [ghost.info.run_id]
    assert mlflow.get_run(ghost.info.run_id).info.status == 'KILLED'
    assert len(stale_runs()) == 0


def test_constraints_pin_every_line_exactly_and_this_environment_follows_them():
    lines = [line for line in (ROOT / 'constraints.txt').read_text().splitlines() if line.strip()]
    assert all(re.fullmatch(r'[A-Za-z0-9_.\-]+==[^=\s]+', line) for line in lines)
    pins = pinned_versions()
    assert len(pins) == len(lines) and pins['pip-audit'] == '2.10.1'
    report = pin_report(['scikit-learn', 'mlflow', 'pandas', 'numpy', 'pip-audit'])
    assert report['matches'].all(), report


def test_workflow_steps_name_the_steps_lesson_02_asks_about():
    steps = workflow_steps()
    named = set(zip(steps.workflow, steps.step, strict=True))
    for pair in (('test', 'make test'), ('mlops', 'Train (new version becomes staging)'),
                 ('mlops', 'Gates, then promote staging to production'), ('mlops', 'Drift report'),
                 ('deploy', 'Publish to GitHub Pages')):
        assert pair in named, pair


def test_make_audit_is_strict_and_outside_make_test():
    make = (ROOT / 'Makefile').read_text()
    audit = re.search(r'^audit: install\n\t(.+)$', make, re.M).group(1)
    assert 'pip-audit --strict' in audit and '-r constraints.txt' in audit
    test_recipe = re.search(r'^test: .*\n((?:\t.*\n)+)', make, re.M).group(1)
    assert 'audit' not in test_recipe  # needs a vulnerability database that CI cannot reach (see notebook 02)
