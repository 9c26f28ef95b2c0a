"""The Experiment Board with Streamlit's AppTest: leaderboard order, metric and order changes, the best run, registering, bad input."""
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, new_store
from streamlit.testing.v1 import AppTest

APP = str(ROOT / 'apps/experiment_board/streamlit_app.py')
EXPERIMENT = 'Board-Test Iris'
LOSS_ONLY = 'Board-Test nur Verlust'


def make_board_store(folder: Path, template: Path) -> tuple[str, dict]:
    "A store with four tracked candidates and a run without a model in EXPERIMENT, and a loss-only experiment."
    import mlflow
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.tree import DecisionTreeClassifier

    from amalea_quack.compare import train_candidates
    from amalea_quack.eda import load_dataset
    from amalea_quack.evaluation import baseline_model
    from amalea_quack.quack import IRIS_CARD
    from amalea_quack.store import use_experiment
    uri = new_store(folder, template)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv('MLFLOW_TRACKING_URI', uri)
        use_experiment(LOSS_ONLY)  # first: the candidates' experiment stays the most recently used
        with mlflow.start_run(run_name='verlust'):
            mlflow.log_metric('loss', 0.3)
        candidates = {'baseline': baseline_model(), 'stumpf': DecisionTreeClassifier(max_depth=1, random_state=0),
                      'baum': DecisionTreeClassifier(max_depth=3, random_state=0), 'knn': KNeighborsClassifier(n_neighbors=5)}
        ids = train_candidates(load_dataset('iris'), 'species', candidates, experiment=EXPERIMENT, card=IRIS_CARD, dataset='iris', latency_rows=5)
        use_experiment(EXPERIMENT)
        with mlflow.start_run(run_name='nur-kurve') as run:  # metrics, a curve, but no model
            mlflow.log_metrics({'accuracy': 0.5, 'cv_accuracy': 0.5})
            for step, loss in enumerate([1.0, 0.6, 0.4]): mlflow.log_metric('loss', loss, step=step)
        ids['nur-kurve'] = run.info.run_id
    return uri, ids


@pytest.fixture(scope='module')
def board_store(tmp_path_factory, template_db):
    return make_board_store(tmp_path_factory.mktemp('board-store'), template_db)


@pytest.fixture
def board(board_store, monkeypatch):
    uri, ids = board_store
    monkeypatch.setenv('MLFLOW_TRACKING_URI', uri)
    return ids


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def leaderboard(at: AppTest) -> pd.DataFrame:
    "The leaderboard as shown: German column names, run IDs cut to eight characters, German numbers."
    return at.dataframe[0].value


def numbers(column: pd.Series) -> pd.Series:
    "German numbers as shown ('0,967') back to floats."
    if pd.api.types.is_numeric_dtype(column): return column
    return pd.to_numeric(column.astype(str).str.replace('.', '', regex=False).str.replace(',', '.', regex=False))


def best_run_id(at: AppTest) -> str:
    "The full run ID of the best run, as the success message names it."
    return re.search(r'`([0-9a-f]{32})`', at.success[0].value).group(1)


def stored_metric(run_id: str, metric: str) -> float:
    import mlflow
    return mlflow.get_run(run_id).data.metrics[metric]


def test_leaderboard_is_ranked_by_cross_validation_and_names_the_best(board):
    "Choosing a run uses cross-validation, never the test data: the default ranking is cv_accuracy, and the page says so."
    at = app().run()
    assert not at.exception
    assert at.sidebar.selectbox(key='experiment').value == EXPERIMENT  # the most recently used experiment with runs
    assert at.sidebar.selectbox(key='metric').value == 'cv_accuracy'
    df = leaderboard(at)
    assert set(df['Lauf']) == {r[:8] for r in board.values()}  # all finished runs
    assert numbers(df['Genauigkeit (Kreuzvalidierung)']).is_monotonic_decreasing
    top = max(stored_metric(r, 'cv_accuracy') for r in board.values())
    best = [n for n in board if stored_metric(board[n], 'cv_accuracy') == top]
    assert df.iloc[0]['Name des Laufs'] in best and str(df.iloc[0]['Rang']) == '1'
    assert at.success[0].value.startswith('Bester Lauf nach **Genauigkeit (Kreuzvalidierung)**' if len(best) == 1 else 'Gleichstand')
    assert board[df.iloc[0]['Name des Laufs']] in at.success[0].value
    assert any(c.value.startswith('Rangliste nach **Genauigkeit (Kreuzvalidierung)**') for c in at.caption)
    assert not at.warning
    assert 'None' not in df.astype(str).to_string()
    assert at.success[0].icon == '🏆'
    depth = dict(zip(df['Name des Laufs'], df['max_depth'], strict=True))  # the parameter that tells the two trees apart
    assert (depth['stumpf'], depth['baum'], depth['knn']) == ('1', '3', '–')


def test_test_accuracy_as_ranking_is_flagged(board):
    at = app().run()
    at.sidebar.selectbox(key='metric').set_value('accuracy').run()
    assert not at.exception
    assert 'Testdaten' in at.warning[0].value and 'Genauigkeit (Kreuzvalidierung)' in at.warning[0].value
    assert any(c.value.startswith('Rangliste nach **Genauigkeit** (Testdaten)') for c in at.caption)


def test_parameter_select_shows_german_labels(board):
    at = app().run()
    select = at.selectbox(key=f'param_{EXPERIMENT}')
    assert select.value == 'estimator' and 'Modelltyp' in select.options and 'estimator' not in select.options


def test_changing_metric_and_order_reorders_the_leaderboard(board):
    at = app().run()
    at.sidebar.selectbox(key='metric').set_value('latency_p99_ms').run()
    assert not at.exception
    df = leaderboard(at)
    assert numbers(df['Latenz p99 (ms)']).is_monotonic_increasing  # latency: smaller is better by default
    assert at.sidebar.radio(key='order_latency_p99_ms').value.startswith('aufsteigend')
    assert 'nur-kurve' not in df['Name des Laufs'].tolist()  # it did not log this metric
    fastest = min((n for n in board if n != 'nur-kurve'), key=lambda n: stored_metric(board[n], 'latency_p99_ms'))
    assert df.iloc[0]['Name des Laufs'] == fastest and board[fastest] in at.success[0].value
    # the new ranking preselects its best run, and the browser is sent its new label (it kept '1. knn' from the old ranking)
    run_box = at.sidebar.selectbox(key=f'run_{EXPERIMENT}')
    assert run_box.value == board[fastest] and run_box.proto.raw_value.startswith(f'1. {fastest}'), run_box.proto.raw_value
    at.sidebar.radio(key='order_latency_p99_ms').set_value('absteigend (größer ist besser)').run()
    df = leaderboard(at)
    assert numbers(df['Latenz p99 (ms)']).is_monotonic_decreasing and df.iloc[0]['Name des Laufs'] != fastest


def test_metric_range_filters_runs(board):
    at = app().run()
    scale = at.sidebar.select_slider(key=f'range_{EXPERIMENT}_cv_accuracy')
    shown = numbers(pd.Series(scale.options))  # the runs' values, written the German way ('0,905', not 0.905)
    assert all(',' in o for o in scale.options) and shown.is_monotonic_increasing
    lo, hi = scale.value
    start = min(v for v in shown if v >= 0.6)
    at.sidebar.select_slider(key=f'range_{EXPERIMENT}_cv_accuracy').set_value((start, hi)).run()
    df = leaderboard(at)
    assert numbers(df['Genauigkeit (Kreuzvalidierung)']).min() >= 0.6 and lo < 0.6
    assert 'baseline' not in df['Name des Laufs'].tolist() and 'nur-kurve' not in df['Name des Laufs'].tolist()


def test_history_of_a_run_with_steps(board):
    at = app().run()
    at.sidebar.selectbox(key=f'run_{EXPERIMENT}').set_value(board['nur-kurve']).run()
    at.selectbox(key=f"history_{board['nur-kurve']}").set_value('loss').run()
    assert not at.exception
    assert not any('nur einen Wert' in c.value for c in at.caption)  # a curve with three steps is drawn
    at.sidebar.selectbox(key=f'run_{EXPERIMENT}').set_value(board['knn']).run()
    assert any('nur einen Wert' in c.value for c in at.caption)


def test_register_the_best_run_as_staging(board):
    from amalea_quack.registry import audit_log, resolve
    at = app().run()
    best_id = best_run_id(at)
    field = at.text_input(key=f'model_name_{best_id}')
    assert field.value == 'iris-classifier'  # suggested from the run's data set
    field.set_value('board-kandidat')
    at.button(key='register').click().run()
    assert not at.exception and not at.error
    assert 'Version 1 von **board-kandidat** registriert' in at.success[-1].value
    assert at.code[0].value == 'quack promote --name board-kandidat'
    mv = resolve('board-kandidat', 'staging')
    assert (str(mv.version), mv.run_id) == ('1', best_id)
    entry = audit_log('board-kandidat')[-1]
    assert (entry['action'], entry['alias'], entry['to_version']) == ('register', 'staging', 1)


def test_bad_model_name_is_refused(board):
    at = app().run()
    best_id = best_run_id(at)
    at.text_input(key=f'model_name_{best_id}').set_value('mein modell!')
    at.button(key='register').click().run()
    assert 'Ungültiger Modellname' in at.error[0].value and not at.code


def test_run_without_model_cannot_be_registered(board):
    at = app().run()
    at.sidebar.selectbox(key=f'run_{EXPERIMENT}').set_value(board['nur-kurve']).run()
    assert not at.exception
    assert 'kein Modell namens `model`' in at.warning[0].value
    assert not [b for b in at.button if b.key == 'register']


def test_experiment_without_the_chosen_metric_says_so(board):
    at = app().run()
    at.sidebar.selectbox(key='metric').set_value('f1_macro').run()
    at.sidebar.selectbox(key='experiment').set_value(LOSS_ONLY).run()
    assert not at.exception
    assert 'hat keine Metrik **F1 (makro)**' in at.info[0].value and 'loss' in at.info[0].value
    assert leaderboard(at)['Name des Laufs'].tolist() == ['verlust']
    at.sidebar.selectbox(key='experiment').set_value(EXPERIMENT).run()
    assert at.sidebar.selectbox(key='metric').value == 'f1_macro' and not at.info  # the pick comes back


def test_no_status_selected_is_explained(board):
    at = app().run()
    at.sidebar.multiselect(key='statuses').set_value([]).run()
    assert 'mindestens einen Status' in at.warning[0].value and not at.dataframe


def test_empty_store_names_the_command(store):
    at = app().run()
    assert not at.exception and not at.dataframe
    assert 'noch kein Experiment mit Läufen' in at.warning[0].value and 'quack train' in at.warning[0].value


def test_a_run_the_gates_cannot_check_gets_a_name_of_its_own(tmp_path, template_db, monkeypatch):
    "A model playground run was suggested as a version of iris-classifier, which it could never be released as (no test predictions)."
    import mlflow
    from sklearn.tree import DecisionTreeClassifier

    from amalea_quack.eda import load_dataset
    from amalea_quack.reproducibility import tracked_run
    from amalea_quack.tracking import log_sklearn_model
    monkeypatch.setenv('MLFLOW_TRACKING_URI', new_store(tmp_path / 'store', template_db))
    iris = load_dataset('iris')
    X = iris.drop(columns='species')
    with tracked_run('Modell-Spielwiese', run_name='knn', dataset='iris') as run:
        mlflow.log_metric('accuracy', 0.9)
        log_sklearn_model(DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, iris['species']), X.head(3))
    at = app().run()
    assert not at.exception, at.exception
    assert at.text_input(key=f'model_name_{run.info.run_id}').value == 'iris-modell-spielwiese'
    assert any('Registrieren geht, freigeben nicht' in i.value for i in at.info), [i.value for i in at.info]


def log_runs(experiment: str, runs: list[tuple[str, dict, dict]]) -> list[str]:
    "Finished runs with the given name, parameters and metrics, in this order (the last is the newest); their run ids."
    import time

    import mlflow

    from amalea_quack.store import use_experiment
    use_experiment(experiment)
    ids = []
    for name, params, metrics in runs:
        with mlflow.start_run(run_name=name) as run:
            mlflow.log_params(params); mlflow.log_metrics(metrics)
        ids.append(run.info.run_id)
        time.sleep(0.01)  # distinct start times: the newest of a tie comes first
    return ids


def test_a_tie_is_named_and_the_test_favourite_does_not_win(tmp_path, template_db, monkeypatch):
    "Three runs of one name tie on the cross-validation; the run with the best test accuracy is not the best, and the depth tells them apart."
    monkeypatch.setenv('MLFLOW_TRACKING_URI', new_store(tmp_path / 'store', template_db))
    tree = 'entscheidungsbaum-iris'
    ids = log_runs('Gleichstand', [('test-liebling', {'estimator': 'DecisionTreeClassifier', 'max_depth': 8, 'criterion': 'gini'},
                                    {'cv_accuracy': 0.90, 'accuracy': 1.0}),
                                   (tree, {'estimator': 'DecisionTreeClassifier', 'max_depth': 2, 'criterion': 'gini'},
                                    {'cv_accuracy': 0.9524, 'accuracy': 0.9778}),
                                   (tree, {'estimator': 'DecisionTreeClassifier', 'max_depth': 3, 'criterion': 'gini'},
                                    {'cv_accuracy': 0.9524, 'accuracy': 0.9778}),
                                   (tree, {'estimator': 'DecisionTreeClassifier', 'max_depth': 'None', 'criterion': 'gini'},
                                    {'cv_accuracy': 0.9333, 'accuracy': 0.9778})])
    at = app().run()
    assert not at.exception, at.exception
    df = leaderboard(at)
    assert df['Lauf'].tolist() == [ids[2][:8], ids[1][:8], ids[3][:8], ids[0][:8]]  # the newest of the tie first, the test favourite last
    assert [str(r) for r in df['Rang']] == ['1', '1', '3', '4']  # a tie shares its rank
    assert df['max_depth'].tolist() == ['3', '2', 'ohne', '8'] and 'Aufteilungskriterium' not in df and 'criterion' not in df  # same for all
    message = at.success[0].value
    assert message.startswith('Gleichstand an der Spitze nach **Genauigkeit (Kreuzvalidierung)**') and '**2 Läufe**' in message
    assert ids[1][:8] in message and ids[2] in message and ids[0][:8] not in message and best_run_id(at) == ids[2]
    titles = at.sidebar.selectbox(key='run_Gleichstand').options  # as shown: formatted
    assert len(set(titles)) == 4 and 'max_depth 3' in titles[0]


def test_without_cross_validation_the_test_accuracy_ranks_and_says_so(tmp_path, template_db, monkeypatch):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', new_store(tmp_path / 'store', template_db))
    log_runs('Ohne Kreuzvalidierung', [('a', {'max_depth': 2}, {'accuracy': 0.9}), ('b', {'max_depth': 3}, {'accuracy': 0.95})])
    at = app().run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox(key='metric').value == 'accuracy'
    assert leaderboard(at)['Name des Laufs'].tolist() == ['b', 'a']
    caption = next(c.value for c in at.caption if c.value.startswith('Rangliste nach'))
    assert caption.startswith('Rangliste nach **Genauigkeit** (Testdaten)') and 'Kein Lauf hat eine Kreuzvalidierung' in caption
    assert at.success[0].value.startswith('Bester Lauf nach **Genauigkeit** (Testdaten)')
    assert 'ersatzweise nach der Genauigkeit auf den Testdaten' in caption


def test_a_parameter_keeps_its_code_name(tmp_path, template_db, monkeypatch):
    "A k-NN's 'metric' (a distance) is shown as metric, never as the word for a score ('Metrik'); the parameter's help says what it is."
    from amalea_quack.glossary import PARAMETER_HELP
    monkeypatch.setenv('MLFLOW_TRACKING_URI', new_store(tmp_path / 'store', template_db))
    log_runs('Abstände', [('knn-manhattan', {'estimator': 'KNeighborsClassifier', 'metric': 'manhattan'}, {'cv_accuracy': 0.95}),
                          ('knn-euklid', {'estimator': 'KNeighborsClassifier', 'metric': 'euclidean'}, {'cv_accuracy': 0.94})])
    at = app().run()
    assert not at.exception, at.exception
    df = leaderboard(at)
    assert df['metric'].tolist() == ['manhattan', 'euclidean'] and 'Metrik' not in df
    at.selectbox(key='param_Abstände').set_value('metric').run()
    assert f"**metric**: {PARAMETER_HELP['metric']}" in [c.value for c in at.caption]


def test_networks_rank_by_their_validation_accuracy_and_their_gap_is_not_called_a_test_gap(tmp_path, template_db, monkeypatch):
    "train_mlp logs the restored epoch's validation numbers as best_val_*; the board ranks by it, never by best_epoch (the first metric)."
    monkeypatch.setenv('MLFLOW_TRACKING_URI', new_store(tmp_path / 'store', template_db))
    log_runs('Netze', [('klein', {'hidden': '(4,)'}, {'best_epoch': 9, 'best_val_accuracy': 0.90, 'val_gap': 0.02}),
                       ('groß', {'hidden': '(64,)'}, {'best_epoch': 3, 'best_val_accuracy': 0.95, 'val_gap': 0.04})])
    at = app().run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox(key='metric').value == 'best_val_accuracy'
    df = leaderboard(at)
    assert df['Name des Laufs'].tolist() == ['groß', 'klein']
    assert 'Trainings-Test-Abstand (Validierung)' in df and 'Trainings-Test-Abstand (Test)' not in df
    assert at.success[0].value.startswith('Bester Lauf nach **Validierungsgenauigkeit (beste Epoche)**')
    at.sidebar.selectbox(key='metric').set_value('val_gap').run()
    assert leaderboard(at)['Name des Laufs'].tolist() == ['klein', 'groß']  # a gap: smaller first
