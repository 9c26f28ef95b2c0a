"""`make test` on a fresh clone with empty package caches, as CI runs it: wall time of each phase (install, checks, both editions, pytest), how busy
the machine's cores were meanwhile; the slowest tests as pytest reports them.

Run: .venv/bin/python bench/make_test.py [--rev HEAD] [--keep]
A whole run takes 15–30 minutes on 2 cores; run it on a quiet machine (other load counts against the figures and in the busy cores:
they are read from the whole machine, since processes forked by a fork server are reaped by no one who reports their CPU time).
"""
import argparse
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A phase starts with the first output line that matches its pattern (the Makefile echoes each command before it runs it).
PHASES = (('Installation', r'python3? -m venv|pip install'), ('Lint und Prüfungen', r'ruff check'),
          ('Beide Ausgaben ausführen', r'quack (student-edition|run-notebooks)'), ('pytest', r'bin/pytest'))


def busy_seconds(times) -> float:
    "Seconds all cores together spent on anything but idling and waiting for the disk (psutil.cpu_times())."
    return sum(getattr(times, f, 0.0) for f in ('user', 'nice', 'system', 'irq', 'softirq', 'steal'))  # guest time is in user already


def run(rev: str, keep: bool) -> None:
    folder = Path(tempfile.mkdtemp(prefix='bench-make-test-'))
    subprocess.run(['git', 'clone', '-q', str(ROOT), str(folder / 'repo')], check=True)
    subprocess.run(['git', '-C', str(folder / 'repo'), 'checkout', '-q', rev], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(('VIRTUAL_ENV', 'MLFLOW_'))}
    env.update(PIP_CACHE_DIR=str(folder / 'cache/pip'), UV_CACHE_DIR=str(folder / 'cache/uv'))  # empty, as on a fresh CI machine
    import psutil
    busy0, start = busy_seconds(psutil.cpu_times()), time.perf_counter()
    stamps, lines = [], []
    with subprocess.Popen(['make', 'test'], cwd=folder / 'repo', env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        for line in proc.stdout:
            lines.append(line)
            for i, (name, pattern) in enumerate(PHASES):
                if len(stamps) == i and re.search(pattern, line): stamps.append((name, time.perf_counter() - start))
    wall = time.perf_counter() - start
    used = busy_seconds(psutil.cpu_times()) - busy0
    print(f'make test auf einem frischen Klon von {rev} ({os.cpu_count()} Kerne): Exit-Code {proc.returncode}, {wall:.0f} s')
    ends = [t for _, t in stamps[1:]] + [wall]
    for (name, t0), t1 in zip(stamps, ends, strict=True):
        print(f'  {name:<26} {t1 - t0:6.0f} s')
    print(f'  CPU-Zeit der Maschine      {used:6.0f} s  ({used / wall:.2f} von {os.cpu_count()} Kernen im Mittel beschäftigt)')
    summary = [line.rstrip() for line in lines if re.search(r'(passed|failed).* in [\d.]+s', line) or 'Summe:' in line]
    print('\n'.join(f'  {s}' for s in summary))
    failed = [line.rstrip() for line in lines if line.startswith(('FAILED ', 'ERROR '))]  # pytest's -ra summary
    if failed: print('Fehlgeschlagen:\n' + '\n'.join(f'  {s[:300]}' for s in failed))
    slow = [line.rstrip() for line in lines if re.match(r'\s*[\d.]+s (call|setup|teardown) ', line)][:15]
    if slow: print('Langsamste Tests:\n' + '\n'.join(f'  {s}' for s in slow))
    if keep or proc.returncode:  # a failed run keeps its log: a rare failure is otherwise gone with the clone
        (folder / 'make-test.log').write_text(''.join(lines))
        print(f'Ausgabe von make test: {folder / "make-test.log"}' + (f' (Klon in {folder / "repo"})' if keep else ''))
        if not keep: shutil.rmtree(folder / 'repo', ignore_errors=True)
    else: shutil.rmtree(folder, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--rev', default='HEAD', help='commit to clone and test')
    ap.add_argument('--keep', action='store_true', help='keep the clone and the log')
    a = ap.parse_args()
    run(a.rev, a.keep)


if __name__ == '__main__':
    main()
