"""The Neural Net Lab in a real browser: stop a long training (KILLED), then a short one with live curves and metrics; screenshot."""
import re

import mlflow
import pytest
from conftest import ROOT, StreamlitServer, hover_tooltip, no_horizontal_scroll, screenshot

pytestmark = pytest.mark.browser


def set_number(page, label: str, value: int):
    box = page.get_by_role('spinbutton', name=label)
    box.fill(str(value))
    box.press('Enter')


def test_neural_net_lab_in_chromium(store, page):
    with StreamlitServer(ROOT / 'apps/neural_net_lab/streamlit_app.py', store) as app:
        page.goto(app.url)
        page.get_by_text('Wähle links Datensatz').wait_for(timeout=90_000)

        # a long training, stopped with the button while it runs
        set_number(page, 'Epochen (höchstens)', 1000)
        set_number(page, 'Geduld für frühen Stopp (0 = aus)', 0)
        page.get_by_role('button', name='Training starten').click()
        page.get_by_text('Training läuft: Epoche 3').wait_for(timeout=120_000)
        page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=30_000)
        page.get_by_role('button', name='Training stoppen').click()
        page.get_by_text('Training angehalten nach').wait_for(timeout=60_000)
        assert 'KILLED' in page.locator('[data-testid="stAlertContentWarning"]').inner_text()

        # a short training to the end: curves and final metrics
        set_number(page, 'Epochen (höchstens)', 8)
        page.get_by_role('button', name='Training starten').click()
        page.get_by_text('Training abgeschlossen: alle 8 Epochen').wait_for(timeout=120_000)
        page.locator('[data-testid="stMetric"]').nth(3).wait_for(timeout=30_000)  # the metrics follow the message, maybe in a later frame
        assert page.locator('[data-testid="stMetric"]').count() == 4
        assert '%' in page.locator('[data-testid="stMetricValue"]').first.inner_text()
        assert all(no_horizontal_scroll(v) for v in page.locator('[data-testid="stMetricValue"]').all())  # no value cut off ('+0,8 Proze…')
        page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').nth(1).wait_for(timeout=30_000)
        runs = mlflow.MlflowClient(store).search_runs([mlflow.MlflowClient(store).get_experiment_by_name('Woche 5 – Neuronale Netze').experiment_id])
        assert sorted(r.info.status for r in runs) == ['FINISHED', 'KILLED']
        finished = next(r for r in runs if r.info.status == 'FINISHED')
        assert finished.info.run_id in page.get_by_text('MLflow-Lauf').inner_text()
        page.wait_for_timeout(1000)  # let the charts finish their transition before the screenshot
        shot = screenshot(page, 'neural_net_lab')
        assert shot.stat().st_size > 10_000
        # the accuracy curve's tooltip writes a German percentage ('93,8 %'), not Vega's 0.938
        tip = hover_tooltip(page, page.locator('[data-testid="stVegaLiteChart"]').nth(1))
        assert re.search(r'Anteil richtig\s*\d{1,3}(,\d{1,2})?\u00a0%', tip) and 'Epoche' in tip, tip
