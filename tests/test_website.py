"""The course website, previewed offline (tools/site_preview.py: nbdev's processing, nbconvert instead of Quarto) and checked in
Chromium: every page renders, every internal link resolves, every plot shows; plus what the real nbdev-docs run in GitHub
Actions needs from the notebooks."""
import functools
import http.server
import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, screenshot

from amalea_quack.course import notebooks

pytestmark = pytest.mark.browser

spec = importlib.util.spec_from_file_location('site_preview', ROOT / 'tools' / 'site_preview.py')
sp = sys.modules['site_preview'] = importlib.util.module_from_spec(spec)  # dataclasses look their module up
spec.loader.exec_module(sp)

TRACEBACK = ('Traceback (most recent call last)', '-' * 75)


@pytest.fixture(scope='module')
def site(tmp_path_factory) -> tuple[Path, dict]:
    "The preview built into a temporary folder; the notebooks are executed into their own folder too (each with its own store)."
    tmp = tmp_path_factory.mktemp('website')
    executed = Path(os.environ.get('SITE_PREVIEW_EXECUTED') or tmp / 'executed')  # reuse executed notebooks if told where
    out = tmp / 'site'
    proc = subprocess.run([sys.executable, str(ROOT / 'tools/site_preview.py'), 'build', '--executed', str(executed), '--out', str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=3600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out, json.loads((out / 'build-report.json').read_text())


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass


@pytest.fixture(scope='module')
def server(site):
    "The built site served by http.server on a free 127.0.0.1 port (in a thread, shut down afterwards)."
    folder, _ = site
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{httpd.server_address[1]}'
    httpd.shutdown()
    thread.join(timeout=10)


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r: return r.status
    except urllib.error.HTTPError as e: return e.code


# --- the preview tool itself ------------------------------------------------------------------------------------------

def test_video_header_parsing():
    assert sp.parse_videos('**Woche 1** · 🎥 Kursvideos 1–2: *Was ist QUA³CK?*, *Gute Fragen*') == {1: 'Was ist QUA³CK?', 2: 'Gute Fragen'}
    assert sp.parse_videos('🎥 Kursvideo 16: *Registry, Gates und Rollback*') == {16: 'Registry, Gates und Rollback'}
    assert list(sp.parse_videos('🎥 Kursvideos 20–22: *A*, *B*, *C*')) == [20, 21, 22]
    assert sp.parse_videos('kein Video') == {}
    with pytest.raises(ValueError, match='rückwärts'): sp.parse_videos('🎥 Kursvideos 5–3: *A*')


def test_page_paths_follow_nbdev():
    assert sp.out_path('week01/01_quack_prozessmodell.ipynb') == Path('week01/quack_prozessmodell.html')
    assert sp.out_path('index.ipynb') == Path('index.html')


def test_header_check_flags_what_nbdev_would_swallow():
    def nb(*mds): return {'cells': [{'cell_type': 'markdown', 'source': m} for m in mds]}
    assert sp.header_problems(nb('# Titel\n> Untertitel', '**Woche 1** · 🎥 Kursvideo 1: *A*\n\n## Lernziele\n- Du: kannst')) == []
    problems = sp.header_problems(nb('# Titel\n> Untertitel\n\n**Woche 1**\n\n## Lernziele\n\n- Du lernst: viel'))
    assert len(problems) == 2 and 'eigene Zelle' in problems[0] and 'Frontmatter-Schlüssel' in problems[1]


def test_links_are_rewritten_to_pages_and_broken_ones_found(tmp_path):
    known = {'week02/03_daten_verstehen.ipynb': Path('week02/daten_verstehen.html')}
    body = ('<a href="../week02/03_daten_verstehen.ipynb#lernziele">x</a> <a href="https://example.org/a.ipynb">y</a>'
            f'<a href="{sp.SITE_URL}/week02/daten_verstehen.html#profile">z</a><pre>src="kein-link"</pre>')
    out = sp.rewrite_links(body, Path('week01'), Path('week01/quack_prozessmodell.html'), known)
    assert '"../week02/daten_verstehen.html#lernziele"' in out and '"https://example.org/a.ipynb"' in out
    assert '"../week02/daten_verstehen.html#profile"' in out and 'src="kein-link"' in out
    (tmp_path / 'week01').mkdir()
    (tmp_path / 'week01/a.html').write_text('<a href="../fehlt.html">x</a><img src="bild.png"><a href="#oben">o</a>')
    (tmp_path / 'week01/bild.png').write_bytes(b'png')
    assert sp.check_links(tmp_path) == ['week01/a.html -> ../fehlt.html']


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


# --- the built preview in Chromium --------------------------------------------------------------------------------

def test_preview_reports_missing_notebooks_and_shows_placeholders(site):
    folder, report = site
    planned = [e for s in sp.read_sidebar() for e in s.entries if e != 'index.ipynb']
    existing = {str(p.relative_to(ROOT / 'nbs')) for p in notebooks()}
    assert report['missing_notebooks'] == [e for e in planned if e not in existing]
    assert set(report['not_in_sidebar']) == existing - set(planned)
    for rel in report['missing_notebooks']:
        assert 'noch nicht im Repository' in (folder / sp.out_path(rel)).read_text()
    kinds = {p['kind'] for p in report['pages']}
    assert {'index', 'notebook', 'api', 'map', 'portfolio'} <= kinds
    modules = {p.stem for p in (ROOT / 'amalea_quack').glob('*.py') if not p.stem.startswith('_')}
    assert {Path(p['out']).stem for p in report['pages'] if p['kind'] == 'api'} == modules | {'index'}


def test_every_page_renders_with_its_title_and_no_traceback(site, server, page):
    _, report = site
    for p in report['pages']:
        resp = page.goto(f"{server}/{p['out']}")
        assert resp.status == 200, p['out']
        assert page.title().startswith(p['title']), (p['out'], page.title())
        assert page.locator('h1.title').inner_text() == p['title']
        text = page.locator('main').inner_text()
        assert not any(t in text for t in TRACEBACK), f"{p['out']}: Python-Traceback auf der Seite"
        if p['kind'] == 'notebook':  # the page title is the notebook's H1
            nb = json.loads((ROOT / 'nbs' / p['source']).read_text())
            assert p['title'] == sp.h1_title(nb)
            assert page.locator('nav.sidebar li.active').count() == 1


def test_every_internal_link_resolves(site, server, page):
    _, report = site
    urls: set[str] = set()
    for p in report['pages']:
        page.goto(f"{server}/{p['out']}")
        urls |= set(page.eval_on_selector_all('[href], [src]', 'els => els.map(e => e.href || e.src)'))
    internal = {u.split('#')[0] for u in urls if u.startswith(server)}
    assert len(internal) > len(report['pages'])  # pages, styles, cross links
    broken = sorted(u for u in internal if status(u) != 200)
    assert broken == []
    assert status(f'{server}/gibt-es-nicht.html') == 404  # the check can fail


def test_notebook_pages_show_their_figures(site, server, page):
    _, report = site
    with_plots = [p for p in report['pages'] if p['figures']]
    assert with_plots, 'kein Notebook mit Abbildungen – die Prüfung liefe ins Leere'
    for p in with_plots:
        page.goto(f"{server}/{p['out']}")
        page.wait_for_load_state('load')
        sizes = page.eval_on_selector_all('main img', 'imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])')
        shown = [s for s in sizes if s[0] and s[1] > 0 and s[2] > 0]
        assert len(shown) >= p['figures'], (p['out'], sizes)


def test_home_page_has_commands_weeks_map_and_checklist(site, server, page):
    page.goto(f'{server}/index.html')
    main = page.locator('main')
    for heading in ('Loslegen', 'Die sieben Wochen', 'Die Landkarte: Notebook → Modul → App → Video', 'Portfolio-Checkliste'):
        assert main.get_by_role('heading', name=heading).count() == 1, heading
    code = [c.strip() for c in main.locator('pre').all_inner_texts()]
    assert 'make start' in code and 'make test' in code
    assert main.locator('input[type=checkbox]').count() >= 6
    shot = screenshot(page, 'website_home')
    assert shot.stat().st_size > 10_000


def test_map_and_portfolio_pages(site, server, page):
    page.goto(f'{server}/karte.html')
    assert page.locator('table.videos tbody tr').count() == sp.N_VIDEOS
    rows = page.locator('table.map tbody tr').count()
    assert rows == len([e for s in sp.read_sidebar() for e in s.entries if e != 'index.ipynb'])
    page.goto(f'{server}/portfolio.html')
    items = page.locator('main li').all_inner_texts()
    for word in ('Befehl', 'Datenversion', 'Signatur', 'Freigabenotizen', 'URL', 'README'):
        assert any(word in i for i in items), word


# --- the home page's map agrees with the notebooks ---------------------------------------------------------------

def index_map() -> dict[str, tuple[str, set[int]]]:
    "Rows of the map table in nbs/index.ipynb: notebook path -> (module, video numbers)."
    md = '\n'.join(c.source for c in nbformat.read(ROOT / 'nbs/index.ipynb', as_version=4).cells if c.cell_type == 'markdown')
    section = md.split('## Die Landkarte', 1)[1].split('\n## ', 1)[0]
    rows = {}
    for m in re.finditer(r'^\| \[[^\]]+\]\(([^)]+\.ipynb)\) \| `(\w+)` \| [^|]+ \| ([^|]+) \|$', section, re.M):
        rows[m.group(1)] = (m.group(2), {int(n) for n in re.findall(r'\d+', m.group(3))})
    return rows


def test_index_map_lists_every_planned_notebook_with_its_module_and_videos():
    rows = index_map()
    planned = [e for s in sp.read_sidebar() for e in s.entries if e != 'index.ipynb']
    assert list(rows) == planned
    for p in notebooks():
        rel = str(p.relative_to(ROOT / 'nbs'))
        nb = json.loads(p.read_text())
        assert rows[rel][0] == sp.default_exp(nb), rel
        assert rows[rel][1] == set(sp.parse_videos('\n'.join(sp.header_cells(nb)))), rel


# --- what the real website (nbdev-docs + Quarto in GitHub Actions) needs from the notebooks -------------------------

def test_nbdev_docs_can_process_every_notebook(site):
    "nbdev-docs runs every cell that contains an import (plus the export cells) in a fresh kernel: such cells must stand alone."
    _, report = site
    assert report['docs_exec_cells'] == {}, '\n'.join(f'{k}: {"; ".join(v)}' for k, v in report['docs_exec_cells'].items())
    assert report['nbdev_errors'] == {}, '\n'.join(f'{k}: {v[:300]}' for k, v in report['nbdev_errors'].items())


def test_docs_exec_check_finds_mixed_import_cells():
    def nb(*codes): return {'cells': [{'cell_type': 'code', 'source': c} for c in codes]}
    assert sp.docs_exec_problems(nb('import numpy as np\nfrom x import y', '#| export\nimport os\nA = 1', 'print(1)')) == []
    found = sp.docs_exec_problems(nb('#| hide\nfrom a import quick_mode\nQUICK = quick_mode(QUICK)', 'x = 1\nimport json; json.dumps(x)'))
    assert [f.split(':')[0] for f in found] == ['Zelle 0', 'Zelle 1'] and 'QUICK' not in found[0] and 'from a import' in found[0]


def test_title_cells_hold_only_title_and_subtitle(site):
    "nbdev turns the first markdown cell into front matter and drops it: week line, video and goals belong in the next cell."
    _, report = site
    assert report['header_problems'] == {}


def test_every_course_video_belongs_to_exactly_one_notebook(site):
    _, report = site
    assert report['missing_videos'] == [] and report['duplicate_videos'] == {}
