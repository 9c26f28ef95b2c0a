"""The Neural Net Lab with Streamlit's AppTest: nothing trains at start-up, a short training with curves and metrics, stop → KILLED, bad input."""
import re
import time

import mlflow
import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

APP = str(ROOT / 'apps/neural_net_lab/streamlit_app.py')


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=120)


def all_runs(uri: str) -> list:
    client = mlflow.MlflowClient(uri)
    ids = [e.experiment_id for e in client.search_experiments()]
    return client.search_runs(ids) if ids else []


def charts(at: AppTest) -> int:
    return len(at.get('vega_lite_chart'))


def start(at: AppTest, **numbers) -> AppTest:
    for key, value in numbers.items():
        field = at.sidebar.text_input(key=key) if key == 'lr' else at.sidebar.number_input(key=key)
        field.set_value(str(value) if key == 'lr' else value)
    return at.button(key='start').click().run()


def finished(at: AppTest) -> AppTest:
    "Wait for the background training, then draw the page once more."
    job = at.session_state['job']
    job.wait(180)
    assert not job.running, 'training did not end within 180 s'
    return at.run()


def test_nothing_trains_at_start_up(store):
    at = app().run()
    assert not at.exception
    assert 'Training starten' in at.info[0].value
    assert at.session_state['job'] is None and charts(at) == 0 and not at.metric
    assert at.sidebar.selectbox(key='dataset').value == 'penguins'
    assert all_runs(store) == []


def test_short_training_shows_curves_metrics_and_a_finished_run(store):
    at = start(app().run(), epochs=6, patience=0)
    assert not at.exception and not at.error
    at = finished(at)
    assert not at.exception
    assert at.success[0].value.startswith('Training abgeschlossen: alle 6 Epochen')
    metrics = {m.label: m.value for m in at.metric}
    assert set(metrics) == {'Validierungsgenauigkeit', 'Validierungsverlust', 'Beste Epoche', 'Training minus Validierung'}
    assert float(metrics['Validierungsgenauigkeit'].rstrip('% ').replace(',', '.')) > 90  # '98,8 %'
    assert re.fullmatch(r'[+-]?\d+,\d Pp\.', metrics['Training minus Validierung']), metrics  # a difference of shares
    assert charts(at) == 2
    [run] = all_runs(store)
    assert f'`{run.info.run_id}`' in at.markdown[-1].value and 'Status **abgeschlossen**' in at.markdown[-1].value  # FINISHED, in German
    assert run.info.status == 'FINISHED'
    assert run.data.params['hidden'] == '32' and run.data.tags['dataset'] == 'penguins'
    history = mlflow.MlflowClient(store).get_metric_history(run.info.run_id, 'val_accuracy')
    assert sorted(m.step for m in history) == [1, 2, 3, 4, 5, 6]
    assert not at.button(key='start').disabled  # ready for the next training


def test_other_data_set_feature_subset_and_two_layers(store):
    at = app().run()
    at.sidebar.selectbox(key='dataset').set_value('iris').run()
    at.sidebar.pills(key='features_iris').set_value(['petal length (cm)', 'petal width (cm)'])
    at.sidebar.text_input(key='hidden').set_value('8, 8')
    at = finished(start(at, epochs=4, lr=0.05))
    assert not at.exception and at.success
    [run] = all_runs(store)
    assert (run.info.status, run.data.params['hidden'], run.data.params['n_features']) == ('FINISHED', '8,8', '2')
    assert run.data.tags['dataset'] == 'iris'


def test_stop_button_ends_training_and_marks_the_run_killed(store):
    at = start(app().run(), epochs=1000, patience=0)
    assert at.button(key='start').disabled and at.sidebar.number_input(key='seed').disabled  # locked at once, not a run later
    job = at.session_state['job']
    deadline = time.time() + 120
    while len(job.history) < 2 and job.running and time.time() < deadline:
        time.sleep(0.1)
    at.run()  # the live view: progress, stop button, curves so far
    assert not at.exception and job.running
    assert at.button(key='start').disabled and at.sidebar.number_input(key='epochs').disabled
    assert 'Training läuft' in at.get('progress')[0].proto.text
    assert charts(at) == 2  # live curves of the epochs so far
    at.button(key='stop').click().run()
    assert job.stop_requested
    at = finished(at)
    assert not at.exception
    assert 'KILLED' in at.warning[0].value and 'angehalten' in at.warning[0].value
    [run] = all_runs(store)
    assert run.info.status == 'KILLED' and run.data.tags['stop_reason'] == 'user'
    trained = len(mlflow.MlflowClient(store).get_metric_history(run.info.run_id, 'val_loss'))
    assert 2 <= trained < 1000 and run.data.metrics['epochs_trained'] == trained
    assert charts(at) == 2 and 'Status **abgebrochen**' in at.markdown[-1].value  # KILLED, said in German


def test_a_failing_training_is_reported(store, monkeypatch):
    import amalea_quack.nn

    def broken(*args, **kwargs): raise RuntimeError('Speicher voll')
    monkeypatch.setattr(amalea_quack.nn, 'train_mlp', broken)
    at = finished(start(app().run(), epochs=3))
    assert not at.exception and not at.success and not at.metric
    assert 'fehlgeschlagen' in at.error[0].value and 'Speicher voll' in at.error[0].value
    assert not at.button(key='start').disabled


@pytest.mark.parametrize('hidden, lr, features, message', [
    ('0', 0.01, None, 'mindestens 1 Neuron'),
    ('32, 0', 0.01, None, 'mindestens 1 Neuron'),
    ('zwei', 0.01, None, 'ganze Zahlen'),
    ('', 0.01, None, 'mindestens eine verborgene Schicht'),
    ('32', 0.0, None, 'Lernrate muss größer als 0'),
    ('32', -0.5, None, 'Lernrate muss größer als 0'),
    ('32', 0.01, [], 'Keine Merkmale gewählt'),
])
def test_bad_input_is_refused_in_german(store, hidden, lr, features, message):
    at = app().run()
    at.sidebar.text_input(key='hidden').set_value(hidden)
    at.sidebar.text_input(key='lr').set_value(str(lr).replace('.', ','))  # typed the German way
    if features is not None:
        at.sidebar.pills(key='features_penguins').set_value(features)
    at.button(key='start').click().run()
    assert not at.exception
    assert at.error[0].value.startswith('Training nicht gestartet') and message in at.error[0].value
    assert at.session_state['job'] is None and charts(at) == 0
    assert all_runs(store) == []
