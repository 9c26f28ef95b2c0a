"""The course website. tools/site_preview.py renders it offline (nbdev's processing, nbconvert instead of Quarto);
tools/site_checks.py checks the notebooks and opens every page in Chromium at 1366×900 and 390×844. Each check is first
shown to catch its fault on a small fixture (tests/site_fixtures/: static pages and a two-notebook course edition), then
the real course is built and checked – strictly: whatever a reader would see broken fails the test."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import site_checks as sc  # tools/, on the path through conftest
import site_preview as sp
from conftest import ROOT, screenshot

from amalea_quack.course import notebook_title, notebooks

pytestmark = pytest.mark.browser

FIXTURES = ROOT / 'tests' / 'site_fixtures'
PROBE = FIXTURES / 'kurs'      # a course edition outside nbs/, same layout: one clean notebook, one with faults
PAGES = FIXTURES / 'seiten'    # static pages: one clean, each other with one fault
TRACEBACK = ('Traceback (most recent call last)', '-' * 75)


def build_site(nbs: Path, executed: Path, out: Path) -> tuple[Path, dict]:
    "Build the preview of edition `nbs` in a fresh process; returns the site folder and its build report."
    proc = subprocess.run([sys.executable, str(ROOT / 'tools/site_preview.py'), 'build', '--nbs', str(nbs), '--executed', str(executed),
                           '--out', str(out)], cwd=ROOT, capture_output=True, text=True, timeout=3600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out, json.loads((out / 'build-report.json').read_text())


def kinds(findings: list) -> dict[str, set[str]]:
    "Findings -> where -> the set of checks that found something there."
    out: dict[str, set[str]] = {}
    for f in findings:
        f = f if isinstance(f, sc.Finding) else sc.Finding(**f)
        out.setdefault(f.where, set()).add(f.check)
    return out


def listing(findings: list) -> str:
    "Findings as an indented list per notebook or page (the assertion message)."
    findings = [f if isinstance(f, sc.Finding) else sc.Finding(**f) for f in findings]
    return '\n'.join(f'{where}\n' + '\n'.join(f'  - {m}' for m in ms) for where, ms in sc.by_place(findings).items())


# --- the checks' building blocks ------------------------------------------------------------------------------------

def test_video_numbers_headers_and_their_parsing():
    assert sc.video_numbers_text([2, 1]) == '1–2' and sc.video_numbers_text([15, 16, 17, 20, 21, 22]) == '15–17, 20–22'
    assert sc.video_header([5]) == '🎥 Kursvideo 5' and sc.video_header([1, 2]) == '🎥 Kursvideos 1–2' and sc.video_header([]) == ''
    assert sc.parse_video_numbers('15–17, 20–22') == [15, 16, 17, 20, 21, 22] and sc.parse_video_numbers('3 und 5') == [3, 5]
    assert sc.parse_video_numbers('–') == []
    with pytest.raises(ValueError, match='rückwärts'): sc.parse_video_numbers('5–3')
    nb = {'cells': [{'cell_type': 'markdown', 'source': '# T\n> U'},
                    {'cell_type': 'markdown', 'source': '**Woche 1 · Phase Q** · 🎥 Kursvideos 1–2: *Erfunden* · begleitet Woche 2'}]}
    assert sc.header_video_item(nb) == '🎥 Kursvideos 1–2: *Erfunden*'


def test_page_paths_follow_nbdev():
    assert sp.page_path('week01/01_quack_prozessmodell.ipynb') == Path('week01/quack_prozessmodell.html')
    assert sp.page_path('index.ipynb') == Path('index.html')


def test_frontmatter_check_flags_what_nbdev_would_swallow():
    def nb(*mds): return {'cells': [{'cell_type': 'markdown', 'source': m} for m in mds]}
    assert sc.frontmatter_problems(nb('# Titel\n> Untertitel', '**Woche 1** · 🎥 Kursvideo 1\n\n## Lernziele\n- Du: kannst')) == []
    problems = sc.frontmatter_problems(nb('# Titel\n> Untertitel\n\n**Woche 1**\n\n## Lernziele\n\n- Du lernst: viel'))
    assert len(problems) == 2 and 'eigene Zelle' in problems[0] and 'Frontmatter-Schlüssel' in problems[1]


def test_docs_exec_check_finds_mixed_import_cells():
    def nb(*codes): return {'cells': [{'cell_type': 'code', 'source': c} for c in codes]}
    assert sc.docs_exec_problems(nb('import numpy as np\nfrom x import y', '#| export\nimport os\nA = 1', 'print(1)')) == []
    found = sc.docs_exec_problems(nb('#| hide\nfrom a import quick_mode\nQUICK = quick_mode(QUICK)', 'x = 1\nimport json; json.dumps(x)'))
    assert [f.split(':')[0] for f in found] == ['Zelle 0', 'Zelle 1'] and 'QUICK' not in found[0] and 'from a import' in found[0]


def test_alt_text_judgement():
    for bad in (None, '', '  ', sc.NBCONVERT_DEFAULT_ALT, 'image.png', 'Figure 1', 'png', '<Figure size 600x300 with 1 Axes>',
                'A scatter plot of the petal length and the petal width', 'Decision boundary of the tree for each class'):
        assert sc.alt_text_problem(bad), bad
    for good in ('Streudiagramm: Blütenblattlänge gegen -breite, je Art eine Farbe', 'Konfusionsmatrix der drei Iris-Arten',
                 'Lernkurven: Trainings- und Validierungsverlust über 10 Epochen'):
        assert sc.alt_text_problem(good) is None, good
    cell = {'cell_type': 'code', 'source': '#| fig-alt: "Ein Baum: die Wurzel fragt nach der Blütenblattlänge"\nplot()',
            'outputs': [{'output_type': 'display_data', 'data': {'image/png': 'iVBOR'}, 'metadata': {}}]}
    assert sc.fig_alt(cell) == 'Ein Baum: die Wurzel fragt nach der Blütenblattlänge'
    assert sc.alt_text_problems({'cells': [cell]}) == []
    bare = cell | {'source': 'plot()'}
    [problem] = sc.alt_text_problems({'cells': [{'cell_type': 'markdown', 'source': '# T'}, bare]})
    assert problem.startswith('Zelle 1 („plot()“)') and 'kein #| fig-alt' in problem


def test_pandoc_attributes_become_html_attributes():
    md = sp.pandoc_attributes_to_html('[source](https://x.org/m.py#L3){target="_blank" style="float:right; font-size:smaller"}')
    assert md == '<a href="https://x.org/m.py#L3" target="_blank" style="float:right; font-size:smaller" rel="noopener">source</a>'
    html = sp.markdown_html('---\n\n[source](https://x.org/m.py){target="_blank"}\n\n### gini\n\n![Bild](a.png){fig-alt="Zwei Flächen" width="50%"}')
    assert '{' not in html and 'target="_blank"' in html and '<img src="a.png" alt="Zwei Flächen" width="50%">' in html
    assert sp.pandoc_attributes_to_html('## Kopf {#anker .unnumbered}') == '## Kopf <span id="anker"></span>'


def test_links_are_rewritten_to_pages():
    body = ('<a href="../week02/03_daten_verstehen.ipynb#lernziele">x</a> <a href="https://example.org/a.ipynb">y</a>'
            '<a href="https://kurs.example/site/week02/daten_verstehen.html#profile">z</a><pre>src="kein-link"</pre>')
    out = sp.rewrite_links(body, Path('week01'), Path('week01/quack_prozessmodell.html'), 'https://kurs.example/site')
    assert '"../week02/daten_verstehen.html#lernziele"' in out and '"https://example.org/a.ipynb"' in out
    assert '"../week02/daten_verstehen.html#profile"' in out and 'src="kein-link"' in out


def test_stage_only_in_ci(tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('QUICK = False', metadata={'tags': ['parameters']}),
                                         nbformat.v4.new_code_cell('QUICK = True', metadata={'tags': ['injected-parameters']})])
    (tmp_path / 'executed/week01').mkdir(parents=True)
    nbformat.write(nb, tmp_path / 'executed/week01/01_x.ipynb')
    monkeypatch.delenv('CI', raising=False)
    with pytest.raises(SystemExit, match='nur in CI'): sp.stage(tmp_path / 'executed', tmp_path / 'nbs')
    monkeypatch.setenv('CI', 'true')
    [written] = sp.stage(tmp_path / 'executed', tmp_path / 'nbs')
    assert [c.source for c in nbformat.read(written, as_version=4).cells] == ['QUICK = False']


def test_pages_are_batched_by_weight():
    batches = sp.balanced(['a', 'bbbbbb', 'cc', 'ddd', 'e'], len, 2)
    assert batches == [['bbbbbb', 'e'], ['ddd', 'cc', 'a']]  # 7 against 6: heaviest first, each to the lighter batch
    assert sp.balanced(['a'], len, 2) == [['a']] and sp.balanced([], len, 2) == []


def test_a_page_that_fails_is_named_and_the_others_in_its_batch_are_built(tmp_path):
    broken = tmp_path / 'week01' / '02_kaputt.ipynb'
    broken.parent.mkdir(parents=True)
    broken.write_text('{"cells": [', encoding='utf-8')  # cut off while being written
    clean = PROBE / 'week01' / '01_sauber.ipynb'
    results = sp.process_all([(clean, 'week01/01_sauber.ipynb'), (broken, 'week01/02_kaputt.ipynb')], tmp_path / 'proc', workers=1)
    good = results['week01/01_sauber.ipynb']
    assert good['error'] is None and good['frontmatter']['title'] == 'Eine saubere Lektion', good
    assert (tmp_path / 'proc' / 'week01' / '01_sauber.html').exists()
    assert results['week01/02_kaputt.ipynb']['error'].startswith('Verarbeitung abgebrochen: ')
    assert not (tmp_path / 'proc' / 'week01' / '02_kaputt.html').exists()


# --- each page check catches its fault (static fixture pages) ------------------------------------------------------

def test_page_checks_catch_each_fault_and_pass_the_clean_page(browser):
    findings = sc.check_pages(PAGES, browser)
    assert kinds(findings) == {'ueberlauf.html': {'overflow'}, 'roh.html': {'roh-attribute'}, 'ohne-alt.html': {'alt-text'},
                               'englisch.html': {'alt-text'}, 'link.html': {'link'}, 'navigation.html': {'navigation'}}, listing(findings)
    text = listing(findings)
    assert 'bei 1366 px ist die Seite' in text and 'bei 390 px ist die Seite' in text and 'img 1500 px breit' in text
    assert '{target="_blank"' in text and 'kein alt-Text' in text
    assert 'nbconverts englischer Standardtext' in text and 'alt-Text ist englisch' in text
    assert 'Link ins Leere: gibt-es-nicht.html' in text and 'Link ins Leere: fehlt.png' in text
    assert 'bei 390 px liegt der Navigationslink „Die_breite_Tabelle“ außerhalb' in text


# --- a course edition outside nbs/: build, then the checks find exactly the fixture's faults -----------------------

@pytest.fixture(scope='module')
def probe(tmp_path_factory) -> tuple[Path, dict]:
    "The fixture edition (tests/site_fixtures/kurs) executed and built like the student edition would be."
    tmp = tmp_path_factory.mktemp('probe')
    return build_site(PROBE, tmp / 'executed', tmp / 'site')


def test_notebook_checks_name_notebook_and_cell_of_each_fault(probe):
    folder, report = probe
    assert report['findings'] == []  # the build itself went fine
    findings = sc.check_notebooks(PROBE, folder.parent / 'executed')
    assert kinds(findings) == {'week01/02_fehler.ipynb': {'alt-text', 'videos'}}, listing(findings)
    messages = [f.message for f in findings]
    assert any(m.startswith('Zelle 4 („fig, ax = plt.subplots') and 'kein #| fig-alt' in m for m in messages), messages
    assert any(m.startswith('Zelle 5: Bild quadrat.png: alt-Text ist englisch') for m in messages), messages
    assert any('Videotitel' in m and '*Ein erfundener Titel*' in m and '„🎥 Kursvideo 2“' in m for m in messages), messages
    # the same from the command line, which exits 1
    assert sc.main(['--nbs', str(PROBE), '--executed', str(folder.parent / 'executed')]) == 1


def test_video_check_flags_numbers_that_disagree(tmp_path):
    import shutil
    edition = tmp_path / 'kurs'
    shutil.copytree(PROBE, edition)
    slots = (edition / 'videos.yml').read_text().replace('number: 2, notebook: week01/02_fehler.ipynb', 'number: 2, notebook: week01/01_sauber.ipynb')
    (edition / 'videos.yml').write_text(slots)
    messages = [f.message for f in sc.video_problems(edition) + sc.home_map_problems(edition)]
    assert any('„🎥 Kursvideo 1“ nennt die Videos 1, videos.yml ordnet 1–2 zu' in m for m in messages), messages
    assert any('nennt die Videos 2, videos.yml ordnet keine zu' in m for m in messages), messages
    assert any('Videos 2, laut videos.yml –' in m for m in messages), messages  # the home page's table


def test_page_checks_on_the_built_fixture_edition(probe, browser):
    folder, report = probe
    findings = sc.check_pages(folder, browser)
    assert kinds(findings) == {'week01/fehler.html': {'alt-text', 'link'}}, listing(findings)
    text = listing(findings)
    assert 'kein alt-Text (Zellen-ID cccc0004)' in text and 'alt-Text ist englisch' in text and 'Link ins Leere: gibt_es_nicht.html' in text
    assert {p['title'] for p in report['pages'] if p['kind'] == 'notebook'} == {'Eine saubere Lektion', 'Eine Lektion mit Fehlern'}
    steps = report['seconds']  # what bench/site_build.py prints: every step timed, and the steps add up to the whole
    assert set(steps) == {'execute', 'nbdev_and_pages', 'api', 'write', 'total'}
    assert abs(sum(v for k, v in steps.items() if k != 'total') - steps['total']) < 0.05
    ctx = browser.new_context(viewport={'width': 390, 'height': 844}, locale='de-DE')
    page = ctx.new_page()
    with sc.serve_site(folder) as base:
        page.goto(f'{base}/week01/sauber.html')
        alts = page.eval_on_selector_all('main img', 'imgs => imgs.map(i => i.alt)')
        assert alts == ['Zwei Farbflächen: links blau, rechts orange', 'Liniendiagramm: die Werte steigen von eins über zwei auf drei']
        assert page.locator('main a', has_text='Quelle').get_attribute('target') == '_blank'
        table = page.locator('table.dataframe')
        assert table.evaluate('t => t.getBoundingClientRect().width') > 390  # wider than the phone, scrolls in its box
        assert page.evaluate('document.documentElement.scrollWidth') == 390
        screenshot(page, 'website_fixture_sauber_390', full_page=False)
    ctx.close()


# --- the real course ---------------------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def site(tmp_path_factory) -> tuple[Path, dict]:
    "The preview of the course built into a temporary folder; executed notebooks are reused from SITE_PREVIEW_EXECUTED if set."
    tmp = tmp_path_factory.mktemp('website')
    executed = Path(os.environ.get('SITE_PREVIEW_EXECUTED') or tmp / 'executed')
    return build_site(ROOT / 'nbs', executed, tmp / 'site')


@pytest.fixture(scope='module')
def page_findings(site, browser) -> list:
    "What the page checks find on every page of the course at 1366 and 390 px."
    folder, _ = site
    return sc.check_pages(folder, browser)


@pytest.fixture(scope='module')
def server(site):
    folder, _ = site
    with sc.serve_site(folder) as base: yield base


def test_build_went_fine_and_nbdev_can_process_every_notebook(site):
    "nbdev-docs runs every cell that contains an import in a fresh kernel, and turns the first markdown cell into front matter."
    folder, report = site
    assert report['findings'] == [], listing(report['findings'])
    structure = [f for f in sc.check_notebooks(ROOT / 'nbs') if f.check in ('sidebar', 'kopfzelle', 'nbdev-docs')]
    assert structure == [], listing(structure)


def test_preview_has_every_page_and_placeholders_for_missing_notebooks(site):
    folder, report = site
    planned = sc.planned_notebooks()
    existing = {str(p.relative_to(ROOT / 'nbs')) for p in notebooks()}
    for rel in [e for e in planned if e not in existing]:
        assert 'noch nicht im Repository' in (folder / sp.page_path(rel)).read_text()
    assert {'index', 'notebook', 'api', 'map', 'portfolio'} <= {p['kind'] for p in report['pages']}
    modules = {p.stem for p in (ROOT / 'amalea_quack').glob('*.py') if not p.stem.startswith('_')}
    assert {Path(p['out']).stem for p in report['pages'] if p['kind'] == 'api'} == modules | {'index'}


def test_every_page_renders_with_its_title_and_no_traceback(site, server, page):
    _, report = site
    for p in report['pages']:
        resp = page.goto(f"{server}/{p['out']}")
        assert resp.status == 200, p['out']
        shown = p['title'].replace('`', '')  # `code` in a title is shown as code
        assert page.title().startswith(shown), (p['out'], page.title())
        assert page.locator('h1.title').inner_text() == shown
        text = page.locator('main').inner_text()
        assert not any(t in text for t in TRACEBACK), f"{p['out']}: Python-Traceback auf der Seite"
        if p['kind'] == 'notebook':  # the page title is the notebook's H1
            assert p['title'] == notebook_title(ROOT / 'nbs' / p['source'])
            assert page.locator('nav[aria-label="Inhalt"] li.active').count() == 1


def test_notebook_pages_show_their_figures(site, server, page):
    _, report = site
    with_plots = [p for p in report['pages'] if p['figures']]
    assert with_plots, 'kein Notebook mit Abbildungen – die Prüfung liefe ins Leere'
    for p in with_plots:
        page.goto(f"{server}/{p['out']}")
        sizes = page.eval_on_selector_all('main img', 'imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])')
        shown = [s for s in sizes if s[0] and s[1] > 0 and s[2] > 0]
        assert len(shown) >= p['figures'], (p['out'], sizes)


def test_pages_have_no_overflow_raw_attributes_broken_links_or_lost_navigation(page_findings):
    "What the renderer is responsible for, at 1366 and 390 px (alt text and video headers come from the notebooks)."
    renderer = [f for f in page_findings if f.check in ('overflow', 'roh-attribute', 'link', 'navigation')]
    assert renderer == [], listing(renderer)


def test_pages_at_both_widths(site, server, browser):
    "Screenshots of the home page, a week-4 lesson, an API page and the map at 1366 and 390 px; the source links are links."
    for w, h in sc.VIEWPORTS:
        ctx = browser.new_context(viewport={'width': w, 'height': h}, locale='de-DE')
        page = ctx.new_page()
        for rel, name in (('index.html', 'home'), ('week04/entscheidungsbaeume.html', 'week04'), ('api/trees.html', 'api_trees'),
                          ('karte.html', 'karte')):
            page.goto(f'{server}/{rel}')
            assert page.evaluate('document.documentElement.scrollWidth') <= w, (rel, w)
            if name == 'week04': page.locator('main img').nth(1).scroll_into_view_if_needed()
            if name == 'api_trees':
                source = page.locator('main a', has_text='source').first
                assert source.get_attribute('target') == '_blank' and '{target=' not in page.locator('main').inner_text()
            screenshot(page, f'website_{name}_{w}', full_page=False)
        ctx.close()


def test_navigation_works_on_a_phone(server, browser):
    ctx = browser.new_context(viewport={'width': 390, 'height': 844}, locale='de-DE')
    page = ctx.new_page()
    page.goto(f'{server}/index.html')
    for link in page.locator('header.navbar a').all():  # every top link on the screen
        box = link.bounding_box()
        assert box and box['x'] >= 0 and box['x'] + box['width'] <= 390, link.inner_text()
    sidebar = page.locator('nav[aria-label="Inhalt"]')
    assert not sidebar.is_visible()  # folded away on a phone …
    page.locator('details.sidebar > summary').click()
    sidebar.get_by_role('link', name='Entscheidungsbäume und Random Forests').wait_for()
    screenshot(page, 'website_menu_390', full_page=False)
    sidebar.get_by_role('link', name='Entscheidungsbäume und Random Forests').click()  # … and one tap away
    page.wait_for_url('**/week04/entscheidungsbaeume.html')
    assert page.locator('h1.title').inner_text() == 'Entscheidungsbäume und Random Forests'
    page.set_viewport_size({'width': 1366, 'height': 900})
    page.goto(f'{server}/index.html')
    assert sidebar.is_visible()  # open beside the page on a wide screen
    ctx.close()


def test_home_page_has_commands_weeks_map_and_checklist(server, page):
    page.goto(f'{server}/index.html')
    main = page.locator('main')
    for heading in ('Loslegen', 'Die sieben Wochen', 'Die Landkarte: Notebook → Modul → App → Video', 'Portfolio-Checkliste'):
        assert main.get_by_role('heading', name=heading).count() == 1, heading
    code = [c.strip() for c in main.locator('pre').all_inner_texts()]
    assert 'make start' in code and 'make test' in code
    assert main.locator('input[type=checkbox]').count() >= 6
    shot = screenshot(page, 'website_home')
    assert shot.stat().st_size > 10_000


def test_map_reads_the_video_slots_and_invents_no_titles(server, page):
    slots = sc.read_videos()
    page.goto(f'{server}/karte.html')
    rows = page.locator('table.videos tbody tr')
    assert rows.count() == len(slots) == 22
    for slot, row in zip(slots, rows.all(), strict=True):
        cells = row.locator('td').all_inner_texts()
        assert cells[0] == str(slot.number)
        assert cells[1] == (slot.title or 'Platzhalter: Titel folgt'), cells
    assert page.locator('table.map tbody tr').count() == len(sc.planned_notebooks())
    page.goto(f'{server}/portfolio.html')
    items = page.locator('main li').all_inner_texts()
    for word in ('Befehl', 'Datenversion', 'Signatur', 'Freigabenotizen', 'URL', 'README'):
        assert any(word in i for i in items), word


# --- the data the site reads -------------------------------------------------------------------------------------

def test_videos_yml_holds_22_placeholder_slots_each_with_a_planned_notebook():
    slots = sc.read_videos()
    assert [s.number for s in slots] == list(range(1, 23))
    planned = set(sc.planned_notebooks())
    for s in slots:
        assert s.notebook in planned, s
        assert s.placeholder or (s.title and s.url), s  # a teacher fills in title and url, then clears the mark
        if s.placeholder: assert s.url is None, s
    assert [f for f in sc.video_problems() if f.where == 'videos.yml'] == []


def test_home_page_tables_agree_with_videos_yml_and_the_modules():
    assert sc.home_map_problems() == [], listing(sc.home_map_problems())
    md = '\n'.join(c.source for c in nbformat.read(ROOT / 'nbs/index.ipynb', as_version=4).cells if c.cell_type == 'markdown')
    section = md.split('## Die Landkarte', 1)[1].split('\n## ', 1)[0]
    rows = dict(re.findall(r'^\| \[[^\]]+\]\(([^)]+\.ipynb)\) \| `(\w+)` \|', section, re.M))
    assert list(rows) == sc.planned_notebooks()
    for rel, path in sc.course_notebooks().items():
        assert rows[rel] == sc.default_exp(sc.read_nb(path)), rel


# --- strict: everything the checks find on the real course --------------------------------------------------------

def test_real_course_passes_every_check(site, page_findings):
    """The build, the notebooks (front matter, cells nbdev-docs re-runs, fig-alt, video headers against videos.yml) and the
    pages at both widths. Fails while notebooks lack `#| fig-alt:` or their headers name video titles: the message lists
    them per notebook and page."""
    folder, report = site
    executed = Path(os.environ.get('SITE_PREVIEW_EXECUTED') or folder.parent / 'executed')
    findings = [sc.Finding(**f) for f in report['findings']] + sc.check_notebooks(ROOT / 'nbs', executed) + page_findings
    assert findings == [], f'{len(findings)} Befunde:\n{listing(findings)}'
