"""Experiment Board: die MLflow-Läufe eines Experiments nebeneinander, der beste registriert (Woche 3–7, Phase C)."""
import pandas as pd
import streamlit as st

from amalea_quack.compare import (
    STATUSES,
    check_model_name,
    experiment_runs,
    has_model,
    leaderboard,
    list_experiments,
    lower_is_better,
    metric_names,
    param_metric_frame,
    param_names,
    suggest_model_name,
)
from amalea_quack.registry import ModelNotFound, StoreUnavailable, register
from amalea_quack.store import tracking_uri
from amalea_quack.tracking import metric_steps

st.set_page_config(page_title='Experiment Board', page_icon='📊', layout='wide')
st.title('📊 Experiment Board')
st.caption('Woche 3–7 · Phase C · Alle Läufe eines MLflow-Experiments nebeneinander: Rangliste, Parameter, Verläufe – '
           'und der beste Lauf als Kandidat in die Registry.')


@st.cache_data(ttl=15, show_spinner=False)
def experiments(uri: str) -> pd.DataFrame:
    return list_experiments()


@st.cache_data(ttl=15, show_spinner='Lade Läufe …')
def runs_of(uri: str, experiment: str) -> pd.DataFrame:
    return experiment_runs(experiment)


@st.cache_data(ttl=60, show_spinner=False)
def logged_model(uri: str, run_id: str) -> bool:
    return has_model(run_id)


def remember_metric():
    st.session_state['wanted_metric'] = st.session_state['metric']


uri = tracking_uri()
if st.sidebar.button('Neu laden', help='Experimente und Läufe frisch aus dem Store lesen'):
    experiments.clear(); runs_of.clear(); logged_model.clear()
try:
    exps = experiments(uri)
except ConnectionError as e:
    st.error(f'{e}\n\nStarte den Tracking-Server oder prüfe `MLFLOW_TRACKING_URI` (Umgebung bzw. Streamlit-Secrets). '
             'Ohne Angabe nutzt der Kurs den eingebetteten Store.')
    st.stop()
exps = exps[exps['Läufe'] > 0]
if exps.empty:
    st.warning(f'Im Store `{uri}` gibt es noch kein Experiment mit Läufen.\n\nSo entstehen welche: `quack train` (trainiert Iris, '
               'vollständig getrackt) oder ein Notebook ausführen, z. B. `nbs/week03/06_experiment_tracking.ipynb` oder '
               '`nbs/week07/13_vergleichen_entscheiden.ipynb`.')
    st.stop()

counts = dict(zip(exps['Experiment'], exps['Läufe'], strict=True))
experiment = st.sidebar.selectbox('Experiment', list(counts), key='experiment', format_func=lambda n: f'{n} · {counts[n]} Läufe')
runs = runs_of(uri, experiment)
metrics = metric_names(runs)
if not metrics:
    st.warning(f'Die Läufe in **{experiment}** haben keine Metriken – es gibt nichts zu vergleichen. Metriken loggt '
               '`mlflow.log_metric(...)`, vollständige Läufe entstehen mit `quack train` oder `train_tabular` (Woche 3).')
    st.stop()

# The metric the user picked last survives a change of experiment; if the new experiment lacks it, say so.
wanted = st.session_state.get('wanted_metric')
if wanted in metrics:
    st.session_state['metric'] = wanted
elif st.session_state.get('metric') not in metrics:
    st.session_state['metric'] = 'accuracy' if 'accuracy' in metrics else metrics[0]
if wanted and wanted not in metrics:
    st.info(f"Das Experiment **{experiment}** hat keine Metrik **{wanted}** – die Rangliste nutzt **{st.session_state['metric']}**. "
            f"Vorhanden: {', '.join(metrics)}.")
metric = st.sidebar.selectbox('Metrik für die Rangliste', metrics, key='metric', on_change=remember_metric)
order = st.sidebar.radio('Reihenfolge', ['absteigend (größer ist besser)', 'aufsteigend (kleiner ist besser)'],
                         index=int(lower_is_better(metric)), key=f'order_{metric}')
ascending = order.startswith('aufsteigend')
statuses = st.sidebar.multiselect('Status', STATUSES, default=['FINISHED'], key='statuses')
if not statuses:
    st.warning('Wähle mindestens einen Status (z. B. FINISHED), sonst bleibt die Rangliste leer.')
    st.stop()

try:
    board = leaderboard(runs, metric, ascending, tuple(statuses))
except ValueError as e:
    st.error(str(e))
    st.stop()
if board.empty:
    st.info(f"Kein Lauf mit Status {', '.join(statuses)} hat die Metrik **{metric}**. Nimm einen weiteren Status dazu.")
    st.stop()
lo, hi = float(board[metric].min()), float(board[metric].max())
if lo < hi:
    chosen = st.sidebar.slider(f'Bereich von {metric}', lo, hi, (lo, hi), key=f'range_{experiment}_{metric}')
    if chosen != (lo, hi):
        board = leaderboard(runs, metric, ascending, tuple(statuses), chosen)
if board.empty:
    st.info('Kein Lauf liegt im gewählten Bereich. Erweitere den Bereich in der Seitenleiste.')
    st.stop()

best = board.iloc[0]
better = 'kleiner' if ascending else 'größer'
st.success(f"Bester Lauf nach **{metric}** ({better} ist besser): **{best['Lauf'] or best['run_id'][:8]}** · "
           f"{metric} = {best[metric]:.4g} · `{best['run_id']}`", icon='🏆')
st.subheader(f'Rangliste · {len(board)} von {len(runs)} Läufen')
st.dataframe(board.style.apply(lambda row: ['background-color: #fff3c4' if row.name == 0 else '' for _ in row], axis=1).format(precision=4),
             hide_index=True, width='stretch', key='board')

left, right = st.columns(2)
with left:
    st.subheader('Parameter und Metrik')
    params = param_names(runs)
    if not params:
        st.caption('Die Läufe haben keine Parameter protokolliert.')
    else:
        param = st.selectbox('Parameter (x-Achse)', params, index=params.index('estimator') if 'estimator' in params else 0,
                             key=f'param_{experiment}')
        points = param_metric_frame(runs, param, metric, run_ids=board['run_id'])
        if points.empty: st.caption(f'Kein Lauf der Rangliste hat den Parameter **{param}**.')
        else: st.scatter_chart(points, x=param, y=metric, height=320)

labels = {r['run_id']: f"{r['Rang']}. {r['Lauf'] or r['run_id'][:8]} · {metric} = {r[metric]:.4g}" for _, r in board.iterrows()}
run_id = st.sidebar.selectbox('Lauf (Verlauf und Registrieren)', list(labels), format_func=labels.get, key=f'run_{experiment}')
row = runs.set_index('run_id').loc[run_id]
run_name = row.get('tags.mlflow.runName') or run_id[:8]
with right:
    st.subheader(f'Verlauf pro Schritt · {run_name}')
    own = metric_names(runs[runs['run_id'] == run_id])
    shown = st.selectbox('Metrik', own, index=own.index(metric) if metric in own else 0, key=f'history_{run_id}')
    history = metric_steps(run_id, shown).reset_index()
    if len(history) > 1: st.line_chart(history, x='step', y=shown, height=320)
    else: st.caption(f'Lauf **{run_name}** hat für **{shown}** nur einen Wert, keinen Verlauf. Verläufe entstehen mit '
                     '`mlflow.log_metric(name, wert, step=schritt)`, z. B. pro Epoche in Woche 5.')

st.subheader('Registrieren')
if not logged_model(uri, run_id):
    st.warning(f"Lauf **{run_name}** hat kein Modell namens `model` protokolliert – registrieren lässt sich nur ein Lauf mit Modell "
               '(z. B. aus `train_tabular` oder `quack train`). Wähle in der Seitenleiste einen anderen Lauf.')
    st.stop()
dataset = row.get('tags.dataset') if 'tags.dataset' in row else None
name = st.text_input('Name des registrierten Modells', value=suggest_model_name(dataset, experiment), key=f'model_name_{run_id}')
st.caption(f'Registriert wird Lauf **{run_name}** (`{run_id}`) als neue Version; der Alias **staging** zeigt danach auf sie.')
if st.button('Als neue Version registrieren (staging)', type='primary', key='register'):
    try:
        name = check_model_name(name)
        mv = register(run_id, name, note=f'Experiment Board: {experiment}, Rangliste nach {metric}')
    except ValueError as e:
        st.error(str(e))
    except (ModelNotFound, StoreUnavailable) as e:
        st.error(f'Registrieren fehlgeschlagen: {e}')
    else:
        st.success(f'Version {mv.version} von **{name}** registriert; der Alias **staging** zeigt auf sie.')
        st.markdown('Nächster Schritt – Gates prüfen und freigeben:')
        st.code(f'quack promote --name {name}', language='bash')
