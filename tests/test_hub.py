"""The hub (make start): `quack setup` makes the course models, the German start page says where to begin and what the store holds,
the progress page checks exercises and a portfolio, every app answers under its folder name – in AppTest and in Chromium."""
import re
import tomllib

import pytest
from conftest import ROOT, quack, screenshot, served_app, settled
from streamlit.testing.v1 import AppTest

from amalea_quack.ui import APPS

app = served_app('hub.py', 'course_store')

HUB = str(ROOT / 'apps/hub.py')
MODELS = ['iris-classifier', 'digits-cnn', 'text-classifier']


def hub(timeout: float = 180) -> AppTest:
    return AppTest.from_file(HUB, default_timeout=timeout)


def test_quack_setup_promotes_every_course_model_and_is_idempotent(course_setup):
    uri, out = course_setup
    assert re.findall(r'^([\w-]+): production ist Version 1\.$', out, re.M) == MODELS
    again = quack('setup', uri=uri)
    assert again.returncode == 0 and again.stdout == out  # nothing new trained
    assert quack('setup', '--only', 'gibt-es-nicht', uri=uri).returncode == 1


def test_the_readme_lists_every_app_by_the_name_that_is_its_address():
    readme = (ROOT / 'README.md').read_text(encoding='utf-8')
    section = readme[readme.index('## Die Apps'):readme.index('## ', readme.index('## Die Apps') + 3)]
    for a in APPS:
        assert f'[{a.title}](http://127.0.0.1:8501/{a.folder})' in section, a.folder


def test_the_start_page_says_where_to_begin_and_that_every_course_model_is_there(course_store, monkeypatch):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', course_store)
    at = hub().run()
    assert not at.exception and not at.error
    text = ' '.join(m.value for m in at.markdown)
    assert 'make lab' in text and 'Notebook 01' in text and 'week01/01_quack_prozessmodell.ipynb' in text
    site = tomllib.loads((ROOT/'pyproject.toml').read_text(encoding='utf-8'))['project']['urls']['Documentation']
    assert site in text  # the website as pyproject.toml declares it (a fork changes it there)
    assert [h.value for h in at.header] == ['So fängst du an', 'Die Apps', 'Die Modelle im Store']
    assert [re.match(r'\*\*([\w-]+)\*\*', s.value).group(1) for s in at.success] == MODELS
    assert not at.button


def test_the_start_page_names_the_command_and_offers_a_button_for_each_missing_model(store):
    at = hub().run()
    assert not at.exception and not at.error
    for name, warning in zip(MODELS, at.warning, strict=True):
        assert f'**{name}** fehlt noch' in warning.value and f'quack setup --only {name}' in warning.value
    assert [b.key for b in at.button] == [f'train:{n}' for n in MODELS]
    at.button(key='train:iris-classifier').click().run()  # the cheapest of the three
    assert not at.exception and not at.error
    assert at.success[0].value.startswith('**iris-classifier** – Version 1 ist freigegeben')


@pytest.mark.parametrize('page', ['hub_pages/fortschritt.py', *[f'{a.folder}/streamlit_app.py' for a in APPS]])
def test_every_page_of_the_hub_runs(course_store, monkeypatch, page):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', course_store)
    at = hub().run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title and not at.error


@pytest.mark.usefixtures('store')  # an empty store of its own: the start page opens the store
def test_progress_explains_how_the_edition_comes_about(tmp_path):
    at = hub().run()
    at.switch_page('hub_pages/fortschritt.py').run()
    at.text_input(key='edition').set_value(str(tmp_path / 'nirgends')).run()
    assert not at.exception
    assert 'make lab' in at.info[0].value and [b.key for b in at.button] == ['portfolio']  # no notebooks to check yet; the portfolio check needs none


def test_progress_of_one_notebook_and_a_portfolio_check(course_store, monkeypatch, tmp_path):
    from amalea_quack.course import write_student_edition
    monkeypatch.setenv('MLFLOW_TRACKING_URI', course_store)
    edition = tmp_path / 'student-edition' / 'nbs'
    write_student_edition(edition)
    at = hub(timeout=300).run()
    at.switch_page('hub_pages/fortschritt.py').run()
    at.text_input(key='edition').set_value(str(edition)).run()
    at.multiselect(key='notebooks').set_value([p for p in at.multiselect(key='notebooks').value if p.name.startswith('01_')]).run()
    at.button(key='check').click().run()
    assert not at.exception, at.exception
    counts = {m.label: int(m.value) for m in at.metric}  # AppTest hands a metric's value over as text
    assert all(status in at.markdown[0].value for status in counts), at.markdown[0].value  # the prose explains the counters' signs
    assert counts['⏳ noch nicht gelöst'] > 0 and counts['✅ gelöst'] == 0 and counts['⚠️ nicht prüfbar'] == 0, counts
    assert at.expander[0].label.startswith('01 · Das QUA³CK-Prozessmodell – 0 von ')
    rows = at.table[0].value
    assert list(rows.columns)[-3:] == ['Aufgabe', 'Status', 'Hinweis'] and set(rows['Status']) == {'⏳ noch nicht gelöst'}
    # the portfolio check: a wrong name is refused in German, the course model is checked item by item
    at.text_input(key='portfolio_model').set_value('mein modell').run()
    at.button(key='portfolio').click().run()
    assert 'Ungültiger Modellname' in at.error[0].value
    at.text_input(key='portfolio_model').set_value('iris-classifier').run()
    at.button(key='portfolio').click().run()
    assert not at.exception and not at.error
    summary = (at.success or at.warning)[0].value
    assert re.fullmatch(r'\d+ von \d+ Punkten erfüllt\.', summary)
    assert any('**Freigegebenes Modell:** iris-classifier@production ist Version 1' in m.value for m in at.markdown)


@pytest.mark.browser
def test_hub_in_chromium(app, screen):
    screen.goto(app.url)
    screen.get_by_role('heading', name='Willkommen bei AMALEA 2025').wait_for(timeout=120_000)
    screen.get_by_text('ist freigegeben').first.wait_for(timeout=120_000)
    settled(screen)
    shot = screenshot(screen, 'hub-start')
    assert shot.stat().st_size > 10_000
    if screen.size == 'desktop':  # the navigation: German titles in two sections (one per week left no room for an app's settings)
        nav = screen.locator('[data-testid="stSidebarNav"]')
        assert nav.locator('[data-testid="stNavSectionHeader"]').all_inner_texts() == ['Kurs', 'Apps']
        for a in APPS: assert nav.get_by_text(a.title, exact=True).count() == 1, a.title
        assert nav.get_by_text('Digit Recognizer').count() == 0 and nav.get_by_text('Text Classifier').count() == 0
    for a in APPS if screen.size == 'desktop' else APPS[:1]:  # every README name is an address
        screen.goto(f'{app.url}/{a.folder}')
        screen.get_by_role('heading', name=a.title).wait_for(timeout=120_000)
        assert screen.get_by_text('Page not found').count() == 0, a.folder
        assert screen.locator('[data-testid="stException"]').count() == 0, a.folder
