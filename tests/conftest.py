"""Shared fixtures: temporary MLflow stores, a store with a promoted Iris model, and a clean home for tools."""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Keep tools (matplotlib, IPython, Jupyter, Streamlit, MLflow) out of the real home directory.
_HOME = Path(tempfile.mkdtemp(prefix='quack-test-home-'))
for var, sub in {'HOME': '', 'MPLCONFIGDIR': 'mpl', 'IPYTHONDIR': 'ipython', 'JUPYTER_CONFIG_DIR': 'jupyter/config',
                 'JUPYTER_DATA_DIR': 'jupyter/data', 'JUPYTER_RUNTIME_DIR': 'jupyter/runtime'}.items():
    os.environ[var] = str(_HOME / sub)
    (_HOME / sub).mkdir(parents=True, exist_ok=True)
os.environ['MLFLOW_DISABLE_TELEMETRY'] = 'true'
os.environ.pop('MLFLOW_TRACKING_URI', None)  # tests choose their stores explicitly


def sqlite_uri(folder: Path) -> str:
    return f'sqlite:///{folder / "mlflow.db"}'


@pytest.fixture(scope='session')
def template_db(tmp_path_factory) -> Path:
    "An empty, fully migrated MLflow database, created once and copied per test (saves seconds per store)."
    folder = tmp_path_factory.mktemp('template')
    subprocess.run([sys.executable, '-c', f'from amalea_quack.store import use_store; use_store({sqlite_uri(folder)!r})'], check=True)
    return folder / 'mlflow.db'


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
    "A store with iris-classifier: version 1 in production; shared, so tests must not change it."
    uri = new_store(tmp_path_factory.mktemp('iris-store'), template_db)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv('MLFLOW_TRACKING_URI', uri)
        from amalea_quack.pipeline import ensure_production
        ensure_production(latency_rows=20)
    return uri


def quack(*args, uri: str | None = None, stdin: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    "Run the installed `quack` command in a fresh process."
    env = {**os.environ, **({'MLFLOW_TRACKING_URI': uri} if uri else {})}
    exe = Path(sys.executable).parent / 'quack'
    return subprocess.run([str(exe), *args], input=stdin, capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


# --- Streamlit servers and a real browser -------------------------------------------------------------------------

SHOTS = ROOT / 'test-output' / 'screenshots'
CHROMIUM = os.environ.get('CHROMIUM') or next((p for p in ('/usr/bin/chromium', '/usr/bin/google-chrome') if Path(p).exists()), '/usr/bin/chromium')
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class StreamlitServer:
    "`streamlit run SCRIPT` on a free 127.0.0.1 port, stopped by its PID (process group)."
    def __init__(self, script: Path, uri: str | None = None, extra_env: dict | None = None):
        import signal  # noqa: F401
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

    def __enter__(self): return self.wait()
    def __exit__(self, *exc): self.stop()


@pytest.fixture(scope='session')
def browser():
    "Debian's Chromium driven by Playwright (no browser download)."
    from playwright.sync_api import sync_playwright
    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()
    pw.stop()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={'width': 1280, 'height': 900}, locale='de-DE')
    p = ctx.new_page()
    yield p
    ctx.close()


def screenshot(page, name: str, full_page: bool = True) -> Path:
    "Save a screenshot (the full page, or what the viewport shows) to test-output/screenshots/NAME.png."
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f'{name}.png'
    page.screenshot(path=str(path), full_page=full_page)
    return path
