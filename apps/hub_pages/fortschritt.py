"""Fortschritt: welche Übungen und Fragen der Selbstkontrolle in deiner Ausgabe der Notebooks gelöst sind – und der Portfolio-Check."""
from pathlib import Path

import streamlit as st

st.set_page_config(page_title='Fortschritt', page_icon='✅', layout='centered')
st.title('✅ Fortschritt')

from amalea_quack.glossary import PROGRESS_MARKS, german_table, label

*first, last = [f'{PROGRESS_MARKS[s]} {label(s)}' for s in PROGRESS_MARKS]  # the signs and words the counters below use
st.markdown(f"Hier siehst du je Notebook, welche Übungen und Fragen der Selbstkontrolle in **deiner** Ausgabe der Notebooks {', '.join(first)} "
            f'oder {last} sind. Deine Ausgabe liegt im Ordner `student-edition/`: '
            '`make lab` legt sie beim ersten Mal an und öffnet sie in JupyterLab. Die Prüfung führt deine Lösungszellen aus, '
            'ohne etwas zu speichern – einige Sekunden pro Notebook.')

from amalea_quack.course import nbs_path, notebook_progress, notebook_title, notebooks, portfolio_check
from amalea_quack.store import project_root
from amalea_quack.ui import german_input_hints

german_input_hints()
root = project_root() or Path.cwd()
folder = Path(st.text_input('Ordner deiner Notebooks', str(root / 'student-edition' / 'nbs'), key='edition',
                            help='Der Ordner nbs/ in deiner Ausgabe; make lab legt ihn an.'))
try: course = nbs_path()
except FileNotFoundError:
    st.info('Der Fortschritt lässt sich nur im Kursordner prüfen (nach git clone und make start), nicht in einer veröffentlichten App.')
    st.stop()
all_nbs = [p.relative_to(course) for p in notebooks(course)]
titles = {str(p): f'{p.name[:2]} · {notebook_title(course / p) or p.stem}' for p in all_nbs}  # '07 · Entscheidungsbäume …'
if not folder.is_dir():
    st.info(f'In `{folder}` gibt es noch keine Notebooks. Starte im Kursordner `make lab`: das legt deine Ausgabe an und öffnet sie. '
            'Danach kannst du hier prüfen.')
else:
    chosen = st.multiselect('Welche Notebooks?', all_nbs, default=all_nbs, key='notebooks', format_func=lambda p: titles[str(p)],
                            placeholder='Notebooks wählen')
    if st.button('Fortschritt prüfen', type='primary', key='check', disabled=not chosen):
        rows, bar = [], st.progress(0.0, text='Prüfe …')
        for i, rel in enumerate(chosen):
            bar.progress(i / len(chosen), text=f'Prüfe {rel.stem} ({i + 1} von {len(chosen)}) …')
            rows += notebook_progress(folder / rel, course / rel)
        bar.empty()
        st.session_state['progress'] = rows
    rows = st.session_state.get('progress')
    if rows:
        import pandas as pd
        df = pd.DataFrame(rows)
        cells = st.columns(4)
        for cell, s in zip(cells, PROGRESS_MARKS, strict=True):
            cell.metric(f'{PROGRESS_MARKS[s]} {label(s)}', int((df['status'] == s).sum()))
        groups = df.groupby('notebook', sort=False)
        for nb, part in groups:  # all notebooks open at once made a phone's page 18,000 pixels long: one opens, several stay closed
            solved = int((part['status'] == 'solved').sum())
            with st.expander(f'{titles.get(nb, nb)} – {solved} von {len(part)} gelöst', expanded=len(groups) == 1):
                shown = part.assign(status=[f'{PROGRESS_MARKS[s]} {label(s)}' for s in part['status']])[['title', 'status', 'note']]
                st.table(german_table(shown.rename(columns={'title': 'Aufgabe', 'note': 'Hinweis'})), hide_index=True)

st.header('Portfolio-Check (Woche 7)')
st.markdown('Für dein Portfolio-Projekt: Sind README, freigegebenes Modell, Datenversion, Freigabenotizen, Tests und ein App-Ordner da? '
            'Gib den Namen deines registrierten Modells und den Ordner deines Repositorys an.')
left, right = st.columns(2)
model = left.text_input('Name deines Modells', key='portfolio_model', placeholder='z. B. kunden-classifier')
repo = right.text_input('Ordner deines Repositorys', str(root), key='portfolio_repo')
if st.button('Portfolio prüfen', key='portfolio', disabled=not model.strip()):
    from amalea_quack.registry import validate_model_name
    try:
        items = portfolio_check(Path(repo), validate_model_name(model))
    except (ValueError, FileNotFoundError) as e:
        st.error(str(e))
    else:
        done = sum(i.ok for i in items)
        (st.success if done == len(items) else st.warning)(f'{done} von {len(items)} Punkten erfüllt.')
        for i in items:
            st.markdown(f"{i.mark} **{i.name}:** {i.found}" + ('' if i.ok else f'  \n→ {i.fix}'))
