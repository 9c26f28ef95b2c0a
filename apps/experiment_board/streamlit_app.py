"""Experiment-Vergleich: die MLflow-Läufe eines Experiments nebeneinander, der beste als Kandidat registriert (Woche 3–7, Phase C)."""
import streamlit as st

from amalea_quack.ui import VEGA_NUMBER, german_tooltip, page_header, show_new_labels, store_problem

page_header('experiment_board', 'Alle Läufe eines MLflow-Experiments nebeneinander: Rangliste nach einer Metrik, Parameter gegen '
                                'Metrik, Verläufe pro Schritt – und der beste Lauf als Kandidat in die Registry. Auswahl links in der '
                                'Seitenleiste (auf dem Handy: oben links »).', layout='wide')

import pandas as pd

from amalea_quack.compare import (
    STATUSES,
    differing_params,
    experiment_runs,
    has_model,
    leaderboard,
    list_experiments,
    lower_is_better,
    metric_names,
    param_metric_frame,
    param_names,
    ranking_metric,
    suggest_model_name,
    top_tie,
)
from amalea_quack.glossary import METRIC_DECIMALS, PARAMETER_HELP, german_number, german_table, label, param_label
from amalea_quack.registry import register, validate_model_name
from amalea_quack.store import StoreError, tracking_uri
from amalea_quack.tracking import RunArtifacts, metric_steps


@st.cache_data(ttl=15, show_spinner=False)
def experiments(uri: str) -> pd.DataFrame:
    return list_experiments()


@st.cache_data(ttl=15, show_spinner='Lade Läufe …')
def runs_of(uri: str, experiment: str) -> pd.DataFrame:
    return experiment_runs(experiment)


@st.cache_data(ttl=60, show_spinner=False)
def logged_model(uri: str, run_id: str) -> bool:
    return has_model(run_id)


@st.cache_data(ttl=60, show_spinner=False)
def gate_ready(uri: str, run_id: str) -> bool:
    return RunArtifacts(run_id).gate_ready


def remember_metric():
    st.session_state['wanted_metric'] = st.session_state['metric']


def chart(points: pd.DataFrame, x: str, y: str, x_kind: str, line: bool = False) -> None:
    "A scatter or line chart with German axis titles and numbers (st.scatter_chart would write 0.95 and the program's names)."
    axis = {'labelExpr': VEGA_NUMBER}
    names = {'labelAngle': -30, 'labelLimit': 180,  # names whole and slanted, not cut and upright (that left the y title no room) …
             'labelExpr': "replace(datum.label, regexp('Classifier$'), '')"}  # … and short: the tooltip keeps the class's full name
    over = {'titleAngle': 0, 'titleAlign': 'left', 'titleAnchor': 'end', 'titleBaseline': 'bottom', 'titleY': -8, 'titleX': 0}  # y title above
    spec = {'mark': {'type': 'line', 'point': True, 'color': '#0072B2'} if line else {'type': 'circle', 'size': 80, 'color': '#0072B2', 'opacity': 1},
            'encoding': {'x': {'field': x, 'type': x_kind, 'axis': axis if x_kind == 'quantitative' else names},
                         'y': {'field': y, 'type': 'quantitative', 'scale': {'zero': False}, 'axis': {**axis, **over}}}}
    shown = {**({'Lauf': 'text'} if 'Lauf' in points else {}), x: 'number' if x_kind == 'quantitative' else 'text', y: 'number'}
    st.vega_lite_chart(points, german_tooltip(spec, shown), width='stretch', height=320)


uri = tracking_uri()
if st.sidebar.button('Neu laden', help='Experimente und Läufe frisch aus dem Store lesen'):
    experiments.clear(); runs_of.clear(); logged_model.clear()
try:
    exps = experiments(uri)
except StoreError as e:
    store_problem(e)
    st.stop()
exps = exps[exps['runs'] > 0]
if exps.empty:
    st.warning(f'Im Store `{uri}` gibt es noch kein Experiment mit Läufen.\n\nSo entstehen welche: `quack train` (trainiert Iris, '
               'vollständig protokolliert), ein Lauf aus der App *Modell-Spielwiese* oder ein Notebook, z. B. Notebook 06 '
               '*Experiment-Tracking mit MLflow* oder Notebook 13 *Vergleichen und entscheiden*.')
    st.stop()

counts = dict(zip(exps['experiment'], exps['runs'], strict=True))
runs_word = lambda n: f"{german_number(n)} {'Lauf' if n == 1 else 'Läufe'}"
experiment = st.sidebar.selectbox('Experiment', list(counts), key='experiment', format_func=lambda n: f'{n} · {runs_word(counts[n])}')
runs = runs_of(uri, experiment)
metrics = metric_names(runs)
if not metrics:
    st.warning(f'Die Läufe in **{experiment}** haben keine Metriken – es gibt nichts zu vergleichen. Metriken protokolliert '
               '`mlflow.log_metric(...)`, vollständige Läufe entstehen mit `quack train` oder `train_tabular` (Woche 3).')
    st.stop()

# The metric the user picked last survives a change of experiment; if the new experiment lacks it, say so.
wanted = st.session_state.get('wanted_metric')
if wanted in metrics:
    st.session_state['metric'] = wanted
elif st.session_state.get('metric') not in metrics:
    st.session_state['metric'] = ranking_metric(metrics)  # choosing uses cross-validation; test accuracy only where no run has one
if wanted and wanted not in metrics:
    st.info(f"Das Experiment **{experiment}** hat keine Metrik **{label(wanted)}** – die Rangliste nutzt **{label(st.session_state['metric'])}**. "
            f"Vorhanden: {', '.join(map(label, metrics))}.")
metric = st.sidebar.selectbox('Metrik für die Rangliste', metrics, key='metric', on_change=remember_metric, format_func=label)
order = st.sidebar.radio('Reihenfolge', ['absteigend (größer ist besser)', 'aufsteigend (kleiner ist besser)'],
                         index=int(lower_is_better(metric)), key=f'order_{metric}')
ascending = order.startswith('aufsteigend')
statuses = st.sidebar.multiselect('Status', STATUSES, default=['FINISHED'], key='statuses', format_func=label, placeholder='Status wählen')
if not statuses:
    st.warning(f"Wähle links mindestens einen Status (z. B. {label('FINISHED')}), sonst bleibt die Rangliste leer.")
    st.stop()

try:
    board = leaderboard(runs, metric, ascending, tuple(statuses))
except ValueError as e:
    st.error(str(e))
    st.stop()
if board.empty:
    st.info(f"Kein Lauf mit Status {', '.join(map(label, statuses))} hat die Metrik **{label(metric)}**. Nimm links einen weiteren Status dazu.")
    st.stop()
values = sorted(board[metric].astype(float).unique())  # the range runs from one run's value to another's, written the German way
if len(values) > 1:
    lo, hi = values[0], values[-1]
    chosen = st.sidebar.select_slider(f'Bereich von {label(metric)}', values, (lo, hi), key=f'range_{experiment}_{metric}',
                                      format_func=lambda v: german_number(v, METRIC_DECIMALS.get(metric)))
    if chosen != (lo, hi):
        board = leaderboard(runs, metric, ascending, tuple(statuses), chosen)
if board.empty:
    st.info('Kein Lauf liegt im gewählten Bereich. Erweitere den Bereich in der Seitenleiste.')
    st.stop()

best = board.iloc[0]
better = 'kleiner' if ascending else 'größer'
run_label = lambda r: r['run_name'] or r['run_id'][:8]
on_test = ' (Testdaten)' if metric == 'accuracy' else ''  # a ranking on the test data says so wherever it names the metric
tie = top_tie(board)
if len(tie) > 1:  # the metric alone does not choose: name every run on the first place
    tied_names = ', '.join(f"**{run_label(r)}** (`{r['run_id'][:8]}`)" for _, r in tie.iterrows())
    st.success(f"Gleichstand an der Spitze nach **{label(metric)}**{on_test} ({better} ist besser): **{german_number(len(tie))} Läufe** mit "
               f"{label(metric)} = {german_number(float(best[metric]))} – {tied_names}. "
               f"Die Metrik allein wählt keinen davon; vorausgewählt ist der neueste, **{run_label(best)}** · `{best['run_id']}`. Entscheide "
               'mit weiteren Kriterien (Streuung, Latenz, Erklärbarkeit) oder einem gepaarten Vergleich (Notebook 13).', icon='🏆')
else:
    st.success(f"Bester Lauf nach **{label(metric)}**{on_test} ({better} ist besser): **{run_label(best)}** · "
               f"{label(metric)} = {german_number(float(best[metric]), METRIC_DECIMALS.get(metric))} · `{best['run_id']}`", icon='🏆')
if metric == 'accuracy' and 'cv_accuracy' in metrics:
    st.warning(f"Die Rangliste nutzt gerade **{label('accuracy')}** auf den **Testdaten**. Einen Lauf wählt man nach der Kreuzvalidierung "
               f"(**{label('cv_accuracy')}**): Die Testdaten schaut man erst am Ende, in Phase C, einmal an. Wähle links die Metrik "
               f"**{label('cv_accuracy')}**.")
st.subheader(f"Rangliste · {len(board)} von {len(runs)} {'Lauf' if len(runs) == 1 else 'Läufen'}")
shown = board.assign(start_time=board['start_time'].dt.strftime('%d.%m.%Y %H:%M'), run_id=board['run_id'].str[:8])
shown = german_table(shown)  # every metric with its METRIC_DECIMALS
shown = shown.rename(columns={'rank': 'Rang'})
# The parameters that tell the shown runs apart (five runs named 'entscheidungsbaum' differ in their depth), right after the ranked
# metric: on a phone, rank, name and the number they are ranked by stay in view; the parameters follow when swiped.
varying = differing_params(runs, board['run_id'])
param_value = lambda v: '–' if pd.isna(v) else 'ohne' if v == 'None' else german_number(v) if isinstance(v, int | float) else str(v)
param_columns = {p: param_label(p) if param_label(p) not in shown.columns else f'{p} (Parameter)' for p in varying.columns}
for i, p in enumerate(varying.columns):
    shown.insert(3 + i, param_columns[p], board['run_id'].map(varying[p]).map(param_value).tolist())
top = board['rank'].eq(1).tolist()
st.dataframe(shown.style.apply(lambda row: ['background-color: #fff3c4' if top[row.name] else '' for _ in row], axis=1),
             hide_index=True, width='stretch', key='board',
             column_config={'Rang': st.column_config.Column(pinned=True), label('run_name'): st.column_config.Column(pinned=True),
                            **{param_columns[p]: st.column_config.Column(help=PARAMETER_HELP.get(p)) for p in varying.columns}})
ranked_by = f"Rangliste nach **{label(metric)}**{on_test}"
fallback = (f" Kein Lauf hat eine Kreuzvalidierung (**{label('cv_accuracy')}**) protokolliert – deshalb ersatzweise nach der "
            'Genauigkeit auf den Testdaten. Zum Auswählen eines Laufs taugt die nur bedingt: Trainiere mit `quack train` oder '
            '`train_tabular`, die protokollieren die Kreuzvalidierung.') if metric == 'accuracy' and 'cv_accuracy' not in metrics else ''
chosen_runs = runs[runs['status'].isin(statuses)]
without = int(chosen_runs[f'metrics.{metric}'].isna().sum()) if f'metrics.{metric}' in chosen_runs else len(chosen_runs)
left_out = f" {runs_word(without)} ohne {label(metric)} {'fehlt' if without == 1 else 'fehlen'} in der Rangliste." if without else ''
st.caption(f"{ranked_by}; gleiche Werte teilen sich den Rang.{left_out}{fallback} "
           + (f"{'Spalte' if len(param_columns) == 1 else 'Spalten'} {', '.join(f'**{c}**' for c in param_columns.values())}: "
              f"{'der Parameter, in dem' if len(param_columns) == 1 else 'die Parameter, in denen'} sich die gezeigten Läufe unterscheiden. "
              if param_columns else '')
           + 'Lauf: die ersten acht Zeichen der Run-ID.')

left, right = st.columns(2)
with left:
    st.subheader('Parameter und Metrik')
    params = param_names(runs)
    if not params:
        st.caption('Die Läufe haben keine Parameter protokolliert.')
    else:
        param = st.selectbox('Parameter (x-Achse)', params, index=params.index('estimator') if 'estimator' in params else 0,
                             key=f'param_{experiment}', format_func=param_label)
        if param in PARAMETER_HELP: st.caption(f'**{param_label(param)}**: {PARAMETER_HELP[param]}')
        points = param_metric_frame(runs, param, metric, run_ids=board['run_id'])
        if points.empty: st.caption(f'Kein Lauf der Rangliste hat den Parameter **{param_label(param)}**.')
        else:
            kind = 'quantitative' if pd.api.types.is_numeric_dtype(points[param]) else 'nominal'
            x, y = param_label(param), label(metric)
            chart(points.rename(columns={param: x, metric: y, 'run_name': 'Lauf'}), x, y, kind)

def run_title(r: pd.Series) -> str:
    "Rank, name, the parameters that tell it apart (at most three) and the metric: runs of the same name stay distinguishable."
    told = [f'{param_columns[p]} {param_value(varying.at[r["run_id"], p])}' for p in list(varying.columns)[:3]]
    return ' · '.join([f"{r['rank']}. {run_label(r)}", *told, f'{label(metric)} = {german_number(float(r[metric]))}', r['run_id'][:8]])


names = {r['run_id']: run_title(r) for _, r in board.iterrows()}
run_key, ranking = f'run_{experiment}', (metric, ascending)
if st.session_state.get(f'{run_key}:ranking', ranking) != ranking:
    st.session_state[run_key] = best['run_id']  # a new ranking preselects the best run the message above names
st.session_state[f'{run_key}:ranking'] = ranking
show_new_labels(run_key, names)  # a kept run shows its new rank
run_id = st.sidebar.selectbox('Lauf (Verlauf und Registrieren)', list(names), format_func=names.get, key=run_key)
row = runs.set_index('run_id').loc[run_id]
run_name = row.get('tags.mlflow.runName') or run_id[:8]
with right:
    st.subheader(f'Verlauf pro Schritt · {run_name}')
    own = metric_names(runs[runs['run_id'] == run_id])
    shown_metric = st.selectbox('Metrik', own, index=own.index(metric) if metric in own else 0, key=f'history_{run_id}', format_func=label)
    steps = metric_steps(run_id, shown_metric).reset_index()
    if len(steps) > 1: chart(steps.rename(columns={'step': 'Schritt', shown_metric: label(shown_metric)}), 'Schritt', label(shown_metric),
                             'quantitative', line=True)
    else: st.caption(f'Lauf **{run_name}** hat für **{label(shown_metric)}** nur einen Wert, keinen Verlauf. Verläufe entstehen mit '
                     '`mlflow.log_metric(name, wert, step=schritt)`, z. B. pro Epoche in Woche 5.')

st.subheader('Registrieren')
if not logged_model(uri, run_id):
    st.warning(f"Lauf **{run_name}** hat kein Modell namens `model` protokolliert – registrieren lässt sich nur ein Lauf mit Modell "
               '(z. B. aus `train_tabular` oder `quack train`). Wähle links in der Seitenleiste einen anderen Lauf.')
    st.stop()
dataset = row.get('tags.dataset') if 'tags.dataset' in row else None
ready = gate_ready(uri, run_id)
if not ready:
    st.info(f'Lauf **{run_name}** hat keine Testvorhersagen protokolliert (etwa ein Lauf aus der Modell-Spielwiese). Registrieren '
            'geht, freigeben nicht: Die Gates prüfen genau diese Vorhersagen. Für ein Modell, das in Betrieb gehen soll, trainiere mit '
            '`quack train` oder `train_tabular`.')
name = st.text_input('Name des registrierten Modells', value=suggest_model_name(dataset, experiment, ready), key=f'model_name_{run_id}')
st.caption(f'Registriert wird Lauf **{run_name}** (`{run_id}`) als neue Version; der Alias **staging** zeigt danach auf sie.')
if st.button('Als neue Version registrieren (staging)', type='primary', key='register'):
    try:
        name = validate_model_name(name)
        mv = register(run_id, name, note=f'Experiment-Vergleich: {experiment}, Rangliste nach {metric}')
    except ValueError as e:
        st.error(str(e))
    except StoreError as e:
        st.error(f'Registrieren fehlgeschlagen: {e}')
    else:
        st.success(f'Version {mv.version} von **{name}** registriert; der Alias **staging** zeigt auf sie.')
        st.markdown('Nächster Schritt – Gates prüfen und freigeben, in der App *Modellbetrieb* oder so:')
        st.code(f'quack promote --name {name}', language='bash')
