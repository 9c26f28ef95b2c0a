"""Text-Klassifikator: deutsche Kurzmeldungen einer Rubrik zuordnen, mit Transformer-Embeddings und ähnlichen Beispielen (Woche 6, Phase A³)."""
import time

import streamlit as st

from amalea_quack.pipeline import ensure_text_model
from amalea_quack.registry import ALIASES
from amalea_quack.text import (
    MAX_CHARS,
    TEXT_CARD,
    TEXT_MODEL,
    TextInputError,
    check_text,
    confidence_note,
    input_notes,
    text_model,
    training_index,
)
from amalea_quack.ui import model_card, served_model

EXAMPLE = 'Die Stürmerin traf in der Nachspielzeit zum 2:1 und sicherte ihrem Team den Pokalsieg.'

st.set_page_config(page_title='Text-Klassifikator', page_icon='💬')
st.title('💬 Text-Klassifikator')
st.caption('Woche 6 · Phase A³ · Ein vortrainierter Transformer (all-MiniLM-L6-v2, offline aus einem Python-Paket) übersetzt deutsche '
           'Kurzmeldungen in Embeddings; der Klassifikator kommt per Alias aus der MLflow-Registry.')
st.session_state.setdefault('text', EXAMPLE)

alias = st.sidebar.selectbox('Modell-Alias', ALIASES, index=ALIASES.index('production'), key='alias')
k = st.sidebar.slider('Ähnliche Trainingsbeispiele', 1, 10, 3, key='k')


@st.cache_resource(show_spinner='Lade das Sprachmodell all-MiniLM-L6-v2 …')
def embedding_model():
    "The sentence transformer, once per server process (it comes from an installed package, nothing is downloaded)."
    return text_model()


@st.cache_resource(show_spinner='Bette die Trainingstexte für die Ähnlichkeitssuche ein …', max_entries=4)
def examples(run_id: str):
    "The training texts of the served model's run, embedded for the nearest-example search."
    return training_index(run_id)


model = served_model(TEXT_MODEL, alias, train=ensure_text_model)  # the button trains, registers and promotes through the gates
if model is None: st.stop()
embedding_model()

text = st.text_area(f'Deine Meldung auf Deutsch (höchstens {MAX_CHARS:,} Zeichen)'.replace(',', '.'), key='text', height=110,
                    help='Ein oder zwei Sätze wie in einer Kurzmeldung. Strg+Enter übernimmt den Text.')
st.caption(f'{len(text):,} von {MAX_CHARS:,} Zeichen'.replace(',', '.'))
try: clean = check_text(text)
except TextInputError as e:
    st.error(f'Dieser Text wird nicht eingeordnet: {e}')
    st.stop()
for note in input_notes(clean): st.info(note)

start = time.perf_counter()
try: proba = model.predict_proba({'text': clean}).iloc[0]
except ValueError as e:
    st.error(f'Das Modell hat die Eingabe abgelehnt.\n\n{e}')
    st.stop()
ms = (time.perf_counter() - start) * 1000
label = str(proba.idxmax())

st.success(f'Rubrik: **{label}** ({float(proba.max()):.0%} Wahrscheinlichkeit)')
if (note := confidence_note(proba)) is not None: st.warning(note)
limit = TEXT_CARD.kpi('latency_p99_ms').threshold
st.caption(f'Antwort in {ms:.0f} ms (KPI: unter {limit:g} ms)')
st.subheader('Wahrscheinlichkeiten')
st.bar_chart(proba.rename('Wahrscheinlichkeit'), x_label='Rubrik', y_label='Wahrscheinlichkeit')

st.subheader('Ähnlichste Trainingsbeispiele')
st.caption('Nach Kosinus-Ähnlichkeit der Embeddings: Woran erinnert sich das Modell bei diesem Text?')
st.dataframe(examples(model.run_id).nearest(clean, k), hide_index=True, width='stretch')

with st.expander('Modellkarte', expanded=True):
    model_card(model, alias)
with st.expander('Projektsteckbrief und Grenzen'):
    st.markdown(TEXT_CARD.to_markdown())
    st.markdown('Das Sprachmodell wurde überwiegend mit **englischen** Texten trainiert. Es zerlegt deutsche Wörter in viele '
                'Bruchstücke; darum ergänzt der Klassifikator die Embeddings um Zeichen-n-Gramme. Mehr im Notebook '
                '`nbs/week06/12_nlp_transformer.ipynb`.')
