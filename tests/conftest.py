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
    subprocess.run([sys.executable, '-c', f'from amalea_quack.config import use_store; use_store({sqlite_uri(folder)!r})'], check=True)
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
