"""The Model Playground with Streamlit's AppTest: each of the Big 3, hyperparameters that change the result, logging a run, bad combinations."""
import socket

import pytest
from conftest import ROOT
from mlflow import MlflowClient
from streamlit.testing.v1 import AppTest

from amalea_quack.clustering import PLAYGROUND_EXPERIMENT

APP = str(ROOT / 'apps/model_playground/streamlit_app.py')
CLASSIFIER = {'Genauigkeit (Kreuzvalidierung)', 'Genauigkeit (Test)', 'F1 (makro, Test)', 'Trainings-Test-Abstand (Test)'}
CLUSTERING = {'Silhouette (Test)', 'ARI (Test)', 'Genauigkeit (Mehrheit)'}


def app(timeout: float = 120) -> AppTest:
    return AppTest.from_file(APP, default_timeout=timeout)


def metrics(at: AppTest) -> dict:
    return {m.label: m.value for m in at.metric}


def number(text: str) -> float:
    "A number as the app shows it, the German way (0,956)."
    return float(text.replace('.', '').replace(',', '.'))


def image_url(at: AppTest) -> str:
    "The media URL of the figure; it is a hash of the PNG, so another picture gets another URL."
    return at.get('image')[0].proto.imgs[0].url


def runs(uri: str) -> list:
    client = MlflowClient(uri)
    exp = client.get_experiment_by_name(PLAYGROUND_EXPERIMENT)
    return [] if exp is None else client.search_runs([exp.experiment_id])


@pytest.mark.parametrize('algorithm, labels', [('Entscheidungsbaum', CLASSIFIER), ('KNN', CLASSIFIER), ('k-Means', CLUSTERING)])
def test_each_algorithm_draws_its_picture_and_metrics(store, algorithm, labels):
    at = app().run()
    at.sidebar.radio(key='algorithm').set_value(algorithm).run()
    assert not at.exception and not at.error
    assert set(metrics(at)) == labels
    assert all(v != '–' for v in metrics(at).values())
    assert len(at.get('image')) == 1
    assert at.button(key='log').label == 'Lauf in MLflow protokollieren'
    first = next(iter(metrics(at).values()))
    assert 0.0 <= number(first) <= 1.0


def test_the_default_tree_separates_iris_on_the_petals(store):
    at = app().run()
    assert at.sidebar.selectbox(key='x_iris').value == 'petal length (cm)'
    assert at.sidebar.selectbox(key='y_iris').value == 'petal width (cm)'
    assert number(metrics(at)['Genauigkeit (Test)']) >= 0.9


def test_changing_hyperparameters_changes_metrics_and_figure(store):
    at = app().run()
    before, url = metrics(at), image_url(at)
    at.sidebar.slider(key='max_depth').set_value(1).run()
    assert metrics(at) != before and image_url(at) != url
    assert number(metrics(at)['Genauigkeit (Test)']) < number(before['Genauigkeit (Test)'])  # one question cannot split three species

    at.sidebar.checkbox(key='unlimited').check().run()
    assert number(metrics(at)['Genauigkeit (Test)']) > 0.6 and at.sidebar.slider(key='max_depth').disabled

    at.sidebar.radio(key='algorithm').set_value('KNN').run()
    k5, url = metrics(at), image_url(at)
    at.sidebar.slider(key='n_neighbors').set_value(1).run()
    assert metrics(at)['Genauigkeit (Test)'] != k5['Genauigkeit (Test)'] and image_url(at) != url

    at.sidebar.radio(key='algorithm').set_value('k-Means').run()
    three, url = metrics(at), image_url(at)
    at.sidebar.slider(key='n_clusters').set_value(2).run()
    assert metrics(at)['ARI (Test)'] != three['ARI (Test)'] and image_url(at) != url


def test_scaling_matters_for_knn_on_wine(store):
    at = app().run()
    at.sidebar.selectbox(key='dataset').set_value('wine').run()
    at.sidebar.radio(key='algorithm').set_value('KNN').run()
    assert [at.sidebar.selectbox(key='x_wine').value, at.sidebar.selectbox(key='y_wine').value] == ['alcohol', 'proline']
    scaled = number(metrics(at)['Genauigkeit (Test)'])
    at.sidebar.checkbox(key='scale_knn').uncheck().run()
    assert not at.exception
    assert scaled > number(metrics(at)['Genauigkeit (Test)']) + 0.1


def test_missing_values_are_dropped_and_reported(store):
    at = app().run()
    at.sidebar.selectbox(key='dataset').set_value('penguins').run()
    assert not at.exception and not at.error
    assert at.info[0].value.startswith('2 Zeilen mit Lücken')


@pytest.mark.parametrize('algorithm, key, value, param, picture, metric', [
    ('KNN', 'n_neighbors', 7, 'n_neighbors', 'entscheidungsgrenzen.png', 'Genauigkeit (Test)'),
    ('k-Means', 'n_clusters', 4, 'n_clusters', 'clusterregionen.png', 'ARI (Test)'),
])
def test_log_button_creates_a_finished_run(store, algorithm, key, value, param, picture, metric):
    at = app(timeout=300).run()
    at.sidebar.radio(key='algorithm').set_value(algorithm).run()
    at.sidebar.slider(key=key).set_value(value).run()
    shown = metrics(at)
    assert runs(store) == []  # nothing is logged before the button
    assert not any('Store:' in c.value for c in at.caption)  # where runs go is said once there is one (a path means nothing on a phone)
    at.button(key='log').click().run()
    assert not at.exception and not at.error
    message = at.success[0].value
    assert any(c.value.startswith('Store: `') and 'Experiment-Vergleich' in c.value for c in at.caption)
    assert PLAYGROUND_EXPERIMENT in message
    run_id = message.split('`')[1]
    [run] = runs(store)
    assert run.info.run_id == run_id and run.info.status == 'FINISHED'
    p = run.data.params
    assert (p['algorithm'], p[param], p['dataset'], p['features']) == (algorithm, str(value), 'iris', 'petal length (cm),petal width (cm)')
    key_metric = {'Genauigkeit (Test)': 'accuracy', 'ARI (Test)': 'ari'}[metric]
    assert f'{run.data.metrics[key_metric]:.3f}'.replace('.', ',') == shown[metric]  # shown the German way
    assert {'accuracy', 'f1_macro', 'ari', 'n_train', 'n_test'} <= set(run.data.metrics)
    assert ('silhouette' in run.data.metrics) == (algorithm == 'k-Means')
    assert ('cv_accuracy' in run.data.metrics) == (algorithm != 'k-Means')  # a classifier's knobs are chosen by cross-validation
    client = MlflowClient(store)
    assert {picture, 'environment.json'} <= {a.path for a in client.list_artifacts(run_id)}
    models = [m for m in client.search_logged_models([run.info.experiment_id]) if m.source_run_id == run_id]
    assert [m.name for m in models] == ['model']  # the fitted pipeline, logged with the run
    # the confirmation belongs to this configuration: another k hides it, nothing new is logged
    at.sidebar.slider(key=key).set_value(value + 1).run()
    assert not at.success and len(runs(store)) == 1
    assert not any('Store:' in c.value for c in at.caption)


def test_widgets_alone_never_log(store):
    at = app().run()
    for algorithm in ('KNN', 'k-Means', 'Entscheidungsbaum'):
        at.sidebar.radio(key='algorithm').set_value(algorithm).run()
    at.sidebar.selectbox(key='dataset').set_value('wine').run()
    assert not at.exception and runs(store) == []


def test_identical_features_are_refused(store):
    at = app().run()
    at.sidebar.selectbox(key='y_iris').set_value('petal length (cm)').run()
    assert not at.exception
    assert 'Merkmale müssen verschieden sein' in at.error[0].value and 'petal length (cm)' in at.error[0].value
    assert not at.get('image') and not at.metric and not at.button
    at.sidebar.selectbox(key='y_iris').set_value('sepal width (cm)').run()
    assert not at.error and at.metric


@pytest.mark.parametrize('algorithm, key, value, expected', [
    ('KNN', 'n_neighbors', 20, 'k = 20 ist größer als die'),
    ('k-Means', 'n_clusters', 10, 'Die Zahl der Cluster = 10 ist größer als die'),
])
def test_too_few_rows_for_the_chosen_k_are_refused(store, algorithm, key, value, expected):
    at = app().run()
    at.sidebar.radio(key='algorithm').set_value(algorithm).run()
    at.sidebar.slider(key='rows_iris').set_value(10).run()
    at.sidebar.slider(key=key).set_value(value).run()
    assert not at.exception
    assert expected in at.error[0].value and 'Trainingszeilen' in at.error[0].value
    assert not at.button
    at.sidebar.slider(key=key).set_value(2).run()
    assert not at.error and at.metric


def test_unreachable_store_is_reported_when_logging(monkeypatch):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]  # a port nobody listens on
    monkeypatch.setenv('MLFLOW_TRACKING_URI', f'http://127.0.0.1:{port}')
    at = app(timeout=180).run()
    assert not at.exception and at.metric  # training needs no store
    at.button(key='log').click().run()
    assert not at.exception and not at.success
    assert 'nicht erreichbar' in at.error[0].value and str(port) in at.error[0].value  # the store's one German message


def test_cross_validation_leads_and_says_when_the_rows_are_too_few(store):
    "The knobs are chosen by cross-validation on the training rows; where its folds are too small for k it shows '–' and says why."
    at = app().run()
    at.sidebar.radio(key='algorithm').set_value('KNN').run()
    assert list(metrics(at))[0] == 'Genauigkeit (Kreuzvalidierung)' and number(metrics(at)['Genauigkeit (Kreuzvalidierung)']) > 0.9
    assert any('Kreuzvalidierung: 5 Folds auf den Trainingszeilen' in c.value for c in at.caption)
    at.sidebar.slider(key='rows_iris').set_value(10).run()
    at.sidebar.slider(key='n_neighbors').set_value(4).run()  # 6 training rows, 3 in a fold's training part: k = 4 cannot be validated
    assert not at.exception and not at.error
    assert metrics(at)['Genauigkeit (Kreuzvalidierung)'] == '–' and metrics(at)['Genauigkeit (Test)'] != '–'
    assert any('zu wenige Zeilen je Klasse oder Fold' in c.value for c in at.caption)
