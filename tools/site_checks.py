"""Checks of the course website: what would break or mangle the real site (nbdev-docs + Quarto in GitHub Actions) and
what a reader sees on the rendered pages (tools/site_preview.py renders them offline).

    python tools/site_checks.py [--nbs nbs] [--executed _build/executed] [--site _build/site]

On the notebooks (no browser): the sidebar and its planned notebooks, header cells nbdev turns into front matter, cells
nbdev-docs re-runs in a fresh kernel, the video slots of `nbs/videos.yml` against the notebook headers and the home page,
alt text of figures (`#| fig-alt:`) and markdown images.
On the pages (Chromium at 1366×900 and 390×844): horizontal overflow, raw attribute text (`{target=…}`, `{.…}`, `{#…}`),
images with missing, placeholder or English alt text, internal links and image sources that do not resolve, navigation
links off the screen. Exit code 1 if anything is found.
"""
from __future__ import annotations

import argparse
import ast
import contextlib
import functools
import http.server
import json
import os
import re
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT / 'nbs'
VIEWPORTS = ((1366, 900), (390, 844))
IMAGE_MIMES = ('image/png', 'image/jpeg', 'image/gif', 'image/svg+xml')


@dataclass(frozen=True)
class Finding:
    "One thing that would break or mangle the website, found by check `check` in notebook or page `where`."
    check: str
    where: str
    message: str

    def __str__(self): return f'{self.where}: {self.message}'


def by_place(findings: list[Finding]) -> dict[str, list[str]]:
    "Findings grouped by notebook or page, in order: where -> messages."
    out: dict[str, list[str]] = {}
    for f in findings: out.setdefault(f.where, []).append(f.message)
    return out


def findings_json(findings: list[Finding]) -> list[dict]:
    "Findings as plain dicts (for build-report.json)."
    return [asdict(f) for f in findings]


# --- reading the course ---------------------------------------------------------------------------------------------

def read_nb(path: Path) -> dict:
    "The notebook at `path` as a dict (nbformat 4 JSON)."
    return json.loads(Path(path).read_text(encoding='utf-8'))


def cell_source(cell: dict) -> str:
    "The source of `cell` as one string."
    s = cell.get('source', '')
    return ''.join(s) if isinstance(s, list) else s


def course_cells(nb: dict) -> list[dict]:
    "The notebook's cells without the one papermill injects (`injected-parameters`): indices as in the source notebook."
    return [c for c in nb['cells'] if 'injected-parameters' not in c.get('metadata', {}).get('tags', [])]


@dataclass
class Section:
    "A section of the sidebar: its title (None for the top-level pages) and its notebooks."
    title: str | None
    entries: list[str] = field(default_factory=list)  # notebook paths relative to nbs/


def read_sidebar(nbs: Path = NBS) -> list[Section]:
    "The sidebar of `nbs/sidebar.yml` in order: a section without title for top-level pages, then the sections."
    import yaml
    contents = yaml.safe_load((nbs / 'sidebar.yml').read_text(encoding='utf-8'))['website']['sidebar']['contents']
    out = [Section(None)]
    for item in contents:
        if isinstance(item, str): out[0].entries.append(item)
        elif isinstance(item, dict) and 'section' in item:
            out.append(Section(item['section'], [e if isinstance(e, str) else e['href'] for e in item.get('contents', [])]))
        elif isinstance(item, dict) and 'href' in item: out[0].entries.append(item['href'])
        else: raise ValueError(f'sidebar.yml: unerwarteter Eintrag {item!r} (erwartet: Pfad, href oder section)')
    return out


def planned_notebooks(nbs: Path = NBS) -> list[str]:
    "The course notebooks `nbs/sidebar.yml` lists, in its order (paths relative to nbs/, without index.ipynb)."
    return [e for s in read_sidebar(nbs) for e in s.entries if e != 'index.ipynb']


def course_notebooks(nbs: Path = NBS) -> dict[str, Path]:
    "The course notebooks present in `nbs` (weeks, then appendix): path relative to nbs/ -> file."
    from amalea_quack.course import notebooks
    return {p.relative_to(nbs).as_posix(): p for p in notebooks(nbs)}


def missing_notebooks(nbs: Path = NBS) -> list[str]:
    "Notebooks the sidebar lists that are not in `nbs` yet."
    existing = course_notebooks(nbs)
    return [e for e in planned_notebooks(nbs) if e not in existing]


def unlisted_notebooks(nbs: Path = NBS) -> list[str]:
    "Course notebooks in `nbs` that the sidebar does not list."
    planned = set(planned_notebooks(nbs))
    return [e for e in course_notebooks(nbs) if e not in planned]


def header_cells(nb: dict) -> list[str]:
    "Markdown of the notebook's head: markdown cells up to the one with `## Lernziele` (at most the first four)."
    md = [cell_source(c) for c in nb['cells'][:6] if c['cell_type'] == 'markdown']
    for i, s in enumerate(md):
        if '## Lernziele' in s: return md[:i + 1]
    return md[:4]


def default_exp(nb: dict) -> str | None:
    "The module the notebook exports to (`#| default_exp`), or None."
    for c in nb['cells']:
        m = re.search(r'^\s*#\|\s*default_exp\s+(\S+)', cell_source(c), re.M) if c['cell_type'] == 'code' else None
        if m: return m.group(1)
    return None


# --- video slots ------------------------------------------------------------------------------------------------------

@dataclass
class VideoSlot:
    "One course video of `nbs/videos.yml`: a placeholder until a teacher enters title and url."
    number: int
    notebook: str | None      # relative to nbs/
    title: str | None = None
    url: str | None = None
    placeholder: bool = True  # until a teacher enters title and url


def read_videos(nbs: Path = NBS) -> list[VideoSlot]:
    "The course videos of `nbs/videos.yml`, in the file's order."
    import yaml
    data = yaml.safe_load((nbs / 'videos.yml').read_text(encoding='utf-8'))
    return [VideoSlot(**v) for v in data['videos']]


def video_numbers_text(numbers: list[int]) -> str:
    "Video numbers as the course writes them: [1, 2] -> '1–2', [3, 5] -> '3, 5', [] -> ''."
    parts, nums = [], sorted(numbers)
    while nums:
        end = 0
        while end + 1 < len(nums) and nums[end + 1] == nums[end] + 1: end += 1
        parts.append(f'{nums[0]}–{nums[end]}' if end else str(nums[0]))
        nums = nums[end + 1:]
    return ', '.join(parts)


def video_header(numbers: list[int]) -> str:
    "The header item naming a notebook's videos: '🎥 Kursvideo 5', '🎥 Kursvideos 1–2' ('' without videos)."
    if not numbers: return ''
    return f'🎥 Kursvideo{"s" if len(numbers) > 1 else ""} {video_numbers_text(numbers)}'


def parse_video_numbers(text: str) -> list[int]:
    "The numbers in a video list such as '1–2', '15–17, 20–22' or '3 und 5'."
    nums: list[int] = []
    for lo, hi in re.findall(r'(\d+)(?:\s*[–—-]\s*(\d+))?', text):
        if hi and int(hi) < int(lo): raise ValueError(f'Videobereich rückwärts: {lo}–{hi}')
        nums += range(int(lo), int(hi or lo) + 1)
    return nums


_VIDEO_ITEM = re.compile(r'🎥[^·\n]*')  # up to the next ` · ` or the end of the line


def header_video_item(nb: dict) -> str | None:
    "The `🎥 …` item of the notebook's header line (up to the next ` · `), or None."
    m = _VIDEO_ITEM.search('\n'.join(header_cells(nb)))
    return m.group(0).strip() if m else None


def video_problems(nbs: Path = NBS) -> list[Finding]:
    "Video slots of `nbs/videos.yml` against the notebooks: numbering, owners, header lines naming exactly their numbers."
    slots, planned, existing = read_videos(nbs), planned_notebooks(nbs), course_notebooks(nbs)
    out = []
    numbers = [s.number for s in slots]
    if numbers != list(range(1, len(slots) + 1)):
        out.append(Finding('videos', 'videos.yml', f'Nummern müssen 1 bis {len(slots)} in Reihenfolge und ohne Lücke sein: {numbers}'))
    for s in slots:
        if s.notebook not in planned:
            out.append(Finding('videos', 'videos.yml', f'Kursvideo {s.number} gehört zu keinem Notebook der Sidebar (notebook: {s.notebook})'))
        if not s.placeholder and not (s.title and s.url):
            out.append(Finding('videos', 'videos.yml', f'Kursvideo {s.number}: placeholder: false verlangt title und url'))
        if s.placeholder and s.url:
            out.append(Finding('videos', 'videos.yml', f'Kursvideo {s.number} hat eine url, ist aber noch als placeholder markiert'))
    for rel in planned:
        if rel not in existing: continue
        mine = [s.number for s in slots if s.notebook == rel]
        item, expected = header_video_item(read_nb(existing[rel])), video_header(mine)
        if (item or '') == expected: continue
        if not item:
            out.append(Finding('videos', rel, f'Kopfzeile nennt keine Kursvideos, laut videos.yml gehört „{expected}“ dazu'))
            continue
        head = re.match(r'🎥\s*Kursvideos?\s+([\d–—\-,\s]*\d)', item)
        named = parse_video_numbers(head.group(1)) if head else []
        if sorted(named) != sorted(mine):
            out.append(Finding('videos', rel, f'Kopfzeile „{item}“ nennt die Videos {video_numbers_text(named) or "–"}, '
                                              f'videos.yml ordnet {video_numbers_text(mine) or "keine"} zu'))
        elif head and item[head.end():].strip():
            out.append(Finding('videos', rel, f'Kopfzeile nennt Videotitel, die es noch nicht gibt: „{item}“ – erwartet „{expected}“ '
                                              '(Titel und URLs stehen nur in videos.yml)'))
        else:
            out.append(Finding('videos', rel, f'Kopfzeile „{item}“ – erwartet „{expected}“'))
    return out


def home_map_problems(nbs: Path = NBS) -> list[Finding]:
    "Video columns of the home page's tables (`index.ipynb`) against `nbs/videos.yml`: each row names its notebooks' videos."
    slots = read_videos(nbs)
    md = '\n'.join(cell_source(c) for c in read_nb(nbs / 'index.ipynb')['cells'] if c['cell_type'] == 'markdown')
    out = []
    for table in re.findall(r'(?:^\|.*\|[ \t]*\n?)+', md, re.M):
        rows = [[c.strip() for c in line.strip().strip('|').split('|')] for line in table.strip().splitlines()]
        col = next((i for i, h in enumerate(rows[0]) if h.startswith('Video')), None)
        if col is None: continue
        for row in rows[2:]:
            linked = [normalize_rel(p) for p in re.findall(r'\]\(([^)\s]+\.ipynb)\)', row[0] + '|' + '|'.join(row[1:col]))]
            want = sorted(s.number for s in slots if s.notebook in linked)
            have = sorted(parse_video_numbers(row[col]))
            if want != have:
                out.append(Finding('videos', 'index.ipynb', f'Tabelle „{" | ".join(rows[0])}“, Zeile „{row[0][:50]}“: Videos '
                                                            f'{video_numbers_text(have) or "–"}, laut videos.yml {video_numbers_text(want) or "–"}'))
    return out


def normalize_rel(rel: str) -> str:
    "A link relative to nbs/ in normal form ('./a/../b.ipynb' -> 'b.ipynb')."
    import posixpath
    return posixpath.normpath(rel)


# --- the notebooks: header cells, cells nbdev-docs re-runs, alt text ------------------------------------------------

def frontmatter_problems(nb: dict) -> list[str]:
    "What nbdev's front-matter step would swallow from the notebook's first markdown cell."
    md = next((cell_source(c) for c in nb['cells'] if c['cell_type'] == 'markdown'), '')
    lines = [line for line in md.strip().splitlines() if line.strip()]
    if not lines or not lines[0].startswith('# '): return ['erste Markdown-Zelle beginnt nicht mit einem H1-Titel']
    rest = [line for line in lines[1:] if not line.startswith('> ')]
    problems = []
    if rest:
        problems.append('die erste Markdown-Zelle enthält mehr als Titel und >-Untertitel: nbdev macht sie zu Frontmatter, '
                        f'auf der Website fehlt dann alles ab „{rest[0][:60]}“ – Titel und Untertitel in eine eigene Zelle')
    keys = [line for line in rest if re.match(r'^-\s+(\S.*:.*\S)\s*$', line)]
    if keys: problems.append(f'{len(keys)} Listenzeile(n) mit Doppelpunkt werden zu Frontmatter-Schlüsseln, z. B. „{keys[0][:60]}“')
    return problems


def docs_exec_problems(nb: dict) -> list[str]:
    "Cells nbdev-docs runs in a fresh kernel (they contain an import) although they do more than import and define."
    out = []
    for i, c in enumerate(course_cells(nb)):
        if c['cell_type'] != 'code': continue
        text = cell_source(c)
        dirs = {m.group(1) for m in re.finditer(r'^\s*#\|\s*([\w-]+)', text, re.M)}
        if dirs & {'export', 'exports', 'exporti', 'exec_doc'} or re.search(r'^\s*#\|\s*eval:\s*false', text, re.M | re.I): continue
        code = '\n'.join(line for line in text.splitlines() if not line.lstrip().startswith(('%', '!')))
        try: tree = ast.parse(code)
        except SyntaxError: continue
        if not any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree)): continue
        if all(isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)) for n in tree.body): continue
        out.append(f'Zelle {i}: „{first_code_line(text)[:70]}“')
    return out


def first_code_line(text: str) -> str:
    "The first line of a cell that is not a `#|` directive (stripped)."
    return next((line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith('#|')), '')


NBCONVERT_DEFAULT_ALT = 'No description has been provided for this image'
_PLACEHOLDER_ALT = re.compile(r'^(?:image|img|bild|figure|fig|abbildung|grafik|plot|chart|output|png|jpe?g|svg)[\s_.\-]*\d*$'
                              r'|\.(?:png|jpe?g|gif|svg|webp)$|^<Figure size', re.I)
_EN = {'the', 'of', 'and', 'with', 'this', 'is', 'are', 'for', 'to', 'shows', 'showing', 'has', 'been', 'provided', 'no',
       'description', 'image', 'by', 'each', 'between', 'from', 'which', 'its', 'their', 'versus', 'over'}
_DE = {'der', 'die', 'das', 'und', 'mit', 'von', 'ein', 'eine', 'einer', 'zeigt', 'den', 'dem', 'des', 'im', 'für', 'auf',
       'ist', 'sind', 'je', 'pro', 'nach', 'über', 'zwischen', 'als', 'wie', 'bei', 'zur', 'zum', 'aus', 'gegen'}


def alt_text_problem(alt: str | None) -> str | None:
    "What is wrong with an image's alt text (missing, empty, a placeholder, English), or None if it describes the image in German."
    if alt is None: return 'kein alt-Text'
    text = alt.strip()
    if not text: return 'leerer alt-Text'
    if text.lower() == NBCONVERT_DEFAULT_ALT.lower(): return f'alt-Text ist nbconverts englischer Standardtext „{text}“'
    if _PLACEHOLDER_ALT.search(text): return f'alt-Text ist ein Platzhalter: „{text}“'
    words = re.findall(r'[a-zäöüß]+', text.lower())
    en, de = sum(w in _EN for w in words), sum(w in _DE for w in words)
    if en >= 2 and en > de: return f'alt-Text ist englisch: „{text[:60]}“ – auf Deutsch beschreiben'
    return None


def option_value(value: str | None) -> str | None:
    "A cell option's value as Quarto's YAML reads it (`\"Text\"` -> `Text`); None stays None."
    if value is None: return None
    import yaml
    try: parsed = yaml.safe_load(value)
    except yaml.YAMLError: return value
    return '' if parsed is None else str(parsed) if isinstance(parsed, (str, int, float, bool)) else value


def cell_options(cell: dict) -> dict[str, str | None]:
    "The cell's `#| key: value` options, parsed like nbdev parses them (fastcore's directives), values unquoted."
    from fastcore.nbio import NbCell
    bare = {'cell_type': cell['cell_type'], 'source': cell_source(cell), 'metadata': dict(cell.get('metadata', {}))}
    return {k: option_value(v) for k, v in NbCell(0, bare).directives.items()}


def fig_alt(cell: dict) -> str | None:
    "The code cell's Quarto option `#| fig-alt:` (the alt text of its figures), or None."
    return cell_options(cell).get('fig-alt') if cell['cell_type'] == 'code' else None


_MD_IMAGE = re.compile(r'!\[([^\]]*)\]\(([^)\s]+)[^)]*\)(\{[^}\n]*\})?')


def alt_text_problems(nb: dict) -> list[str]:
    "Figures of code cells without a German `#| fig-alt:`, and markdown images without German alt text (needs the outputs)."
    out = []
    for i, c in enumerate(course_cells(nb)):
        if c['cell_type'] == 'code':
            figures = sum(1 for o in c.get('outputs', []) if any(m in o.get('data', {}) for m in IMAGE_MIMES))
            if not figures: continue
            problem = alt_text_problem(fig_alt(c))
            if problem:
                what = 'kein #| fig-alt' if fig_alt(c) is None else f'#| fig-alt: {problem}'
                out.append(f'Zelle {i} („{first_code_line(cell_source(c))[:50]}“) zeigt {figures} Abbildung(en), {what}')
        elif c['cell_type'] == 'markdown':
            for alt, src, attrs in _MD_IMAGE.findall(cell_source(c)):
                m = re.search(r'fig-alt="([^"]*)"', attrs or '')
                if problem := alt_text_problem(m.group(1) if m else alt):
                    out.append(f'Zelle {i}: Bild {src[:50]}: {problem}')
    return out


def check_notebooks(nbs: Path = NBS, executed: Path | None = None) -> list[Finding]:
    "Every check on the notebooks of `nbs` (figures from their executed copies in `executed`): the findings, by notebook."
    out = [Finding('sidebar', rel, 'steht in sidebar.yml, liegt aber nicht im Ordner') for rel in missing_notebooks(nbs)]
    out += [Finding('sidebar', rel, 'fehlt in sidebar.yml') for rel in unlisted_notebooks(nbs)]
    sources = {'index.ipynb': nbs / 'index.ipynb', **course_notebooks(nbs)}
    for rel, path in sources.items():
        nb = read_nb(path)
        out += [Finding('kopfzelle', rel, p) for p in frontmatter_problems(nb)]
        cells = docs_exec_problems(nb)
        if cells:
            out.append(Finding('nbdev-docs', rel, 'nbdev-docs führt Zellen mit Import und weiterem Code in frischem Kernel aus – '
                                                  f'Importe in eigene Zellen: {"; ".join(cells)}'))
        if rel == 'index.ipynb': out += [Finding('alt-text', rel, p) for p in alt_text_problems(nb)]
        elif executed is not None:
            if (executed / rel).exists(): out += [Finding('alt-text', rel, p) for p in alt_text_problems(read_nb(executed / rel))]
            else: out.append(Finding('alt-text', rel, f'kein ausgeführtes Notebook in {executed}: Abbildungen nicht geprüft'))
    out += video_problems(nbs) + home_map_problems(nbs)
    order = {where: i for i, where in enumerate(['videos.yml', *sources, *planned_notebooks(nbs)])}
    return sorted(out, key=lambda f: order.get(f.where, len(order)))


# --- the rendered pages in Chromium ---------------------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass


@contextlib.contextmanager
def serve_site(site: Path, port: int = 0) -> Iterator[str]:
    "Serve folder `site` on 127.0.0.1 (a free port unless given) in a thread; yields the base URL, stops afterwards."
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', port), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try: yield f'http://127.0.0.1:{httpd.server_address[1]}'
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


# Runs in the page: what a reader would see that is broken. Returns plain data, judged in Python.
_PAGE_PROBE = r'''(rawPattern) => {
  const RAW_ATTRIBUTES = new RegExp(rawPattern);
  const vw = document.documentElement.clientWidth;
  const inside = (el, kinds) => { for (let p = el.parentElement; p && p !== document.documentElement; p = p.parentElement) {
      if (kinds.includes(getComputedStyle(p).overflowX)) return true; } return false; };
  const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const cell = el => { const c = el.closest('[id^="cell-id="]'); return c ? c.id.slice(8) : null; };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.classList.length ? '.' + el.classList[0] : '');
  const reach = el => { const r = el.getBoundingClientRect();  // how far right the element or its own overflowing content goes
      return getComputedStyle(el).overflowX === 'visible' ? Math.max(r.right, r.left + el.scrollWidth) : r.right; };
  const wide = [];
  if (document.documentElement.scrollWidth > vw) {
    const sticking = new Set([...document.body.querySelectorAll('*')].filter(el =>
        shown(el) && reach(el) > vw + 1 && !inside(el, ['auto', 'scroll', 'hidden', 'clip'])));
    for (const el of sticking)  // the innermost ones: the element itself is too wide, not one of its children
      if (![...el.children].some(c => sticking.has(c)))
        wide.push({what: name(el), width: Math.round(Math.max(el.getBoundingClientRect().width, el.scrollWidth)), cell: cell(el)});
  }
  const raw = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('pre, code, kbd, samp, script, style, textarea, .highlight') || !shown(el)) continue;
    const m = n.textContent.match(RAW_ATTRIBUTES);
    if (m) raw.push({text: n.textContent.slice(Math.max(0, m.index - 30), m.index + 50).trim(), cell: cell(el)});
  }
  const images = [...document.images].map(i => ({src: i.getAttribute('src') || '', alt: i.getAttribute('alt'),
      decorative: i.getAttribute('role') === 'presentation' || i.getAttribute('aria-hidden') === 'true', cell: cell(i)}));
  const links = [...document.querySelectorAll('a[href], link[href], img[src], script[src], source[src], iframe[src]')]
      .map(e => ({url: e.href || e.src, raw: e.getAttribute('href') || e.getAttribute('src')}));
  // navigation links a reader cannot reach: off the screen or cut off, unless inside a box the reader can scroll
  const nav = [...document.querySelectorAll('header a, nav a')].filter(a => shown(a) && !inside(a, ['auto', 'scroll'])).map(a => {
      const r = a.getBoundingClientRect(); return {text: a.innerText.trim(), left: r.left, right: r.right}; })
      .filter(a => a.left < -1 || a.right > vw + 1);
  return {vw, scrollWidth: document.documentElement.scrollWidth, wide, raw, images, links, nav};
}'''
RAW_ATTRIBUTES = re.compile(r'\{\s*(?:target\s*=|[.#][A-Za-z_][\w-]*|[A-Za-z][\w-]*=")')


def site_pages(site: Path) -> list[str]:
    "Every HTML page of the built site, relative to its root."
    return sorted(p.relative_to(site).as_posix() for p in site.rglob('*.html'))


def _cell_ids(items: list[dict]) -> str:
    ids = sorted({i['cell'] for i in items if i.get('cell')})
    return f' (Zellen-ID {", ".join(ids[:6])}{" …" if len(ids) > 6 else ""})' if ids else ''


def check_page(page, base: str, site: Path, rel: str, viewport: tuple[int, int]) -> list[Finding]:
    "Open page `rel` of `site` (served at `base`) in Playwright `page` at `viewport`: what a reader would see broken there."
    w, h = viewport
    page.set_viewport_size({'width': w, 'height': h})
    resp = page.goto(f'{base}/{rel}', wait_until='load')
    if not resp or resp.status != 200: return [Finding('link', rel, f'Seite antwortet mit {resp.status if resp else "nichts"}')]
    data = page.evaluate(_PAGE_PROBE, RAW_ATTRIBUTES.pattern)
    out = []
    if data['scrollWidth'] > data['vw']:
        widest = sorted(data['wide'], key=lambda x: -x['width'])[:3]
        culprits = ', '.join(f'{x["what"]} {x["width"]} px breit{_cell_ids([x])}' for x in widest)
        out.append(Finding('overflow', rel, f'bei {w} px ist die Seite {data["scrollWidth"]} px breit: {culprits or "?"}'))
    for a in data['nav']:
        out.append(Finding('navigation', rel, f'bei {w} px liegt der Navigationslink „{a["text"][:40]}“ außerhalb des Bildschirms'))
    raw: dict[str, list[dict]] = {}
    for r in data['raw']: raw.setdefault(r['text'], []).append(r)
    for text, rs in raw.items():
        times = f" ({len(rs)}×)" if len(rs) > 1 else ""
        out.append(Finding("roh-attribute", rel, f"Attribut-Syntax als Text sichtbar{times}: „{text}“{_cell_ids(rs)}"))
    problems: dict[str, list[dict]] = {}
    for img in data['images']:
        if img['decorative'] and img['alt'] == '': continue
        if p := alt_text_problem(img['alt']): problems.setdefault(p, []).append(img)
    for p, imgs in problems.items():
        out.append(Finding('alt-text', rel, f'{len(imgs)} Bild{"er" if len(imgs) > 1 else ""}: {p}{_cell_ids(imgs)}'))
    origin = urllib.parse.urlsplit(base).netloc
    broken = []
    for link in data['links']:
        u = urllib.parse.urlsplit(link['url'])
        if u.scheme not in ('http', 'https') or u.netloc != origin: continue
        path = urllib.parse.unquote(u.path).lstrip('/')
        if not path or path.endswith('/'): path += 'index.html'
        if not (site / path).is_file(): broken.append(link['raw'])
    for b in dict.fromkeys(broken):
        out.append(Finding('link', rel, f'Link ins Leere: {b[:100]}'))
    return out


def check_pages(site: Path, browser, pages: list[str] | None = None, viewports=VIEWPORTS) -> list[Finding]:
    "Open every page of `site` in Playwright `browser` at every viewport (1366×900, 390×844): the findings, by page."
    pages = site_pages(site) if pages is None else pages
    out: list[Finding] = []
    with serve_site(site) as base:
        ctx = browser.new_context(locale='de-DE', viewport={'width': viewports[0][0], 'height': viewports[0][1]})
        try:
            page = ctx.new_page()
            for rel in pages:
                for vp in viewports: out += check_page(page, base, site, rel, vp)
        finally: ctx.close()
    return list(dict.fromkeys(out))  # what both widths show alike is reported once


# Without the background-networking flags Chromium keeps reaching for Google's hosts, which a closed network refuses.
CHROMIUM_ARGS = ('--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic')


@contextlib.contextmanager
def chromium() -> Iterator:
    """Debian's Chromium (or the browser at $CHROMIUM), headless, driven by Playwright (no browser download); yields the
    browser. The tests, the benchmarks and this tool all start it here."""
    from playwright.sync_api import sync_playwright
    exe = os.environ.get('CHROMIUM') or next((p for p in ('/usr/bin/chromium', '/usr/bin/google-chrome') if Path(p).exists()),
                                             '/usr/bin/chromium')
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=list(CHROMIUM_ARGS))
        try: yield b
        finally: b.close()


def main(argv: list[str] | None = None) -> int:
    "Command line: check the notebooks (and with --site every page in Chromium); returns 1 if anything is found."
    p = argparse.ArgumentParser(prog='site_checks', description='Prüft Kurs-Notebooks und die gebaute Website-Vorschau')
    p.add_argument('--nbs', default='nbs', help='Ordner der Quell-Notebooks (Kurs- oder Studierenden-Ausgabe)')
    p.add_argument('--executed', default='_build/executed', help='ausgeführte Notebooks (für die Abbildungen)')
    p.add_argument('--site', default=None, help='gebaute Vorschau: jede Seite in Chromium prüfen')
    a = p.parse_args(argv)
    findings = check_notebooks(ROOT / a.nbs, ROOT / a.executed)
    if a.site:
        with chromium() as browser: findings += check_pages(ROOT / a.site, browser)
    for where, messages in by_place(findings).items():
        print(where)
        for m in messages: print(f'  - {m}')
    print(f'{len(findings)} Befund(e).' if findings else 'Nichts gefunden, was die Website stören würde.')
    return 1 if findings else 0


if __name__ == '__main__':
    sys.exit(main())
