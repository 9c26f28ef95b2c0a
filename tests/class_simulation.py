"""Simulated students on a class server, shared by tests/test_class_server.py and bench/class_server.py.

Every student is a process of its own (forked from a parent that has imported the course once) with their own
MLFLOW_TRACKING_USERNAME/PASSWORD, running the course's own functions: train, register and release through the gates,
register the run again as version 2 and release that, then try every write on their neighbour's work (all must be refused),
then roll their own model back to version 1.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import tempfile
import time
import traceback
from pathlib import Path

PARAMS = {'n_estimators': 10, 'max_depth': 3}  # small forests (accuracy > 0.95 with seed 0): the load is the server's
LATENCY_ROWS = 5
MODEL = 'iris-classifier'


def class_card():
    "The Iris project card with a latency limit of 10 s: 20 processes on 2 cores are slow, and the test is about the server."
    from dataclasses import replace

    from amalea_quack.quack import IRIS_CARD, KPI
    kpis = tuple(k if k.metric != 'latency_p99_ms' else KPI(k.name, k.metric, k.op, 10_000, k.unit) for k in IRIS_CARD.kpis)
    return replace(IRIS_CARD, kpis=kpis)


def class_list(n: int) -> list[tuple[str, str]]:
    "User names s01 … sNN with passwords MLflow accepts (at least 12 characters)."
    return [(f's{i:02d}', f'Startpasswort-s{i:02d}-{i * 7919}') for i in range(1, n + 1)]


def write_class_list(path: Path, students: list[tuple[str, str]]) -> Path:
    path.write_text('name;passwort\n' + ''.join(f'{u};{p}\n' for u, p in students), encoding='utf-8')
    return path


def _wait_for(folder: Path, count: int, timeout: float) -> None:
    "A barrier between processes: wait until `count` marker files are in `folder`."
    deadline = time.time() + timeout
    while len(list(folder.iterdir())) < count:
        if time.time() > deadline: raise TimeoutError(f'barrier {folder.name}: {len(list(folder.iterdir()))} of {count}')
        time.sleep(0.2)


def _forged_entry(victim: str, version: int) -> str:
    "An audit entry that would explain a move as the victim's own release through the gates."
    return json.dumps({'when': '2025-06-02T10:00:00+00:00', 'who': victim, 'action': 'promote', 'alias': 'production',
                       'from_version': 2, 'to_version': version, 'note': 'erste Freigabe', 'gates': []})


def _time_requests(log: list) -> None:
    "Record [seconds, HTTP status] of every request this process sends (0: no answer); MLflow talks to the server through requests."
    import requests
    send = requests.Session.request
    def timed(self, method, url, *args, **kwargs):
        t0 = time.perf_counter()
        try: r = send(self, method, url, *args, **kwargs)
        except Exception:
            log.append([time.perf_counter() - t0, 0])
            raise
        log.append([time.perf_counter() - t0, r.status_code])
        return r
    requests.Session.request = timed


def student_session(url: str, user: str, password: str, neighbour: str, barrier: Path, n: int, timeout: float = 900) -> dict:
    "One student's afternoon; returns what happened (English keys), never raises."
    os.environ.update(MLFLOW_TRACKING_URI=url, MLFLOW_TRACKING_USERNAME=user, MLFLOW_TRACKING_PASSWORD=password,
                      MLFLOW_HTTP_REQUEST_TIMEOUT='120')
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)
    out = {'user': user, 'errors': [], 'attacks': {}, 'versions': [], 'runs': [], 'promotions': [], 'requests': []}
    _time_requests(out['requests'])  # this process only (a fork of its own)
    t0, cpu0 = time.perf_counter(), time.process_time()
    def arrive(stage: str) -> None:
        (barrier/stage).mkdir(exist_ok=True)
        (barrier/stage/user).touch()
    try:
        from amalea_quack.monitoring import release
        from amalea_quack.pipeline import run_pipeline
        from amalea_quack.registry import audit_log, register, resolve, rollback
        from amalea_quack.store import StoreError, client
        res = run_pipeline('iris', params=PARAMS, card=class_card(), latency_rows=LATENCY_ROWS)  # a tracked run, version 1 = staging
        out['runs'].append(res.train.run_id)
        out['versions'].append(int(res.version))
        for i in (1, 2):  # release through the gates; then the same run once more as version 2, released too
            if i == 2: out['versions'].append(int(register(res.train.run_id, MODEL, note='noch einmal').version))
            p = release(MODEL, latency_rows=LATENCY_ROWS, note=f'Freigabe {i}')
            out['promotions'].append([p.name, p.version, p.changed])
        out['train_seconds'] = time.perf_counter() - t0
        arrive('trained')
        _wait_for(barrier/'trained', n, timeout)

        c, target = client(), f'{neighbour}.{MODEL}'
        theirs = c.get_registered_model(target)
        their_run = resolve(target, 'production').run_id
        their_exp = c.get_run(their_run).info.experiment_id
        attacks = {
            'move_alias': lambda: c.set_registered_model_alias(target, 'production', '1'),
            'delete_alias': lambda: c.delete_registered_model_alias(target, 'production'),
            'forged_audit_entry': lambda: c.set_registered_model_tag(target, f'audit.{time.time_ns()}', _forged_entry(neighbour, 1)),
            'delete_audit_entry': lambda: c.delete_registered_model_tag(target, next(k for k in theirs.tags if k.startswith('audit.'))),
            'new_version_in_their_model': lambda: c.create_model_version(target, f'runs:/{res.train.run_id}/model', res.train.run_id),
            'rollback_their_model': lambda: rollback(target),
            'run_in_their_experiment': lambda: c.create_run(their_exp),
            'artifact_in_their_run': lambda: c.log_text(their_run, 'fremd', 'fremd.txt'),
            'model_in_their_namespace': lambda: c.create_registered_model(f'{neighbour}.besetzt'),
            'experiment_in_their_namespace': lambda: c.create_experiment(f'{neighbour}.besetzt'),
            'audit_entry_in_my_log_as_them': lambda: c.set_registered_model_tag(f'{user}.{MODEL}', f'audit.{time.time_ns()}',
                                                                                 _forged_entry(neighbour, 2)),
            'audit_entry_in_a_new_model_as_them': lambda: c.create_registered_model(  # tags can come with the model itself
                f'{user}.neu', tags={f'audit.{time.time_ns()}': _forged_entry(neighbour, 1)}),
            'audit_entry_nested_too_deep': lambda: c.set_registered_model_tag(  # it crashed the server's check, which then let it through
                f'{user}.{MODEL}', f'audit.{time.time_ns()}', _forged_entry(neighbour, 1)[:-1] + ', "z": ' + '[' * 985 + ']' * 985 + '}'),
            'audit_entry_forever_last': lambda: c.set_registered_model_tag(  # own entry, but its key would sort after every later one
                f'{user}.{MODEL}', f'audit.{10**30}', _forged_entry(user, 1)),
            'audit_entry_backdated': lambda: c.set_registered_model_tag(f'{user}.{MODEL}', 'audit.1', _forged_entry(user, 1)),
            'hide_model_as_prompt': lambda: c.set_registered_model_tag(  # MLflow leaves prompts out of every search, the teacher's too
                f'{user}.{MODEL}', 'mlflow.prompt.is_prompt', 'true'),
        }
        for name, attempt in attacks.items():
            try: attempt(); out['attacks'][name] = 'allowed'
            except StoreError as e: out['attacks'][name] = [type(e).__name__, str(e)]
        arrive('attacked')
        _wait_for(barrier/'attacked', n, timeout)

        out['rolled_back_to'] = rollback(MODEL, note='zurück zur ersten Freigabe')
        out['audit'] = audit_log(MODEL)
    except Exception:
        out['errors'].append(traceback.format_exc()[-3000:])
        for stage in ('trained', 'attacked'): arrive(stage)  # the others must not wait for a student who failed
    out['seconds'], out['cpu_seconds'] = time.perf_counter() - t0, time.process_time() - cpu0
    return out


def _child(queue, *args) -> None:
    queue.put(json.dumps(student_session(*args), default=str))


def run_class(url: str, students: list[tuple[str, str]], timeout: float = 900) -> tuple[list[dict], float]:
    "All students at once, one forked process each; their results and the wall time in seconds."
    import matplotlib.pyplot  # noqa: F401  (the training's figures)
    import mlflow.pyfunc  # noqa: F401  (imported once here, shared by every fork: skops alone takes seconds)
    import mlflow.sklearn  # noqa: F401
    import skops.io  # noqa: F401

    import amalea_quack.monitoring  # noqa: F401
    import amalea_quack.pipeline  # noqa: F401
    ctx = multiprocessing.get_context('fork')
    queue, barrier = ctx.Queue(), Path(tempfile.mkdtemp(prefix='quack-class-'))
    names = [u for u, _ in students]
    procs = [ctx.Process(target=_child, args=(queue, url, u, p, names[(i + 1) % len(names)], barrier, len(names), timeout))
             for i, (u, p) in enumerate(students)]
    t0 = time.perf_counter()
    for p in procs: p.start()
    results = []
    try:
        for _ in procs: results.append(json.loads(queue.get(timeout=timeout + 60)))
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive(): p.kill(); p.join()
        shutil.rmtree(barrier, ignore_errors=True)
    return sorted(results, key=lambda r: r['user']), time.perf_counter() - t0
