"""Per app, with its models present: first AppTest run, one rerun (what an interaction costs), and a cold
`streamlit run` until the first rendered page in Chromium.

Run: .venv/bin/python bench/apps.py   (builds a temporary store with the course models first)
"""
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / 'tests'), str(ROOT / 'tools')]
from conftest import StreamlitServer  # noqa: E402  (the tests' own server harness)
from site_checks import chromium  # noqa: E402  (and their browser)


def main():
    store = Path(tempfile.mkdtemp(prefix='bench-apps-'))
    os.environ['MLFLOW_TRACKING_URI'] = f'sqlite:///{store}/mlflow.db'
    os.environ.setdefault('AMALEA_QUICK', '1')  # quick course models: the apps' speed, not the models', is measured
    from amalea_quack.pipeline import ensure_course_models
    t = time.perf_counter(); models = ensure_course_models(); print(f'Kursmodelle angelegt in {time.perf_counter() - t:.0f} s: {models}')
    from streamlit.testing.v1 import AppTest
    apps = sorted(p for p in (ROOT / 'apps').glob('*/streamlit_app.py'))
    rows = []
    with chromium() as browser:
        for app in apps:
            t = time.perf_counter(); at = AppTest.from_file(str(app), default_timeout=120).run(); first = time.perf_counter() - t
            t = time.perf_counter(); at.run(); rerun = time.perf_counter() - t
            t = time.perf_counter()
            with StreamlitServer(app, os.environ['MLFLOW_TRACKING_URI']) as server:
                page = browser.new_page()
                page.goto(server.url)
                page.locator('h1').first.wait_for(timeout=60_000)
                cold = time.perf_counter() - t
                page.close()
            rows.append((app.parent.name, first, rerun * 1000, cold, 'Fehler' if at.exception else ''))
    print(f"{'App':<20} {'1. AppTest-Lauf':>16} {'Rerun':>10} {'kalter Start bis Seite':>24}")
    for name, first, rerun, cold, err in rows:
        print(f'{name:<20} {first:>14.2f} s {rerun:>7.0f} ms {cold:>22.2f} s {err}')


if __name__ == '__main__':
    main()
