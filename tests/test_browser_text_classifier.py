"""The Text Classifier app in a real browser: load, type a German sentence, see its class and nearest examples; screenshot."""
import pytest
from conftest import ROOT, StreamlitServer, new_store, screenshot, settled

pytestmark = pytest.mark.browser


@pytest.fixture(scope='module')
def text_store(tmp_path_factory, template_db) -> str:
    "A store with text-classifier version 1 in production (quick data)."
    uri = new_store(tmp_path_factory.mktemp('text-store'), template_db)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv('MLFLOW_TRACKING_URI', uri)
        from amalea_quack.registry import default_gates, promote, register
        from amalea_quack.text import QUICK_PER_CLASS, TEXT_CARD, TEXT_MODEL, train_text_classifier
        res = train_text_classifier(seed=0, n_per_class=QUICK_PER_CLASS, latency_rows=10)
        register(res.run_id, TEXT_MODEL)
        promote(TEXT_MODEL, gates=default_gates(TEXT_CARD, latency_rows=10), card=TEXT_CARD)
    return uri


def success_contains(text: str) -> str:
    return f"() => [...document.querySelectorAll('[data-testid=stAlertContentSuccess]')].some(e => e.innerText.includes({text!r}))"


def test_text_classifier_in_chromium(text_store, screen):
    page = screen
    with StreamlitServer(ROOT / 'apps/text_classifier/streamlit_app.py', text_store) as app:
        page.goto(app.url)
        page.wait_for_function(success_contains('Rubrik: Sport'), timeout=180_000)  # the example sentence
        box = page.get_by_role('textbox', name='Deine Meldung')
        box.fill('Die Zentralbank senkt den Leitzins, und die Aktienkurse steigen kräftig.')
        box.press('Control+Enter')
        page.wait_for_function(success_contains('Rubrik: Wirtschaft'), timeout=60_000)
        page.get_by_text('Ähnlichste Trainingsbeispiele').wait_for()
        page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').first.wait_for(timeout=30_000)
        page.locator('[data-testid="stDataFrame"], [data-testid="stTable"]').first.wait_for(timeout=30_000)
        assert page.locator('[data-testid="stDataFrame"], [data-testid="stTable"]').count() >= 2  # nearest examples and model card
        settled(page)
        shot = screenshot(page, 'text_classifier')
        assert shot.stat().st_size > 10_000
