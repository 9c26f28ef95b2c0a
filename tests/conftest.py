"""Shared fixtures: temporary MLflow stores (empty, Iris, all course models as `make start` makes them, a private copy),
an address where no store answers, Streamlit servers and Chromium at a desktop's and a phone's size, and a clean home for tools."""
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tools'))  # the site tools: the website tests check them, and the browser tests start Chromium with them
from site_checks import chromium  # noqa: E402

# Keep tools (matplotlib, IPython, Jupyter, Streamlit, MLflow) out of the real home directory.
_HOME = Path(tempfile.mkdtemp(prefix='quack-test-home-'))
for var, sub in {'HOME': '', 'MPLCONFIGDIR': 'mpl', 'IPYTHONDIR': 'ipython', 'JUPYTER_CONFIG_DIR': 'jupyter/config',
                 'JUPYTER_DATA_DIR': 'jupyter/data', 'JUPYTER_RUNTIME_DIR': 'jupyter/runtime'}.items():
    os.environ[var] = str(_HOME / sub)
    (_HOME / sub).mkdir(parents=True, exist_ok=True)
os.environ['MLFLOW_DISABLE_TELEMETRY'] = 'true'
os.environ.pop('MLFLOW_TRACKING_URI', None)  # tests choose their stores explicitly


# The longest test files first (measured with --durations 0): pytest-xdist hands out whole files in collection order, so a
# long file collected last would run alone at the end while the other workers wait.
LONGEST_FIRST = ('test_cases.py', 'test_website.py', 'test_class_server.py', 'test_cli.py', 'test_browser_model_ops.py',
                 'test_student_edition.py', 'test_store.py', 'test_server.py', 'test_hub.py', 'test_browser_neural_net_lab.py',
                 'test_browser_data_explorer.py', 'test_browser_iris.py', 'test_browser_text_classifier.py')


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the other files keep their order


@pytest.fixture(scope='session', autouse=True)
def _components_scanned_once():
    "Each test worker looks for installed Streamlit components once, not in each of its AppTests (see `scan_components_once`)."
    from amalea_quack.ui import scan_components_once
    scan_components_once()


EMBEDDED_STORE = ROOT / 'mlflow-store'  # where `make start` keeps the course's models: the developer's, never a test's
OPENED = (f'{EMBEDDED_STORE} was opened {{when}}: give the test a store fixture, so MLFLOW_TRACKING_URI names a store of its own '
          '(or another program used the store meanwhile: make start, make lab, quack)')


def _embedded_store_state() -> dict[str, int]:
    "Modification time of each file in the embedded store (opening it rewrites its lock file); a file that vanishes meanwhile is left out."
    state = {}
    for p in (EMBEDDED_STORE.iterdir() if EMBEDDED_STORE.is_dir() else ()):
        with contextlib.suppress(FileNotFoundError): state[p.name] = p.stat().st_mtime_ns  # e.g. SQLite's journal, gone again
    return state


@contextlib.contextmanager
def _embedded_store_kept(when: str) -> Iterator[None]:
    before = _embedded_store_state()
    yield
    assert _embedded_store_state() == before, OPENED.format(when=when)


@pytest.fixture(scope='session', autouse=True)
def _embedded_store_untouched_by_fixtures():
    "The same for the whole run of this worker: module and session fixtures are set up before a test's own check and torn down after it."
    with _embedded_store_kept('by a fixture of this test run'): yield


@pytest.fixture(autouse=True)
def _embedded_store_untouched():
    "Every test leaves the repository's embedded store as it found it: tests name their stores."
    with _embedded_store_kept('during this test (or one that ran beside it on the other worker)'): yield


def sqlite_uri(folder: Path) -> str:
    return f'sqlite:///{folder / "mlflow.db"}'


def built_once(tmp_path_factory, name: str, build) -> object:
    """What `build(folder)` returns, built once per test run: with pytest-xdist the first worker that asks builds it in the
    run's shared temporary folder under a file lock, and the others wait for it and reuse it (a store, not a copy: read-only)."""
    import json

    from filelock import FileLock
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get('PYTEST_XDIST_WORKER') else base) / f'shared-{name}'
    done = folder / 'built.json'
    with FileLock(f'{folder}.lock'):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            done.with_suffix('.tmp').write_text(json.dumps(build(folder)))
            done.with_suffix('.tmp').rename(done)  # only a finished build counts; a failed one is tried again by the next worker
    return json.loads(done.read_text())


@pytest.fixture(scope='session')
def template_db(tmp_path_factory) -> Path:
    "An empty, fully migrated MLflow database, created once and copied per test (saves seconds per store)."
    def build(folder: Path) -> str:
        subprocess.run([sys.executable, '-c', f'from amalea_quack.store import use_store; use_store({sqlite_uri(folder)!r})'], check=True)
        return str(folder / 'mlflow.db')
    return Path(built_once(tmp_path_factory, 'template', build))


def new_store(folder: Path, template: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, folder / 'mlflow.db')
    return sqlite_uri(folder)


@pytest.fixture
def store(tmp_path, template_db, monkeypatch) -> str:
    "A fresh, empty store for this test, active through MLFLOW_TRACKING_URI."
    uri = new_store(tmp_path / 'store', template_db)
    monkeypatch.setenv('MLFLOW_TRACKING_URI', uri)
    return uri


@pytest.fixture(scope='session')
def iris_store(tmp_path_factory, template_db) -> str:
    "A store with iris-classifier: version 1 in production; shared by every test worker, so tests must not change it."
    def build(folder: Path) -> str:
        uri = new_store(folder, template_db)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv('MLFLOW_TRACKING_URI', uri)
            from amalea_quack.pipeline import ensure_production
            ensure_production(latency_rows=20)
        return uri
    return built_once(tmp_path_factory, 'iris-store', build)


def quack(*args, uri: str | None = None, stdin: str | None = None, cwd: Path = ROOT, env: dict | None = None,
          console: bool = False) -> subprocess.CompletedProcess:
    """Run `quack ARGS` in a fresh process: forked from the course's fork server (tests/quack_process.py), or with `console`
    the installed console script, interpreter start and all (for tests about the command as a program)."""
    env = {**os.environ, **({'MLFLOW_TRACKING_URI': uri} if uri else {}), **(env or {})}
    if console:
        exe = Path(sys.executable).parent / 'quack'
        return subprocess.run([str(exe), *args], input=stdin, capture_output=True, text=True, env=env, cwd=cwd, timeout=600)
    from quack_process import run

    from amalea_quack.course import _run_isolated
    with tempfile.TemporaryDirectory(prefix='quack-') as tmp:
        out, err = Path(tmp) / 'stdout', Path(tmp) / 'stderr'
        ok, code, _ = _run_isolated({'quack': (run, (list(args), stdin or '', str(out), str(err)), env, cwd)}, 1, limit=600)['quack']
        assert ok, f'quack {" ".join(args)}: {code}'  # the process itself failed (killed, timed out), not the command
        return subprocess.CompletedProcess(['quack', *args], code, out.read_text(encoding='utf-8'), err.read_text(encoding='utf-8'))


@pytest.fixture(scope='session')
def course_setup(tmp_path_factory, template_db) -> tuple[str, str]:
    "A store prepared the way `make start` prepares it – `quack setup` with the quick settings – and what the command printed."
    prepared = os.environ.get('QUACK_TEST_COURSE_DB')  # for working on the app tests: a mlflow.db once made by `quack setup`, reused
    def build(folder: Path) -> tuple[str, str]:
        uri = new_store(folder, Path(prepared) if prepared else template_db)
        r = quack('setup', uri=uri, env={'AMALEA_QUICK': '1'}, console=True)  # as `make start` runs it
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
        return uri, r.stdout
    return tuple(built_once(tmp_path_factory, 'course-store', build))


@pytest.fixture(scope='session')
def course_store(course_setup) -> str:
    "iris-classifier, digits-cnn and text-classifier, each version 1 in production; shared by every test worker, so tests must not change it."
    return course_setup[0]


@pytest.fixture
def private_store(course_store, tmp_path, monkeypatch) -> str:
    "A private copy of the course store's registry (artifacts shared, read-only), active for this test: it may promote, roll back, delete."
    uri = new_store(tmp_path / 'store', Path(course_store.removeprefix('sqlite:///')))
    monkeypatch.setenv('MLFLOW_TRACKING_URI', uri)
    return uri


@pytest.fixture
def unreachable_store(monkeypatch) -> str:
    "A tracking server address on which nobody listens, active for this test."
    uri = f'http://127.0.0.1:{free_port()}'
    monkeypatch.setenv('MLFLOW_TRACKING_URI', uri)
    return uri


def assert_valid_nbformat(path: Path) -> None:
    """An executed notebook as Jupyter, nbdev and Quarto read it: valid nbformat 4.5, with a unique id per cell (a missing one is
    a warning today and will be an error; the injected parameters cell too) and cell metadata as the schema wants it."""
    import nbformat
    nb = json.loads(Path(path).read_text(encoding='utf-8'))
    ids = [c.get('id') for c in nb['cells']]
    assert None not in ids and len(set(ids)) == len(ids), f'{path}: {len(ids) - len(set(ids) - {None})} Zellen ohne eigene ID'
    nbformat.validate(nb)  # raises ValidationError, naming the cell and the field


def app_test(folder: str, timeout: float = 120):
    "Streamlit's AppTest for apps/<folder>/streamlit_app.py."
    from streamlit.testing.v1 import AppTest
    return AppTest.from_file(str(ROOT / 'apps' / folder / 'streamlit_app.py'), default_timeout=timeout)


# --- Streamlit servers and a real browser -------------------------------------------------------------------------

SHOTS = ROOT / 'test-output' / 'screenshots'


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture
def sigint_like_a_terminal():
    """Children started in the test get Strg+C's default action, as under a terminal – also when this run was started in the
    background (a shell starts background jobs with SIGINT ignored, and a child inherits that: it would never see Strg+C)."""
    import signal
    old = signal.signal(signal.SIGINT, signal.default_int_handler)  # a Python handler is reset to the default at exec
    try: yield
    finally: signal.signal(signal.SIGINT, old)


class StreamlitServer:
    "`streamlit run SCRIPT` on a free 127.0.0.1 port, stopped by its PID (process group)."
    def __init__(self, script: Path, uri: str | None = None, extra_env: dict | None = None):
        self.port = free_port()
        self.url = f'http://127.0.0.1:{self.port}'
        env = {**os.environ, **({'MLFLOW_TRACKING_URI': uri} if uri else {}), **(extra_env or {})}
        log = Path(tempfile.mkdtemp(prefix='streamlit-')) / 'server.log'
        self.log = log
        cmd = [str(Path(sys.executable).parent / 'streamlit'), 'run', str(script), '--server.address', '127.0.0.1',
               '--server.port', str(self.port), '--server.headless', 'true', '--browser.gatherUsageStats', 'false']
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=open(log, 'w'), stderr=subprocess.STDOUT, start_new_session=True)

    def wait(self, timeout: float = 60) -> 'StreamlitServer':
        import time
        import urllib.request
        deadline = time.time() + timeout
        while time.time() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                if urllib.request.urlopen(f'{self.url}/_stcore/health', timeout=2).status == 200: return self
            except OSError: time.sleep(0.3)
        raise TimeoutError(f'streamlit did not start:\n{self.log.read_text()[-3000:]}')

    def stop(self):
        import signal
        os.killpg(self.proc.pid, signal.SIGTERM)
        try: self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL); self.proc.wait()

    def __enter__(self):
        try: return self.wait()
        except BaseException:
            with contextlib.suppress(ProcessLookupError): self.stop()  # what is left of a server that did not come up ends here
            raise
    def __exit__(self, *exc): self.stop()


def served_app(script: str, store_fixture: str | None = None):
    """A module-scoped fixture `app`: `streamlit run apps/SCRIPT` on the store URI that the fixture named `store_fixture` gives
    (module or session scope; None: no store), started once for the module. The laptop's and the phone's session meet the
    same server, as a class meets one app: the first session loads the model, the second finds it in the server's cache."""
    @pytest.fixture(scope='module', name='app')
    def server(request) -> Iterator[StreamlitServer]:
        uri = request.getfixturevalue(store_fixture) if store_fixture else None
        with StreamlitServer(ROOT / 'apps' / script, uri) as s: yield s
    return server


@pytest.fixture(scope='session')
def browser():
    "Debian's Chromium driven by Playwright (no browser download), started as the site checks start it."
    with chromium() as b: yield b


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={'width': 1280, 'height': 900}, locale='de-DE')
    p = ctx.new_page()
    yield p
    ctx.close()


SIZES = {'desktop': (1366, 900), 'phone': (390, 844)}  # a laptop and a phone (CSS pixels)


@pytest.fixture(params=list(SIZES))
def screen(request, browser):
    "A page at a laptop's size (1366×900) and, as a second run of the test, at a phone's (390×844); `screen.size` names which."
    w, h = SIZES[request.param]
    ctx = browser.new_context(viewport={'width': w, 'height': h}, locale='de-DE', is_mobile=request.param == 'phone',
                              has_touch=request.param == 'phone')
    p = ctx.new_page()
    p.size = request.param
    yield p
    ctx.close()


SCRIPT_DONE = ('() => { const app = document.querySelector("[data-testid=stApp]");'
               ' return app && !["running", "rerunRequested"].includes(app.dataset.testScriptState)'
               ' && !document.querySelector("[data-testid=stStatusWidgetRunningIcon]"); }')


def settled(page, timeout: float = 120_000) -> None:
    """Wait until the script run is over – the app's script state (which turns 'rerunRequested' as soon as a widget changes) and
    Streamlit's running indicator – and, where the page has charts, let them finish their transition."""
    page.wait_for_timeout(200)  # an interaction's rerun request reaches the app
    page.wait_for_function(SCRIPT_DONE, timeout=timeout)
    page.wait_for_timeout(800 if page.locator('[data-testid="stVegaLiteChart"]').count() else 150)


def hover_tooltip(page, chart, color: str = '#E69F00') -> str:
    """Hover a Vega chart (a locator) where it draws in `color` – a point or line of that colour, found in a screenshot of the chart –
    until its tooltip shows; the tooltip's text. Fails if nothing of that colour answers."""
    from io import BytesIO

    from PIL import Image
    chart.scroll_into_view_if_needed()
    canvas = chart.locator('canvas, svg').first
    box = canvas.bounding_box()
    image = Image.open(BytesIO(canvas.screenshot())).convert('RGB')
    scale = image.width / box['width']
    want = tuple(int(color[k:k + 2], 16) for k in (1, 3, 5))
    hits = [(x, y) for y in range(image.height) for x in range(image.width)
            if sum(abs(a - b) for a, b in zip(image.getpixel((x, y)), want, strict=True)) < 30]
    tip = page.locator('#vg-tooltip-element')
    for x, y in hits[::max(1, len(hits) // 40)]:
        page.mouse.move(box['x'] + x / scale, box['y'] + y / scale)
        page.wait_for_timeout(30)
        if tip.count() and tip.is_visible() and tip.inner_text().strip(): return tip.inner_text()
    raise AssertionError(f'kein Tooltip: {len(hits)} Pixel in {color} gefunden, keiner zeigte einen Tooltip')


def dropzone_text(page) -> list[str]:
    """What the file uploader's drop zone shows a person: the button's word and the note beside it – text hidden by style left out,
    a pseudo-element's content (how ui.german_dropzone writes German) taken in."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    zone = page.locator('[data-testid="stFileUploaderDropzone"]').first
    zone.wait_for(timeout=60_000)
    styled = "() => { const n = document.querySelector('[data-testid=stFileUploaderDropzoneInstructions] span'); " \
             "return n && getComputedStyle(n, '::after').content !== 'none'; }"
    try: page.wait_for_function(styled, timeout=30_000)  # the style arrives in its own message, after the uploader
    except PlaywrightTimeout: pass  # the caller's assertion names what is shown instead
    return zone.evaluate("""z => {
        const shown = e => { const s = getComputedStyle(e); return s.display !== 'none' && parseFloat(s.fontSize) > 0 ? e.innerText : ''; };
        const after = e => { const c = getComputedStyle(e, '::after').content; return c === 'none' ? '' : JSON.parse(c); };
        const button = z.querySelector('button [data-testid=stMarkdownContainer]');
        const note = z.querySelector('[data-testid=stFileUploaderDropzoneInstructions] span');
        return [shown(button.querySelector('p')) + after(button), shown(note) + after(note)];
    }""")


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot to test-output/screenshots/NAME[-desktop|-phone].png. Streamlit scrolls inside its own container, so a
    full-page shot first makes the window as tall as the content."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = getattr(page, 'size', None)
    path = SHOTS / (f'{name}-{size}.png' if size else f'{name}.png')
    if full_page:
        before = page.viewport_size
        height = page.evaluate("() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], [data-testid=stMainBlockContainer]')]"
                               ".map(e => e.scrollHeight), window.innerHeight)")
        page.set_viewport_size({'width': before['width'], 'height': min(int(height) + 80, 8000)})
        page.wait_for_timeout(800)
        page.screenshot(path=str(path), full_page=True)
        page.set_viewport_size(before)
    else: page.screenshot(path=str(path))
    return path


def no_horizontal_scroll(locator) -> bool:
    "Does the element show all of its content at its width (no scroll bar, nothing cut off)?"
    return locator.evaluate('e => e.scrollWidth <= e.clientWidth + 1')
