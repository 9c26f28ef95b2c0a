"""Per-notebook execution time in quick mode (CI's mode) and, with --full, in full mode; with --engine both, the in-process
engine (what `make test` uses) against papermill (a Jupyter kernel per notebook), each on the whole course.

Run: .venv/bin/python bench/notebooks.py [--full] [--workers 1] [--engine inprocess|papermill|both]
"""
import argparse
import tempfile
import time
from pathlib import Path

from amalea_quack.course import execute_all


def run(engine: str, full: bool, workers: int) -> None:
    out = Path(tempfile.mkdtemp(prefix='bench-notebooks-'))
    start = time.perf_counter()
    res = execute_all(out, quick=not full, workers=workers, engine=engine)
    wall = time.perf_counter() - start
    print(f"\nEngine {engine}, {'voller' if full else 'schneller'} Modus, {workers} gleichzeitig:")
    print(res[['notebook', 'ok', 'seconds']].round(1).to_string(index=False))
    print(f"Summe der Notebook-Zeiten: {res['seconds'].sum():.0f} s; Wanduhr: {wall:.0f} s; langsamstes: "
          f"{res.loc[res['seconds'].idxmax(), 'notebook']} ({res['seconds'].max():.0f} s); Fehler: {int((~res['ok']).sum())}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--full', action='store_true', help='full mode instead of quick mode')
    ap.add_argument('--workers', type=int, default=1, help='notebooks in parallel (1: each timed alone)')
    ap.add_argument('--engine', choices=['inprocess', 'papermill', 'both'], default='inprocess')
    a = ap.parse_args()
    for engine in (['inprocess', 'papermill'] if a.engine == 'both' else [a.engine]): run(engine, a.full, a.workers)


if __name__ == '__main__':
    main()
