"""The Iris app in a real browser at a laptop's and a phone's size: the four German measurements and the result on the first screen
without opening anything, a change of the measurements changes the species, the model card fits its width; screenshots."""
import pytest
from conftest import no_horizontal_scroll, screenshot, served_app, settled

pytestmark = pytest.mark.browser
app = served_app('iris_classifier/streamlit_app.py', 'iris_store')

FIELDS = ['Kelchblattlänge (cm)', 'Kelchblattbreite (cm)', 'Kronblattlänge (cm)', 'Kronblattbreite (cm)']


def on_first_screen(screen, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box['y'] >= 0 and box['y'] + box['height'] <= screen.viewport_size['height'] and box['width'] > 0


def test_iris_app_in_chromium(app, screen):
    screen.goto(app.url)
    result = screen.get_by_text('Vorhersage:')
    result.wait_for(timeout=90_000)
    settled(screen)
    for field in FIELDS:  # in the main area, not behind the collapsed sidebar of a phone
        assert on_first_screen(screen, screen.get_by_label(field, exact=True)), (screen.size, field)
    assert on_first_screen(screen, result), screen.size
    assert on_first_screen(screen, screen.locator('[data-testid="stVegaLiteChart"]').first), screen.size  # the probabilities too (fields in pairs)
    assert screen.get_by_text('sepal length').count() == 0  # German names with units only
    shot_first = screenshot(screen, 'iris_classifier-first-screen', full_page=False)
    # a virginica-sized flower, typed as on a phone
    for field, value in zip(FIELDS, ['7,2', '3', '6', '2,3'], strict=True):
        box = screen.get_by_label(field, exact=True)
        box.fill(value)  # a text field: the decimal comma arrives as typed
        box.press('Enter')
        settled(screen)
    js = "() => [...document.querySelectorAll('[data-testid=stAlertContentSuccess]')].some(e => e.innerText.includes('virginica'))"
    screen.wait_for_function(js, timeout=30_000)
    assert on_first_screen(screen, screen.get_by_text('Vorhersage:')), 'the result stays in view after a change'
    # a refused entry stops the page before the alias box: the next runs served staging instead of production
    for field, value in ((FIELDS[3], ''), (FIELDS[3], '2,3'), (FIELDS[0], '7,1')):
        box = screen.get_by_label(field, exact=True)
        box.fill(value)
        box.press('Enter')
        settled(screen)
    screen.wait_for_function(js, timeout=30_000)
    screen.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').first.wait_for(timeout=30_000)
    card = screen.locator('[data-testid="stTable"]').last
    card.scroll_into_view_if_needed()
    assert no_horizontal_scroll(card), f'model card needs horizontal scrolling at {screen.size}'
    assert card.get_by_text('Genauigkeit').count() >= 1
    assert 'production' in card.inner_text() and 'staging' not in card.inner_text()
    settled(screen)
    shot = screenshot(screen, 'iris_classifier')
    assert shot.stat().st_size > 10_000 and shot_first.stat().st_size > 10_000
