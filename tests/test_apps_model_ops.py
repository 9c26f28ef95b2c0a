"""The Model Ops app with AppTest: status, gate checklist, promote, refused promote, rollback, history, drift, bad uploads, empty store."""
import numpy as np
import pytest
from conftest import ROOT, new_store
from streamlit.testing.v1 import AppTest

APP = str(ROOT / 'apps/model_ops/streamlit_app.py')
PENGUINS = 'penguins-classifier'


@pytest.fixture(scope='module')
def ops_db(tmp_path_factory, template_db):
    """A store built once: iris-classifier v1 production, v2 staging, v3 weak (challenger);
    penguins-classifier v1 production (fair), v2 staging (measurements of females shuffled: unfair)."""
    uri = new_store(tmp_path_factory.mktemp('ops-store'), template_db)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv('MLFLOW_TRACKING_URI', uri)
        from amalea_quack.eda import load_dataset
        from amalea_quack.monitoring import fairness_gate
        from amalea_quack.pipeline import ensure_production
        from amalea_quack.quack import IRIS_CARD
        from amalea_quack.registry import promote, register
        from amalea_quack.tracking import train_tabular
        ensure_production(latency_rows=10)
        iris = load_dataset('iris')
        register(train_tabular(iris, 'species', params={'n_estimators': 15}, card=IRIS_CARD, run_name='zwei', latency_rows=10).run_id)
        weak = train_tabular(iris, 'species', params={'max_depth': 1, 'n_estimators': 3}, card=IRIS_CARD, run_name='schwach', latency_rows=10)
        register(weak.run_id, alias='challenger')
        penguins = load_dataset('penguins').dropna()  # served rows must not contain NaN
        fair = train_tabular(penguins, 'species', segment='sex', experiment='pinguine', latency_rows=10)
        register(fair.run_id, PENGUINS)
        promote(PENGUINS, 'staging', 'production', gates=[fairness_gate()])
        rng, female = np.random.default_rng(0), penguins['sex'] == 'female'
        for col in ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g']:
            penguins.loc[female, col] = rng.permutation(penguins.loc[female, col].to_numpy())
        register(train_tabular(penguins, 'species', segment='sex', experiment='pinguine', latency_rows=10).run_id, PENGUINS)
    return uri.removeprefix('sqlite:///')


@pytest.fixture
def ops_store(ops_db, tmp_path, monkeypatch):
    "A private copy of the registry (artifacts shared, read-only), so a test may promote and roll back."
    from pathlib import Path
    uri = new_store(tmp_path / 'store', Path(ops_db))
    monkeypatch.setenv('MLFLOW_TRACKING_URI', uri)
    return uri


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=120)


def aliases(name: str) -> dict:
    from amalea_quack.registry import status
    s = status(name)
    return {int(r.Version): r.Aliase for r in s.itertuples()}


def tab(at, title):
    return next(t for t in at.tabs if t.label.endswith(title))


def test_status_table_shows_models_versions_and_aliases(ops_store):
    at = app().run()
    assert not at.exception
    table = tab(at, 'Überblick').dataframe[0].value
    got = {(r['Modell'], int(r['Version'])): r['Aliase'] for _, r in table.iterrows()}
    assert got == {('iris-classifier', 1): 'production', ('iris-classifier', 2): 'staging', ('iris-classifier', 3): 'challenger',
                   (PENGUINS, 1): 'production', (PENGUINS, 2): 'staging'}
    assert at.sidebar.selectbox(key='candidate:iris-classifier').value == '2'  # the staging candidate is preselected


def test_gate_checklist_of_the_staging_candidate(ops_store):
    at = app().run()
    gates = tab(at, 'Gates & Freigabe')
    checks = gates.dataframe[0].value.set_index('Prüfung')
    assert list(checks.index) == ['KPIs', 'Mindestqualität', 'Overfit-Abstand', 'Konsistenz Training/Servieren', 'Latenz', 'Fairness (Segmente)']
    assert checks.loc['Konsistenz Training/Servieren', 'Ergebnis'] == 'bestanden'
    assert checks.loc['Fairness (Segmente)', 'Ergebnis'] == 'nicht anwendbar'  # Iris has no segment column
    assert 'Version 2 kann nach **production**' in gates.success[0].value


def test_promote_moves_the_alias_and_is_recorded(ops_store):
    at = app().run()
    at.text_input(key='note').input('besser getestet')
    at.button(key='promote').click().run()
    assert not at.exception
    assert 'iris-classifier@production** zeigt jetzt auf Version 2' in at.success[0].value
    assert aliases('iris-classifier')[2] == 'production, staging'
    log = tab(at, 'Historie').dataframe[0].value
    assert (log.iloc[0]['Aktion'], log.iloc[0]['nach Version'], log.iloc[0]['Notiz']) == ('promote', 2, 'besser getestet')


def test_refused_promote_names_every_failed_gate_and_changes_nothing(ops_store):
    before = aliases('iris-classifier')
    at = app().run()
    at.sidebar.selectbox(key='candidate:iris-classifier').set_value('3').run()
    assert 'Nicht freigabefähig' in tab(at, 'Gates & Freigabe').error[0].value
    at.button(key='promote').click().run()
    refusal = at.error[0].value
    assert 'verweigert – nichts wurde geändert' in refusal and '**KPIs**' in refusal and '**Mindestqualität**' in refusal
    assert aliases('iris-classifier') == before
    assert tab(at, 'Historie').dataframe[0].value.iloc[0]['Aktion'] == 'refused'


def test_unfair_candidate_is_refused_by_the_fairness_gate(ops_store):
    at = app().run()
    at.sidebar.selectbox(key='model').set_value(PENGUINS).run()
    gates = tab(at, 'Gates & Freigabe')
    checks = gates.dataframe[0].value.set_index('Prüfung')
    assert checks.loc['Fairness (Segmente)', 'Ergebnis'] == 'nicht bestanden'
    segments = gates.expander[0].dataframe[0].value.set_index('Segment')
    assert segments.loc['male', 'Genauigkeit'] - segments.loc['female', 'Genauigkeit'] > 0.15
    at.button(key='promote').click().run()
    assert '**Fairness (Segmente)**' in at.error[0].value
    assert aliases(PENGUINS) == {1: 'production', 2: 'staging'}


def test_rollback_returns_to_the_previous_version(ops_store):
    at = app().run()
    at.button(key='promote').click().run()
    assert aliases('iris-classifier')[2] == 'production, staging'
    at.button(key='rollback').click().run()
    assert 'zeigt wieder auf Version 1' in at.success[0].value
    assert aliases('iris-classifier')[1] == 'production'
    assert list(tab(at, 'Historie').dataframe[0].value['Aktion'][:2]) == ['rollback', 'promote']


def test_rollback_without_history_is_explained(ops_store):
    at = app().run()
    at.sidebar.selectbox(key='target').set_value('challenger').run()
    at.button(key='rollback').click().run()
    assert 'Zurückrollen nicht möglich' in at.error[0].value and 'keine frühere Version' in at.error[0].value


def test_drift_of_the_test_rows_and_a_simulated_shift(ops_store):
    at = app().run()
    drift = tab(at, 'Drift')
    assert drift.success[0].value.startswith('**kein Drift**')
    at.selectbox(key='drift_feature').set_value('petal length (cm)').run()
    drift = tab(at, 'Drift')
    assert drift.error[0].value.startswith('**starker Drift**') and 'petal length (cm)' in drift.error[0].value
    table = drift.dataframe[0].value.set_index('Merkmal')
    assert table.loc['petal length (cm)', 'Urteil'] == 'starker Drift' and table.loc['sepal length (cm)', 'Urteil'] == 'kein Drift'
    detail = next(s for s in drift.selectbox if s.label == 'Merkmal im Detail')
    assert detail.value == 'petal length (cm)'  # the drifted feature is shown first


def upload(at, name: str, data: bytes, mime: str = 'text/csv'):
    at.radio(key='drift_source').set_value('Eigene CSV-Datei').run()
    at.file_uploader(key='drift_csv').set_value((name, data, mime)).run()
    return tab(at, 'Drift')


def test_uploaded_csv_with_a_shifted_feature_is_flagged(ops_store):
    from amalea_quack.monitoring import holdout_rows, shift_feature
    rows = shift_feature(holdout_rows('iris-classifier', '2'), 'sepal width (cm)', 1.5).assign(species='unbekannt')
    at = app().run()
    drift = upload(at, 'juni.csv', rows.to_csv(index=False, sep=';', decimal=',').encode())  # German Excel style
    assert not at.exception
    assert drift.error[0].value.startswith('**starker Drift**') and 'sepal width (cm)' in drift.error[0].value
    assert 'Nicht verglichen (keine Merkmale des Modells): species' in drift.caption[-1].value
    assert drift.dataframe[0].value.set_index('Merkmal').loc['sepal width (cm)', 'Urteil'] == 'starker Drift'


@pytest.mark.parametrize('name, data, mime, reason', [
    ('falsch.csv', b'a,b\n1,2\n' * 30, 'text/csv', 'es fehlen Spalten'),
    ('leer.csv', b'', 'text/csv', 'ist leer'),
    ('bild.csv', b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR' + bytes(64), 'text/csv', 'keine Textdatei'),  # an image renamed to .csv
    ('riesig.csv', b'sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)\n' + b'5.1,3.5,1.4,0.2\n' * 700_000, 'text/csv', 'MB'),
    ('text.csv', b'sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)\n' + b'lang,3.5,1.4,0.2\n' * 30, 'text/csv',
     'erwartet Zahlen, enthält aber Text'),
    ('kurz.csv', b'sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)\n5.1,3.5,1.4,0.2\n', 'text/csv', 'nur 1 Zeilen'),
])
def test_bad_uploads_are_refused_with_the_reason(ops_db, monkeypatch, name, data, mime, reason):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', f'sqlite:///{ops_db}')  # read-only use of the shared store
    at = app().run()
    drift = upload(at, name, data, mime)
    assert not at.exception
    errors = ' '.join(e.value for e in drift.error)
    assert reason in errors, errors
    assert not drift.dataframe  # no report from bad data


def test_uploader_accepts_only_csv_and_text_files(ops_db, monkeypatch):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', f'sqlite:///{ops_db}')
    at = app().run()
    at.radio(key='drift_source').set_value('Eigene CSV-Datei').run()
    assert list(at.file_uploader(key='drift_csv').proto.type) == ['.csv', '.txt']  # Streamlit refuses other files before the app sees them
    assert 'Lade eine CSV-Datei mit den Merkmalsspalten' in tab(at, 'Drift').info[0].value


def test_empty_store_explains_the_commands(store):
    at = app().run()
    assert not at.exception and not at.tabs
    assert 'make start' in at.warning[0].value and 'quack train' in at.warning[0].value
