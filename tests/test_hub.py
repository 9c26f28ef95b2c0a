"""The hub serves all eight apps (make start): `quack setup` creates the course models, every page runs, in AppTest and in Chromium."""
import ast
import re

import pytest
from conftest import ROOT, StreamlitServer, new_store, quack, screenshot
from streamlit.testing.v1 import AppTest

HUB = ROOT / 'apps/hub.py'
APPS = sorted(p.parent.name for p in (ROOT / 'apps').glob('*/streamlit_app.py'))


def hub_pages() -> list[str]:
    tree = ast.parse(HUB.read_text())
    pages = next(n.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == 'PAGES')
    return [folder for apps in ast.literal_eval(pages).values() for folder, _, _ in apps]


@pytest.fixture(scope='module')
def course_store(tmp_path_factory, template_db):
    "A store prepared exactly like `make start` does it: `quack setup` (quick course models)."
    uri = new_store(tmp_path_factory.mktemp('hub'), template_db)
    r = quack('setup', uri=uri)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    return uri, r.stdout


def test_the_hub_lists_each_of_the_eight_apps_once():
    assert len(APPS) == 8
    assert sorted(hub_pages()) == APPS


@pytest.mark.parametrize('app', APPS)
def test_every_app_is_deployable_from_the_repository(app):
    req = (ROOT / 'apps' / app / 'requirements.txt').read_text()
    assert re.search(r'^amalea-quack\[[a-z,]*apps[a-z,]*\] @ git\+https://github\.com/amalea-kurs/amalea-quack\.git$', req, re.M)
    if 'deep' in req: assert 'download.pytorch.org/whl/cpu' in req


def test_quack_setup_promotes_every_course_model_and_is_idempotent(course_store):
    uri, out = course_store
    assert {line.split('@')[0] for line in out.strip().splitlines()} == {'iris-classifier', 'digits-cnn', 'text-classifier'}
    again = quack('setup', uri=uri)
    assert again.returncode == 0 and again.stdout == out  # nothing new trained
    assert quack('setup', '--only', 'gibt-es-nicht', uri=uri).returncode == 1


@pytest.mark.parametrize('app', APPS)
def test_every_page_of_the_hub_runs(course_store, app, monkeypatch):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', course_store[0])
    at = AppTest.from_file(str(HUB), default_timeout=180).run()
    assert not at.exception
    at.switch_page(f'{app}/streamlit_app.py').run()
    assert not at.exception, at.exception
    assert at.title and not at.error


@pytest.mark.browser
def test_hub_in_chromium(course_store, page):
    with StreamlitServer(HUB, course_store[0]) as hub:
        for i, app in enumerate(hub_pages()):
            page.goto(f'{hub.url}/{app if i else ""}')  # the first page is the hub's default page at /
            page.locator('h1').first.wait_for(timeout=120_000)
            assert page.get_by_text('Page not found').count() == 0, app
            assert page.locator('[data-testid="stException"]').count() == 0, app
        page.goto(hub.url)
        page.get_by_text('Vorhersage:').wait_for(timeout=60_000)
        nav = page.locator('[data-testid="stSidebarNav"]')
        assert nav.get_by_text('Text Classifier').count() == 1 and nav.get_by_text('Model Ops').count() == 1
        screenshot(page, 'hub')
