"""Ziffernerkennung: eine Ziffer zeichnen, hochladen oder aus den Testdaten wählen – das CNN aus der Registry erkennt sie (Woche 6, Phase A³)."""
import time

import streamlit as st

from amalea_quack.ui import alias_choice, answer_caption, data_preview, keep_state, model_card, page_header, probability_chart, refusal, served_model

DIGITS_MODEL = 'digits-cnn'
SOURCES = ('Zeichnen', 'Bild hochladen', 'Testbild')

page_header('digit_recognizer', 'Zeichne eine Ziffer von 0 bis 9, lade ein Foto hoch oder nimm ein Bild aus den Testdaten: '
                                'Ein kleines faltendes Netz (CNN) erkennt sie – und du siehst, wie es das Bild vorher auf 8×8 Felder verkleinert.')
keep_state(source=SOURCES[0], test_index=0, alias='production')


def train_digits() -> str:
    "Train, register and release a first digits CNN through the course's gates (the button under a missing model)."
    from amalea_quack.pipeline import ensure_digits_model
    return ensure_digits_model()


alias = st.session_state['alias']
model = served_model(DIGITS_MODEL, alias, train=train_digits)
if model is None:
    if alias != 'production':
        alias_choice()
    st.stop()

import numpy as np
import pandas as pd
from streamlit_drawable_canvas import st_canvas

from amalea_quack.glossary import german_number
from amalea_quack.validation import MAX_UPLOAD_MB, DataValidationError
from amalea_quack.vision import (
    MAX_IMAGE_PIXELS,
    PIXELS,
    image_features,
    logged_test_digits,
    open_image,
    preprocess_digit,
    preview_image,
    render_digit,
)


@st.cache_data(show_spinner=False, max_entries=4)
def test_digits(run_id: str) -> pd.DataFrame:
    "The digits the served model's run held out for testing."
    return logged_test_digits(run_id)


def random_test_image(n: int) -> None:
    st.session_state['test_index'] = int(np.random.default_rng().integers(n))


def from_canvas():
    "The drawing as (picture, 8×8 pixels), or None after saying why."
    st.markdown('Zeichne **eine** Ziffer (0–9), groß und mittig. Zeigst du mit der Maus auf die Fläche, erscheinen oben rechts '
                'Werkzeuge: rückgängig machen und alles löschen (Papierkorb). Auf dem Handy leert der Knopf unter der Fläche sie.')
    st.space('small')  # room for the canvas toolbar, which floats above the drawing area
    fresh = st.session_state.get('canvas_round', 0)  # a new key is a new, empty canvas: the toolbar shows only under a mouse
    drawing = st_canvas(stroke_width=18, stroke_color='#000000', background_color='#FFFFFF', height=280, width=280,
                        drawing_mode='freedraw', return_image_data=True, key=f'canvas-{fresh}')
    st.button('Zeichenfläche leeren', key='clear_canvas', icon='🗑️', on_click=lambda: st.session_state.update(canvas_round=fresh + 1))
    if drawing.image_data is None or not (drawing.json_data or {}).get('objects'):
        st.info('Die Zeichenfläche ist noch leer – zeichne eine Ziffer.')
        return None
    try: return preview_image(drawing.image_data), preprocess_digit(drawing.image_data)
    except DataValidationError as e:
        st.info(f'Auf der Zeichenfläche ist noch keine Ziffer zu erkennen.\n\n{e}')
        return None


def from_upload():
    "The uploaded image as (picture, 8×8 pixels), or None after saying why."
    from amalea_quack.ui import UPLOAD_CEILING_MB, german_dropzone
    file = st.file_uploader('Bild einer Ziffer', key='upload', max_upload_size=UPLOAD_CEILING_MB,  # any file reaches the app: it refuses in German
                            help=f'PNG oder JPEG, höchstens {german_number(MAX_UPLOAD_MB)} MB und {german_number(MAX_IMAGE_PIXELS / 1e6, 1)} '
                                 'Megapixel; dunkle Schrift auf hellem Grund oder helle auf dunklem')
    german_dropzone('upload', f'PNG oder JPEG, höchstens {german_number(MAX_UPLOAD_MB)} MB')
    if file is None:
        st.info(f'Lade ein Foto oder einen Scan einer Ziffer hoch (PNG oder JPEG, höchstens {german_number(MAX_UPLOAD_MB)} MB).')
        return None
    if file.size > MAX_UPLOAD_MB * 1024 * 1024:
        st.error(f'**{file.name}** wurde nicht übernommen. Die Datei ist {german_number(file.size / 1024 / 1024, 1)} MB groß, erlaubt sind höchstens '
                 f'{german_number(MAX_UPLOAD_MB)} MB. Erwartet: ein Foto oder Scan als PNG oder JPEG bis {german_number(MAX_UPLOAD_MB)} MB.')
        return None
    try:
        image = open_image(file.getvalue(), file.name)
        return preview_image(image), preprocess_digit(image)
    except DataValidationError as e:
        st.error(refusal(file.name, e))
        return None


def from_test_set():
    "A held-out test digit as (picture, 8×8 pixels); it is already in the training format."
    tests = test_digits(model.run_id)
    st.session_state['test_index'] = min(int(st.session_state['test_index']), len(tests) - 1)
    st.number_input(f'Testbild (0–{len(tests) - 1})', 0, len(tests) - 1, step=1, key='test_index')
    st.button('Zufälliges Testbild', on_click=random_test_image, args=(len(tests),), key='random')
    row = tests.iloc[int(st.session_state['test_index'])]
    st.caption(f"Wahre Ziffer: **{row['digit_true']}** – das Modell dieses Laufs hat das Bild nie gesehen.")
    pixels = row[PIXELS].to_numpy(dtype=float).reshape(8, 8)
    return render_digit(pixels, size=280), pixels


source = st.radio('Eingabe', SOURCES, horizontal=True, key='source')
left, right = st.columns(2)
with left:
    got = {'Zeichnen': from_canvas, 'Bild hochladen': from_upload, 'Testbild': from_test_set}[source]()
if got is None: st.stop()
picture, pixels = got

row = image_features(pixels)
start = time.perf_counter()
pred = model.predict(row)
ms = (time.perf_counter() - start) * 1000
label, proba = str(pred.labels[0]), pred.probabilities.iloc[0]

with left:  # the answer right under the drawing: on a phone it is in view without scrolling past the preprocessing
    st.success(f'Vorhersage: **{label}**')
    st.caption(answer_caption(float(proba[label]), 'diese Ziffer', ms, model.artifacts.project_card))
with right:
    st.subheader('Vorverarbeitung')
    pictures = st.container(horizontal=True)  # side by side, on a phone too (columns would stack them, each a screen wide)
    pictures.image(picture, caption='Original', width='stretch')
    pictures.image(render_digit(pixels), caption='8×8 wie im Training', width='stretch')
    st.caption('Testbilder liegen schon im Format der Trainingsdaten vor: 8×8 Pixel, Werte 0–16.' if source == 'Testbild' else
               'Wie die Trainingsdaten: schwarz-weiß, aufgerichtet, 32 Punkte hoch (höchstens 20 breit), Strichstärke angeglichen; '
               'jedes der 8×8 Felder zählt seine Tintenpunkte (0–16).')

probability_chart(proba, 'Ziffer')
with st.expander('Die 64 Zahlen, die das Modell bekommt'):
    data_preview(pd.DataFrame(pixels.reshape(8, 8)).round(1), rows=8)
with st.expander('Woher kommt das Modell? (Woche 7)'):
    st.markdown(f'Die App fragt die MLflow-Registry nach **{DIGITS_MODEL}@{alias}**: der Version, die gerade diesen Alias trägt.')
    alias_choice()
st.subheader('Modellkarte')
model_card(model)
