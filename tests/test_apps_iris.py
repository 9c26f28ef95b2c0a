"""The Iris app with Streamlit's AppTest: normal flow, other aliases, no model, unreachable store, secrets."""
import socket

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from amalea_quack.registry import ModelNotFound, resolve

APP = str(ROOT / 'apps/iris_classifier/streamlit_app.py')


def app(timeout=30) -> AppTest:
    return AppTest.from_file(APP, default_timeout=timeout)


def test_predicts_with_probabilities_and_model_card(iris_store, monkeypatch):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', iris_store)
    at = app().run()
    assert not at.exception
    assert at.success[0].value.startswith('Vorhersage: **')
    names = [s.label for s in at.sidebar.slider]
    assert names == ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)']
    assert (at.sidebar.slider[0].min, at.sidebar.slider[0].max) == (4.3, 7.9)  # the training range
    card = at.dataframe[-1].value['Wert']
    assert card['Version'] == '1' and card['Alias'] == 'production' and card['Freigegeben'] != '–'


def test_moving_the_sliders_changes_the_prediction(iris_store, monkeypatch):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', iris_store)
    at = app().run()
    for label, value in [('sepal length (cm)', 5.0), ('sepal width (cm)', 3.4), ('petal length (cm)', 1.5), ('petal width (cm)', 0.2)]:
        at.sidebar.slider(key=label).set_value(value)
    at.run()
    assert at.success[0].value == 'Vorhersage: **setosa**'
    at.sidebar.slider(key='petal length (cm)').set_value(6.0)
    at.sidebar.slider(key='petal width (cm)').set_value(2.3)
    at.sidebar.slider(key='sepal length (cm)').set_value(7.2)
    at.run()
    assert at.success[0].value == 'Vorhersage: **virginica**'


def test_alias_without_model_explains_the_fix(iris_store, monkeypatch):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', iris_store)
    at = app().run()
    at.sidebar.selectbox(key='alias').set_value('champion').run()
    assert not at.exception and not at.success
    assert 'iris-classifier@champion' in at.warning[0].value and 'make start' in at.warning[0].value


def test_empty_store_explains_the_fix_and_trains_only_on_click(store):
    at = app().run()
    assert not at.exception and not at.slider
    assert 'quack train' in at.warning[0].value
    with pytest.raises(ModelNotFound): resolve('iris-classifier', 'production')  # nothing trained behind the user's back
    at.button(key='train').click().run(timeout=120)
    assert not at.exception and not at.warning
    assert 'iris-classifier** Version 1 ist jetzt `production`' in at.success[0].value
    assert at.slider, 'the served model is shown right away'


def test_unreachable_store_is_reported_in_german(monkeypatch):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]  # a port nobody listens on
    monkeypatch.setenv('MLFLOW_TRACKING_URI', f'http://127.0.0.1:{port}')
    at = app(timeout=60).run()
    assert not at.exception
    assert 'nicht erreichbar' in at.error[0].value


def test_tracking_uri_from_streamlit_secrets(iris_store, monkeypatch):
    monkeypatch.delenv('MLFLOW_TRACKING_URI', raising=False)
    at = app()
    at.secrets['MLFLOW_TRACKING_URI'] = iris_store
    at.run()
    assert not at.exception and at.success[0].value.startswith('Vorhersage')
