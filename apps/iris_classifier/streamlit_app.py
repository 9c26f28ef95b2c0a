"""Iris-Klassifikator: vier Maße einer Blüte rein, ihre Art raus – das freigegebene Modell aus der MLflow-Registry (Woche 1 und 7, Phase K)."""
import time

import streamlit as st

from amalea_quack.ui import answer_caption, keep_state, model_card, number_field, page_header, probability_chart, served_model

IRIS_MODEL = 'iris-classifier'
OTHER = '(anderer Wert …)'
page_header('iris_classifier', 'Miss Kelchblatt und Kronblatt einer Iris-Blüte und gib die vier Maße in Zentimetern ein: '
                               'Das Modell sagt dir, welche der drei Arten es vermutlich ist.')


def train_iris() -> str:
    "Train, register and release a first Iris model through the course's gates (the button under a missing model)."
    from amalea_quack.pipeline import ensure_production
    return ensure_production()


def where_it_comes_from(names: list[str]) -> None:
    "Week 7: which registered model and alias this page serves (kept below the result: a field botanist never needs it)."
    from amalea_quack.registry import ALIASES
    if len(names) > 1:
        st.selectbox('Modell', names, key='model_name', help='Jedes registrierte Tabellenmodell lässt sich hier ausprobieren, auch dein eigenes.')
    st.selectbox('Alias', ALIASES, key='alias', help='Welche Version gezeigt wird: production ist die über die Gates freigegebene.')


def other_models() -> list[str]:
    "The registered tabular models, Iris first (digits and text have apps of their own)."
    from amalea_quack.registry import COURSE_MODELS
    from amalea_quack.store import StoreError, client
    try: names = sorted(m.name for m in client().search_registered_models())
    except StoreError: names = []
    return [IRIS_MODEL] + [n for n in names if n not in COURSE_MODELS]


keep_state(model_name=IRIS_MODEL, alias='production')  # the boxes sit below the prediction: a refused entry stops before them
name, alias = st.session_state['model_name'], st.session_state['alias']
model = served_model(name, alias, train=train_iris if name == IRIS_MODEL else None)
if model is None:
    with st.expander('Anderes Modell oder anderer Alias', expanded=alias != 'production' or name != IRIS_MODEL):
        where_it_comes_from(other_models())
    st.stop()

from amalea_quack.eda import column_label
from amalea_quack.glossary import german_number
from amalea_quack.validation import CATEGORICAL, DataValidationError

if name != IRIS_MODEL: st.subheader(f'Modell: {name}')
schema = model.training_schema or model.schema
values, outside = {}, []
for i, (col, kind) in enumerate(model.schema.columns.items()):
    if i % 2 == 0: pair = st.container(horizontal=True)  # a row per pair (length and width), side by side on a phone too
    with pair.container():  # a field and its message stay together
        if kind == CATEGORICAL:
            known = (schema.categories.get(col) if schema else None) or []
            values[col] = st.selectbox(column_label(col), [*known, OTHER], key=f'{name}:{col}', help='Die Werte aus dem Training – oder ein anderer.')
            if values[col] == OTHER:
                values[col] = st.text_input(f'Anderer Wert: {column_label(col)}', key=f'{name}:{col}:other', placeholder='Wert eintippen')
            continue
        lo, hi = schema.ranges.get(col, (0.0, 10.0)) if schema else (0.0, 10.0)
        digits = 1 if hi - lo < 1000 else 0  # centimetres to a millimetre; large quantities in whole units
        values[col] = number_field(column_label(col), round((lo + hi) / 2, digits), key=f'{name}:{col}', decimals=digits,
                                   help=f'Im Training: {german_number(lo)} bis {german_number(hi)}; Komma oder Punkt')
        if values[col] is not None and not lo <= values[col] <= hi: outside.append((col, lo, hi))

if any(v is None for v in values.values()): st.stop()  # a field that holds no number says why, right under it
start = time.perf_counter()
try: pred = model.predict(values)
except DataValidationError as e:
    st.error(f'Diese Eingabe kann das Modell nicht bewerten.\n\n{e}')
    st.stop()
ms = (time.perf_counter() - start) * 1000
label = pred.labels[0]
# What makes the answer doubtful comes first, and the answer itself is then no green success (on a phone the notes below would be out of view).
for col, lo, hi in outside:  # one note per field, by its German label; far outside, the model's own note asks about the unit
    if col not in pred.outside:
        st.warning(f'{column_label(col)}: {german_number(values[col])} liegt außerhalb dessen, was das Modell im Training gesehen hat '
                   f'({german_number(lo)} bis {german_number(hi)}). Die Vorhersage ist hier nur eine Vermutung.')
for warning in pred.outside_warnings(column_label) + pred.unknown_warnings: st.warning(warning)
if outside or pred.unknown: st.warning(f'Vorhersage: **{label}** – nur eine Vermutung, siehe oben')
else: st.success(f'Vorhersage: **{label}**')
proba = pred.probabilities.iloc[0] if pred.probabilities is not None else None
st.caption(answer_caption(float(proba[str(label)]) if proba is not None else None, 'diese Art', ms, model.artifacts.project_card))
if proba is not None:
    probability_chart(proba, 'Art')

with st.expander('Woher kommt das Modell? (Woche 7)'):
    st.markdown(f'Die App fragt die MLflow-Registry nach **{name}@{alias}**: der Version, die gerade diesen Alias trägt. '
                '`production` bekommt eine Version nur, wenn kein Freigabe-Gate sie blockiert; Warnungen stehen im Audit-Log.')
    where_it_comes_from(other_models())
st.subheader('Modellkarte')
model_card(model)
