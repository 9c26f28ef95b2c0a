"""Per-notebook execution time in quick mode (CI's mode) and, with --full, in full mode; one notebook at a time.

Run: .venv/bin/python bench/notebooks.py [--full] [--workers 1]
"""
import argparse
import tempfile
import time
from pathlib import Path

from amalea_quack.course import execute_all


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--full', action='store_true', help='full mode instead of quick mode')
    ap.add_argument('--workers', type=int, default=1, help='notebooks in parallel (1: each timed alone)')
    a = ap.parse_args()
    out = Path(tempfile.mkdtemp(prefix='bench-notebooks-'))
    start = time.perf_counter()
    res = execute_all(out, quick=not a.full, workers=a.workers)
    wall = time.perf_counter() - start
    print(f"Notebooks im {'vollen' if a.full else 'schnellen'} Modus, {a.workers} gleichzeitig:")
    print(res[['Notebook', 'ok', 'Sekunden']].round(1).to_string(index=False))
    print(f"Summe der Notebook-Zeiten: {res['Sekunden'].sum():.0f} s; Wanduhr: {wall:.0f} s; langsamstes: "
          f"{res.loc[res['Sekunden'].idxmax(), 'Notebook']} ({res['Sekunden'].max():.0f} s); Fehler: {int((~res['ok']).sum())}")


if __name__ == '__main__':
    main()
