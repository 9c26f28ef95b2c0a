"""Model Playground: die Big 3 – Entscheidungsbaum, KNN, k-Means – auf zwei Merkmalen (Woche 3–4, Phase A³)."""
import pandas as pd
import streamlit as st

from amalea_quack.clustering import BIG3, DEFAULT_FEATURES, PLAYGROUND_EXPERIMENT, fit_big3, log_big3_run, numeric_features
from amalea_quack.eda import DATASETS, figure_png, load_dataset
from amalea_quack.store import tracking_uri

st.set_page_config(page_title='Model Playground', page_icon='🧪', layout='wide')
st.title('🧪 Model Playground')
st.caption('Woche 3–4 · Phase A³ · Entscheidungsbaum, KNN und k-Means auf zwei Merkmalen: Grenzen sehen, Hyperparameter drehen, '
           'den Lauf in MLflow protokollieren.')

HINTS = {
    'Entscheidungsbaum': 'Ein Baum zerlegt die Ebene mit Fragen der Form *Merkmal ≤ Schwelle* in Rechtecke. '
                         'Je tiefer, desto feiner – und desto eher lernt er einzelne Punkte auswendig (overfit delta).',
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
    return figure_png(train(name, algorithm, features, params, n_rows, seed).figure(), dpi=110)


side = st.sidebar
name = side.selectbox('Datensatz', list(DATASETS), format_func=lambda n: DATASETS[n].title, key='dataset')
data = dataset(name)
numeric = numeric_features(data, DATASETS[name].target)
algorithm = side.radio('Algorithmus', BIG3, key='algorithm')
fx, fy = DEFAULT_FEATURES.get(name, numeric[:2])
x = side.selectbox('Merkmal auf der x-Achse', numeric, index=numeric.index(fx), key=f'x_{name}')
y = side.selectbox('Merkmal auf der y-Achse', numeric, index=numeric.index(fy), key=f'y_{name}')

side.subheader('Hyperparameter')
if algorithm == 'Entscheidungsbaum':
    unlimited = side.checkbox('Tiefe unbegrenzt', key='unlimited')
    depth = side.slider('max_depth (Tiefe)', 1, 15, 3, key='max_depth', disabled=unlimited)
    params = {'max_depth': None if unlimited else depth,
              'criterion': side.selectbox('criterion (Unreinheit)', ['gini', 'entropy'], key='criterion')}
elif algorithm == 'KNN':
    params = {'n_neighbors': side.slider('k (Zahl der Nachbarn)', 1, 50, 5, key='n_neighbors'),
              'weights': side.selectbox('weights (Stimmgewicht)', ['uniform', 'distance'], key='weights',
                                        format_func={'uniform': 'uniform – jede Stimme gleich', 'distance': 'distance – Nähere zählen mehr'}.get),
              'scale': side.checkbox('skalieren (StandardScaler)', True, key='scale_knn')}
else:
    params = {'n_clusters': side.slider('n_clusters (Zahl der Cluster)', 2, 10, 3, key='n_clusters'),
              'scale': side.checkbox('skalieren (StandardScaler)', True, key='scale_kmeans')}

side.subheader('Daten')
rows = side.slider('Zeilen (geschichtete Stichprobe)', 10, len(data), len(data), key=f'rows_{name}')
seed = int(side.number_input('Seed (Stichprobe und Split)', 0, 9999, 0, key='seed'))

config = (name, algorithm, (x, y), tuple(sorted(params.items())), None if rows >= len(data) else rows, seed)
try:
    result = train(*config)
except ValueError as e:
    st.error(f'**Diese Kombination geht nicht.** {e}')
    st.stop()

if result.n_dropped:
    st.info(f'{result.n_dropped} Zeilen mit Lücken in den gewählten Spalten wurden nicht verwendet.')
left, right = st.columns([3, 2])
with left:
    st.image(figure(*config), width='stretch', alt='Entscheidungsgrenzen bzw. Cluster-Regionen auf den zwei gewählten Merkmalen')
with right:
    st.subheader('Kennzahlen')
    cells = st.columns(2)
    for i, (label, value) in enumerate(result.headline().items()):
        cells[i % 2].metric(label, '–' if pd.isna(value) else f'{value:.3f}')
    st.caption(f"{result.metrics['n_train']} Trainings- und {result.metrics['n_test']} Testzeilen · Bild: Trainingspunkte")
    st.markdown(HINTS[algorithm])
    with st.expander('Alle Kennzahlen'):
        st.dataframe(pd.DataFrame({'Wert': result.metrics}), width='stretch')

    if st.button('Lauf in MLflow protokollieren', type='primary', key='log'):
        try:
            run_id = log_big3_run(result, experiment=PLAYGROUND_EXPERIMENT)
            st.session_state['logged'] = {'config': config, 'run_id': run_id}
        except Exception as e:  # an unreachable or read-only store must not end the app: say so in German
            st.error(f'Der Lauf konnte nicht protokolliert werden ({type(e).__name__}). Prüfe den MLflow-Store `{tracking_uri()}` '
                     f'(Umgebung `MLFLOW_TRACKING_URI` bzw. Streamlit-Secrets).')
    logged = st.session_state.get('logged')
    if logged and logged['config'] == config:
        st.success(f"Lauf protokolliert im Experiment **{PLAYGROUND_EXPERIMENT}** · Run-ID `{logged['run_id']}`")
    st.caption(f'Store: `{tracking_uri()}` · Läufe vergleichen: App *Experiment Board* oder `make ui`')
