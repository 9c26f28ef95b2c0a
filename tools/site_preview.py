"""Offline preview of the course website, built the nbdev way up to Quarto (Quarto itself runs in GitHub Actions).

    python tools/site_preview.py build [--executed _build/executed] [--out _build/site] [--no-run] [--strict]
    python tools/site_preview.py serve [--out _build/site] [--port 8000]
    python tools/site_preview.py stage --executed _build/executed --into nbs      (CI only: executed copies over nbs/)

`build` takes the executed notebooks (runs `execute_all` for missing or outdated ones, each with its own store) plus
`nbs/index.ipynb`, processes each with nbdev's own doc processors (`FilterDefaults`, exactly what `nbdev-docs` runs
before Quarto), renders it with nbconvert into a page with the sidebar of `nbs/sidebar.yml`, and adds an API
reference per module, a map (notebooks -> modules -> apps -> videos) and the portfolio checklist. Whatever would
break or mangle the real website is reported (and written to `build-report.json`): notebooks that nbdev cannot
process, header cells that nbdev turns into frontmatter, planned notebooks that are missing, broken internal links.
"""
from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT / 'nbs'
SITE_URL = 'https://amalea-kurs.github.io/amalea-quack'
REPO_URL = 'https://github.com/amalea-kurs/amalea-quack'
N_VIDEOS = 22
IMAGE_MIMES = ('image/png', 'image/jpeg', 'image/gif')
PROC_VERSION = 1  # bump when the nbdev processing step changes (invalidates the cache next to the site)


# --- what the course consists of ------------------------------------------------------------------------------------

def out_path(rel: str | Path) -> Path:
    "Page of notebook `rel` (relative to nbs/) on the website: nbdev strips the number prefix (`nbpath2html`)."
    p = Path(rel)
    return p.with_name(re.sub(r'^\d+[a-zA-Z0-9]*_', '', p.name.lower())).with_suffix('.html')


@dataclass
class Section:
    title: str | None
    entries: list[str] = field(default_factory=list)  # notebook paths relative to nbs/


def read_sidebar(path: Path = NBS / 'sidebar.yml') -> list[Section]:
    "The sidebar of `nbs/sidebar.yml` in order: top-level pages, then sections with their notebooks."
    import yaml
    contents = yaml.safe_load(path.read_text(encoding='utf-8'))['website']['sidebar']['contents']
    out = [Section(None)]
    for item in contents:
        if isinstance(item, str): out[0].entries.append(item)
        elif isinstance(item, dict) and 'section' in item:
            out.append(Section(item['section'], [e if isinstance(e, str) else e['href'] for e in item.get('contents', [])]))
        elif isinstance(item, dict) and 'href' in item: out[0].entries.append(item['href'])
        else: raise ValueError(f'sidebar.yml: unerwarteter Eintrag {item!r} (erwartet: Pfad, href oder section)')
    return out


def read_nb(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding='utf-8'))


def src(cell: dict) -> str:
    s = cell.get('source', '')
    return ''.join(s) if isinstance(s, list) else s


def header_cells(nb: dict) -> list[str]:
    "Markdown of the notebook's head: markdown cells up to the one with `## Lernziele` (at most the first four)."
    md = [src(c) for c in nb['cells'][:6] if c['cell_type'] == 'markdown']
    for i, s in enumerate(md):
        if '## Lernziele' in s: return md[:i + 1]
    return md[:4]


def h1_title(nb: dict) -> str | None:
    for s in header_cells(nb):
        m = re.search(r'^#\s+(\S.*?)\s*$', s, re.M)
        if m: return m.group(1)
    return None


_VIDEO = re.compile(r'🎥\s*Kursvideos?\s+([0-9][0-9–\-—,\s]*(?:und\s+[0-9]+)?)\s*:\s*(.*)$', re.M)


def parse_videos(text: str) -> dict[int, str]:
    "Video numbers and titles from a header line `🎥 Kursvideo 5: *Titel*` or `🎥 Kursvideos 1–2: *A*, *B*`."
    m = _VIDEO.search(text)
    if not m: return {}
    nums: list[int] = []
    for part in re.split(r',|\bund\b', m.group(1)):
        part = part.strip()
        if not part: continue
        rng = re.fullmatch(r'(\d+)\s*[–\-—]\s*(\d+)', part)
        lo, hi = (int(rng[1]), int(rng[2])) if rng else (int(part), int(part))
        if hi < lo: raise ValueError(f'Videobereich rückwärts: {part!r}')
        nums += range(lo, hi + 1)
    titles = re.findall(r'\*([^*]+)\*', m.group(2))
    if len(titles) != len(nums): titles = [', '.join(titles)] * len(nums) if titles else [''] * len(nums)
    return dict(zip(nums, titles, strict=True))


def phase_line(nb: dict) -> str:
    for s in header_cells(nb):
        m = re.search(r'\*\*((?:Woche \d+|Anhang)[^*]*)\*\*', s)
        if m: return m.group(1)
    return ''


def default_exp(nb: dict) -> str | None:
    for c in nb['cells']:
        m = re.search(r'^\s*#\|\s*default_exp\s+(\S+)', src(c), re.M) if c['cell_type'] == 'code' else None
        if m: return m.group(1)
    return None


def linked_apps(nb: dict) -> list[str]:
    "App folders the notebook links to (`apps/<name>`), in order of appearance."
    found = re.findall(r'apps/([a-z0-9_]+)', '\n'.join(src(c) for c in nb['cells'] if c['cell_type'] == 'markdown'))
    return list(dict.fromkeys(found))


def app_modules(root: Path = ROOT) -> dict[str, list[str]]:
    "App folder -> the amalea_quack modules its streamlit_app.py imports."
    out = {}
    for app in sorted((root / 'apps').glob('*/streamlit_app.py')):
        text = app.read_text(encoding='utf-8')
        out[app.parent.name] = sorted(set(re.findall(r'amalea_quack\.(\w+)', text)))
    return out


def header_problems(nb: dict) -> list[str]:
    "What nbdev's frontmatter step would do wrong with this notebook's first markdown cell."
    md = next((src(c) for c in nb['cells'] if c['cell_type'] == 'markdown'), '')
    lines = [line for line in md.strip().splitlines() if line.strip()]
    problems = []
    if not lines or not lines[0].startswith('# '): return ['erste Markdown-Zelle beginnt nicht mit einem H1-Titel']
    rest = [line for line in lines[1:] if not line.startswith('> ')]
    if rest:
        problems.append('die erste Markdown-Zelle enthält mehr als Titel und >-Untertitel: nbdev macht sie zu Frontmatter, '
                        f'auf der Website fehlt dann alles ab „{rest[0][:60]}“ – Titel und Untertitel in eine eigene Zelle')
    keys = [line for line in rest if re.match(r'^-\s+(\S.*:.*\S)\s*$', line)]
    if keys: problems.append(f'{len(keys)} Listenzeile(n) mit Doppelpunkt werden zu Frontmatter-Schlüsseln, z. B. „{keys[0][:60]}“')
    return problems


def docs_exec_problems(nb: dict) -> list[str]:
    "Cells nbdev-docs would run in a fresh kernel (they contain an import) although they also do other things."
    import ast
    out = []
    for i, c in enumerate(nb['cells']):
        if c['cell_type'] != 'code': continue
        text = src(c)
        dirs = {m.group(1) for m in re.finditer(r'^\s*#\|\s*([\w-]+)', text, re.M)}
        if dirs & {'export', 'exports', 'exporti', 'exec_doc'} or re.search(r'^\s*#\|\s*eval:\s*false', text, re.M | re.I): continue
        code = '\n'.join(line for line in text.splitlines() if not line.lstrip().startswith(('%', '!')))
        try: tree = ast.parse(code)
        except SyntaxError: continue
        if not any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree)): continue
        if all(isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)) for n in tree.body): continue  # only defines
        first = next((line for line in text.splitlines() if line.strip() and not line.lstrip().startswith('#|')), '')
        out.append(f'Zelle {i}: „{first.strip()[:70]}“')
    return out


# --- the nbdev processing step (one notebook, in its own process) ---------------------------------------------------

def drop_injected_parameters(nb: dict) -> dict:
    "Remove the cell papermill injects (`# Parameters` with the values used); the site shows the notebook's own cell."
    nb['cells'] = [c for c in nb['cells'] if 'injected-parameters' not in c.get('metadata', {}).get('tags', [])]
    return nb


def nbdev_process(executed: Path, rel: str, dst: Path) -> dict:
    "Run nbdev's doc processors on the notebook; on failure record why and fall back to them without show_doc execution."
    import warnings

    from fastcore.nbio import dict2nb, write_nb
    from nbdev.processors import FilterDefaults, add_show_docs, exec_show_docs
    os.chdir(ROOT)  # nbdev reads pyproject.toml from the working directory
    os.environ['IN_TEST'] = '1'
    result = {'error': None, 'warnings': []}

    def load():
        nb = dict2nb(drop_injected_parameters(read_nb(executed)))
        nb.path_ = str(NBS / rel)
        return nb

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        nb = load()
        try: FilterDefaults()(nb)
        except Exception as e:  # nbdev wraps every cell error in a plain Exception
            result['error'] = f'{type(e).__name__}: {e}'
            class NoExec(FilterDefaults):
                def base_procs(self): return [p for p in super().base_procs() if p not in (add_show_docs, exec_show_docs)]
            nb = load()
            NoExec()(nb)
    result['warnings'] = sorted({str(w.message).split('\n')[0] for w in caught if 'imports and other code' in str(w.message)})
    result['frontmatter'] = getattr(nb, 'frontmatter_', {})
    write_nb(nb, dst)
    return result


# --- turning a processed notebook into a page -----------------------------------------------------------------------

_DIRECTIVE = re.compile(r'^\s*#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$')
_QUARTO_ATTRS = re.compile(r'(\]\([^)\s]*\))\{[^}\n]*\}')


def quarto_lite(nb: dict) -> dict:
    "Apply what Quarto would do with the cell options nbdev leaves (`#| echo: false`, `output`, `include`)."
    cells = []
    keep = {'cell_type', 'id', 'metadata', 'source', 'attachments', 'outputs', 'execution_count'}
    for c in nb['cells']:
        for k in set(c) - keep: del c[k]  # nbdev's bookkeeping (has_sd, idx_, …) is no notebook format
        if c['cell_type'] != 'code': c.pop('outputs', None); c.pop('execution_count', None)
        for k in ('execution', 'papermill', 'ExecuteTime'): c.get('metadata', {}).pop(k, None)
        if c['cell_type'] == 'raw' and re.match(r'^---\s*\n', src(c)): continue  # frontmatter, shown as title block
        if c['cell_type'] == 'markdown': c['source'] = _QUARTO_ATTRS.sub(r'\1', src(c))
        if c['cell_type'] == 'code':
            lines, opts = src(c).splitlines(), {}
            while lines and (m := _DIRECTIVE.match(lines[0])):
                opts[m.group(1)] = m.group(2).lower()
                lines.pop(0)
            c['source'] = '\n'.join(lines)
            if opts.get('include') == 'false': continue
            tags = c.setdefault('metadata', {}).setdefault('tags', [])
            if opts.get('echo') == 'false' or not c['source'].strip(): tags.append('remove_input')
            if opts.get('output') == 'false': c['outputs'] = []
            for o in c.get('outputs', []):
                md = o.get('data', {}).get('text/markdown')
                if md is not None: o['data']['text/markdown'] = _QUARTO_ATTRS.sub(r'\1', ''.join(md) if isinstance(md, list) else md)
        cells.append(c)
    nb['cells'] = cells
    return nb


def figures_in(nb: dict) -> int:
    return sum(1 for c in nb['cells'] if c['cell_type'] == 'code' for o in c.get('outputs', []) if any(m in o.get('data', {}) for m in IMAGE_MIMES))


def to_html_body(nb: dict) -> str:
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config
    cfg = Config()
    cfg.TagRemovePreprocessor.remove_input_tags = {'remove_input'}
    cfg.TagRemovePreprocessor.enabled = True
    exp = HTMLExporter(config=cfg, template_name='basic', exclude_input_prompt=True, exclude_output_prompt=True)
    exp.register_preprocessor(TagRemovePreprocessor(config=cfg), enabled=True)
    body, _ = exp.from_notebook_node(nbformat.reads(json.dumps(nb), as_version=4))  # reads() joins multi-line lists
    return body


def markdown_html(md: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    return markdown2html_mistune(md)


# --- links ----------------------------------------------------------------------------------------------------------

_LINK = re.compile(r'(<[a-zA-Z][^<>]*?\s)(href|src)="([^"]*)"')  # attributes of real tags, not text inside code


def rewrite_links(body: str, page_src_dir: Path, page_out: Path, known: dict[str, Path]) -> str:
    "Notebook links (`x.ipynb`) and absolute site links -> relative links between the pages of the preview."
    def target(url: str) -> str:
        if url.startswith(SITE_URL + '/'):
            path, _, frag = url[len(SITE_URL) + 1:].partition('#')
            path = path.removesuffix('.md')
            return rel_url(Path(path), page_out) + (f'#{frag}' if frag else '')
        if re.match(r'^[a-z][a-z0-9+.-]*:|^#|^//', url): return url
        path, _, frag = url.partition('#')
        if path.endswith('.ipynb'):
            nb_rel = os.path.normpath((page_src_dir / path).as_posix())
            out = known.get(nb_rel, out_path(nb_rel))
            return rel_url(out, page_out) + (f'#{frag}' if frag else '')
        return url
    return _LINK.sub(lambda m: f'{m.group(1)}{m.group(2)}="{html.escape(target(html.unescape(m.group(3))), quote=True)}"', body)


def rel_url(target: Path, page_out: Path) -> str:
    return Path(os.path.relpath(target, page_out.parent or Path('.'))).as_posix()


def check_links(site: Path) -> list[str]:
    "Internal href/src of every page that point to no file of the site."
    broken = []
    for page in sorted(site.rglob('*.html')):
        for _, _, url in _LINK.findall(page.read_text(encoding='utf-8')):
            url = html.unescape(url)
            if re.match(r'^[a-z][a-z0-9+.-]*:|^#|^//', url) or not url: continue
            path = url.split('#')[0].split('?')[0]
            if path and not (page.parent / path).resolve().is_file():
                broken.append(f'{page.relative_to(site)} -> {url}')
    return broken


# --- page layout ----------------------------------------------------------------------------------------------------

@dataclass
class Page:
    out: Path                # relative to the site root
    title: str
    kind: str                # index, notebook, missing, api, map, portfolio
    source: str | None = None
    description: str = ''
    body: str = ''
    notes: list[str] = field(default_factory=list)
    figures: int = 0


def sidebar_html(sections: list[Section], pages: dict[str, Page], extra: list[tuple[str, list[Page]]], current: Page) -> str:
    def item(p: Page) -> str:
        cls = ' class="active"' if p.out == current.out else ''
        missing = ' <span class="badge">fehlt noch</span>' if p.kind == 'missing' else ''
        return f'<li{cls}><a href="{rel_url(p.out, current.out)}">{html.escape(p.title)}</a>{missing}</li>'
    parts = []
    for s in sections:
        items = ''.join(item(pages[e]) for e in s.entries if e in pages)
        parts.append(f'<li class="section"><span>{html.escape(s.title)}</span><ul>{items}</ul></li>' if s.title else items)
    for title, ps in extra:
        parts.append(f'<li class="section"><span>{html.escape(title)}</span><ul>{"".join(item(p) for p in ps)}</ul></li>')
    return f'<nav class="sidebar" aria-label="Inhalt"><ul>{"".join(parts)}</ul></nav>'


def render_page(page: Page, sidebar: str, navbar: list[tuple[str, Path]], site_title: str) -> str:
    css = [rel_url(Path(p), page.out) for p in ('assets/pygments.css', 'assets/site.css', 'styles.css')]
    nav = ''.join(f'<a href="{rel_url(t, page.out)}">{html.escape(text)}</a>' for text, t in navbar)
    notes = ''.join(f'<div class="callout warning" role="note"><strong>Hinweis für die Website:</strong> {html.escape(n)}</div>' for n in page.notes)
    desc = f'<p class="description">{html.escape(page.description)}</p>' if page.description else ''
    return f'''<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(page.title)} – {html.escape(site_title)}</title>
{''.join(f'<link rel="stylesheet" href="{c}">' for c in css)}
</head>
<body class="kind-{page.kind}">
<header class="navbar"><a class="brand" href="{rel_url(Path('index.html'), page.out)}">{html.escape(site_title)}</a>{nav}</header>
<div class="layout">
{sidebar}
<main id="content">
<header class="title-block"><h1 class="title">{html.escape(page.title)}</h1>{desc}</header>
{notes}
{page.body}
</main>
</div>
<footer>Vorschau ohne Quarto (tools/site_preview.py) · die Kurs-Website baut GitHub Actions mit nbdev und Quarto ·
<a href="{REPO_URL}">Repository</a></footer>
</body>
</html>
'''


SITE_CSS = '''
:root { --accent: #2c6e9b; --line: #dde3ea; --muted: #5a6570; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: #1d252c; }
a { color: var(--accent); }
.navbar { position: sticky; top: 0; z-index: 2; display: flex; gap: 1.2rem; align-items: center; padding: .7rem 1.4rem;
          background: var(--accent); }
.navbar a { color: #fff; text-decoration: none; } .navbar .brand { font-weight: 600; margin-right: auto; }
.layout { display: flex; align-items: flex-start; max-width: 1400px; margin: 0 auto; }
.sidebar { flex: 0 0 290px; position: sticky; top: 3rem; max-height: calc(100vh - 3rem); overflow-y: auto;
           padding: 1rem .8rem 2rem 1.2rem; font-size: .92rem; border-right: 1px solid var(--line); }
.sidebar ul { list-style: none; margin: 0; padding: 0; } .sidebar li { margin: .15rem 0; }
.sidebar li.section > span { display: block; margin-top: .9rem; font-weight: 600; color: var(--muted); }
.sidebar li.section ul { padding-left: .6rem; }
.sidebar a { text-decoration: none; color: #1d252c; } .sidebar li.active > a { color: var(--accent); font-weight: 600; }
.badge { font-size: .72rem; background: #f3d9a4; border-radius: 3px; padding: 0 .3rem; color: #5b4100; }
main { flex: 1 1 auto; min-width: 0; padding: 1.2rem 2.2rem 3rem; }
.title-block h1 { margin: .4rem 0 .2rem; font-size: 2rem; } .description { color: var(--muted); font-size: 1.08rem; margin-top: 0; }
.callout { border-left: 4px solid var(--accent); background: #f4f8fb; padding: .6rem .9rem; margin: 1rem 0; }
.callout.warning { border-color: #d08a00; background: #fff8e8; }
.jp-Cell { margin: .8rem 0; } .jp-InputArea-editor, .jp-RenderedText pre, main pre { overflow-x: auto; }
.jp-InputArea-editor .highlight, main pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 4px; padding: .6rem .8rem; margin: 0; }
.jp-InputArea-editor .highlight pre { background: none; border: 0; padding: 0; }
.jp-OutputArea-output pre { background: #fff; border: 0; border-left: 3px solid var(--line); border-radius: 0; padding: .3rem .8rem; }
.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"] pre { color: var(--muted); font-size: .85rem; }
.jp-OutputArea-output img { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .93rem; display: block; overflow-x: auto; }
th, td { border: 1px solid var(--line); padding: .3rem .6rem; text-align: left; vertical-align: top; } th { background: #f4f6f8; }
.api-toc { columns: 3; font-size: .9rem; } .api-toc li { break-inside: avoid; }
.jp-InputPrompt, .jp-OutputPrompt, .anchor-link { display: none; }
h2 .anchor-link, h3 .anchor-link { display: none; }
code { font-size: .9em; } li.task-list-item { list-style: none; } li.task-list-item input { margin-right: .5rem; }
footer { border-top: 1px solid var(--line); padding: 1rem 1.4rem; color: var(--muted); font-size: .85rem; }
@media (max-width: 900px) { .layout { display: block; } .sidebar { position: static; max-height: none; border: 0; } }
'''


# --- build ----------------------------------------------------------------------------------------------------------

def ensure_executed(executed: Path, notebooks: list[Path], run: bool) -> dict[str, str]:
    "Execute notebooks whose executed copy is missing or older than the source; return rel -> error for failures."
    stale = [p for p in notebooks if not (executed / p.relative_to(NBS)).exists()
             or (executed / p.relative_to(NBS)).stat().st_mtime < p.stat().st_mtime]
    if not stale: return {}
    names = ', '.join(str(p.relative_to(NBS)) for p in stale)
    if not run: return {str(p.relative_to(NBS)): 'nicht ausgeführt (--no-run)' for p in stale}
    print(f'Führe {len(stale)} Notebook(s) aus (je eigener Store): {names}', flush=True)
    from amalea_quack.course import execute_all
    res = execute_all(executed, stale, quick=True, workers=2)
    return {r.Notebook: (r.Fehler or 'Fehler') for r in res.itertuples() if not r.ok}


def process_all(jobs: list[tuple[Path, str]], work: Path) -> dict[str, dict]:
    "nbdev-process every (executed notebook, rel) in its own Python process, two at a time."
    def one(job):
        executed, rel = job
        dst, meta = work / rel, (work / rel).with_suffix('.json')
        if dst.exists() and meta.exists() and dst.stat().st_mtime >= executed.stat().st_mtime:
            cached = json.loads(meta.read_text(encoding='utf-8'))
            if cached.get('version') == PROC_VERSION and cached.get('input') == str(executed): return rel, cached
        dst.parent.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run([sys.executable, __file__, '_process', str(executed), rel, str(dst)], capture_output=True, text=True,
                              cwd=ROOT, timeout=900)
        if proc.returncode: return rel, {'error': f'Verarbeitung abgebrochen: {proc.stderr.strip().splitlines()[-1:]}', 'crashed': True}
        res = json.loads(proc.stdout.strip().splitlines()[-1]) | {'version': PROC_VERSION, 'input': str(executed)}
        meta.write_text(json.dumps(res, ensure_ascii=False), encoding='utf-8')
        return rel, res
    with ThreadPoolExecutor(2) as pool: return dict(pool.map(one, jobs))


def api_markdown() -> dict[str, dict]:
    "Per module of amalea_quack: docstring and show_doc markdown of every public name (computed in a fresh process)."
    proc = subprocess.run([sys.executable, __file__, '_api'], capture_output=True, text=True, cwd=ROOT, timeout=900)
    if proc.returncode: raise RuntimeError(f'API-Referenz: {proc.stderr[-2000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _api_worker() -> dict[str, dict]:
    import importlib
    import inspect
    import warnings

    from nbdev.showdoc import show_doc
    warnings.simplefilter('ignore')
    os.chdir(ROOT)
    out = {}
    for f in sorted((ROOT / 'amalea_quack').glob('*.py')):
        if f.stem.startswith('_'): continue
        try: mod = importlib.import_module(f'amalea_quack.{f.stem}')
        except Exception as e:
            out[f.stem] = {'doc': '', 'items': [], 'error': f'{type(e).__name__}: {e}'}
            continue
        items = []
        for name in getattr(mod, '__all__', []):
            obj = getattr(mod, name, None)
            if obj is None: continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                md = show_doc(obj)._repr_markdown_()
                if inspect.isclass(obj):
                    for mname, m in vars(obj).items():
                        if not mname.startswith('_') and inspect.isfunction(m) and m.__doc__:
                            md += '\n\n' + show_doc(m, name=f'{name}.{mname}', title_level=4)._repr_markdown_()
            else: md = f'---\n\n### {name}\n\n```python\n{name} = {reprlib_short(obj)}\n```\n'
            items.append({'name': name, 'md': md})
        out[f.stem] = {'doc': (mod.__doc__ or '').split('\n\nDocs:')[0].strip(), 'items': items, 'error': None}
    return out


def reprlib_short(obj) -> str:
    import reprlib
    r = reprlib.Repr()
    r.maxstring, r.maxother = 120, 120
    return r.repr(obj)


@dataclass
class Report:
    pages: list[dict] = field(default_factory=list)
    missing_notebooks: list[str] = field(default_factory=list)
    not_in_sidebar: list[str] = field(default_factory=list)
    execution_failures: dict[str, str] = field(default_factory=dict)
    nbdev_errors: dict[str, str] = field(default_factory=dict)
    nbdev_warnings: dict[str, list[str]] = field(default_factory=dict)
    header_problems: dict[str, list[str]] = field(default_factory=dict)
    docs_exec_cells: dict[str, list[str]] = field(default_factory=dict)
    api_errors: dict[str, str] = field(default_factory=dict)
    videos: dict[int, str] = field(default_factory=dict)
    missing_videos: list[int] = field(default_factory=list)
    duplicate_videos: dict[int, list[str]] = field(default_factory=dict)
    broken_links: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        out = [f'geplant, aber nicht im Repository: {m}' for m in self.missing_notebooks]
        out += [f'nicht in nbs/sidebar.yml: {m}' for m in self.not_in_sidebar]
        out += [f'nicht oder mit Fehler ausgeführt: {k}: {v}' for k, v in self.execution_failures.items()]
        out += [f'nbdev-docs würde scheitern an {k}: {v.splitlines()[0]} …' for k, v in self.nbdev_errors.items()]
        out += [f'{k}: nbdev-docs führt Zellen mit Import und weiterem Code in frischem Kernel aus – Importe in eigene Zellen: {"; ".join(v)}'
                for k, v in self.docs_exec_cells.items()]
        out += [f'{k}: {p}' for k, ps in self.header_problems.items() for p in ps]
        out += [f'API-Referenz: Modul {k} nicht importierbar: {v}' for k, v in self.api_errors.items()]
        out += [f'Kursvideo {n} ist keinem Notebook zugeordnet' for n in self.missing_videos]
        out += [f'Kursvideo {n} mehrfach: {", ".join(v)}' for n, v in self.duplicate_videos.items()]
        out += [f'Link ins Leere: {b}' for b in self.broken_links]
        return out


def build(executed: Path, out: Path, run: bool = True) -> Report:
    "Build the preview into `out` and return what would break or mangle the real website."
    import yaml

    from amalea_quack.course import notebooks
    rep = Report()
    sections = read_sidebar()
    planned = [e for s in sections for e in s.entries]
    existing = {str(p.relative_to(NBS)): p for p in notebooks()}
    rep.missing_notebooks = [e for e in planned if e != 'index.ipynb' and e not in existing]
    rep.not_in_sidebar = [e for e in existing if e not in planned]
    if rep.not_in_sidebar: sections.append(Section('Weitere Notebooks', list(rep.not_in_sidebar)))
    rep.execution_failures = ensure_executed(executed, list(existing.values()), run)
    site_title = yaml.safe_load((NBS / 'nbdev.yml').read_text(encoding='utf-8'))['website']['title']

    # nbdev processing: index.ipynb from its source, course notebooks from their executed copies
    work = out.parent / f'{out.name}-proc'  # cache of nbdev-processed notebooks (like nbdev's _proc/)
    jobs = [(NBS / 'index.ipynb', 'index.ipynb')]
    # a notebook without an executed copy is shown from its source (no outputs) and reported
    jobs += [(executed / rel if (executed / rel).exists() else NBS / rel, rel) for rel in existing]
    processed = process_all(jobs, work)

    pages: dict[str, Page] = {}
    sources = {rel: read_nb(p) for rel, p in existing.items()}
    sources['index.ipynb'] = read_nb(NBS / 'index.ipynb')
    for rel, nb in sources.items():
        rep.header_problems.update({rel: hp} if (hp := header_problems(nb)) else {})
        rep.docs_exec_cells.update({rel: dp} if (dp := docs_exec_problems(nb)) else {})
        res = processed.get(rel, {'error': 'kein ausgeführtes Notebook'})
        fm = res.get('frontmatter', {})
        page = Page(out_path(rel), fm.get('title') or h1_title(nb) or rel, 'index' if rel == 'index.ipynb' else 'notebook', rel,
                    fm.get('description', ''))
        if res.get('error'):
            rep.nbdev_errors[rel] = res['error']
            page.notes.append('nbdev kann dieses Notebook nicht für die Website aufbereiten (nbdev-docs bricht ab): '
                              + res['error'].splitlines()[0] + ' – die API-Blöcke fehlen deshalb in dieser Vorschau.')
        if res.get('warnings'): rep.nbdev_warnings[rel] = res['warnings']
        page.notes += rep.header_problems.get(rel, [])
        if rel in rep.execution_failures: page.notes.append(f'nicht oder mit Fehler ausgeführt: {rep.execution_failures[rel]}')
        if (work / rel).exists():
            nb = quarto_lite(read_nb(work / rel))
            page.figures = figures_in(nb)
            page.body = to_html_body(nb)
        pages[rel] = page
    for rel in rep.missing_notebooks:
        name = re.sub(r'^\d+_', '', Path(rel).stem).replace('_', ' ')
        pages[rel] = Page(out_path(rel), f'{name[:1].upper()}{name[1:]} (noch nicht erschienen)', 'missing', rel,
                          body=f'<p>Das Notebook <code>nbs/{html.escape(rel)}</code> steht in <code>nbs/sidebar.yml</code>, liegt aber '
                               'noch nicht im Repository. Sobald es da ist, erscheint hier die ausgeführte Lektion.</p>')

    # videos, map, portfolio, API
    api = api_markdown()
    modules_of = {rel: default_exp(nb) for rel, nb in sources.items() if rel != 'index.ipynb'}
    api_pages = []
    for mod, info in api.items():
        lesson = next((r for r, m in modules_of.items() if m == mod), None)
        p = Page(Path('api') / f'{mod}.html', f'amalea_quack.{mod}', 'api', description=info['doc'])
        if info['error']: rep.api_errors[mod] = info['error']; p.notes.append(f'Modul nicht importierbar: {info["error"]}')
        link = f'<p>Lektion: <a href="{rel_url(out_path(lesson), p.out)}">{html.escape(pages[lesson].title)}</a></p>' if lesson else ''
        toc = ''.join(f'<li><a href="#{html.escape(i["name"])}"><code>{html.escape(i["name"])}</code></a></li>' for i in info['items'])
        blocks = ''.join(f'<section id="{html.escape(i["name"])}">{markdown_html(i["md"])}</section>' for i in info['items'])
        p.body = f'{link}<ul class="api-toc">{toc}</ul>{blocks}'
        api_pages.append(p)
    api_index = Page(Path('api/index.html'), 'API-Referenz', 'api', description='Jedes Modul von amalea_quack, exportiert aus einem Notebook.')
    api_index.body = '<ul>' + ''.join(f'<li><a href="{rel_url(p.out, api_index.out)}"><code>{html.escape(p.title)}</code></a> – '
                                      f'{html.escape(p.description)}</li>' for p in api_pages) + '</ul>'

    video_owner: dict[int, list[str]] = {}
    rows = []
    apps_used = app_modules()
    for s in sections:
        for rel in s.entries:
            if rel == 'index.ipynb': continue
            if rel not in sources:
                rows.append((rel, None)); continue
            nb = sources[rel]
            for n in parse_videos('\n'.join(header_cells(nb))): video_owner.setdefault(n, []).append(rel)
            rows.append((rel, nb))
    rep.videos = {n: v[0] for n, v in sorted(video_owner.items())}
    rep.duplicate_videos = {n: v for n, v in video_owner.items() if len(v) > 1}
    rep.missing_videos = [n for n in range(1, N_VIDEOS + 1) if n not in video_owner]
    map_page = Page(Path('karte.html'), 'Landkarte des Kurses', 'map',
                    description='Notebooks, Module, Apps und Kursvideos – aus den Notebooks selbst gelesen.')
    map_page.body = map_body(rows, sources, pages, apps_used, rep, map_page)
    portfolio = Page(Path('portfolio.html'), 'Portfolio-Checkliste', 'portfolio',
                     description='Was zu deinem Portfolio gehört, wenn die K-Phase abgeschlossen ist.')
    portfolio.body = portfolio_body(sources['index.ipynb'], portfolio)
    if not portfolio.body: portfolio.notes.append('nbs/index.ipynb hat keinen Abschnitt „## Portfolio-Checkliste“.')

    # write
    if out.exists(): shutil.rmtree(out)
    (out / 'assets').mkdir(parents=True)
    from pygments.formatters import HtmlFormatter
    (out / 'assets/pygments.css').write_text(HtmlFormatter(style='default').get_style_defs('.highlight'), encoding='utf-8')
    (out / 'assets/site.css').write_text(SITE_CSS, encoding='utf-8')
    for f in NBS.rglob('*'):
        hidden = any(x.startswith(('.', '_')) for x in f.relative_to(NBS).parts)
        if f.is_file() and f.suffix.lower() in ('.css', '.png', '.jpg', '.jpeg', '.gif', '.svg') and not hidden:
            (out / f.relative_to(NBS)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, out / f.relative_to(NBS))
    known = {rel: p.out for rel, p in pages.items()}
    extra = [('Nachschlagen', [map_page, portfolio, api_index]), ('API-Referenz', api_pages)]
    navbar = [(item['text'], out_path(item['href']) if item['href'].endswith('.ipynb') else Path(item['href']))
              for item in yaml.safe_load((NBS / '_quarto.yml').read_text(encoding='utf-8'))['website']['navbar'].get('left', [])]
    navbar += [('Landkarte', map_page.out), ('Portfolio', portfolio.out), ('API', api_index.out)]
    all_pages = list(pages.values()) + [map_page, portfolio, api_index] + api_pages
    for page in all_pages:
        body = rewrite_links(page.body, Path(page.source).parent if page.source else Path('.'), page.out, known)
        page.body = body
        sidebar = sidebar_html(sections, pages, extra, page)
        (out / page.out).parent.mkdir(parents=True, exist_ok=True)
        (out / page.out).write_text(render_page(page, sidebar, navbar, site_title), encoding='utf-8')
        rep.pages.append({'out': page.out.as_posix(), 'title': page.title, 'kind': page.kind, 'source': page.source, 'figures': page.figures})
    rep.broken_links = check_links(out)
    (out / 'build-report.json').write_text(json.dumps(rep.__dict__, ensure_ascii=False, indent=1, default=str), encoding='utf-8')
    return rep


def map_body(rows, sources, pages, apps_used, rep: Report, page: Page) -> str:
    app_dirs = set(apps_used)

    def app_link(a):
        state = '' if a in app_dirs else ' <span class="badge">geplant</span>'
        return f'<a href="{REPO_URL}/tree/main/apps/{a}">{html.escape(a)}</a>{state}'
    trs = []
    for rel, nb in rows:
        link = f'<a href="{rel_url(out_path(rel), page.out)}">{html.escape(pages[rel].title)}</a>'
        if nb is None:
            trs.append(f'<tr class="missing"><td>{html.escape(rel.split("/")[0])}</td><td>{link}</td><td colspan="3">fehlt noch</td></tr>')
            continue
        mod = default_exp(nb)
        apps = linked_apps(nb)  # the apps of its week; which app imports which module: table below
        vids = parse_videos('\n'.join(header_cells(nb)))
        vtxt = '<br>'.join(f'{n}: {html.escape(t)}' for n, t in vids.items()) or '–'
        trs.append(f'<tr><td>{html.escape(phase_line(nb))}</td><td>{link}</td>'
                   f'<td><a href="{rel_url(Path("api") / f"{mod}.html", page.out)}"><code>amalea_quack.{html.escape(str(mod))}</code></a></td>'
                   f'<td>{", ".join(app_link(a) for a in apps) or "–"}</td><td>{vtxt}</td></tr>')
    table = ('<table class="map"><thead><tr><th>Woche · Phase</th><th>Notebook</th><th>Modul</th><th>Apps der Woche</th>'
             f'<th>Kursvideos</th></tr></thead><tbody>{"".join(trs)}</tbody></table>')
    vids = []
    for n in range(1, N_VIDEOS + 1):
        rel = rep.videos.get(n)
        title = parse_videos('\n'.join(header_cells(sources[rel]))).get(n, '') if rel else ''
        cell = f'<a href="{rel_url(out_path(rel), page.out)}">{html.escape(pages[rel].title)}</a>' if rel else '<span class="badge">noch offen</span>'
        vids.append(f'<tr><td>{n}</td><td>{html.escape(title)}</td><td>{cell}</td></tr>')
    videos = f'<table class="videos"><thead><tr><th>Video</th><th>Titel</th><th>Notebook</th></tr></thead><tbody>{"".join(vids)}</tbody></table>'
    apps = ''.join(f'<tr><td>{app_link(a)}</td><td>{", ".join(f"<code>{m}</code>" for m in mods) or "–"}</td></tr>' for a, mods in apps_used.items())
    return (f'<h2 id="notebooks">Notebooks, Module, Apps, Videos</h2>{table}'
            f'<h2 id="videos">Die {N_VIDEOS} Kursvideos</h2>{videos}'
            f'<h2 id="apps">Apps und die Module, die sie nutzen</h2><table><thead><tr><th>App</th><th>Module</th></tr></thead>'
            f'<tbody>{apps}</tbody></table>')


def portfolio_body(index_nb: dict, page: Page) -> str:
    "The `## Portfolio-Checkliste` section of nbs/index.ipynb as its own page."
    md = '\n\n'.join(src(c) for c in index_nb['cells'] if c['cell_type'] == 'markdown')
    m = re.search(r'^## Portfolio-Checkliste.*?(?=^## |\Z)', md, re.M | re.S)
    if not m: return ''
    return markdown_html(m.group(0).split('\n', 1)[1])  # the page title is the heading


def stage(executed: Path, into: Path, force: bool = False) -> list[Path]:
    "Copy the executed notebooks over `into` (the CI checkout's nbs/), without papermill's injected parameters cell."
    if os.environ.get('CI') != 'true' and not force:
        raise SystemExit('stage überschreibt die Notebooks in nbs/ mit ausgeführten Kopien – nur in CI (CI=true) oder mit --force.')
    written = []
    for f in sorted(executed.rglob('*.ipynb')):
        rel = f.relative_to(executed)
        if any(part.startswith(('.', '_')) for part in rel.parts): continue
        dst = into / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_text(json.dumps(drop_injected_parameters(read_nb(f)), ensure_ascii=False, indent=1) + '\n', encoding='utf-8')
        written.append(dst)
    print(f'{len(written)} ausgeführte Notebooks nach {into} kopiert.')
    if not written: raise SystemExit(f'Keine ausgeführten Notebooks in {executed}: zuerst quack run-notebooks --out {executed}')
    return written


def serve(site: Path, port: int):
    import functools
    import http.server
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    with http.server.ThreadingHTTPServer(('127.0.0.1', port), handler) as httpd:
        print(f'Vorschau auf http://127.0.0.1:{port}/index.html (Strg+C beendet)')
        try: httpd.serve_forever()
        except KeyboardInterrupt: pass


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ['_process']:
        print(json.dumps(nbdev_process(Path(argv[1]), argv[2], Path(argv[3])), ensure_ascii=False, default=str))
        return 0
    if argv[:1] == ['_api']:
        print(json.dumps(_api_worker(), ensure_ascii=False))
        return 0
    p = argparse.ArgumentParser(prog='site_preview', description='Vorschau der Kurs-Website ohne Quarto')
    sub = p.add_subparsers(dest='cmd', required=True)
    b = sub.add_parser('build', help='Vorschau nach _build/site bauen')
    b.add_argument('--executed', default='_build/executed'); b.add_argument('--out', default='_build/site')
    b.add_argument('--no-run', action='store_true', help='fehlende ausgeführte Notebooks nicht ausführen')
    b.add_argument('--strict', action='store_true', help='Exit-Code 1, wenn etwas die echte Website stören würde')
    s = sub.add_parser('serve', help='Vorschau auf 127.0.0.1 ausliefern'); s.add_argument('--out', default='_build/site')
    s.add_argument('--port', type=int, default=8000)
    t = sub.add_parser('stage', help='ausgeführte Notebooks über nbs/ kopieren (nur CI)')
    t.add_argument('--executed', default='_build/executed'); t.add_argument('--into', default='nbs'); t.add_argument('--force', action='store_true')
    a = p.parse_args(argv)
    if a.cmd == 'stage':
        stage(ROOT / a.executed, ROOT / a.into, a.force)
        return 0
    if a.cmd == 'serve':
        serve(ROOT / a.out, a.port)
        return 0
    rep = build(ROOT / a.executed, ROOT / a.out, run=not a.no_run)
    problems = rep.problems()
    print(f'{len(rep.pages)} Seiten in {a.out}/ (Startseite {a.out}/index.html).')
    for line in problems: print(f'- {line}')
    if not problems: print('Nichts gefunden, was die echte Website stören würde.')
    return 1 if a.strict and problems else 0


if __name__ == '__main__':
    sys.exit(main())
