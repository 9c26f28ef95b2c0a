"""Iris-Klassifikator: das freigegebene Modell per Alias aus der MLflow-Registry (Woche 1 und 7, Phase K)."""
import time

import pandas as pd
import streamlit as st

from amalea_quack.pipeline import ensure_production
from amalea_quack.quack import IRIS_CARD
from amalea_quack.registry import ALIASES, IRIS_MODEL
from amalea_quack.ui import model_card, served_model

st.set_page_config(page_title='Iris-Klassifikator', page_icon='🌸')
st.title('🌸 Iris-Klassifikator')
st.caption('Woche 1 und 7 · Phase K · Das Modell kommt per Alias aus der MLflow-Registry – genau das, was die Gates freigegeben haben.')

alias = st.sidebar.selectbox('Modell-Alias', ALIASES, index=ALIASES.index('production'), key='alias')
model = served_model(IRIS_MODEL, alias, train=ensure_production)  # the button trains, registers and promotes through the gates
if model is None: st.stop()

st.sidebar.header('Merkmale der Blüte')
schema = model.training_schema
values = {}
for col in model.schema.columns:
    lo, hi = schema.ranges[col] if schema and col in schema.ranges else (0.0, 10.0)
    values[col] = st.sidebar.slider(col, float(lo), float(hi), float(round((lo + hi) / 2, 1)), step=0.1, key=col)

row = pd.DataFrame([values])
start = time.perf_counter()
label = model.predict(row)[0]
proba = model.predict_proba(row)
ms = (time.perf_counter() - start) * 1000

st.success(f'Vorhersage: **{label}**')
limit = IRIS_CARD.kpi('latency_p99_ms').threshold
st.caption(f'Antwort in {ms:.1f} ms (KPI: unter {limit:g} ms)')
if proba is not None:
    st.subheader('Wahrscheinlichkeiten')
    st.bar_chart(proba.iloc[0].rename('Wahrscheinlichkeit'))
with st.expander('Eingabe'):
    st.dataframe(row, hide_index=True)
with st.expander('Modellkarte', expanded=True):
    model_card(model, alias)
