"""What every app promises, checked for all eight at once: thin (no MLflow, scikit-learn or PyTorch of its own), its title first, German
words for an unreachable and for an empty store, never a traceback, and deployable from its folder."""
import ast
import re
import tomllib

import pytest
from conftest import ROOT, app_test

from amalea_quack.ui import APPS, app_info

FOLDERS = [a.folder for a in APPS]
SOURCES = {f: ROOT / 'apps' / f / 'streamlit_app.py' for f in FOLDERS}
HUB_PAGES = [ROOT / 'apps/hub.py', *sorted((ROOT / 'apps/hub_pages').glob('*.py'))]
STORE_AT_START = {'iris_classifier', 'model_ops', 'experiment_board', 'digit_recognizer', 'text_classifier'}  # they read the store at once


def imported(path) -> list[tuple[int, str]]:
    "(line, top-level package) of every import in a file, also those inside functions."
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.Import): out += [(node.lineno, a.name.split('.')[0]) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module: out.append((node.lineno, node.module.split('.')[0]))
    return out


def test_the_catalogue_names_every_app_folder_once():
    assert sorted(FOLDERS) == sorted(p.parent.name for p in (ROOT / 'apps').glob('*/streamlit_app.py'))
    assert len(set(a.title for a in APPS)) == 8 and all(a.title and a.purpose and a.weeks for a in APPS)


@pytest.mark.parametrize('path', [*SOURCES.values(), *HUB_PAGES], ids=lambda p: p.stem if p.parent.name == 'apps' else p.parent.name)
def test_no_app_imports_mlflow_sklearn_or_torch_itself(path):
    assert [(n, m) for n, m in imported(path) if m in {'mlflow', 'sklearn', 'torch'}] == []


@pytest.mark.parametrize('folder', FOLDERS)
def test_the_title_comes_before_anything_slow(folder):
    "Before `page_header` runs, an app imports only streamlit, the light ui module and the standard library: the page shows at once."
    body = ast.parse(SOURCES[folder].read_text(encoding='utf-8')).body
    first = next(i for i, n in enumerate(body) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
                 and getattr(n.value.func, 'id', '') == 'page_header')
    assert body[first].value.args[0].value == folder
    before = {m for n in body[:first] for m in ([a.name for a in n.names] if isinstance(n, ast.Import) else
                                                 [n.module] if isinstance(n, ast.ImportFrom) else [])}
    assert before <= {'streamlit', 'amalea_quack.ui', 'time', 'math'}, before


@pytest.mark.parametrize('folder', FOLDERS)
def test_an_unreachable_store_is_reported_in_german(unreachable_store, folder):
    at = app_test(folder, timeout=120).run()
    assert not at.exception, at.exception
    assert at.title[0].value == f'{app_info(folder).icon} {app_info(folder).title}'
    if folder in STORE_AT_START:
        assert 'nicht erreichbar' in at.error[0].value and 'MLFLOW_TRACKING_URI' in at.error[0].value
    else:
        assert not at.error  # data, training and curves work without a store; logging a run would report it


@pytest.mark.parametrize('folder', FOLDERS)
def test_an_empty_store_is_explained_in_german(store, folder):
    at = app_test(folder, timeout=180).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    model = app_info(folder).model
    if model:  # the command that makes the model, and a button that trains it – only on a click
        assert f'Noch kein freigegebenes Modell **{model}@production**' in at.warning[0].value
        assert f'quack setup --only {model}' in at.warning[0].value
        assert at.button(key='train').label == 'Modell jetzt trainieren (ca. 1 Minute)'
    elif folder == 'model_ops':
        assert 'noch kein Modell registriert' in at.warning[0].value and 'make start' in at.warning[0].value
    elif folder == 'experiment_board':
        assert 'noch kein Experiment mit Läufen' in at.warning[0].value and 'quack train' in at.warning[0].value


def test_the_repository_address_lives_in_one_place_and_matches_the_package():
    "A fork changes the address once, in apps/course-package.txt; the test says if it no longer matches pyproject.toml."
    shared = (ROOT / 'apps/course-package.txt').read_text(encoding='utf-8')
    [url] = re.findall(r'^amalea-quack\[apps\] @ git\+(\S+)\.git$', shared, re.M)
    assert url == tomllib.loads((ROOT / 'pyproject.toml').read_text(encoding='utf-8'))['project']['urls']['Repository']
    for folder in FOLDERS:
        assert 'github.com' not in (ROOT / 'apps' / folder / 'requirements.txt').read_text(encoding='utf-8'), folder


@pytest.mark.parametrize('folder', FOLDERS)
def test_every_app_folder_is_deployable_as_it_is(folder):
    "Streamlit Community Cloud: apps/<app>/streamlit_app.py with requirements.txt beside it, which pulls in the course package."
    req = (ROOT / 'apps' / folder / 'requirements.txt').read_text(encoding='utf-8')
    lines = [line for line in req.splitlines() if line and not line.startswith('#')]
    assert '-r ../course-package.txt' in lines
    if folder in {'neural_net_lab', 'digit_recognizer', 'text_classifier'}:
        assert 'amalea-quack[deep]' in lines and '--extra-index-url https://download.pytorch.org/whl/cpu' in lines


def test_app_tests_look_for_installed_components_once_per_process(monkeypatch):
    "A second AppTest reuses the first one's scan of the installed packages, and the scan still finds the drawing canvas's component."
    import importlib.metadata

    from streamlit.components.v2 import manifest_scanner
    from streamlit.testing.v1 import AppTest

    from amalea_quack.ui import scan_components_once
    scan_components_once(); scan_components_once()
    assert not hasattr(manifest_scanner.scan_component_manifests.__wrapped__, 'cache_info')  # twice called, wrapped once
    by_name = lambda found: sorted(found, key=lambda item: item[0].name)  # the scan's threads finish in any order
    found = manifest_scanner.scan_component_manifests()
    assert 'streamlit-drawable-canvas' in [m.name for m, _ in found]
    assert by_name(found) == by_name(manifest_scanner.scan_component_manifests.__wrapped__())
    reads = []
    monkeypatch.setattr(importlib.metadata, 'distributions', lambda *a, **k: reads.append(1) or [])
    def hello():
        import streamlit as st
        st.write('hallo')
    for _ in range(2):
        at = AppTest.from_function(hello).run()
        assert not at.exception and at.markdown[0].value == 'hallo'
    assert reads == []
