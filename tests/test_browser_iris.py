"""The Iris app in a real browser: load, move a slider, see the prediction change; screenshot for the record."""
import pytest
from conftest import ROOT, StreamlitServer, screenshot

pytestmark = pytest.mark.browser


def test_iris_app_in_chromium(iris_store, page):
    with StreamlitServer(ROOT / 'apps/iris_classifier/streamlit_app.py', iris_store) as app:
        page.goto(app.url)
        result = page.get_by_text('Vorhersage:')
        result.wait_for(timeout=60_000)
        first = result.inner_text()
        page.get_by_text('Modellkarte').wait_for()
        # move "petal length" to its maximum with the keyboard: a virginica-sized flower
        for label in ('petal length (cm)', 'petal width (cm)'):
            slider = page.get_by_role('slider', name=label)
            slider.focus()
            slider.press('End')
        js = "() => [...document.querySelectorAll('[data-testid=stAlertContentSuccess]')].some(e => e.innerText.includes('virginica'))"
        page.wait_for_function(js, timeout=30_000)
        assert 'virginica' in page.get_by_text('Vorhersage:').inner_text() and first != ''
        page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').first.wait_for(timeout=30_000)
        page.locator('[data-testid="stDataFrame"] canvas').first.wait_for(timeout=30_000)
        page.wait_for_timeout(1000)  # let the chart finish its transition before the screenshot
        shot = screenshot(page, 'iris_classifier')
        assert shot.stat().st_size > 10_000
