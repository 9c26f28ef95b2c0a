"""amalea_quack.monitoring beyond its notebook: fairness gate on edge cases and through promote, drift edge cases, the HTML report."""
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from amalea_quack.glossary import label
from amalea_quack.monitoring import (
    DRIFT,
    FAIRNESS,
    DriftThresholds,
    accuracy_gap,
    drift_gate,
    drift_report,
    drift_score,
    fairness_gate,
    parse_thresholds,
    segment_accuracy,
)
from amalea_quack.quack import wilson_interval
from amalea_quack.registry import Candidate
from amalea_quack.validation import DataValidationError


def fake_candidate(preds: pd.DataFrame, tags: dict | None = None) -> Candidate:
    "A candidate whose test predictions are given (no store needed)."
    c = Candidate('probe', '1', 'lauf', {}, {'target': 'y', **(tags or {})})
    c.__dict__['artifacts'] = SimpleNamespace(test_predictions=preds)  # fills the cached_property the test predictions come from
    return c


def predictions(groups: dict) -> pd.DataFrame:
    "Test predictions with segment column 'g': groups maps a segment value to (rows, right)."
    rows = []
    for g, (n, right) in groups.items():
        rows += [{'g': g, 'y_true': 'a', 'y_pred': 'a' if i < right else 'b'} for i in range(n)]
    return pd.DataFrame(rows)


# --- Fairness --------------------------------------------------------------------------------------------------

def test_fairness_gate_measures_the_gap_and_counts_rows_without_segment():
    preds = predictions({'A': (40, 40), 'B': (40, 20), None: (3, 0)})
    check = fairness_gate(max_gap=0.15)(fake_candidate(preds, {'segment_column': 'g'}))
    assert check.name == FAIRNESS and check.passed is False and check.blocking  # 0.5 with its lower bound far above 0.15
    assert check.details['gap'] == pytest.approx(0.5) and check.details['gap_low'] > 0.15 and check.details['excluded_rows'] == 3
    assert {r['segment']: r['accuracy'] for r in check.details['table']} == {'A': 1.0, 'B': 0.5}
    assert 'Abstand 0,500' in check.message and '3 Testzeilen ohne Segment' in check.message and 'deutlich über der Grenze' in check.message
    assert fairness_gate(max_gap=0.5)(fake_candidate(preds, {'segment_column': 'g'})).passed is True


def test_fairness_gate_warns_when_small_segments_make_the_gap_noise():
    "A gap above the limit whose lower bound is not: a warning that does not block, naming the segment too small to compare."
    preds = predictions({'A': (12, 12), 'B': (12, 10), 'C': (3, 1)})
    check = fairness_gate(max_gap=0.15)(fake_candidate(preds, {'segment_column': 'g'}))
    assert check.details['gap'] == pytest.approx(2 / 12) and check.details['gap_low'] < 0.15 < check.details['gap']
    assert check.verdict == 'warned' and check.severity == 'warning' and not check.blocking
    assert 'nicht entscheidbar' in check.message and 'zu klein zum Vergleichen (< 5 Testzeilen): C' in check.message
    assert check.details['too_small'] == ['C'] and 'Testzeilen ohne Segment' not in check.message
    clear = predictions({'A': (400, 390), 'B': (400, 300)})  # the same kind of gap on many rows: blocked
    assert fairness_gate()(fake_candidate(clear, {'segment_column': 'g'})).blocking


def test_fairness_gate_says_a_passed_gap_is_no_proof_of_fairness():
    preds = predictions({'A': (8, 8), 'B': (8, 7)})
    check = fairness_gate(max_gap=0.15)(fake_candidate(preds, {'segment_column': 'g'}))
    assert check.passed is True and 'nicht bewiesen' in check.message  # the upper bound reaches far above the limit


def test_accuracy_gap_widens_with_more_segments():
    table = pd.DataFrame({'segment': list('abcd'), 'rows': [50] * 4, 'accuracy': [1.0, 0.96, 0.92, 0.8]})
    pair, four = accuracy_gap(table.iloc[[0, 3]]), accuracy_gap(table)
    assert (four.best, four.worst, four.compared) == ('a', 'd', 4) and four.gap == pytest.approx(pair.gap)
    assert four.low < pair.low < pair.gap < pair.high < four.high  # Bonferroni over six pairs
    assert accuracy_gap(table, min_rows=51) is None


def test_fairness_gate_is_not_applicable_without_segment_or_comparison():
    preds = predictions({'A': (10, 10), 'B': (3, 0)})
    assert fairness_gate()(fake_candidate(preds)).passed is None  # no segment_column tag, no argument
    small = fairness_gate(min_rows=5)(fake_candidate(preds, {'segment_column': 'g'}))
    assert small.passed is None and 'weniger als zwei Segmente' in small.message and '(< 5 Testzeilen): B' in small.message
    assert fairness_gate(segment='g', min_rows=3)(fake_candidate(preds)).passed is False  # the argument wins over the tag
    missing = fairness_gate(segment='geschlecht')(fake_candidate(preds))
    assert missing.passed is False and "'geschlecht' fehlt" in missing.message


def test_segment_accuracy_bins_numeric_segments_and_gives_wilson_intervals():
    preds = pd.DataFrame({'alter': np.arange(40.0), 'y_true': ['a'] * 40, 'y_pred': ['a'] * 20 + ['b'] * 20})
    table, excluded = segment_accuracy(preds, 'y', 'alter')
    assert len(table) == 4 and excluded == 0 and table['rows'].tolist() == [10] * 4
    assert sorted(table['accuracy']) == [0.0, 0.0, 1.0, 1.0]
    assert list(table.columns) == ['segment', 'rows', 'accuracy', 'accuracy_low', 'accuracy_high']
    full = table[table['accuracy'] == 1.0].iloc[0]
    assert (full['accuracy_low'], full['accuracy_high']) == pytest.approx(wilson_interval(10, 10))


@pytest.fixture
def penguin_versions(store):
    "penguins-classifier: version 1 (fair) in production, version 2 (measurements shuffled for females) as staging."
    from amalea_quack.eda import load_dataset
    from amalea_quack.registry import promote, quality_gate, register
    from amalea_quack.tracking import train_tabular
    penguins = load_dataset('penguins')
    fair = train_tabular(penguins, 'species', segment='sex', experiment='fairness', latency_rows=5)
    register(fair.run_id, 'penguins-classifier')
    promote('penguins-classifier', 'staging', 'production', gates=[quality_gate(), fairness_gate()])
    broken, rng = penguins.copy(), np.random.default_rng(0)
    female = broken['sex'] == 'female'
    for col in ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g']:
        broken.loc[female, col] = rng.permutation(broken.loc[female, col].to_numpy())
    unfair = train_tabular(broken, 'species', segment='sex', experiment='fairness', latency_rows=5)
    register(unfair.run_id, 'penguins-classifier')
    return [quality_gate(), fairness_gate()]


def test_registering_prints_no_english_event_lines_and_leaves_mlflow_able_to(store, capfd):
    "MLflow's 'Successfully registered model …' and 'Created version …' stay out of the lesson; its event lines work again afterwards."
    from mlflow.utils.logging_utils import eprint

    from amalea_quack.eda import load_dataset
    from amalea_quack.registry import register
    from amalea_quack.tracking import train_tabular
    run = train_tabular(load_dataset('iris'), 'species', experiment='stumm', latency_rows=5)
    capfd.readouterr()
    mv = register(run.run_id, 'stumm')
    out, err = capfd.readouterr()
    assert int(mv.version) == 1 and 'Successfully registered' not in out + err and 'Created version' not in out + err, err
    eprint('MLflow spricht wieder')
    assert 'MLflow spricht wieder' in capfd.readouterr().err
    from amalea_quack.registry import resolve
    from amalea_quack.store import ModelNotFound
    with pytest.raises(ModelNotFound) as missing:  # the model is there, only the alias is not: no 'train again'
        resolve('stumm', 'production')
    assert "hat keinen Alias 'production' (vorhanden: staging → Version 1)" in str(missing.value) and '--from' in str(missing.value)
    assert 'quack train' not in str(missing.value), missing.value


def test_promote_refuses_an_unfair_model_and_leaves_production(penguin_versions):
    from amalea_quack.registry import PromotionRefused, audit_log, promote, resolve
    with pytest.raises(PromotionRefused) as refused:
        promote('penguins-classifier', 'staging', 'production', gates=penguin_versions, note='unfair')
    assert refused.value.report.failed == [FAIRNESS]
    assert label(FAIRNESS) in str(refused.value) and 'deutlich über der Grenze' in str(refused.value)
    assert str(resolve('penguins-classifier', 'production').version) == '1'
    last = audit_log('penguins-classifier')[-1]
    assert last['action'] == 'refused' and last['to_version'] == 2
    assert {g['name']: g['passed'] for g in last['gates']}[FAIRNESS] is False


def test_release_reads_the_candidates_run_and_files_once(store, monkeypatch):
    """One candidate for the card and the gates: the run is looked up once, its files listed once and each contract file downloaded
    once (on a class server every read is a request); a candidate handed to `promote` under another model's name is refused."""
    from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    from amalea_quack.monitoring import release
    from amalea_quack.pipeline import run_pipeline
    from amalea_quack.registry import candidate, promote, resolve
    from amalea_quack.tracking import PROJECT_CARD, SCHEMA, TEST_PREDICTIONS
    run_id = run_pipeline('iris', params={'n_estimators': 5}, latency_rows=5).train.run_id  # version 1 as staging
    downloads, listings, runs = [], [], []
    download, listing, get_run = LocalArtifactRepository.download_artifacts, LocalArtifactRepository.list_artifacts, SqlAlchemyStore.get_run
    def counted_download(self, artifact_path, dst_path=None):
        downloads.append(artifact_path)
        return download(self, artifact_path, dst_path)
    def counted_listing(self, path=None):
        listings.append((self.artifact_dir, path))
        return listing(self, path)
    def counted_get_run(self, rid):
        runs.append(rid)
        return get_run(self, rid)
    monkeypatch.setattr(LocalArtifactRepository, 'download_artifacts', counted_download)
    monkeypatch.setattr(LocalArtifactRepository, 'list_artifacts', counted_listing)
    monkeypatch.setattr(SqlAlchemyStore, 'get_run', counted_get_run)
    promotion = release('iris-classifier', latency_rows=5)
    assert promotion.changed and promotion.version == '1'
    contract = [d for d in downloads if d in (PROJECT_CARD, SCHEMA, TEST_PREDICTIONS)]
    assert sorted(contract) == sorted({PROJECT_CARD, SCHEMA, TEST_PREDICTIONS}), downloads
    assert runs.count(run_id) == 1, runs
    assert [p for d, p in listings if d.endswith(f'{run_id}/artifacts') and p is None] == [None], listings
    c = candidate('iris-classifier', 'production')
    with pytest.raises(ValueError, match="gehört zum Modell 'iris-classifier'"): promote('wine-classifier', c, 'staging')
    assert str(resolve('iris-classifier', 'production').version) == '1'



class _Trap:
    "A model whose unpickling leaves a file behind: loading a pickle runs code, and this code only writes where `marker` says."
    def __init__(self, marker: str): self.marker, self.classes_ = marker, np.array(['setosa'])
    def fit(self, X, y): return self
    def predict(self, X): return np.repeat(self.classes_[0], len(X))
    def __setstate__(self, state):
        self.__dict__.update(state)
        Path(state['marker']).write_text('beim Laden ausgeführt', encoding='utf-8')


def _trap_pyfunc(marker: str):
    "The same trap as an MLflow pyfunc model: a `PythonModel` that MLflow cloudpickles."
    import mlflow.pyfunc
    class Model(mlflow.pyfunc.PythonModel):
        def __init__(self): self.trap = _Trap(marker)
        def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> np.ndarray:  # typed, as MLflow asks
            return self.trap.predict(model_input)
    return Model()


@pytest.mark.parametrize('flavor', ['sklearn', 'pyfunc'])
def test_release_refuses_a_pickled_model_without_ever_loading_it(store, tmp_path, flavor):
    """The course's release path scans first: a cloudpickle model (scikit-learn or a pyfunc `PythonModel`) is refused by the security scan,
    the gates that load the model (consistency, latency) are not run, no alias moves, and the pickle's own code never runs."""
    import mlflow
    import mlflow.pyfunc
    import mlflow.sklearn

    from amalea_quack.monitoring import release
    from amalea_quack.registry import PromotionRefused, audit_log, register, resolve
    from amalea_quack.store import ModelNotFound, use_experiment
    marker = tmp_path / 'geladen.txt'
    use_experiment('sicherheitsscan')  # in this store, with its artifact location (mlflow.set_experiment alone would write to ./mlruns)
    with mlflow.start_run() as run:
        if flavor == 'sklearn':
            mlflow.sklearn.log_model(_Trap(str(marker)), name='model', serialization_format='cloudpickle',
                                     pip_requirements=['scikit-learn==1.9.1'])
        else: mlflow.pyfunc.log_model(name='model', python_model=_trap_pyfunc(str(marker)), pip_requirements=['mlflow==3.17.0'])
    marker.unlink(missing_ok=True)  # whatever logging did: from here on nothing may load it
    register(run.info.run_id, 'falle')
    with pytest.raises(PromotionRefused, match='Sicherheitsscan') as refused:
        release('falle', latency_rows=5)
    verdicts = {c.name: c.verdict for c in refused.value.report.checks}
    assert verdicts['security'] == 'failed' and verdicts['consistency'] == verdicts['latency'] == 'not_applicable', verdicts
    assert 'cloudpickle' in refused.value.report['security'].message
    assert not marker.exists(), 'a gate unpickled the model'
    with pytest.raises(ModelNotFound): resolve('falle', 'production')
    assert audit_log('falle')[-1]['action'] == 'refused'


# --- Drift -----------------------------------------------------------------------------------------------------

def reference_data(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({'x': rng.normal(10, 1, n), 'konstant': 1.0, 'farbe': rng.choice(['rot', 'blau'], n, p=[0.7, 0.3])})


def test_drift_report_tells_shift_spread_and_new_categories_apart():
    ref, now = reference_data(), reference_data(seed=1)
    assert drift_report(ref, now).verdict == 'no_drift'
    shifted = drift_report(ref, now.assign(x=now['x'] + 3))
    assert shifted.severe and shifted.drifted == ['x']
    wide = drift_report(ref, now.assign(x=10 + (now['x'] - 10) * 3))  # same mean, three times the spread
    row = wide.table.set_index('feature').loc['x']
    assert row['relative_shift'] < 0.05 and row['psi'] > 0.25 and wide.drifted == ['x']  # the mean alone would miss it
    new = drift_report(ref, now.assign(farbe=np.where(np.arange(len(now)) % 20 == 0, 'grün', now['farbe'])))
    assert new.verdict == 'drift' and new.table.set_index('feature').loc['farbe', 'new_categories'] == 'grün'
    moved = drift_report(ref, now.assign(konstant=2.0))
    assert moved.drifted == ['konstant'] and moved.severe


def test_drift_report_handles_an_empty_feature_column():
    ref, now = reference_data(), reference_data(seed=1)
    report = drift_report(ref, now.assign(x=np.nan))
    row = report.table.set_index('feature').loc['x']
    assert row['verdict'] == 'drift' and row['missing_current'] == 1.0 and np.isnan(row['psi'])
    assert '<img' in report.html()  # the plot says there is nothing to compare instead of failing


def test_drift_report_refuses_unfit_data_in_german():
    ref = reference_data()
    with pytest.raises(DataValidationError, match=r"es fehlen Spalten: 'farbe' \(vorhanden"):
        drift_report(ref, ref.drop(columns='farbe'))
    with pytest.raises(DataValidationError, match='nur 0 Zeilen'):
        drift_report(ref, ref.head(0))
    with pytest.raises(DataValidationError, match="Spalte 'x' erwartet Zahlen, enthält aber Text 'viel'"):
        drift_report(ref, ref.astype({'x': object}).assign(x='viel'))
    with pytest.raises(DataValidationError, match='unendliche'):
        drift_report(ref, ref.assign(x=np.inf))


def test_html_report_is_self_contained_and_escapes_feature_names(tmp_path):
    ref = reference_data().rename(columns={'x': '<b>x&y</b>'})
    report = drift_report(ref, ref.assign(**{'<b>x&y</b>': ref['<b>x&y</b>'] * 2}), source='probe@production (Version 1)')
    path = report.to_html(tmp_path / 'neu' / 'bericht.html', title='Drift <Probe>')
    page = path.read_text(encoding='utf-8')
    assert page.startswith('<!DOCTYPE html>') and '<title>Drift &lt;Probe&gt;</title>' in page
    assert '<b>x&y</b>' not in page and '&lt;b&gt;x&amp;y&lt;/b&gt;' in page
    assert page.count('src="data:image/png;base64,') == 1 + 3  # overview plus one plot per feature
    assert not re.search(r'(src|href)="(https?:|//)', page) and '<script' not in page
    assert 'Urteil: starker Drift' in page and 'probe@production (Version 1)' in page
    assert page.index('<h3>&lt;b&gt;x&amp;y&lt;/b&gt;</h3>') < page.index('<h3>konstant</h3>')  # drifted features first
    for name in DriftThresholds().to_frame()['threshold']: assert f'<td>{name}</td>' in page


def test_drift_score_is_nan_for_small_windows():
    ref = reference_data()
    assert np.isnan(drift_score(ref, ref.head(19)))
    assert drift_score(ref, ref.head(20)) >= 0
    assert drift_score(ref, ref.assign(x=ref['x'] + 3)) > 0.25


def test_thresholds_from_strings():
    t = parse_thresholds(['psi_severe=0.4', 'min-rows=50'])
    assert (t.psi_severe, t.min_rows, t.psi_drift) == (0.4, 50, 0.1)
    assert parse_thresholds(None) == DriftThresholds()
    for bad, message in ((['psi'], 'Unbekannte Schwelle'), (['min_rows=1.5'], 'keine passende Zahl'), (['p_value=2'], 'zwischen 0 und 1')):
        with pytest.raises(ValueError, match=message): parse_thresholds(bad)


def test_drift_gate_without_profile_is_not_applicable(store):
    import mlflow

    from amalea_quack.store import use_experiment
    use_experiment('ohne-profil')
    with mlflow.start_run() as run: mlflow.log_param('a', 1)
    check = drift_gate(reference_data())(Candidate('probe', '1', run.info.run_id, {}, {}))
    assert check.name == DRIFT and check.passed is None and not check.blocking
