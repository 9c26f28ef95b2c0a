"""The Model Ops app in a real browser: load, open the gate checklist, simulate drift in the drift view, see the verdict; screenshot."""
import pytest
from conftest import ROOT, StreamlitServer, new_store, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope='module')
def ops_store(tmp_path_factory, template_db):
    "iris-classifier: version 1 in production, version 2 as staging."
    uri = new_store(tmp_path_factory.mktemp('ops-browser'), template_db)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv('MLFLOW_TRACKING_URI', uri)
        from amalea_quack.pipeline import ensure_production, run_pipeline
        ensure_production(latency_rows=10)
        run_pipeline('iris', params={'n_estimators': 15}, latency_rows=10)
    return uri


def test_model_ops_in_chromium(ops_store, page):
    with StreamlitServer(ROOT / 'apps/model_ops/streamlit_app.py', ops_store) as app:
        page.goto(app.url)
        page.get_by_text('Modelle, Versionen und Aliase').wait_for(timeout=90_000)
        page.get_by_role('tab', name='Gates & Freigabe').click()
        page.get_by_text('Alle blockierenden Gates bestanden').wait_for(timeout=90_000)
        page.get_by_role('button', name='Freigeben: Version 2 → production').wait_for(timeout=30_000)
        page.get_by_role('tab', name='Drift').click()
        page.get_by_text('kein Drift', exact=True).first.wait_for(timeout=60_000)
        # simulate drift: shift petal length by the default factor 1.3
        page.get_by_label('Drift simulieren: ein Merkmal verschieben').click()
        page.get_by_role('option', name='petal length (cm)').click()
        verdict = page.locator('[data-testid="stAlertContentError"]').filter(has_text='starker Drift')
        verdict.wait_for(timeout=60_000)
        assert 'petal length (cm)' in verdict.inner_text()
        page.set_viewport_size({'width': 1280, 'height': 2000})  # Streamlit scrolls inside its own container: make room for the plots
        page.get_by_role('img', name='Verteilung von petal length (cm)').wait_for(timeout=60_000)
        page.get_by_role('img', name='PSI je Merkmal').wait_for(timeout=30_000)
        page.wait_for_timeout(1500)  # let images and tables settle before the screenshot
        shot = screenshot(page, 'model_ops')
        assert shot.stat().st_size > 10_000
