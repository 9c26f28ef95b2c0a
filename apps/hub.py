"""Alle Kurs-Apps unter einer Adresse (make start): die Startseite, der Fortschritt und die acht Apps, nach Woche geordnet."""
from pathlib import Path

import streamlit as st

from amalea_quack.ui import APPS

HERE = Path(__file__).parent
sections = {'Kurs': [st.Page(HERE / 'hub_pages/start.py', title='Start', icon='🏠', default=True),
                     st.Page(HERE / 'hub_pages/fortschritt.py', title='Fortschritt', icon='✅', url_path='fortschritt')]}
for a in APPS:  # every app under its folder name: http://127.0.0.1:8501/iris_classifier
    sections.setdefault(f'Woche {a.weeks}', []).append(st.Page(HERE / a.folder / 'streamlit_app.py', title=a.title, icon=a.icon, url_path=a.folder))
st.navigation(sections).run()
