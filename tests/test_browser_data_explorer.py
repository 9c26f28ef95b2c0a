"""The Data Explorer in a real browser at a laptop's and a phone's size: the data choice in the main area, switch to the penguins, see
their gaps and the data gates, the drop zone in German, a refused upload reported where the eye is; screenshots."""
import pytest
from conftest import dropzone_text, screenshot, served_app, settled

from amalea_quack.glossary import german_number
from amalea_quack.validation import MAX_UPLOAD_MB

pytestmark = pytest.mark.browser
app = served_app('data_explorer/streamlit_app.py')  # no MLflow store needed


def test_data_explorer_in_chromium(app, screen, tmp_path):
    screen.goto(app.url)
    screen.get_by_role('heading', name='Daten-Explorer').wait_for(timeout=60_000)
    screen.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=60_000)
    settled(screen)
    assert screen.get_by_test_id('stMetricValue').first.inner_text() == '150'
    tops = [round(m.bounding_box()['y']) for m in screen.get_by_test_id('stMetric').all()]
    assert len(tops) == 4 and len(set(tops)) <= 2, tops  # the four figures share one line, on a phone at most two – not one per line
    # the data set is chosen in the main area (on a phone the sidebar is closed)
    screen.get_by_role('combobox', name='Datensatz').click()
    screen.get_by_role('option', name='Pinguine im Palmer-Archipel').click()
    screen.wait_for_function("() => document.querySelector('[data-testid=stMetricValue]')?.innerText === '344'", timeout=60_000)
    settled(screen)
    screen.get_by_role('tab', name='Fehlende Werte').click()
    screen.get_by_text('19 fehlende Werte in 5 Spalten; 11 Zeilen sind betroffen.').wait_for(timeout=60_000)
    settled(screen)
    screen.get_by_role('tab', name='Datentore').click()
    screen.get_by_text('Alle blockierenden Datentore sind bestanden').wait_for(timeout=60_000)
    settled(screen)
    screen.get_by_role('tab', name='Verteilungen').click()
    screen.locator('[data-testid="stImage"] img').first.wait_for(timeout=60_000)
    settled(screen)
    assert screen.locator('[data-testid="stImage"] img').first.evaluate('img => img.complete && img.naturalWidth > 0')
    shot = screenshot(screen, 'data_explorer')
    assert shot.stat().st_size > 10_000
    # a file that is no CSV: refused in the main area, by name, in sentences
    screen.get_by_test_id('stRadioGroup').get_by_text('Eigene CSV-Datei').click()
    # the drop zone in German, with the app's limit (Streamlit writes 'Upload' and the browser's '50MB per file')
    assert dropzone_text(screen) == ['Datei wählen', f'CSV, höchstens {german_number(MAX_UPLOAD_MB)} MB']
    bad = tmp_path / 'urlaub.csv'
    bad.write_bytes(b'\x89PNG\r\n\x1a\n' + bytes(64))
    screen.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(str(bad))
    refusal = screen.locator('[data-testid="stMain"] [data-testid="stAlertContentError"]').filter(has_text='urlaub.csv')
    refusal.wait_for(timeout=60_000)
    settled(screen)
    refusal.scroll_into_view_if_needed()
    assert refusal.is_visible()
    screenshot(screen, 'data_explorer-refused-upload', full_page=False)
