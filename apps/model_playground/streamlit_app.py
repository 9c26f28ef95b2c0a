"""Modell-Spielwiese: die Big 3 – Entscheidungsbaum, KNN, k-Means – auf zwei Merkmalen (Woche 3–4, Phase A³)."""
import streamlit as st

from amalea_quack.ui import APP_FIGURE, page_header, static_table, store_problem

page_header('model_playground', 'Entscheidungsbaum, KNN und k-Means auf zwei Merkmalen: Sieh, wo ein Modell seine Grenzen zieht, '
                                'dreh an den Hyperparametern (links in der Seitenleiste; auf dem Handy: oben links ») und '
                                'protokolliere einen Lauf in MLflow.', layout='wide')

import pandas as pd

from amalea_quack.clustering import BIG3, DEFAULT_FEATURES, PLAYGROUND_EXPERIMENT, fit_big3, log_big3_run, numeric_features
from amalea_quack.eda import DATASETS, column_label, figure_png, load_dataset
from amalea_quack.glossary import german_number, german_percent, label
from amalea_quack.quack import wilson_interval
from amalea_quack.store import StoreError, tracking_uri

FEW_TEST_ROWS = 30  # below this many test rows an accuracy says little: the app says so
HINTS = {
    'Entscheidungsbaum': 'Ein Baum zerlegt die Ebene mit Fragen der Form *Merkmal ≤ Schwelle* in Rechtecke. '
                         'Je tiefer, desto feiner – und desto eher lernt er einzelne Punkte auswendig (Trainings-Test-Abstand).',
    'KNN': 'KNN fragt die k nächsten Trainingspunkte. Kleines k folgt jedem Punkt, großes k glättet. '
           'Ohne Skalierung bestimmt das Merkmal mit den größten Zahlen allein, was „nah“ ist.',
    'k-Means': 'k-Means sieht die Klassen beim Training nicht. Die Farbe zeigt das Cluster, die Form die wahre Klasse, '
               'die Kreuze die Zentren. ARI 1 heißt: Cluster und Klassen stimmen überein.',
}


@st.cache_data(show_spinner=False)
def dataset(name: str) -> pd.DataFrame:
    return load_dataset(name)


@st.cache_resource(show_spinner='Trainiere …', max_entries=64)
def train(name: str, algorithm: str, features: tuple, params: tuple, n_rows: int | None, seed: int):
    return fit_big3(dataset(name), DATASETS[name].target, algorithm, dict(params), list(features), n_rows=n_rows, seed=seed, dataset=name)


@st.cache_data(show_spinner=False, max_entries=64)
def figure(name: str, algorithm: str, features: tuple, params: tuple, n_rows: int | None, seed: int) -> bytes:
    "The trained model's boundaries as PNG, drawn once per configuration: reruns do not redraw it."
    return figure_png(train(name, algorithm, features, params, n_rows, seed).figure(), **APP_FIGURE, bbox_inches='tight')  # legible on a phone


side = st.sidebar
name = side.selectbox('Datensatz', list(DATASETS), format_func=lambda n: DATASETS[n].title, key='dataset')
data = dataset(name)
numeric = numeric_features(data, DATASETS[name].target)
algorithm = side.radio('Algorithmus', BIG3, key='algorithm')
fx, fy = DEFAULT_FEATURES.get(name, numeric[:2])
x = side.selectbox('Merkmal auf der x-Achse', numeric, index=numeric.index(fx), key=f'x_{name}', format_func=column_label)
y = side.selectbox('Merkmal auf der y-Achse', numeric, index=numeric.index(fy), key=f'y_{name}', format_func=column_label)

side.subheader('Hyperparameter')
if algorithm == 'Entscheidungsbaum':
    unlimited = side.checkbox('Tiefe unbegrenzt', key='unlimited')
    depth = side.slider('Tiefe des Baums (max_depth)', 1, 15, 3, key='max_depth', disabled=unlimited)
    params = {'max_depth': None if unlimited else depth,
              'criterion': side.selectbox('Unreinheitsmaß (criterion)', ['gini', 'entropy'], key='criterion',
                                          format_func={'gini': 'Gini', 'entropy': 'Entropie'}.get)}
elif algorithm == 'KNN':
    params = {'n_neighbors': side.slider('Zahl der Nachbarn k (n_neighbors)', 1, 50, 5, key='n_neighbors'),
              'weights': side.selectbox('Stimmgewicht (weights)', ['uniform', 'distance'], key='weights',
                                        format_func={'uniform': 'jede Stimme gleich', 'distance': 'Nähere zählen mehr'}.get),
              'scale': side.checkbox('Merkmale skalieren (StandardScaler)', True, key='scale_knn')}
else:
    params = {'n_clusters': side.slider('Zahl der Cluster (n_clusters)', 2, 10, 3, key='n_clusters'),
              'scale': side.checkbox('Merkmale skalieren (StandardScaler)', True, key='scale_kmeans')}

side.subheader('Daten')
rows = side.slider('Zeilen (geschichtete Stichprobe)', 10, len(data), len(data), key=f'rows_{name}')
seed = int(side.number_input('Seed (Stichprobe und Aufteilung)', 0, 9999, 0, key='seed'))

config = (name, algorithm, (x, y), tuple(sorted(params.items())), None if rows >= len(data) else rows, seed)
try:
    result = train(*config)
except ValueError as e:
    st.error(f'**Diese Kombination geht nicht.** {e}')
    st.stop()

m = result.metrics
n_test = int(m['n_test'])
low, high = wilson_interval(round(m['accuracy'] * n_test), n_test)
if n_test < FEW_TEST_ROWS:
    values = [german_percent(k / n_test, 0) for k in range(n_test + 1)]
    steps = (f'Aus {n_test} Zeilen kann sie nur {", ".join(values[:-1])} oder {values[-1]} sein; ' if n_test <= 5
             else f'Jede Testzeile verschiebt sie um {german_percent(1 / n_test, 0)}; ')
    st.warning(f'**Nur {n_test} Testzeilen – die Genauigkeit sagt hier fast nichts.** ' + steps
               + f'die wahre Genauigkeit liegt mit 95 % Sicherheit irgendwo zwischen {german_percent(low, 0)} und {german_percent(high, 0)}. '
               'Nimm mehr Zeilen, bevor du Einstellungen vergleichst.')
if result.n_dropped:
    st.info(f'{result.n_dropped} Zeilen mit Lücken in den gewählten Spalten wurden nicht verwendet.')
left, right = st.columns([3, 2])
with left:
    st.image(figure(*config), width='stretch', alt='Entscheidungsgrenzen bzw. Cluster-Regionen auf den zwei gewählten Merkmalen')
with right:
    st.subheader('Metriken')
    cells = st.container(horizontal=True, gap='medium')  # two or three to a line, also on a phone (columns would stack them)
    for title, value in result.headline().items():
        cells.metric(title, german_number(None if pd.isna(value) else float(value), 3))
    folds = int(m.get('cv_folds', 0))
    chosen_by = (f'Kreuzvalidierung: {folds} Folds auf den Trainingszeilen – nach ihr wählst du Einstellungen; die Testzeilen sind für den '
                 'Schluss' if folds else 'Kreuzvalidierung: zu wenige Zeilen je Klasse oder Fold')
    st.caption(f"{german_number(m['n_train'])} Trainings- und {n_test} Testzeilen · {chosen_by} · Genauigkeit auf den Testzeilen: "
               f'95-%-Intervall {german_percent(low, 0)} bis {german_percent(high, 0)} · Bild: Trainingspunkte')
    st.markdown(HINTS[algorithm])
    with st.expander('Alle Metriken'):
        static_table(pd.DataFrame({'metric': [label(k) for k in m], 'value': list(m.values())}).rename(columns={'metric': 'Metrik'}))

    if st.button('Lauf in MLflow protokollieren', type='primary', key='log'):
        try:
            run_id = log_big3_run(result, experiment=PLAYGROUND_EXPERIMENT)
            st.session_state['logged'] = {'config': config, 'run_id': run_id}
        except StoreError as e:  # an unreachable or read-only store must not end the app: say so in German
            store_problem(e)
    logged = st.session_state.get('logged')
    if logged and logged['config'] == config:
        st.success(f"Lauf protokolliert im Experiment **{PLAYGROUND_EXPERIMENT}** · Run-ID `{logged['run_id']}`")
        st.caption(f'Store: `{tracking_uri()}` · Läufe vergleichen: App *Experiment-Vergleich* oder `make ui`')  # once there is a run
