"""Where the store is: one place whatever the working directory; the env var wins; the handout's load path works."""
import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT, sqlite_uri

PRINT_URI = 'from amalea_quack.store import tracking_uri; print(tracking_uri())'


@pytest.mark.parametrize('cwd', ['.', 'nbs/week07', 'apps', 'apps/iris_classifier'])
def test_embedded_store_is_the_same_from_every_working_directory(cwd, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != 'MLFLOW_TRACKING_URI'}
    out = subprocess.run([sys.executable, '-c', PRINT_URI], cwd=ROOT / cwd, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"sqlite:///{ROOT / 'mlflow-store' / 'mlflow.db'}"


def test_environment_variable_wins(tmp_path):
    env = {**os.environ, 'MLFLOW_TRACKING_URI': f'sqlite:///{tmp_path}/x.db'}
    out = subprocess.run([sys.executable, '-c', PRINT_URI], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f'sqlite:///{tmp_path}/x.db'


def test_resolution_does_no_work_at_import(tmp_path):
    code = ('import sys, amalea_quack.store, amalea_quack.reproducibility, amalea_quack.quack; '
            'print(sorted(m for m in ("mlflow", "sklearn", "torch") if m in sys.modules))')
    out = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == '[]'
    assert not list(tmp_path.iterdir())  # nothing written


def test_runs_from_another_directory_land_in_the_same_artifact_folder(store, tmp_path, monkeypatch):
    import mlflow

    from amalea_quack.store import artifact_location, use_experiment
    monkeypatch.chdir(tmp_path)
    exp = mlflow.get_experiment(use_experiment('Ortstest'))
    assert exp.artifact_location == artifact_location(store)
    assert not (tmp_path / 'mlruns').exists()


def test_a_new_stores_default_experiment_keeps_its_artifacts_in_the_store(tmp_path):
    "A run that names no experiment lands in MLflow's 'Default': its artifacts go beside the database, not into ./mlruns of the notebook."
    code = ("import mlflow\nfrom amalea_quack.store import use_store\nuse_store()\n"
            "with mlflow.start_run() as run: mlflow.log_text('Notiz', 'notiz.txt')\n"
            "print(run.info.experiment_id, run.info.run_id, mlflow.get_experiment('0').artifact_location)")
    (tmp_path / 'notebook').mkdir()
    out = subprocess.run([sys.executable, '-c', code], cwd=tmp_path / 'notebook', capture_output=True, text=True, timeout=300,
                         env={**{k: v for k, v in os.environ.items() if not k.startswith('MLFLOW_EXPERIMENT')},  # as a fresh kernel: none active
                              'MLFLOW_TRACKING_URI': sqlite_uri(tmp_path / 'store')})
    assert out.returncode == 0, out.stderr[-2000:]
    experiment, run_id, location = out.stdout.split()
    assert (experiment, location) == ('0', str(tmp_path / 'store/artifacts/0'))
    assert (tmp_path / 'store/artifacts/0' / run_id / 'artifacts/notiz.txt').read_text() == 'Notiz'
    assert list((tmp_path / 'notebook').iterdir()) == []

def test_handout_load_path_in_a_fresh_python(iris_store, tmp_path):
    code = ("import mlflow, pandas as pd\n"
            "m = mlflow.pyfunc.load_model('models:/iris-classifier@production')\n"
            "row = {'sepal length (cm)': 5.1, 'sepal width (cm)': 3.5, 'petal length (cm)': 1.4, 'petal width (cm)': 0.2}\n"
            "print(m.predict(pd.DataFrame([row]))[0])")
    out = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, env={**os.environ, 'MLFLOW_TRACKING_URI': iris_store},
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == 'setosa'


FLOWER = {'sepal length (cm)': 6.7, 'sepal width (cm)': 3.0, 'petal length (cm)': 5.2, 'petal width (cm)': 2.3}  # virginica
TREE_WITHOUT_TORCH = {  # what a fresh Python does with a tree model -> code that prints a result
    'served': ("from amalea_quack.registry import ServedModel\n"
               "p = ServedModel('iris-classifier', 'production').predict(" + repr(FLOWER) + ")\n"
               "result = [str(p.labels[0]), float(p.probabilities.max(axis=1).iloc[0]) > 0.5]\n"),
    'logged': ("from sklearn.datasets import load_iris\nfrom sklearn.tree import DecisionTreeClassifier\n"
               "from amalea_quack.tracking import trusted_types\n"
               "X, y = load_iris(return_X_y=True)\n"
               "result = trusted_types(DecisionTreeClassifier(max_depth=2).fit(X, y))\n"),
}
EXPECTED = {'served': ['virginica', True], 'logged': ['sklearn.tree._tree.Tree']}


@pytest.mark.parametrize('step', TREE_WITHOUT_TORCH)
def test_a_tree_model_is_logged_and_served_without_importing_torch(step, request, tmp_path):
    "skops.io (MLflow's format for trees) walks scikit-learn's packages on import, torch's adapter among them: 2 s nobody needs."
    code = ("import json, sys\n" + TREE_WITHOUT_TORCH[step] + "torch_before = 'torch' in sys.modules\n"
            "import sklearn.externals.array_api_compat.torch as adapter\n"  # afterwards the real adapter, with torch behind it
            "print(json.dumps([result, torch_before, hasattr(adapter, 'asarray'), 'torch' in sys.modules]))")
    store = {'MLFLOW_TRACKING_URI': request.getfixturevalue('iris_store')} if step == 'served' else {}
    out = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, env={**os.environ, **store}, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [EXPECTED[step], False, True, True]


def test_a_training_files_its_metrics_under_its_logged_model_without_copying_them(store, monkeypatch):
    "MLflow 3 links metrics to the logged model they measure; metrics logged before the model are copied one request per metric."
    import mlflow

    from amalea_quack.eda import load_dataset
    from amalea_quack.store import client
    from amalea_quack.tracking import train_tabular
    read = []
    history = mlflow.MlflowClient.get_metric_history
    monkeypatch.setattr(mlflow.MlflowClient, 'get_metric_history', lambda self, *a, **k: read.append(a) or history(self, *a, **k))
    result = train_tabular(load_dataset('iris'), 'species', params={'n_estimators': 10}, latency_rows=5)
    assert read == []  # log_model found no metrics to copy over, one request each (notebook 06 checks they name the model)
    assert len(client().get_metric_history(result.run_id, 'accuracy')) == 1  # and each was logged once
