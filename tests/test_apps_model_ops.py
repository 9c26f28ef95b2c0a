"""The Model Ops app with AppTest: status, gate checklist, promote (the same version again is not offered), refused promote, rollback along
the release history until nothing is left, the candidate's new aliases and the emptied note right after a release, history, drift,
bad uploads, empty store. Only the open tab runs (st.tabs with a key)."""
import numpy as np
import pytest
from conftest import ROOT, new_store
from streamlit.testing.v1 import AppTest

from amalea_quack.glossary import label

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
    return {int(r.version): r.aliases for r in status(name).itertuples()}


def open_tab(at, title: str):
    "Open a tab as a click does (the tabs are stateful: only the open one runs)."
    at.session_state['ops_tab'] = title
    return at.run()


def gates(at):
    return open_tab(at, 'Gates und Freigabe')


def checklist(at):
    return at.table[0].value.set_index('Prüfung')


def history(at) -> list[str]:
    "The audit log's entries as the Historie tab shows them, newest first: 'freigegeben: production, Version 1 → 2 · Notiz: „…“ · Gates: …'."
    return list(open_tab(at, 'Historie').table[0].value['Eintrag'])


def actions(entries: list[str]) -> list[str]:
    return [e.split(':', 1)[0] for e in entries]


def test_opens_on_iris_with_models_versions_and_aliases(ops_store):
    at = app().run()
    assert not at.exception
    assert at.selectbox(key='model').value == 'iris-classifier'  # the course's first model, not the alphabet's
    table = at.dataframe[0].value
    got = {(r['Modell'], int(r['Version'])): r['Aliase'] for _, r in table.iterrows()}
    assert got == {('iris-classifier', 1): 'production', ('iris-classifier', 2): 'staging', ('iris-classifier', 3): 'challenger',
                   (PENGUINS, 1): 'production', (PENGUINS, 2): 'staging'}
    assert 'None' not in table.astype(str).to_string()
    assert at.selectbox(key='candidate:iris-classifier').value == '2'  # the staging candidate is preselected


def test_gate_checklist_of_the_staging_candidate(ops_store):
    at = gates(app().run())
    checks = checklist(at)
    assert 'Konsistenz Training/Bereitstellung' in checks.index and 'Fairness (Segmente)' in checks.index
    assert list(checks.columns) == ['Ergebnis']  # the verdict leads its message in one column, which keeps its width on a phone
    assert checks.loc['Konsistenz Training/Bereitstellung', 'Ergebnis'].startswith('✓ bestanden: ')
    assert checks.loc['Fairness (Segmente)', 'Ergebnis'].startswith('– nicht anwendbar: ')  # Iris has no segment column
    assert 'Version 2 kann nach **production**' in at.success[0].value
    # 45 test flowers cannot show accuracy > 0.95: the KPI gate warns, and the release is not blocked but asks for a reason
    assert checks.loc['KPIs des Steckbriefs', 'Ergebnis'].startswith('⚠ ') and 'Mit Warnung: KPIs des Steckbriefs' in at.success[0].value


def test_the_first_promotion_stays_on_its_tab_and_is_not_offered_again(ops_store):
    at = gates(app().run())
    at.text_input(key='note').input('besser getestet')
    at.button(key='promote').click().run()
    assert not at.exception
    assert at.session_state['ops_tab'] == 'Gates und Freigabe' and at.table, 'the checklist and the buttons stay in view'
    assert 'iris-classifier@production** zeigt jetzt auf Version 2' in at.success[-1].value
    assert 'mit Warnung: KPIs des Steckbriefs' in at.success[-1].value
    assert at.button(key='promote') and at.button(key='rollback')
    assert aliases('iris-classifier')[2] == 'production, staging'
    # the same version again is not offered: it would move nothing (it read as if the release had not happened)
    assert at.button(key='promote').disabled and 'Version 2 ist schon **production**' in at.success[0].value
    log = history(at)
    assert actions(log[:2]) == [label('promote'), label('register')] and 'Notiz: „besser getestet“' in log[0]
    at = gates(at)
    at.selectbox(key='target').set_value('challenger').run()  # another alias: offered again
    assert not at.button(key='promote').disabled and 'Version 2 kann nach **challenger**' in at.success[-1].value


def test_rollback_goes_back_along_the_history_and_says_when_nothing_is_left(ops_store):
    at = gates(app().run())
    at.button(key='promote').click().run()
    assert aliases('iris-classifier')[2] == 'production, staging'
    at.button(key='rollback').click().run()
    assert 'zeigt wieder auf Version 1' in at.success[-1].value and aliases('iris-classifier')[1] == 'production'
    for _ in range(2):  # pressed again and again: never forward to version 2, which was just rolled back
        at.button(key='rollback').click().run()
        assert not at.exception and 'Zurückrollen nicht möglich' in at.info[-1].value and 'keine frühere freigegebene Version' in at.info[-1].value
        assert 'unter „Kandidat“ die Version wählen' in at.info[-1].value  # the app's own way, not only the command line
        assert aliases('iris-classifier')[1] == 'production'
    assert actions(history(at)[:2]) == [label('rollback'), label('promote')]


def shown_candidate(at) -> str:
    """The text the browser shows in the candidate box: it keeps the text of the chosen option until the app sets the value again
    (seen in Chromium: "Version 2 (staging)" after the release to production), so a new label reaches the page only with set_value."""
    proto = at.selectbox(key='candidate:iris-classifier').proto
    return proto.raw_value if proto.set_value else '(unverändert)'


def test_after_a_release_or_rollback_the_candidate_shows_the_new_aliases_at_once(ops_store):
    at = gates(app().run())
    at.button(key='promote').click().run()
    box = at.selectbox(key='candidate:iris-classifier')
    assert 'Version 2 (production, staging)' in box.options and box.value == '2'
    assert shown_candidate(at) == 'Version 2 (production, staging)', 'the page must not keep showing "Version 2 (staging)"'
    at.button(key='rollback').click().run()
    assert at.selectbox(key='candidate:iris-classifier').value == '2' and shown_candidate(at) == 'Version 2 (staging)'
    at.run()
    assert shown_candidate(at) == '(unverändert)', 'set only when the aliases moved, not on every rerun'
    # a version chosen by hand stays chosen when its label changes (and the staging version is not taken instead)
    at.selectbox(key='candidate:iris-classifier').set_value('1').run()
    at.selectbox(key='target').set_value('challenger').run()
    at.button(key='promote').click().run()
    assert aliases('iris-classifier')[1] == 'challenger, production'
    assert at.selectbox(key='candidate:iris-classifier').value == '1' and shown_candidate(at) == 'Version 1 (challenger, production)'


def test_the_note_is_logged_once_and_the_field_is_empty_afterwards(ops_store):
    at = gates(app().run())
    at.text_input(key='note').input('besser getestet')
    at.button(key='promote').click().run()
    assert 'zeigt jetzt auf Version 2' in at.success[-1].value
    assert at.text_input(key='note').value == '', 'the next release must not reuse this note unseen'
    at.text_input(key='note').input('Latenz im Betrieb zu hoch')
    at.button(key='rollback').click().run()
    assert 'zeigt wieder auf Version 1' in at.success[-1].value and at.text_input(key='note').value == ''
    at = gates(at)
    at.button(key='promote').click().run()  # no note typed: the default, not the last one
    log = history(at)
    assert actions(log[:3]) == [label('promote'), label('rollback'), label('promote')]
    notes = ['Freigabe in der App Modellbetrieb', 'Latenz im Betrieb zu hoch', 'besser getestet']
    assert all(f'Notiz: „{n}“' in e for n, e in zip(notes, log[:3], strict=True)), log[:3]


def test_refused_promote_names_every_failed_gate_and_changes_nothing(ops_store):
    before = aliases('iris-classifier')
    at = gates(app().run())
    at.selectbox(key='candidate:iris-classifier').set_value('3').run()
    assert 'Nicht freigabefähig' in at.error[0].value
    at.button(key='promote').click().run()
    refusal = at.error[-1].value
    assert 'verweigert – nichts wurde geändert' in refusal and '**KPIs des Steckbriefs**' in refusal and '**Mindestqualität**' in refusal
    assert aliases('iris-classifier') == before
    assert actions(history(at))[0] == label('refused')


def test_unfair_candidate_is_refused_by_the_fairness_gate(ops_store):
    at = app().run()
    at.selectbox(key='model').set_value(PENGUINS).run()
    at = gates(at)
    checks = checklist(at)
    assert f" {label('failed')}: " in checks.loc['Fairness (Segmente)', 'Ergebnis']
    segments = at.expander[0].table[0].value.set_index('Segment')
    accuracy = segments['Genauigkeit'].str.replace(',', '.').astype(float)  # shown as German numbers
    assert accuracy['male'] - accuracy['female'] > 0.15
    at.button(key='promote').click().run()
    assert '**Fairness (Segmente)**' in at.error[-1].value
    assert aliases(PENGUINS) == {1: 'production', 2: 'staging'}


def test_drift_of_the_test_rows_and_a_simulated_shift(ops_store):
    at = open_tab(app().run(), 'Drift')
    assert at.success[0].value.startswith('**kein Drift**')
    at.selectbox(key='drift_feature').set_value('petal length (cm)').run()
    assert at.error[0].value.startswith('**starker Drift**')
    table = at.dataframe[0].value.set_index('Merkmal')
    assert table.loc['Kronblattlänge (cm)', 'Ergebnis'] == 'starker Drift' and table.loc['Kelchblattlänge (cm)', 'Ergebnis'] == 'kein Drift'
    detail = next(s for s in at.selectbox if s.label == 'Merkmal im Detail')
    assert detail.value == 'petal length (cm)'  # the drifted feature is shown first


def test_drift_needs_a_reference_profile_and_takes_an_upload_without_test_rows(ops_store):
    """A version from a run that logged no test rows (the model playground's) crashed the drift tab with an AttributeError. Without a
    reference profile nothing can be compared, and the tab says so; with a profile but no test rows it takes an upload."""
    import mlflow
    from sklearn.tree import DecisionTreeClassifier

    from amalea_quack.eda import load_dataset
    from amalea_quack.registry import register
    from amalea_quack.reproducibility import tracked_run
    from amalea_quack.tracking import REFERENCE_PROFILE, log_sklearn_model
    from amalea_quack.validation import reference_profile
    iris = load_dataset('iris')
    X = iris.drop(columns='species')
    for profiled, version in ((False, 4), (True, 5)):
        with tracked_run('spielwiese', run_name=f'ohne-testdaten-{version}') as run:
            log_sklearn_model(DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, iris['species']), X.head(5))
            if profiled: mlflow.log_dict(reference_profile(X), REFERENCE_PROFILE)
        register(run.info.run_id, alias='staging')  # the candidate the app opens on
        at = open_tab(app().run(), 'Drift')
        assert not at.exception, at.exception
        if not profiled:
            assert any('Version 4 hat kein Referenzprofil' in i.value for i in at.info), [i.value for i in at.info]
            assert not at.radio and not at.file_uploader  # nothing offered that cannot be compared
    assert any('Version 5 hat keine Testdaten' in i.value for i in at.info) and not at.radio, [i.value for i in at.info]
    at = at.file_uploader(key='drift_csv').set_value(('jetzt.csv', X.to_csv(index=False).encode(), 'text/csv')).run()
    assert not at.exception and at.success[0].value.startswith('**kein Drift**')

def upload(at, name: str, data: bytes, mime: str = 'text/csv'):
    at = open_tab(at, 'Drift')
    at.radio(key='drift_source').set_value('Eigene CSV-Datei').run()
    return at.file_uploader(key='drift_csv').set_value((name, data, mime)).run()


def test_uploaded_csv_with_a_shifted_feature_is_flagged(ops_store):
    from amalea_quack.monitoring import holdout_rows, shift_feature
    rows = shift_feature(holdout_rows('iris-classifier', '2'), 'sepal width (cm)', 1.5).assign(species='unbekannt')
    at = upload(app().run(), 'juni.csv', rows.to_csv(index=False, sep=';', decimal=',').encode())  # German Excel style
    assert not at.exception
    assert at.error[0].value.startswith('**starker Drift**')
    assert any('Nicht verglichen (keine Merkmale des Modells): species' in c.value for c in at.caption)
    assert at.dataframe[0].value.set_index('Merkmal').loc['Kelchblattbreite (cm)', 'Ergebnis'] == 'starker Drift'


@pytest.mark.parametrize('name, data, mime, reason', [
    ('falsch.csv', b'a,b\n1,2\n' * 30, 'text/csv', 'Es fehlen Spalten'),
    ('deutsch.csv', 'Kelchblattlänge (cm),Kelchblattbreite (cm),Kronblattlänge (cm),Kronblattbreite (cm)\n'.encode() + b'5.1,3.5,1.4,0.2\n' * 30,
     'text/csv', "'petal length (cm)' (angezeigt: Kronblattlänge (cm))"),  # the names the app shows: the file needs the model's, and is told which
    ('kaputt.csv', b'a,b\n1,2\n3,4,5,6\n', 'text/csv', 'Zeile 3 hat 4 Felder, die Kopfzeile 2'),  # counted, in German
    ('leer.csv', b'', 'text/csv', 'leer'),
    ('bild.csv', b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR' + bytes(64), 'text/csv', 'keine Textdatei'),  # an image renamed to .csv
    ('riesig.csv', b'sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)\n' + b'5.1,3.5,1.4,0.2\n' * 700_000, 'text/csv', 'MB'),
    ('text.csv', b'sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)\n' + b'lang,3.5,1.4,0.2\n' * 30, 'text/csv',
     'erwartet Zahlen, enthält aber Text'),
])
def test_bad_uploads_are_refused_with_the_reason(ops_db, monkeypatch, name, data, mime, reason):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', f'sqlite:///{ops_db}')  # read-only use of the shared store
    at = upload(app().run(), name, data, mime)
    assert not at.exception
    errors = ' '.join(e.value for e in at.error)
    assert reason in errors and name in errors, errors
    assert not at.dataframe  # no report from bad data


def test_uploader_accepts_only_csv_and_text_files(ops_db, monkeypatch):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', f'sqlite:///{ops_db}')
    at = open_tab(app().run(), 'Drift')
    at.radio(key='drift_source').set_value('Eigene CSV-Datei').run()
    assert list(at.file_uploader(key='drift_csv').proto.type) == []  # every file reaches the app, which refuses in German, by name
    assert 'Lade eine CSV-Datei mit den Merkmalsspalten' in at.info[0].value


def test_empty_store_explains_the_commands(store):
    at = app().run()
    assert not at.exception and not at.tabs
    assert 'make start' in at.warning[0].value and 'quack train' in at.warning[0].value
