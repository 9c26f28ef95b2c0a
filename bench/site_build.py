"""The website preview of the public (student) edition built from scratch into a temporary folder, as tests/test_website.py
builds it: seconds per step (executing missing notebooks, nbdev's processing and the page bodies, the API reference, writing).

Run: .venv/bin/python bench/site_build.py [--nbs nbs] [--executed _build/student/executed]   (after `make editions`: the
executed notebooks are reused; without them the build executes every notebook first and the figures say so)
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tools'))

import site_preview  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--nbs', default=str(ROOT / 'nbs'), help='source notebooks of the edition')
    ap.add_argument('--executed', default=str(ROOT / '_build/student/executed'), help='executed copies (missing ones are executed)')
    a = ap.parse_args()
    out = Path(tempfile.mkdtemp(prefix='bench-site-')) / 'site'
    start = time.perf_counter()
    report = site_preview.build(Path(a.nbs), Path(a.executed), out)
    wall = time.perf_counter() - start
    steps = ', '.join(f'{k} {v:.0f} s' for k, v in report['seconds'].items() if k != 'total')
    print(f"Website-Vorschau: {len(report['pages'])} Seiten in {wall:.0f} s ({steps}); Befunde beim Bauen: {len(report['findings'])}")


if __name__ == '__main__':
    main()
