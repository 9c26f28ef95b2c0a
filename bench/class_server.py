"""The class server under load: 5, 10 and 20 students at once (each a process with its own credentials, running the course's
own functions: train and release twice, try every write on a neighbour's work, roll back; tests/class_simulation.py).

For each class size a fresh `mlflow server` (basic-auth + the course's rules, one worker, jobs off) on fresh databases of one
PostgreSQL cluster of its own; prints wall time, request latency p50/p95 (each request timed in the student's process,
queueing at the server included), failed requests, the server's memory (RSS of its process tree, peak) and the CPU
seconds the round cost: the students' processes, the server and PostgreSQL (their start-up and set-up not included); then
how long `quack class-backup` takes while the server runs, the backup's size, and how long `quack class-restore` takes.

Run: .venv/bin/python bench/class_server.py [5 10 20]   (needs PostgreSQL's initdb: make postgres; prints figures, asserts nothing)
"""
import contextlib
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tests'))

from class_simulation import class_list, run_class, write_class_list  # noqa: E402

from amalea_quack.class_server import (  # noqa: E402
    PostgresCluster,
    backup_class_server,
    free_port,
    restore_class_server,
    start_class_server,
)


def _tree_sum(pid: int, measure) -> float:
    "`measure(process)` summed over a process tree; a process that ends while it is read counts as nothing (it is gone)."
    import psutil
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess: return 0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess): total += measure(p)
    return total


def tree_rss(pid: int) -> int:
    "Resident memory of a process tree in bytes."
    return _tree_sum(pid, lambda p: p.memory_info().rss)


def tree_cpu(pid: int) -> float:
    "CPU seconds (user + system) a process tree has used so far: its live processes and the children they have reaped."
    def cpu(p):
        t = p.cpu_times()
        return t.user + t.system + t.children_user + t.children_system
    return _tree_sum(pid, cpu)


class Peak:
    "Sample a process tree's RSS every 0.25 s in a thread; keep the maximum."
    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, tree_rss(pid), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            time.sleep(0.25)

    def stop(self) -> int:
        self._stop.set(); self._thread.join()
        return self.peak


def one_round(cluster: PostgresCluster, folder: Path, n: int) -> dict:
    students = [(f'b{n:02d}{u}', p) for u, p in class_list(n)]
    setup = start_class_server(folder / f'server-{n}', db=cluster.uri(f'mlflow_{n}'), port=free_port(),
                               users=write_class_list(folder / f'klasse-{n}.csv', students))
    try:
        idle = setup.server.rss()
        server_peak, db_peak = Peak(setup.server.proc.pid), Peak(cluster.pid)
        cpu0 = tree_cpu(setup.server.proc.pid), tree_cpu(cluster.pid)  # start-up, migrations, users: not the class's work
        results, wall = run_class(setup.server.url, students)
        peak, pg = server_peak.stop(), db_peak.stop()
        server_cpu, pg_cpu = tree_cpu(setup.server.proc.pid) - cpu0[0], tree_cpu(cluster.pid) - cpu0[1]
        t = time.perf_counter()  # quack class-backup while the server runs (a database of its own: --db)
        backup = backup_class_server(folder / f'server-{n}', out=folder / f'sicherung-{n}.tar.gz', db=cluster.uri(f'mlflow_{n}'))
        backup_s = time.perf_counter() - t
    finally: setup.stop()
    t = time.perf_counter()  # quack class-restore: a new cluster (initdb, start), both databases restored, artifacts unpacked
    restore_class_server(backup, folder / f'wiederhergestellt-{n}')
    restore_s = time.perf_counter() - t
    log = setup.server.log.read_text(errors='replace')
    api = [int(s) for s in re.findall(r'HTTP/1\.1" (\d{3})', log)]  # every response of the round (and a few /health)
    sent = sorted(s for r in results for s, _ in r['requests'])  # as the students saw them: queueing at the server included
    codes = [c for r in results for _, c in r['requests']]
    unexpected = sum(bool(r['errors']) for r in results)
    allowed = sum(v == 'allowed' for r in results for v in r['attacks'].values())
    q = lambda f: sent[min(len(sent) - 1, int(f * len(sent)))] * 1000 if sent else float('nan')
    return {'students': n, 'wall_s': wall, 'requests': len(api), 'client_requests': len(sent), 'p50_ms': q(0.5), 'p95_ms': q(0.95),
            'max_ms': sent[-1] * 1000 if sent else float('nan'),
            'failed_requests': sum(c == 0 or c >= 500 or c == 401 for c in codes), 'http_5xx': sum(s >= 500 for s in api),
            'refused_403': sum(s == 403 for s in api), 'students_with_errors': unexpected, 'cross_writes_allowed': allowed,
            'server_rss_idle_mib': idle / 2**20, 'server_rss_peak_mib': peak / 2**20, 'postgres_rss_peak_mib': pg / 2**20,
            'median_student_s': sorted(r['seconds'] for r in results)[len(results) // 2],
            'students_cpu_s': sum(r['cpu_seconds'] for r in results), 'server_cpu_s': server_cpu, 'postgres_cpu_s': pg_cpu,
            'backup_s': backup_s, 'backup_mib': backup.stat().st_size / 2**20, 'restore_s': restore_s}


if __name__ == '__main__':
    sizes = [int(a) for a in sys.argv[1:]] or [5, 10, 20]
    folder = Path(tempfile.mkdtemp(prefix='quack-bench-class-'))
    folder.chmod(0o755)  # as root, PostgreSQL runs as the user postgres
    rows = []
    with PostgresCluster(folder / 'postgres') as cluster:
        for n in sizes:
            rows.append(one_round(cluster, folder, n))
            r = rows[-1]
            print(f"{n:2d} Studierende: {r['wall_s']:6.1f} s Wandzeit (Median je Person {r['median_student_s']:.1f} s), "
                  f"{r['requests']} Anfragen, Latenz p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms, "
                  f"fehlgeschlagen {r['failed_requests']} (ohne Antwort, 401 oder 5xx), {r['http_5xx']} mit 5xx, "
                  f"{r['refused_403']} verweigert (403, erwartet); "
                  f"Personen mit Fehler: {r['students_with_errors']}, fremde Schreibzugriffe erlaubt: {r['cross_writes_allowed']}; "
                  f"Server-RSS {r['server_rss_idle_mib']:.0f} MiB im Leerlauf, Spitze {r['server_rss_peak_mib']:.0f} MiB; "
                  f"PostgreSQL-Spitze {r['postgres_rss_peak_mib']:.0f} MiB; CPU: Studierende {r['students_cpu_s']:.0f} s, "
                  f"Server {r['server_cpu_s']:.0f} s, PostgreSQL {r['postgres_cpu_s']:.0f} s; "
                  f"Sicherung im Betrieb {r['backup_s']:.1f} s ({r['backup_mib']:.1f} MiB), Wiederherstellung {r['restore_s']:.1f} s", flush=True)
    import pandas as pd
    print()
    print(pd.DataFrame(rows).round(1).to_string(index=False))
