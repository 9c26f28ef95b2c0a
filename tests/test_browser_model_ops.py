"""The Model Ops app in a real browser at a laptop's and a phone's size: the gate checklist, a promotion that keeps its tab, a rollback
pressed three times that never goes forward again, simulated drift with its verdict; screenshots."""
import pytest
from conftest import new_store, no_horizontal_scroll, screenshot, served_app, settled
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
app = served_app('model_ops/streamlit_app.py', 'ops_store')


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


def alerts(screen, kind: str) -> str:
    return ' '.join(screen.locator(f'[data-testid="stAlertContent{kind}"]').all_inner_texts())


def test_model_ops_in_chromium(app, screen):
    screen.goto(app.url)
    screen.get_by_text('Modelle, Versionen und Aliase').wait_for(timeout=90_000)
    settled(screen)
    screen.get_by_role('tab', name='Gates und Freigabe').click()
    screen.get_by_text('Alle blockierenden Gates bestanden').wait_for(timeout=90_000)
    settled(screen)
    if screen.size == 'desktop':  # the message column wraps instead of hiding behind a scroll bar
        assert no_horizontal_scroll(screen.locator('[data-testid="stTable"]').first)
    screen.get_by_role('button', name='Freigeben: Version 2 → production').click()
    done = screen.get_by_text('zeigt jetzt auf Version 2')
    done.wait_for(timeout=60_000)
    settled(screen)
    expect(done).to_be_in_viewport()  # the answer where the click was: on a phone the top of the tab is a screen or two away
    # the first promotion of a session keeps its tab: checklist and buttons are still there
    assert screen.get_by_role('tab', name='Gates und Freigabe').get_attribute('aria-selected') == 'true'
    assert screen.locator('[data-testid="stTable"]').count() >= 1
    screenshot(screen, 'model_ops-promoted')
    rollback = screen.get_by_role('button', name='production zurückrollen')
    rollback.click()
    screen.get_by_text('zeigt wieder auf Version 1').wait_for(timeout=60_000)
    settled(screen)
    for _ in range(2):  # 2 → 1, then nothing left: never forward to version 2 again
        rollback.click()
        screen.get_by_text('keine frühere freigegebene Version').wait_for(timeout=60_000)
        settled(screen)
        assert 'zeigt wieder auf Version 2' not in alerts(screen, 'Success')
    screen.get_by_role('tab', name='Historie').click()
    screen.get_by_text('Audit-Log von iris-classifier').wait_for(timeout=60_000)
    settled(screen)
    log = screen.locator('[data-testid="stTable"]').filter(has_text='zurückgerollt: production, Version 2 → 1')
    assert no_horizontal_scroll(log)  # each entry wraps whole: on a phone too, gates and note need no swiping
    screen.get_by_role('tab', name='Drift').click()
    screen.get_by_text('kein Drift', exact=True).first.wait_for(timeout=60_000)
    settled(screen)
    # simulate drift: shift petal length by the default factor 1.3
    pick = screen.get_by_label('Drift simulieren: ein Merkmal verschieben')  # typed into the searchable box: works with mouse and touch
    pick.click()
    pick.fill('Kronblattlänge')
    pick.press('Enter')
    screen.locator('[data-testid="stAlertContentError"]').filter(has_text='starker Drift').wait_for(timeout=60_000)
    settled(screen)
    screen.get_by_role('img', name='PSI je Merkmal').wait_for(state='attached', timeout=60_000)
    bins, cdf = (screen.get_by_role('img', name=f'{what} von Kronblattlänge (cm)') for what in ('Wertebereiche', 'Verteilungsfunktion'))
    for img in (bins, cdf): img.wait_for(state='attached', timeout=60_000)
    cdf.scroll_into_view_if_needed()
    settled(screen)
    b, c = bins.bounding_box(), cdf.bounding_box()
    if screen.size == 'phone':  # one below the other, each nearly the screen's width: readable without zooming
        assert c['y'] >= b['y'] + b['height'] - 1 and min(b['width'], c['width']) > 300, (b, c)
    else:
        assert abs(c['y'] - b['y']) < 5 and c['x'] > b['x'] + b['width'] - 1, (b, c)  # side by side
    shot = screenshot(screen, 'model_ops')
    assert shot.stat().st_size > 10_000
