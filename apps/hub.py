"""Alle Kurs-Apps unter einer Adresse (make start): eine Navigation über die acht Portfolio-Apps."""
from pathlib import Path

import streamlit as st

HERE = Path(__file__).parent
PAGES = {
    'Woche 1 und 7 · Phase K': [('iris_classifier', 'Iris-Klassifikator', '🌸')],
    'Woche 2 · Phase U': [('data_explorer', 'Data Explorer', '🔎')],
    'Woche 3–4 · Phase A³': [('model_playground', 'Model Playground', '🧪')],
    'Woche 5 · Phase A³': [('neural_net_lab', 'Neural Net Lab', '🧠')],
    'Woche 6 · Phase A³': [('digit_recognizer', 'Digit Recognizer', '✍️'), ('text_classifier', 'Text Classifier', '💬')],
    'Woche 3–7 · Phase C': [('experiment_board', 'Experiment Board', '📊')],
    'Woche 7 · Phase K': [('model_ops', 'Model Ops', '🛠️')],
}

st.navigation({section: [st.Page(HERE / folder / 'streamlit_app.py', title=title, icon=icon, url_path=folder)
                         for folder, title, icon in apps] for section, apps in PAGES.items()}).run()
