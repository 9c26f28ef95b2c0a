"""Digit Recognizer: eine Ziffer zeichnen, hochladen oder aus den Testdaten wählen – das CNN aus der Registry erkennt sie (Woche 6, Phase A³)."""
import time

import numpy as np
import pandas as pd
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from amalea_quack.pipeline import ensure_digits_model
from amalea_quack.registry import ALIASES
from amalea_quack.ui import model_card, served_model
from amalea_quack.validation import MAX_UPLOAD_MB, DataValidationError
from amalea_quack.vision import (
    CLASSES,
    DIGITS_CARD,
    DIGITS_MODEL,
    MAX_IMAGE_PIXELS,
    PIXELS,
    image_features,
    logged_test_digits,
    open_image,
    preprocess_digit,
    preview_image,
    render_digit,
)

SOURCES = ('Zeichnen', 'Bild hochladen', 'Testbild')

st.set_page_config(page_title='Digit Recognizer', page_icon='✍️')
st.title('✍️ Digit Recognizer')
st.caption('Woche 6 · Phase A³ · Ein CNN erkennt handgeschriebene Ziffern. Das Modell kommt per Alias aus der MLflow-Registry.')
for key, value in (('source', SOURCES[0]), ('test_index', 0)):
    st.session_state.setdefault(key, value)

alias = st.sidebar.selectbox('Modell-Alias', ALIASES, index=ALIASES.index('production'), key='alias')
source = st.sidebar.radio('Eingabe', SOURCES, key='source')


model = served_model(DIGITS_MODEL, alias, train=ensure_digits_model)  # the button trains, registers and promotes through the gates
if model is None: st.stop()


@st.cache_data(show_spinner=False, max_entries=4)
def test_digits(run_id: str) -> pd.DataFrame:
    "The digits the served model's run held out for testing."
    return logged_test_digits(run_id)


def random_test_image(n: int) -> None:
    st.session_state['test_index'] = int(np.random.default_rng().integers(n))


def from_canvas():
    "The drawing as (picture, 8×8 pixels), or None after saying why."
    st.markdown('Zeichne **eine** Ziffer (0–9), groß und mittig. Zeigst du mit der Maus auf die Fläche, erscheinen oben rechts '
                'Werkzeuge: rückgängig machen und alles löschen (Papierkorb).')
    st.space('small')  # room for the canvas toolbar, which floats above the drawing area
    drawing = st_canvas(stroke_width=18, stroke_color='#000000', background_color='#FFFFFF', height=280, width=280,
                        drawing_mode='freedraw', return_image_data=True, key='canvas')
    if drawing.image_data is None or not (drawing.json_data or {}).get('objects'):
        st.info('Die Zeichenfläche ist noch leer – zeichne eine Ziffer.')
        return None
    try: return preview_image(drawing.image_data), preprocess_digit(drawing.image_data)
    except DataValidationError as e:
        st.info(f'Auf der Zeichenfläche ist noch keine Ziffer zu erkennen.\n\n{e}')
        return None


def from_upload():
    "The uploaded image as (picture, 8×8 pixels), or None after saying why."
    file = st.file_uploader('Bild einer Ziffer', type=['png', 'jpg', 'jpeg'], key='upload', max_upload_size=int(MAX_UPLOAD_MB),
                            help=f'PNG oder JPEG, höchstens {MAX_UPLOAD_MB:g} MB und {MAX_IMAGE_PIXELS / 1e6:.1f} Megapixel; '
                                 'dunkle Schrift auf hellem Grund oder helle auf dunklem')
    if file is None:
        st.info(f'Lade ein Foto oder einen Scan einer Ziffer hoch (PNG oder JPEG, höchstens {MAX_UPLOAD_MB:g} MB).')
        return None
    try:
        image = open_image(file.getvalue(), file.name)
        return preview_image(image), preprocess_digit(image)
    except DataValidationError as e:
        st.error(f'**{file.name}** wurde abgelehnt.\n\n{e}')
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


left, right = st.columns(2)
with left:
    st.subheader('Eingabe')
    got = {'Zeichnen': from_canvas, 'Bild hochladen': from_upload, 'Testbild': from_test_set}[source]()
if got is None: st.stop()
picture, pixels = got

with right:
    st.subheader('Vorverarbeitung')
    a, b = st.columns(2)
    a.image(picture, caption='Original', width='stretch')
    b.image(render_digit(pixels), caption='8×8 wie im Training', width='stretch')
    st.caption('Testbilder liegen schon im Format der Trainingsdaten vor: 8×8 Pixel, Werte 0–16.' if source == 'Testbild' else
               'Wie die Trainingsdaten: schwarz-weiß, aufgerichtet, 32 Punkte hoch (höchstens 20 breit), Strichstärke angeglichen; '
               'jedes der 8×8 Felder zählt seine Tintenpunkte (0–16).')

row = image_features(pixels)
start = time.perf_counter()
label = model.predict(row)[0]
try: proba = model.predict_proba(row)
except NotImplementedError:  # ServedModel.predict_proba asks MLflow for a raw model first; a pyfunc from code has none
    proba = model.pyfunc.predict(model.validate(row))[CLASSES]
ms = (time.perf_counter() - start) * 1000

st.success(f'Vorhersage: **{label}**')
limit = DIGITS_CARD.kpi('latency_p99_ms').threshold
st.caption(f'Sicherheit {float(proba.iloc[0][label]):.0%} · Antwort in {ms:.1f} ms (KPI: unter {limit:g} ms)')
st.subheader('Wahrscheinlichkeiten')
st.bar_chart(proba.iloc[0].rename('Wahrscheinlichkeit'), x_label='Ziffer', y_label='Wahrscheinlichkeit')
with st.expander('Die 64 Zahlen, die das Modell bekommt'):
    st.dataframe(pd.DataFrame(pixels.reshape(8, 8)).round(1), width='stretch')
with st.expander('Modellkarte', expanded=True):
    model_card(model, alias)
