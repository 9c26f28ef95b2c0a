"""Alle Kurs-Apps unter einer Adresse (make start): die Startseite, der Fortschritt und die acht Apps in der Reihenfolge der Wochen."""
from pathlib import Path

import streamlit as st

from amalea_quack.ui import APPS

HERE = Path(__file__).parent
sections = {'Kurs': [st.Page(HERE / 'hub_pages/start.py', title='Start', icon='🏠', default=True),
                     st.Page(HERE / 'hub_pages/fortschritt.py', title='Fortschritt', icon='✅', url_path='fortschritt')],
            # one section, not one per week: eight week headings pushed an app's own settings below a laptop's screen;
            # each app names its week under its title, and the start page lists them by week
            'Apps': [st.Page(HERE / a.folder / 'streamlit_app.py', title=a.title, icon=a.icon, url_path=a.folder) for a in APPS]}
st.navigation(sections).run()
