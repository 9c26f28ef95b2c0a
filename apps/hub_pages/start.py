"""Die Startseite des Hubs: was das ist, wo du anfängst, welche App wozu dient – und ob die Kursmodelle im Store sind."""
import streamlit as st

from amalea_quack.ui import APPS, course_links

st.set_page_config(page_title='AMALEA 2025 · Start', page_icon='🦆', layout='centered')
st.title('🦆 Willkommen bei AMALEA 2025')
links = course_links()
site = links.get('Documentation')
st.markdown('Willkommen im Kurs **Angewandte Machine-Learning-Algorithmen**. Du lernst maschinelles Lernen in sieben Wochen, '
            'Schritt für Schritt nach dem QUA³CK-Prozessmodell: erst die Frage, dann die Daten, dann Modelle bauen, vergleichen '
            'und bereitstellen. Diese Seite bündelt die acht Apps des Kurses; jede gehört zu einer Woche und zeigt, was du dort baust.')

st.header('So fängst du an')
st.markdown(
    '1. **Die Notebooks sind deine Kapitel.** Im Kursordner öffnet `make lab` JupyterLab mit deiner eigenen Ausgabe der Notebooks '
    '(Ordner `student-edition/`, beim ersten Mal wird sie angelegt; was du tippst, bleibt bei Updates erhalten).\n'
    '2. **Beginne mit Woche 1:** Notebook 01 *Das QUA³CK-Prozessmodell* (`week01/01_quack_prozessmodell.ipynb`).\n'
    + (f'3. **Lesen ohne Installation:** dieselben Kapitel als [Kurs-Website]({site}).\n' if site else '')
    + f"{'4' if site else '3'}. **Hierher kommst du zurück,** wenn ein Notebook auf eine App verweist – oder um unter "
    '*Fortschritt* zu sehen, welche Übungen du schon gelöst hast.')

st.header('Die Apps')
for a in APPS:
    st.page_link(f'{a.folder}/streamlit_app.py', label=f'{a.title} · Woche {a.weeks}', icon=a.icon)
    st.caption(a.purpose)

st.header('Die Modelle im Store')
st.markdown('Drei Apps zeigen ein trainiertes, über die Gates freigegebenes Kursmodell. `make start` legt fehlende beim Start an '
            '(`quack setup`). Fehlt eines, steht hier sein Befehl mit einem Knopf, der es einzeln anlegt.')
with st.spinner('Sehe im MLflow-Store nach …'):
    from amalea_quack.registry import fix_command
    from amalea_quack.store import StoreError, tracking_uri
    from amalea_quack.ui import course_models, store_problem
    try: state = course_models()
    except StoreError as e:
        store_problem(e)
        st.stop()
by_model = {a.model: a for a in APPS if a.model}
for name, version in state.items():
    a = by_model[name]
    if version is not None:
        st.success(f'**{name}** – Version {version} ist freigegeben (`production`); die App *{a.title}* zeigt sie.', icon='✅')
        continue
    st.warning(f'**{name}** fehlt noch – die App *{a.title}* kann ohne es nichts vorhersagen. Befehl: `{fix_command(name)}`', icon='⏳')
    if st.button(f'{name} jetzt trainieren und freigeben', key=f'train:{name}'):
        with st.spinner(f'Trainiere {name}, prüfe die Gates und gebe frei (ca. 1 Minute) …'):
            from amalea_quack.pipeline import BUILDERS
            try: BUILDERS[name]()
            except Exception as e:  # a refused promotion or a store problem: say it here, the page stays usable
                st.error(f'{name} wurde nicht freigegeben: {e}')
                st.stop()
        st.rerun()
st.caption(f'Store: `{tracking_uri()}`')
