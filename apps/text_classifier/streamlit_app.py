"""Text-Klassifikator: deutsche Kurzmeldungen einer Rubrik zuordnen, mit Transformer-Embeddings und ähnlichen Beispielen (Woche 6, Phase A³)."""
import time

import streamlit as st

from amalea_quack.ui import alias_choice, answer_caption, keep_state, model_card, page_header, probability_chart, served_model, static_table

TEXT_MODEL = 'text-classifier'
EXAMPLE = 'Die Stürmerin traf in der Nachspielzeit zum 2:1 und sicherte ihrem Team den Pokalsieg.'

page_header('text_classifier', 'Tippe eine kurze Meldung auf Deutsch ein: Das Modell ordnet sie einer Rubrik zu – etwa Politik, Sport '
                               'oder Kultur – und zeigt die ähnlichsten Beispiele, aus denen es gelernt hat.')
keep_state(text=EXAMPLE, alias='production')


def train_text() -> str:
    "Train, register and release a first text classifier through the course's gates (the button under a missing model)."
    from amalea_quack.pipeline import ensure_text_model
    return ensure_text_model()


alias = st.session_state['alias']
model = served_model(TEXT_MODEL, alias, train=train_text)
if model is None:
    if alias != 'production':
        alias_choice()
    st.stop()

from amalea_quack.glossary import german_number
from amalea_quack.text import MAX_CHARS, TextInputError, check_text, confidence_note, input_notes, training_index


@st.cache_resource(show_spinner='Bette die Trainingstexte für die Ähnlichkeitssuche ein …', max_entries=4)
def examples(run_id: str):
    "The training texts of the served model's run, embedded for the nearest-example search."
    return training_index(run_id)


text = st.text_area(f'Deine Meldung auf Deutsch (höchstens {german_number(MAX_CHARS)} Zeichen)', key='text', height=110,
                    help='Ein oder zwei Sätze wie in einer Kurzmeldung. Strg+Enter übernimmt den Text.')
st.caption(f'{german_number(len(text))} von {german_number(MAX_CHARS)} Zeichen')
try: clean = check_text(text)
except TextInputError as e:
    st.error(f'Dieser Text wird nicht eingeordnet: {e}')
    st.stop()
for note in input_notes(clean): st.info(note)

start = time.perf_counter()
try: proba = model.predict({'text': clean}).probabilities.iloc[0]
except ValueError as e:
    st.error(f'Das Modell hat die Eingabe abgelehnt.\n\n{e}')
    st.stop()
ms = (time.perf_counter() - start) * 1000
label = str(proba.idxmax())

doubt = confidence_note(proba)  # no rubric reaches the threshold: the answer is a guess and is shown as one, not in green
if doubt is None: st.success(f'Rubrik: **{label}**')
else: st.warning(f'Rubrik: **{label}** – nur eine Vermutung. {doubt}')
st.caption(answer_caption(float(proba.max()), 'diese Rubrik', ms, model.artifacts.project_card, decimals=0))
probability_chart(proba, 'Rubrik')

st.subheader('Ähnlichste Trainingsbeispiele')
k = st.slider('Wie viele?', 1, 10, 3, key='k')
st.caption('Nach Kosinus-Ähnlichkeit der Embeddings (1 = gleiche Richtung, 0 = nichts gemeinsam; deutsche Sätze verschiedener Themen '
           'lagen in Notebook 12 schon bei 0,3 bis 0,5): '
           'Woran erinnert sich das Modell bei diesem Text?')
static_table(examples(model.run_id).nearest(clean, k), **{'Ähnlichkeit': 3})

with st.expander('Woher kommt das Modell? (Woche 7)'):
    st.markdown(f'Die App fragt die MLflow-Registry nach **{TEXT_MODEL}@{alias}**: der Version, die gerade diesen Alias trägt.')
    alias_choice()
st.subheader('Modellkarte')
model_card(model)
with st.expander('Projektsteckbrief und Grenzen'):
    from amalea_quack.text import TEXT_CARD
    st.markdown(TEXT_CARD.to_markdown())
    st.markdown('Das Sprachmodell all-MiniLM-L6-v2 wurde überwiegend mit **englischen** Texten trainiert. Es zerlegt deutsche Wörter '
                'in viele Bruchstücke; darum ergänzt der Klassifikator die Embeddings um Zeichen-n-Gramme. Mehr im Notebook 12 '
                '*Texte verstehen mit Transformern*.')
