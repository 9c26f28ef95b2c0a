"""The Digit Recognizer app with Streamlit's AppTest: upload, canvas, test images, every bad input, the no-model state and its train button."""
import base64
import io

import numpy as np
import pytest
from conftest import ROOT, new_store
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

APP = str(ROOT / 'apps/digit_recognizer/streamlit_app.py')
SETUP = 'quack setup --only digits-cnn'


def app(timeout=60) -> AppTest:
    return AppTest.from_file(APP, default_timeout=timeout)


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO(); img.save(buf, format='PNG'); return buf.getvalue()


@pytest.fixture(scope='module')
def digits_store(tmp_path_factory, template_db):
    "A store with digits-cnn version 1 in production, trained with the quick settings; shared, so tests must not change it."
    uri = new_store(tmp_path_factory.mktemp('digits-store'), template_db)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv('MLFLOW_TRACKING_URI', uri)
        mp.setenv('AMALEA_QUICK', '1')
        from amalea_quack.registry import default_gates, promote, register
        from amalea_quack.vision import DIGITS_CARD, DIGITS_MODEL, train_digits_cnn
        res = train_digits_cnn(run_name='test-fixture')
        register(res.run_id, DIGITS_MODEL)
        promote(DIGITS_MODEL, gates=default_gates(DIGITS_CARD), card=DIGITS_CARD)
    return uri


@pytest.fixture(scope='module')
def clear_digit(digits_store):
    "The test digit the served model is most sure about: (pixels 8×8, true digit)."
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv('MLFLOW_TRACKING_URI', digits_store)
        from amalea_quack.registry import load_model
        from amalea_quack.vision import CLASSES, PIXELS, logged_test_digits
        served = load_model('digits-cnn', 'production')
        tests = logged_test_digits(served.run_id)
        out = served.pyfunc.predict(tests[PIXELS])
        sure = out[CLASSES].max(axis=1).where(out['label'] == tests['digit_true']).idxmax()
        return tests.loc[sure, PIXELS].to_numpy(dtype=float).reshape(8, 8), tests.loc[sure, 'digit_true']


@pytest.fixture
def served_app(digits_store, monkeypatch):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', digits_store)
    return app().run()


def upload(at: AppTest, name: str, data: bytes, mime: str = 'image/png') -> AppTest:
    at.radio(key='source').set_value('Bild hochladen').run()
    at.file_uploader(key='upload').set_value((name, data, mime))
    return at.run()


def test_uploaded_test_digit_is_recognised_with_probabilities_and_card(served_app, clear_digit):
    from amalea_quack.vision import render_digit
    pixels, digit = clear_digit
    at = upload(served_app, 'ziffer.png', png(render_digit(pixels, size=280, invert=True, smooth=True)))
    assert not at.exception and not at.error
    assert at.success[0].value == f'Vorhersage: **{digit}**'
    assert any(c.value.startswith('Laut Modell zu') and 'diese Ziffer' in c.value for c in at.caption)
    assert len(at.get('vega_lite_chart')) == 1  # the probabilities
    assert len(at.get('image')) == 2  # original and 8×8
    card = at.table[-1].value.set_index('Angabe')['Wert']
    assert card['Modell'] == 'digits-cnn' and card['Version'] == '1' and card['Alias'] == 'production'
    numbers = at.dataframe[0].value.apply(lambda c: c.str.replace(',', '.').astype(float)).to_numpy()  # shown the German way
    assert numbers.shape == (8, 8) and numbers.max() == 16.0


@pytest.mark.parametrize('mode', ['RGBA', 'P', 'I;16', '1', 'RGB'])
def test_any_image_mode_is_accepted(served_app, clear_digit, mode):
    from amalea_quack.vision import render_digit
    pixels, digit = clear_digit
    gray = render_digit(pixels, size=200, invert=True, smooth=True)
    if mode == 'RGBA':  # ink only in the alpha channel, transparent background
        img = Image.new('RGBA', gray.size, (0, 0, 0, 0)); img.putalpha(Image.eval(gray, lambda v: 255 - v))
    elif mode == 'I;16': img = Image.fromarray(np.asarray(gray, np.uint16) * 257)
    else: img = gray.convert(mode)
    assert img.mode == mode
    at = upload(served_app, f'ziffer-{mode}.png', png(img))
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success[0].value == f'Vorhersage: **{digit}**'


def test_jpeg_photo_of_dark_ink_on_paper(served_app):
    img = Image.new('RGB', (300, 400), (235, 232, 220))  # off-white paper
    pen = ImageDraw.Draw(img)
    pen.line([(90, 60), (220, 60), (130, 340)], fill=(30, 30, 60), width=26, joint='curve')
    pen.line([(115, 200), (205, 200)], fill=(30, 30, 60), width=26)
    buf = io.BytesIO(); img.save(buf, format='JPEG', quality=80)
    at = upload(served_app, 'sieben.jpg', buf.getvalue(), 'image/jpeg')
    assert not at.exception and not at.error
    assert at.success[0].value.startswith('Vorhersage: **')


@pytest.mark.parametrize('name, data, reason', [
    ('tabelle.png', b'sepal_length,species\n5.1,setosa\n4.9,setosa\n', 'kein lesbares Bild'),
    ('rauschen.png', bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8)), 'kein lesbares Bild'),
    ('leer.png', b'', 'leer'),
    ('halb.png', png(Image.new('L', (200, 200), 255))[:80], 'beschädigt'),
    ('riesig.png', png(Image.new('1', (6000, 4000), 1)), 'Megapixel'),
    ('schwer.png', b'\x89PNG\r\n\x1a\n' + bytes(11 * 1024 * 1024), 'MB groß'),
    ('weiss.png', png(Image.new('RGB', (300, 300), 'white')), 'keine Ziffer'),
    ('durchsichtig.png', png(Image.new('RGBA', (300, 300), (0, 0, 0, 0))), 'keine Ziffer'),
    ('animation.png', b'GIF89a' + bytes(200), 'kein lesbares Bild'),
])
def test_bad_uploads_are_refused_with_a_german_reason(served_app, name, data, reason):
    at = upload(served_app, name, data)
    assert not at.exception
    assert not at.success, 'no prediction for a refused upload'
    assert len(at.error) == 1 and name in at.error[0].value and reason in at.error[0].value, at.error[0].value
    assert 'Erwartet' in at.error[0].value


def test_blank_canvas_asks_for_a_drawing(served_app):
    at = served_app
    assert not at.exception and not at.success and not at.error
    assert at.radio(key='source').value == 'Zeichnen'
    assert 'noch leer' in at.info[0].value


def crossed_seven() -> Image.Image:
    img = Image.new('RGBA', (280, 280), 'white')
    pen = ImageDraw.Draw(img)
    pen.line([(80, 50), (200, 50), (120, 240)], fill='black', width=18, joint='curve')
    pen.line([(110, 145), (190, 145)], fill='black', width=18)
    return img


def plain_seven() -> Image.Image:
    "The first seven without crossbar of the test drawings (the issue: such sevens were read as 3)."
    from amalea_quack.vision import drawn_digits
    d = drawn_digits()
    return Image.fromarray(d.loc[d['form'] == 'ohne Querstrich', 'image'].iloc[0])


@pytest.mark.parametrize('drawing', [crossed_seven, plain_seven])
def test_a_drawing_on_the_canvas_is_recognised(digits_store, monkeypatch, drawing):
    "The canvas component returns its picture as a PNG data URL; here it is put into the widget state directly."
    monkeypatch.setenv('MLFLOW_TRACKING_URI', digits_store)
    url = 'data:image/png;base64,' + base64.b64encode(png(drawing())).decode()
    at = app()
    at.session_state['canvas-0'] = {'drawing': {'raw': {'objects': [{'type': 'path'}], 'background': '#FFFFFF'}, 'data': url}, 'backgroundFit': None}
    at.run()
    assert not at.exception and not at.error and not at.info
    assert at.success[0].value == 'Vorhersage: **7**'
    at.button(key='clear_canvas').click().run()  # without a mouse there is no toolbar: the button gives an empty canvas
    assert not at.exception and not at.success and 'noch leer' in at.info[0].value


def test_picking_a_test_image(served_app):
    at = served_app
    at.radio(key='source').set_value('Testbild').run()
    assert not at.exception
    first = at.success[0].value
    truth = next(c.value for c in at.caption if c.value.startswith('Wahre Ziffer'))
    assert first.startswith('Vorhersage: **') and truth.startswith('Wahre Ziffer: **')
    at.number_input(key='test_index').set_value(5).run()
    assert not at.exception and at.number_input(key='test_index').value == 5
    at.button(key='random').click().run()
    assert not at.exception and at.success[0].value.startswith('Vorhersage: **')


def test_alias_without_model_names_the_command(served_app):
    at = served_app
    at.radio(key='source').set_value('Testbild').run()  # the alias choice sits under a prediction
    at.selectbox(key='alias').set_value('champion').run()
    assert not at.exception and not at.success
    assert 'digits-cnn@champion' in at.warning[0].value and SETUP in at.warning[0].value
    assert not at.button, 'training is offered for production only'


def test_empty_store_offers_setup_command_and_train_button(store, monkeypatch):
    monkeypatch.setenv('AMALEA_QUICK', '1')  # the button trains with the quick settings
    at = app(timeout=600).run()
    assert not at.exception and not at.success
    assert SETUP in at.warning[0].value
    button = at.button(key='train')
    assert button.label == 'Modell jetzt trainieren (ca. 1 Minute)'
    button.click().run()
    assert not at.exception, at.exception
    assert not at.warning, [w.value for w in at.warning]
    assert 'Version 1 ist jetzt `production`' in at.success[0].value
    assert 'noch leer' in at.info[0].value  # the app is ready for a drawing
    from amalea_quack.registry import audit_log, resolve
    assert str(resolve('digits-cnn', 'production').version) == '1'
    assert [e['action'] for e in audit_log('digits-cnn')] == ['register', 'promote']


def test_unreachable_store_is_reported_in_german(monkeypatch):
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]  # a port nobody listens on
    monkeypatch.setenv('MLFLOW_TRACKING_URI', f'http://127.0.0.1:{port}')
    at = app(timeout=90).run()
    assert not at.exception
    assert 'nicht erreichbar' in at.error[0].value
