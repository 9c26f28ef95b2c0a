"""The Data Explorer in a real browser: load, switch to the penguins, see their gaps; screenshot for the record."""
import pytest
from conftest import ROOT, StreamlitServer, screenshot

pytestmark = pytest.mark.browser


def test_data_explorer_in_chromium(page):
    with StreamlitServer(ROOT / 'apps/data_explorer/streamlit_app.py') as app:  # no MLflow store needed
        page.goto(app.url)
        page.get_by_role('heading', name='Data Explorer').wait_for(timeout=60_000)
        page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)
        assert page.get_by_test_id('stMetricValue').first.inner_text() == '150'
        # pick the penguins in the sidebar
        page.get_by_role('combobox', name='Datensatz').click()
        page.get_by_role('option', name='Pinguine im Palmer-Archipel').click()
        page.wait_for_function("() => document.querySelector('[data-testid=stMetricValue]')?.innerText === '344'", timeout=60_000)
        page.get_by_role('tab', name='Fehlende Werte').click()
        page.get_by_text('19 fehlende Werte in 5 Spalten; 11 Zeilen sind betroffen.').wait_for(timeout=30_000)
        page.get_by_role('tab', name='Validierung').click()
        page.get_by_text('Alle blockierenden Datentore sind bestanden').wait_for(timeout=30_000)
        page.get_by_role('tab', name='Verteilungen').click()
        page.locator('[data-testid="stImage"] img').first.wait_for(timeout=30_000)
        assert page.locator('[data-testid="stImage"] img').first.evaluate('img => img.complete && img.naturalWidth > 0')
        page.wait_for_timeout(500)
        shot = screenshot(page, 'data_explorer')
        assert shot.stat().st_size > 10_000
