"""Offline preview of the course website, rendered the nbdev way up to Quarto (Quarto itself runs in GitHub Actions).

    python tools/site_preview.py build [--nbs nbs] [--executed _build/executed] [--out _build/site] [--no-run] [--strict]
    python tools/site_preview.py serve [--out _build/site] [--port 8000]
    python tools/site_preview.py stage --executed _build/executed --into nbs      (CI only: executed copies over nbs/)

`build` renders an edition of the course: the source notebooks of `--nbs` (the course edition `nbs/` or a student
edition with the same layout: sidebar, videos, home page) and their executed copies in `--executed` (missing or outdated
ones are executed first, each with its own store, unless `--no-run`). Each notebook goes through
1. nbdev's doc processors (`nbdev.processors.FilterDefaults`, exactly what `nbdev-docs` runs before Quarto),
2. what Quarto does with the rest, kept small: the cell options nbdev leaves (`include`, `echo`, `output`, `fig-alt`),
   read with nbdev's own `NBProcessor`, and Pandoc attributes of links and images (`[source](…){target="_blank"}`)
   turned into HTML attributes,
3. nbconvert, into a page at nbdev's path (`nbdev.config.nbpath2html`) with the sidebar of `sidebar.yml`;
plus an API reference per exported module, a map (notebooks -> modules -> apps -> videos of `videos.yml`) and the
portfolio checklist. It writes `build-report.json`: the pages, and what went wrong while building (notebooks that did not
run, nbdev-docs errors, modules that do not import) and how many seconds each step took. Checking the notebooks
and the pages is tools/site_checks.py's job.
"""
from __future__ import annotations

import argparse
import html
import json
import os
import re
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from site_checks import (  # noqa: E402
    NBCONVERT_DEFAULT_ALT,
    ROOT,
    Finding,
    Section,
    cell_source,
    course_cells,
    course_notebooks,
    default_exp,
    findings_json,
    header_cells,
    missing_notebooks,
    option_value,
    read_nb,
    read_sidebar,
    read_videos,
    serve_site,
    unlisted_notebooks,
    video_numbers_text,
)

PROC_VERSION = 3  # bump when the nbdev processing step or the page body changes (invalidates the cache next to the site)


def page_path(rel: str | Path) -> Path:
    "The page of notebook `rel` (relative to nbs/) on the website, as nbdev names it (`nbpath2html`: no number prefix)."
    from nbdev.config import nbpath2html
    return nbpath2html(Path(rel))


def title_html(title: str) -> str:
    "A page title as HTML: escaped, `code` in backticks as <code> (Quarto renders a title's markdown)."
    return re.sub(r'`([^`]+)`', r'<code>\1</code>', html.escape(title))


def rel_url(target: Path, page: Path) -> str:
    "Relative URL from page `page` to `target` (both relative to the site root)."
    return Path(os.path.relpath(target, page.parent or Path('.'))).as_posix()


def site_config(nbs: Path) -> dict:
    "The `website` settings of `nbs/nbdev.yml` and `nbs/_quarto.yml` (title, site-url, repo-url, navbar)."
    import yaml
    conf = yaml.safe_load((nbs / '_quarto.yml').read_text(encoding='utf-8')).get('website', {})
    return conf | yaml.safe_load((nbs / 'nbdev.yml').read_text(encoding='utf-8'))['website']


# --- step 1: nbdev's processing (a batch of notebooks per forked process) ----------------------------------------------

def nbdev_process(executed: Path, rel: str, dst: Path) -> dict:
    "Run nbdev's doc processors on the executed notebook into `dst`; returns its front matter and the error nbdev-docs would hit."
    from fastcore.nbio import dict2nb, write_nb
    from nbdev.processors import FilterDefaults, add_show_docs, exec_show_docs
    os.chdir(ROOT)  # nbdev reads pyproject.toml from the working directory
    os.environ['IN_TEST'] = '1'

    def load():
        nb = read_nb(executed)
        nb = dict2nb(nb | {'cells': course_cells(nb)})
        nb.path_ = rel  # nbdev names the page after it (front matter `output-file`)
        return nb

    nb, error = load(), None
    try: FilterDefaults()(nb)
    except Exception as e:  # nbdev wraps every cell error in a plain Exception; show the page without API blocks
        error = f'{type(e).__name__}: {e}'

        class WithoutShowDocs(FilterDefaults):
            def base_procs(self): return [p for p in super().base_procs() if p not in (add_show_docs, exec_show_docs)]
        nb = load()
        WithoutShowDocs()(nb)
    write_nb(nb, dst)
    return {'error': error, 'frontmatter': getattr(nb, 'frontmatter_', {})}


NB_PRELOAD = ('nbformat', 'nbconvert', 'nbdev.processors', 'fastcore.nbio')  # what every page job imports, once in the fork server


def in_forks(jobs: dict, workers: int, limit: float) -> dict:
    "`amalea_quack.course._run_isolated` with nbdev and nbconvert preloaded too: the page and API jobs each run in a fork."
    from amalea_quack.course import _run_isolated
    return _run_isolated(jobs, workers, limit=limit, preload=NB_PRELOAD)


def process_page(executed: str, rel: str, dst: str) -> dict:
    """nbdev-process one executed notebook into `dst` and write its page body (`dst` with .html) and the result (with .json, the
    cache `process_all` reads) next to it; returns the result: front matter, nbdev's error, figures."""
    dst = Path(dst)
    res = nbdev_process(Path(executed), rel, dst)
    if dst.exists():
        body, res['figures'] = notebook_html(dst)
        dst.with_suffix('.html').write_text(body, encoding='utf-8')
    res |= {'version': PROC_VERSION, 'input': executed}
    dst.with_suffix('.json').write_text(json.dumps(res, ensure_ascii=False, default=str), encoding='utf-8')
    return res


def process_pages(pages: list[tuple[str, str, str]]) -> dict[str, dict]:
    """`process_page` for each (executed, rel, dst) in turn, in this process – as nbdev-docs' workers do: one process for many
    notebooks, each with a fresh shell – so nbconvert's templates, the syntax highlighter and compiled patterns are built once.
    rel -> result; a page that fails gets the error as its result, and the next page goes on."""
    out = {}
    for executed, rel, dst in pages:
        try: out[rel] = process_page(executed, rel, dst)
        except Exception as e: out[rel] = {'error': f'Verarbeitung abgebrochen: {type(e).__name__}: {e}'.splitlines()[0]}
    return out


def balanced(items: list, weight, n: int) -> list[list]:
    "`items` in at most `n` lists of about equal total `weight(item)`: heaviest first, each to the lightest list so far."
    lists, totals = [[] for _ in range(n)], [0.0] * n
    for item in sorted(items, key=weight, reverse=True):
        i = totals.index(min(totals))
        lists[i].append(item); totals[i] += weight(item)
    return [x for x in lists if x]


def process_all(jobs: list[tuple[Path, str]], work: Path, workers: int = 2) -> dict[str, dict]:
    """nbdev-process every (executed notebook, rel) into `work` and render its page body: the pages in `workers` batches of
    about equal size (by bytes), each batch in a process forked from the course's fork server (amalea_quack.course: the
    course's modules, nbdev and nbconvert imported once); a result is cached next to it until its executed notebook changes.
    If a batch's process dies (crash, time limit), its pages done by then keep their results and the rest get the reason.
    rel -> result."""
    from site_preview import process_pages as target  # by module name (this file may run as __main__): the fork finds it
    results, todo = {}, []
    for executed, rel in jobs:
        dst, meta = work / rel, (work / rel).with_suffix('.json')
        if dst.exists() and meta.exists() and dst.stat().st_mtime >= executed.stat().st_mtime:
            cached = json.loads(meta.read_text(encoding='utf-8'))
            if cached.get('version') == PROC_VERSION and cached.get('input') == str(executed):
                results[rel] = cached
                continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        for old in (dst.with_suffix('.html'), meta): old.unlink(missing_ok=True)  # an earlier build's must not stand in for a failed one
        todo.append((str(executed), rel, str(dst)))
    batches = balanced(todo, lambda job: Path(job[0]).stat().st_size, workers)  # nbconvert's work grows with the notebook
    runs = in_forks({i: (target, (batch,), {}, ROOT) for i, batch in enumerate(batches)}, workers, limit=1800)
    for i, batch in enumerate(batches):
        ok, res, _ = runs[i]
        for _, rel, dst in batch:
            meta = Path(dst).with_suffix('.json')  # written by this run once the page was done (an earlier one was deleted above)
            if ok: results[rel] = res[rel]
            elif meta.exists(): results[rel] = json.loads(meta.read_text(encoding='utf-8'))
            else: results[rel] = {'error': f'Verarbeitung abgebrochen: {res}'}
    return results


# --- step 2: what Quarto does with the rest ------------------------------------------------------------------------

def html_attributes(pandoc: str) -> str:
    'Pandoc attributes `{#id .class key="value"}` as HTML attributes `id="id" class="class" key="value"`.'
    ids, classes, attrs = [], [], {}
    for token in shlex.split(pandoc.strip().strip('{}')):
        if token.startswith('#'): ids.append(token[1:])
        elif token.startswith('.'): classes.append(token[1:])
        elif '=' in token:
            k, v = token.split('=', 1)
            attrs[k] = v
    if attrs.get('target') == '_blank': attrs.setdefault('rel', 'noopener')
    parts = [f'id="{html.escape(ids[0])}"'] if ids else []
    parts += [f'class="{html.escape(" ".join(classes))}"'] if classes else []
    return ' '.join(parts + [f'{k}="{html.escape(v)}"' for k, v in attrs.items()])


_LINK_WITH_ATTRS = re.compile(r'(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)\{([^}\n]*)\}')
_HEADING_WITH_ATTRS = re.compile(r'^(#{1,6}\s.*?)\s*\{([^}\n]*)\}\s*$', re.M)


def pandoc_attributes_to_html(md: str) -> str:
    'Markdown with Pandoc attributes on links, images and headings (`[t](u){target="_blank"}`) turned into HTML, as Quarto does.'
    def link(m):
        bang, text, url, attrs = m.groups()
        try: html_attributes(attrs)
        except ValueError: return m.group(0)  # unbalanced quotes: left as it is, the page check shows it
        if bang:
            alt = re.search(r'fig-alt="([^"]*)"', attrs)
            rest = re.sub(r'fig-alt="[^"]*"|fig-cap="[^"]*"', '', attrs)
            return f'<img src="{html.escape(url)}" alt="{html.escape(alt.group(1) if alt else text)}" {html_attributes(rest)}>'
        return f'<a href="{html.escape(url)}" {html_attributes(attrs)}>{text}</a>'

    def heading(m):
        ids = re.findall(r'#([\w-]+)', m.group(2))
        return m.group(1) + (f' <span id="{ids[0]}"></span>' if ids else '')
    return _HEADING_WITH_ATTRS.sub(heading, _LINK_WITH_ATTRS.sub(link, md))


def quarto_step(nb):
    "Quarto's part on an nbdev-processed notebook (fastcore's AttrDict): cell options, front matter cell, Pandoc attributes."
    from nbdev.process import NBProcessor, Processor

    class quarto_options(Processor):
        "`include: false` drops the cell, `echo: false` hides its code, `output: false` its outputs, `fig-alt` is its figures' alt."
        def cell(self, cell):
            opts = {k: option_value(v) for k, v in cell.directives_.items()}
            if cell.cell_type == 'raw' and cell.source.startswith('---'): del cell['source']  # front matter: the title block
            elif cell.cell_type == 'markdown': cell.source = pandoc_attributes_to_html(cell.source)
            elif cell.cell_type == 'code':
                if opts.get('include') == 'false':
                    del cell['source']
                    return
                if opts.get('echo') == 'false' or not cell.source.strip(): cell.metadata.setdefault('tags', []).append('remove_input')
                if opts.get('output') == 'false': cell.outputs = []
                if opts.get('fig-alt'): cell.metadata['alt'] = opts['fig-alt']
                for o in cell.get('outputs', []):
                    md = o.get('data', {}).get('text/markdown')
                    if md is not None: o['data']['text/markdown'] = pandoc_attributes_to_html(''.join(md) if isinstance(md, list) else md)
    NBProcessor(nb=nb, procs=[quarto_options], rm_directives=True).process()
    return nb


def notebook_html(path: Path) -> tuple[str, int]:
    "The body of the page for the nbdev-processed notebook at `path`, and how many figures it shows."
    import nbformat
    from fastcore.nbio import nb2dict, read_nb
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    nb = nb2dict(quarto_step(read_nb(path)))
    keep = {'cell_type', 'id', 'metadata', 'source', 'attachments', 'outputs', 'execution_count'}
    nb['cells'] = [{k: v for k, v in c.items() if k in keep} for c in nb['cells']]  # nbdev's bookkeeping (has_sd) is no nbformat
    for c in nb['cells']:
        for k in ('execution', 'papermill', 'ExecuteTime'): c.get('metadata', {}).pop(k, None)  # timings papermill records
    node = nbformat.reads(json.dumps(nb), as_version=4)  # joins the line lists nb2dict makes
    figures = sum(1 for c in node.cells for o in c.get('outputs', []) if any(m.startswith('image/') for m in o.get('data', {})))
    cfg = Config({'TagRemovePreprocessor': {'remove_input_tags': {'remove_input'}, 'enabled': True}})
    exporter = HTMLExporter(config=cfg, template_name='basic', exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(node)
    return body.replace(f' alt="{NBCONVERT_DEFAULT_ALT}"', ''), figures  # no invented English alt: the check names the cell


def markdown_html(md: str) -> str:
    "Markdown (with Pandoc link attributes) as HTML, rendered like nbconvert renders markdown cells."
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    return markdown2html_mistune(pandoc_attributes_to_html(md))


# --- links between pages -------------------------------------------------------------------------------------------

_LINK = re.compile(r'(<[a-zA-Z][^<>]*?\s)(href|src)="([^"]*)"')  # attributes of real tags, not text inside code


def rewrite_links(body: str, source_dir: Path, page: Path, site_url: str) -> str:
    "Notebook links (`x.ipynb`) and absolute links into the site -> relative links between the pages of the preview."
    def target(url: str) -> str:
        if site_url and url.startswith(site_url + '/'):
            path, _, frag = url[len(site_url) + 1:].partition('#')
            return rel_url(Path(path.removesuffix('.md') or 'index.html'), page) + (f'#{frag}' if frag else '')
        if re.match(r'^[a-z][a-z0-9+.-]*:|^#|^//', url): return url
        path, _, frag = url.partition('#')
        if not path.endswith('.ipynb'): return url
        return rel_url(page_path(os.path.normpath((source_dir / path).as_posix())), page) + (f'#{frag}' if frag else '')
    return _LINK.sub(lambda m: f'{m.group(1)}{m.group(2)}="{html.escape(target(html.unescape(m.group(3))), quote=True)}"', body)


# --- pages ---------------------------------------------------------------------------------------------------------

@dataclass
class Page:
    "A page of the preview: where it goes, its title, kind and body, notes for the teachers and how many figures it shows."
    out: Path                # relative to the site root
    title: str
    kind: str                # index, notebook, missing, api, map, portfolio
    source: str | None = None
    description: str = ''
    body: str = ''
    notes: list[str] = field(default_factory=list)
    figures: int = 0


def sidebar_html(sections: list[Section], pages: dict[str, Page], extra: list[tuple[str, list[Page]]], current: Page) -> str:
    "The sidebar for page `current`: a `<details>` block, open on wide screens, a menu to open on narrow ones."
    def item(p: Page) -> str:
        cls = ' class="active"' if p.out == current.out else ''
        missing = ' <span class="badge">fehlt noch</span>' if p.kind == 'missing' else ''
        return f'<li{cls}><a href="{rel_url(p.out, current.out)}">{title_html(p.title)}</a>{missing}</li>'
    parts = []
    for s in sections:
        items = ''.join(item(pages[e]) for e in s.entries if e in pages)
        parts.append(f'<li class="section"><span>{html.escape(s.title)}</span><ul>{items}</ul></li>' if s.title else items)
    for title, ps in extra:
        parts.append(f'<li class="section"><span>{html.escape(title)}</span><ul>{"".join(item(p) for p in ps)}</ul></li>')
    return (f'<details class="sidebar" id="inhalt"><summary>Inhalt</summary><nav aria-label="Inhalt"><ul>{"".join(parts)}</ul></nav></details>'
            "<script>if (matchMedia('(min-width: 901px)').matches) document.getElementById('inhalt').open = true;</script>")


def render_page(page: Page, sidebar: str, navbar: list[tuple[str, Path]], conf: dict) -> str:
    "The complete HTML of `page`."
    title = conf['title']
    css = [rel_url(Path(p), page.out) for p in ('assets/pygments.css', 'assets/site.css', 'styles.css')]
    nav = ''.join(f'<a href="{rel_url(t, page.out)}">{html.escape(text)}</a>' for text, t in navbar)
    notes = ''.join(f'<div class="callout warning" role="note"><strong>Hinweis für die Website:</strong> {html.escape(n)}</div>' for n in page.notes)
    desc = f'<p class="description">{html.escape(page.description)}</p>' if page.description else ''
    return f'''<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(page.title.replace('`', ''))} – {html.escape(title)}</title>
{''.join(f'<link rel="stylesheet" href="{c}">' for c in css)}
</head>
<body class="kind-{page.kind}">
<header class="navbar"><a class="brand" href="{rel_url(Path('index.html'), page.out)}">{html.escape(title)}</a>
<nav class="top" aria-label="Hauptnavigation">{nav}</nav></header>
<div class="layout">
{sidebar}
<main id="content">
<header class="title-block"><h1 class="title">{title_html(page.title)}</h1>{desc}</header>
{notes}
{page.body}
</main>
</div>
<footer>Vorschau ohne Quarto (tools/site_preview.py) · die Kurs-Website baut GitHub Actions mit nbdev und Quarto ·
<a href="{conf.get('repo-url', '')}">Repository</a></footer>
</body>
</html>
'''


# --- the extra pages: API reference, map, portfolio ---------------------------------------------------------------

def api_markdown(modules: list[str]) -> dict[str, dict]:
    "Per module of amalea_quack in `modules`: docstring and show_doc markdown of every public name (in a process of its own)."
    from site_preview import _api_worker as target  # by module name, as in process_all
    ok, result, _ = in_forks({'api': (target, (modules,), {}, ROOT)}, 1, limit=900)['api']
    if not ok: raise RuntimeError(f'API-Referenz: {result}')
    return result


def _api_worker(modules: list[str]) -> dict[str, dict]:
    import importlib
    import inspect
    import reprlib
    import warnings

    from nbdev.showdoc import show_doc
    warnings.simplefilter('ignore')
    os.chdir(ROOT)
    short = reprlib.Repr()
    short.maxstring, short.maxother = 120, 120
    out = {}
    for name in modules:
        try: mod = importlib.import_module(f'amalea_quack.{name}')
        except Exception as e:
            out[name] = {'doc': '', 'items': [], 'error': f'{type(e).__name__}: {e}'}
            continue
        items = []
        for sym in getattr(mod, '__all__', []):
            obj = getattr(mod, sym, None)
            if obj is None: continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                md = show_doc(obj)._repr_markdown_()
                if inspect.isclass(obj):
                    for mname, m in vars(obj).items():
                        if not mname.startswith('_') and inspect.isfunction(m) and m.__doc__:
                            md += '\n\n' + show_doc(m, name=f'{sym}.{mname}', title_level=4)._repr_markdown_()
            else: md = f'---\n\n### {sym}\n\n```python\n{sym} = {short.repr(obj)}\n```\n'
            items.append({'name': sym, 'md': md})
        out[name] = {'doc': (mod.__doc__ or '').split('\n\nDocs:')[0].strip(), 'items': items, 'error': None}
    return out


def phase_line(nb: dict) -> str:
    "The notebook's week and phase (`Woche 4 · Phase A³ (…)`) from its header, or ''."
    for s in header_cells(nb):
        if m := re.search(r'\*\*((?:Woche \d+|Anhang)[^*]*)\*\*', s): return m.group(1)
    return ''


def linked_apps(nb: dict) -> list[str]:
    "App folders the notebook links to (`apps/<name>`), in order of appearance."
    found = re.findall(r'apps/([a-z0-9_]+)', '\n'.join(cell_source(c) for c in nb['cells'] if c['cell_type'] == 'markdown'))
    return list(dict.fromkeys(found))


def app_modules() -> dict[str, list[str]]:
    "App folder -> the amalea_quack modules its streamlit_app.py imports."
    return {app.parent.name: sorted(set(re.findall(r'amalea_quack\.(\w+)', app.read_text(encoding='utf-8'))))
            for app in sorted((ROOT / 'apps').glob('*/streamlit_app.py'))}


def map_body(nbs: Path, sources: dict[str, dict], pages: dict[str, Page], page: Page, repo_url: str) -> str:
    "The map: notebooks with their modules, apps and videos (from videos.yml), all videos, apps with their modules."
    slots, apps_used = read_videos(nbs), app_modules()

    def app_link(a):
        state = '' if a in apps_used else ' <span class="badge">geplant</span>'
        return f'<a href="{repo_url}/tree/main/apps/{a}">{html.escape(a)}</a>{state}'

    def video(s):
        title = html.escape(s.title) if s.title else '<span class="badge">Platzhalter: Titel folgt</span>'
        return f'<a href="{html.escape(s.url)}">{title}</a>' if s.url else title
    trs = []
    for sec in read_sidebar(nbs):
        for rel in sec.entries:
            if rel == 'index.ipynb': continue
            link = f'<a href="{rel_url(page_path(rel), page.out)}">{title_html(pages[rel].title)}</a>'
            nb = sources.get(rel)
            if nb is None:
                trs.append(f'<tr class="missing"><td>{html.escape(rel.split("/")[0])}</td><td>{link}</td><td colspan="3">fehlt noch</td></tr>')
                continue
            mod, mine = default_exp(nb), [s.number for s in slots if s.notebook == rel]
            vids = ', '.join(f'<a href="#video-{n}">{n}</a>' for n in mine) or '–'
            module = f'<a href="{rel_url(Path("api") / f"{mod}.html", page.out)}"><code>amalea_quack.{mod}</code></a>' if mod else '–'
            trs.append(f'<tr><td>{html.escape(phase_line(nb))}</td><td>{link}</td><td>{module}</td>'
                       f'<td>{", ".join(app_link(a) for a in linked_apps(nb)) or "–"}</td><td>{vids}</td></tr>')
    table = ('<table class="map"><thead><tr><th>Woche · Phase</th><th>Notebook</th><th>Modul</th><th>Apps der Woche</th>'
             f'<th>Kursvideos</th></tr></thead><tbody>{"".join(trs)}</tbody></table>')
    rows = ''.join(f'<tr id="video-{s.number}"><td>{s.number}</td><td>{video(s)}</td><td>'
                   + (f'<a href="{rel_url(page_path(s.notebook), page.out)}">{title_html(pages[s.notebook].title)}</a>'
                      if s.notebook in pages else '–') + '</td></tr>' for s in slots)
    videos = f'<table class="videos"><thead><tr><th>Video</th><th>Titel</th><th>Notebook</th></tr></thead><tbody>{rows}</tbody></table>'
    open_slots = [s.number for s in slots if s.placeholder]
    pending = (f'<p>Titel und Adressen der Videos {video_numbers_text(open_slots)} trägt das Kursteam in <code>nbs/videos.yml</code> ein; '
               'bis dahin sind es Platzhalter.</p>') if open_slots else ''
    apps = ''.join(f'<tr><td>{app_link(a)}</td><td>{", ".join(f"<code>{m}</code>" for m in mods) or "–"}</td></tr>' for a, mods in apps_used.items())
    return (f'<h2 id="notebooks">Notebooks, Module, Apps, Videos</h2><div class="table-scroll">{table}</div>'
            f'<h2 id="videos">Die {len(slots)} Kursvideos</h2>{pending}<div class="table-scroll">{videos}</div>'
            f'<h2 id="apps">Apps und die Module, die sie nutzen</h2><div class="table-scroll"><table><thead><tr><th>App</th>'
            f'<th>Module</th></tr></thead><tbody>{apps}</tbody></table></div>')


def portfolio_body(index_nb: dict) -> str:
    "The `## Portfolio-Checkliste` section of the home page as HTML ('' if there is none)."
    md = '\n\n'.join(cell_source(c) for c in index_nb['cells'] if c['cell_type'] == 'markdown')
    m = re.search(r'^## Portfolio-Checkliste.*?(?=^## |\Z)', md, re.M | re.S)
    return markdown_html(m.group(0).split('\n', 1)[1]) if m else ''  # the page title is the heading


# --- build ---------------------------------------------------------------------------------------------------------

def ensure_executed(nbs: Path, executed: Path, notebooks: list[Path], run: bool) -> dict[str, str]:
    "Execute the notebooks whose executed copy is missing or older than the source; returns rel -> error for failures."
    def copy(p): return executed / p.relative_to(nbs)
    stale = [p for p in notebooks if not copy(p).exists() or copy(p).stat().st_mtime < p.stat().st_mtime]
    if not stale: return {}
    if not run: return {p.relative_to(nbs).as_posix(): 'nicht ausgeführt (--no-run)' for p in stale}
    print(f'Führe {len(stale)} Notebook(s) aus (je eigener Store): {", ".join(p.name for p in stale)}', flush=True)
    from amalea_quack.course import execute_all
    res = execute_all(executed, stale, quick=True, workers=2, src_root=nbs)
    return {r.notebook: (r.error or 'Fehler') for r in res.itertuples() if not r.ok}  # execute_all's columns are English


def build(nbs: Path, executed: Path, out: Path, run: bool = True) -> dict:
    "Build the preview of the edition in `nbs` (executed copies in `executed`) into `out`; returns the build report."
    import time

    from amalea_quack.course import notebook_title
    clock = [('start', time.perf_counter())]  # (step, when it ended): the build report gives each step's seconds
    conf = site_config(nbs)
    sections = read_sidebar(nbs)
    existing = course_notebooks(nbs)
    findings: list[Finding] = []
    unlisted = unlisted_notebooks(nbs)
    if unlisted: sections.append(Section('Weitere Notebooks', unlisted))
    for rel, err in ensure_executed(nbs, executed, list(existing.values()), run).items():
        findings.append(Finding('ausführung', rel, f'nicht oder mit Fehler ausgeführt: {err}'))
    clock.append(('execute', time.perf_counter()))

    # step 1 (cached next to the site, like nbdev's _proc/): the home page from its source, the rest from executed copies
    work = out.parent / f'{out.name}-proc'
    jobs = [(nbs / 'index.ipynb', 'index.ipynb')] + [(executed / rel if (executed / rel).exists() else p, rel) for rel, p in existing.items()]
    processed = process_all(jobs, work)
    clock.append(('nbdev_and_pages', time.perf_counter()))

    sources = {'index.ipynb': read_nb(nbs / 'index.ipynb')} | {rel: read_nb(p) for rel, p in existing.items()}
    pages: dict[str, Page] = {}
    for rel, nb in sources.items():
        res = processed[rel]
        fm = res.get('frontmatter') or {}
        page = Page(page_path(rel), fm.get('title') or notebook_title(nb) or rel, 'index' if rel == 'index.ipynb' else 'notebook', rel,
                    fm.get('description', ''))
        if res.get('error'):
            findings.append(Finding('nbdev', rel, f'nbdev-docs würde scheitern: {res["error"].splitlines()[0]}'))
            page.notes.append('nbdev kann dieses Notebook nicht für die Website aufbereiten (nbdev-docs bricht ab): '
                              + res['error'].splitlines()[0] + ' – die API-Blöcke fehlen deshalb in dieser Vorschau.')
        body = (work / rel).with_suffix('.html')
        if body.exists(): page.body, page.figures = body.read_text(encoding='utf-8'), res.get('figures', 0)
        pages[rel] = page
    for rel in missing_notebooks(nbs):
        name = re.sub(r'^\d+_', '', Path(rel).stem).replace('_', ' ')
        pages[rel] = Page(page_path(rel), f'{name[:1].upper()}{name[1:]} (noch nicht erschienen)', 'missing', rel,
                          body=f'<p>Das Notebook <code>{html.escape(rel)}</code> steht in <code>sidebar.yml</code>, liegt aber '
                               'noch nicht im Repository. Sobald es da ist, erscheint hier die ausgeführte Lektion.</p>')

    # API reference of the modules the notebooks export, map, portfolio
    lesson_of = {m: rel for rel, nb in sources.items() if rel != 'index.ipynb' and (m := default_exp(nb))}
    api_pages = []
    api = api_markdown(list(lesson_of))
    clock.append(('api', time.perf_counter()))
    for mod, info in api.items():
        p = Page(Path('api') / f'{mod}.html', f'amalea_quack.{mod}', 'api', description=info['doc'])
        if info['error']:
            findings.append(Finding('api', p.out.as_posix(), f'Modul nicht importierbar: {info["error"]}'))
            p.notes.append(f'Modul nicht importierbar: {info["error"]}')
        lesson = lesson_of[mod]
        toc = ''.join(f'<li><a href="#{html.escape(i["name"])}"><code>{html.escape(i["name"])}</code></a></li>' for i in info['items'])
        blocks = ''.join(f'<section id="{html.escape(i["name"])}">{markdown_html(i["md"])}</section>' for i in info['items'])
        p.body = (f'<p>Lektion: <a href="{rel_url(page_path(lesson), p.out)}">{title_html(pages[lesson].title)}</a></p>'
                  f'<ul class="api-toc">{toc}</ul>{blocks}')
        api_pages.append(p)
    api_index = Page(Path('api/index.html'), 'API-Referenz', 'api', description='Jedes Modul von amalea_quack, exportiert aus einem Notebook.')
    api_index.body = '<ul>' + ''.join(f'<li><a href="{rel_url(p.out, api_index.out)}"><code>{html.escape(p.title)}</code></a> – '
                                      f'{html.escape(p.description)}</li>' for p in api_pages) + '</ul>'
    map_page = Page(Path('karte.html'), 'Landkarte des Kurses', 'map',
                    description='Notebooks, Module, Apps und Kursvideos – aus den Notebooks und nbs/videos.yml gelesen.')
    map_page.body = map_body(nbs, sources, pages, map_page, conf.get('repo-url', ''))
    portfolio = Page(Path('portfolio.html'), 'Portfolio-Checkliste', 'portfolio',
                     description='Was zu deinem Portfolio gehört, wenn die K-Phase abgeschlossen ist.')
    portfolio.body = portfolio_body(sources['index.ipynb'])
    if not portfolio.body:
        findings.append(Finding('portfolio', 'index.ipynb', 'kein Abschnitt „## Portfolio-Checkliste“'))
        portfolio.notes.append('index.ipynb hat keinen Abschnitt „## Portfolio-Checkliste“.')

    # write
    if out.exists(): shutil.rmtree(out)
    (out / 'assets').mkdir(parents=True)
    from pygments.formatters import HtmlFormatter
    (out / 'assets/pygments.css').write_text(HtmlFormatter(style='default').get_style_defs('.highlight'), encoding='utf-8')
    shutil.copy(Path(__file__).with_suffix('.css'), out / 'assets/site.css')
    for f in nbs.rglob('*'):
        hidden = any(x.startswith(('.', '_')) for x in f.relative_to(nbs).parts)
        if f.is_file() and f.suffix.lower() in ('.css', '.png', '.jpg', '.jpeg', '.gif', '.svg', '.webp') and not hidden:
            (out / f.relative_to(nbs)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, out / f.relative_to(nbs))
    extra = [('Nachschlagen', [map_page, portfolio, api_index]), ('API-Referenz', api_pages)]
    navbar = [(item['text'], page_path(item['href']) if item['href'].endswith('.ipynb') else Path(item['href']))
              for item in conf.get('navbar', {}).get('left', [])]
    navbar += [('Landkarte', map_page.out), ('Portfolio', portfolio.out), ('API', api_index.out)]
    report = {'pages': [], 'findings': []}
    for page in list(pages.values()) + [map_page, portfolio, api_index] + api_pages:
        page.body = rewrite_links(page.body, Path(page.source).parent if page.source else Path('.'), page.out, conf.get('site-url', ''))
        (out / page.out).parent.mkdir(parents=True, exist_ok=True)
        (out / page.out).write_text(render_page(page, sidebar_html(sections, pages, extra, page), navbar, conf), encoding='utf-8')
        report['pages'].append({'out': page.out.as_posix(), 'title': page.title, 'kind': page.kind, 'source': page.source, 'figures': page.figures})
    report['findings'] = findings_json(findings)
    clock.append(('write', time.perf_counter()))
    report['seconds'] = {step: round(t - clock[i][1], 2) for i, (step, t) in enumerate(clock[1:])} | {'total': round(clock[-1][1] - clock[0][1], 2)}
    (out / 'build-report.json').write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding='utf-8')
    return report


def stage(executed: Path, into: Path, force: bool = False) -> list[Path]:
    "Copy the executed notebooks over `into` (the CI checkout's nbs/) without papermill's injected cell; returns the files written."
    if os.environ.get('CI') != 'true' and not force:
        raise SystemExit('stage überschreibt die Notebooks in nbs/ mit ausgeführten Kopien – nur in CI (CI=true) oder mit --force.')
    written = []
    for f in sorted(executed.rglob('*.ipynb')):
        rel = f.relative_to(executed)
        if any(part.startswith(('.', '_')) for part in rel.parts): continue
        dst = into / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        nb = read_nb(f)
        dst.write_text(json.dumps(nb | {'cells': course_cells(nb)}, ensure_ascii=False, indent=1) + '\n', encoding='utf-8')
        written.append(dst)
    print(f'{len(written)} ausgeführte Notebooks nach {into} kopiert.')
    if not written: raise SystemExit(f'Keine ausgeführten Notebooks in {executed}: zuerst quack run-notebooks --out {executed}')
    return written


def main(argv: list[str] | None = None) -> int:
    "Command line (build, serve, stage); returns the exit code."
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(prog='site_preview', description='Vorschau der Kurs-Website ohne Quarto')
    sub = p.add_subparsers(dest='cmd', required=True)
    b = sub.add_parser('build', help='Vorschau nach _build/site bauen')
    b.add_argument('--nbs', default='nbs', help='Quell-Notebooks: nbs/ (Kursausgabe) oder eine Studierenden-Ausgabe gleichen Aufbaus')
    b.add_argument('--executed', default='_build/executed', help='die ausgeführten Notebooks dieser Ausgabe')
    b.add_argument('--out', default='_build/site')
    b.add_argument('--no-run', action='store_true', help='fehlende ausgeführte Notebooks nicht ausführen')
    b.add_argument('--strict', action='store_true', help='Exit-Code 1, wenn beim Bauen etwas schiefging')
    s = sub.add_parser('serve', help='Vorschau auf 127.0.0.1 ausliefern'); s.add_argument('--out', default='_build/site')
    s.add_argument('--port', type=int, default=8000)
    t = sub.add_parser('stage', help='ausgeführte Notebooks über nbs/ kopieren (nur CI)')
    t.add_argument('--executed', default='_build/executed'); t.add_argument('--into', default='nbs'); t.add_argument('--force', action='store_true')
    a = p.parse_args(argv)
    if a.cmd == 'stage':
        stage(ROOT / a.executed, ROOT / a.into, a.force)
        return 0
    if a.cmd == 'serve':
        import time
        with serve_site(ROOT / a.out, a.port) as url:
            print(f'Vorschau auf {url}/index.html (Strg+C beendet)')
            try:
                while True: time.sleep(3600)
            except KeyboardInterrupt: pass
        return 0
    report = build(ROOT / a.nbs, ROOT / a.executed, ROOT / a.out, run=not a.no_run)
    t = report['seconds']
    print(f'{len(report["pages"])} Seiten in {a.out}/ (Startseite {a.out}/index.html), gebaut in {t["total"]:.0f} s '
          f'(ausführen {t["execute"]:.0f} s, nbdev und Seiten {t["nbdev_and_pages"]:.0f} s, API-Referenz {t["api"]:.0f} s).')
    for f in report['findings']: print(f'- {f["where"]}: {f["message"]}')
    if not report['findings']: print('Beim Bauen ist nichts schiefgegangen.')
    print(f'Prüfen: python tools/site_checks.py --nbs {a.nbs} --executed {a.executed} --site {a.out}')
    return 1 if a.strict and report['findings'] else 0


if __name__ == '__main__':
    sys.exit(main())
