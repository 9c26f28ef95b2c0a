"""The Text Classifier app in a real browser: load, type a German sentence, see its class and nearest examples; screenshot."""
import pytest
from conftest import screenshot, served_app, settled

pytestmark = pytest.mark.browser
app = served_app('text_classifier/streamlit_app.py', 'course_store')


def success_contains(text: str) -> str:
    return f"() => [...document.querySelectorAll('[data-testid=stAlertContentSuccess]')].some(e => e.innerText.includes({text!r}))"


def test_text_classifier_in_chromium(app, screen):
    page = screen
    page.goto(app.url)
    page.wait_for_function(success_contains('Rubrik: Sport'), timeout=180_000)  # the example sentence
    box = page.get_by_role('textbox', name='Deine Meldung')
    box.fill('Die Zentralbank senkt den Leitzins, und die Aktienkurse steigen kräftig.')
    box.press('Control+Enter')
    page.wait_for_function(success_contains('Rubrik: Wirtschaft'), timeout=60_000)
    page.get_by_text('Ähnlichste Trainingsbeispiele').wait_for()
    page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').first.wait_for(timeout=30_000)
    tables = page.locator('[data-testid="stDataFrame"], [data-testid="stTable"]')
    tables.nth(1).wait_for(timeout=30_000)  # nearest examples and model card: the second table may come a moment later
    settled(page)
    shot = screenshot(page, 'text_classifier')
    assert shot.stat().st_size > 10_000
