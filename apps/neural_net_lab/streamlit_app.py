"""Neural Net Lab: ein kleines neuronales Netz interaktiv trainieren, mit Lernkurven live (Woche 5, Phase A³)."""
import pandas as pd
import streamlit as st

from amalea_quack.eda import DATASETS, load_dataset
from amalea_quack.nn import NN_EXPERIMENT, parse_hidden, start_training, warm_up

st.set_page_config(page_title='Neural Net Lab', page_icon='🧠', layout='wide')
st.title('🧠 Neural Net Lab')
st.caption('Woche 5 · Phase A³ · Ein mehrschichtiges Perzeptron (PyTorch) auf einem Kursdatensatz: Architektur und Hyperparameter '
           'wählen, Lernkurven live verfolgen, jederzeit anhalten – jeder Lauf landet in MLflow.')

if 'job' not in st.session_state:
    st.session_state.job = None  # the current or last TrainingJob of this session


@st.cache_data(show_spinner=False)
def table(name: str) -> pd.DataFrame:
    return load_dataset(name)


@st.cache_resource(show_spinner='Lade PyTorch …')
def ready() -> bool:
    "Load what torch and MLflow import lazily, once per server (no training), so the first training starts at once."
    warm_up()
    return True


def curves(frame: pd.DataFrame):
    "Loss and accuracy per epoch, training and validation (plain Vega-Lite: cheap enough to redraw every second)."
    left, right = st.columns(2)
    for col, what, title, axis in ((left, 'loss', 'Verlust', 'Kreuzentropie'), (right, 'accuracy', 'Genauigkeit', 'Anteil richtig')):
        long = (frame[[f'train_{what}', f'val_{what}']].set_axis(['Training', 'Validierung'], axis=1).rename_axis('Epoche').reset_index()
                .melt('Epoche', var_name='Daten', value_name=axis))
        spec = {'mark': {'type': 'line', 'point': len(frame) <= 30, 'tooltip': True},
                'encoding': {'x': {'field': 'Epoche', 'type': 'quantitative', 'axis': {'tickMinStep': 1}},
                             'y': {'field': axis, 'type': 'quantitative', 'scale': {'zero': False}},
                             'color': {'field': 'Daten', 'type': 'nominal', 'legend': {'orient': 'top', 'title': None},
                                       'scale': {'domain': ['Training', 'Validierung'], 'range': ['#2a7ab0', '#e07b39']}}}}
        with col:
            st.subheader(title)
            st.vega_lite_chart(long, spec, width='stretch', height=280)


def describe(job) -> str:
    p = job.params
    hidden = ', '.join(map(str, p['hidden']))
    return (f"{DATASETS[p['dataset']].title} · {len(p['features'])} Merkmale · Schichten ({hidden}) · Lernrate {p['lr']:g} · "
            f"Batch {p['batch_size']} · höchstens {p['epochs']} Epochen · Geduld {p['patience'] or 'aus'} · Seed {p['seed']}")


@st.fragment(run_every=1.0)
def live():
    "Redraws itself every second while the job trains; when it ends, the whole page shows the result."
    job = st.session_state.job
    if not job.running:
        st.rerun()
    done = len(job.history)
    st.progress(done / job.epochs, text=f'Training läuft: Epoche {done} von höchstens {job.epochs}' if done else 'Training startet …')
    if job.stop_requested:
        st.info('Stopp angefordert – das Training endet nach der laufenden Epoche.')
    else:
        st.button('Training stoppen', key='stop', on_click=job.stop, icon='⏹️')
    if done:
        curves(job.frame())


def result(job):
    "Outcome, final metrics and run of a finished job."
    if job.status == 'FAILED':
        st.error(f'Das Training ist fehlgeschlagen: {job.error}\n\nEin schon angelegter MLflow-Lauf ist als **FAILED** markiert.')
        return
    r, m = job.result, job.result.metrics
    n = len(r.history)
    if r.status == 'KILLED':
        st.warning(f'Training angehalten nach {n} von höchstens {job.epochs} Epochen. Der Lauf ist in MLflow als **KILLED** markiert; '
                   'die Kennzahlen unten gehören zu den besten Gewichten bis dahin.', icon='⏹️')
    elif r.stop_reason == 'early_stopping':
        st.success(f"Training früh gestoppt nach {n} Epochen: {job.params['patience']} Epochen ohne Verbesserung der Validierung. "
                   f"Zurückgeladen sind die Gewichte der besten Epoche ({int(m['best_epoch'])}).")
    else:
        st.success(f"Training abgeschlossen: alle {n} Epochen. Zurückgeladen sind die Gewichte der besten Epoche ({int(m['best_epoch'])}).")
    cols = st.columns(4)
    cols[0].metric('Validierungsgenauigkeit', f"{m['accuracy']:.1%}")
    cols[1].metric('Validierungsverlust', f"{m['best_val_loss']:.3f}")
    cols[2].metric('Beste Epoche', f"{int(m['best_epoch'])} von {n}")
    cols[3].metric('Training minus Validierung', f"{m['overfit_delta']:+.1%}", help='Genauigkeit auf Training minus Validierung (overfit delta)')
    st.markdown(f'MLflow-Lauf `{r.run_id}` · Status **{r.status}** · Experiment **{NN_EXPERIMENT}** · ansehen mit `make ui`')
    curves(r.history)


ready()
job = st.session_state.job
running = job is not None and job.running

with st.sidebar:
    st.header('Daten')
    names = list(DATASETS)
    name = st.selectbox('Datensatz', names, index=names.index('penguins'), format_func=lambda n: DATASETS[n].title, key='dataset',
                        disabled=running)
    data = table(name)
    target = DATASETS[name].target
    candidates = [c for c in data.columns if c != target]
    features = st.multiselect('Merkmale', candidates, default=candidates, key=f'features_{name}', disabled=running)
    st.header('Netz und Training')
    hidden_text = st.text_input('Neuronen pro verborgener Schicht', '32', key='hidden', disabled=running,
                                help='durch Kommas getrennt, z. B. „32, 16“ für zwei verborgene Schichten')
    lr = st.number_input('Lernrate', value=0.01, step=0.001, format='%.4f', key='lr', disabled=running)
    epochs = st.number_input('Epochen (höchstens)', min_value=1, max_value=1000, value=100, step=10, key='epochs', disabled=running)
    batch_size = st.number_input('Batch-Größe', min_value=1, max_value=1024, value=32, key='batch_size', disabled=running)
    patience = st.number_input('Geduld für frühen Stopp (0 = aus)', min_value=0, max_value=1000, value=10, key='patience', disabled=running,
                               help='So viele Epochen ohne Verbesserung des Validierungsverlusts, dann endet das Training.')
    seed = st.number_input('Seed', min_value=0, max_value=2**31 - 1, value=0, key='seed', disabled=running)

if st.button('Training starten', type='primary', key='start', disabled=running, icon='▶️'):
    try:
        st.session_state.job = start_training(data, target, hidden=parse_hidden(hidden_text), lr=float(lr), epochs=int(epochs),
                                              batch_size=int(batch_size), patience=int(patience), seed=int(seed), features=features,
                                              dataset=name, run_name='neural-net-lab')
    except ValueError as e:
        st.error(f'Training nicht gestartet – bitte korrigieren:\n\n{e}')
        st.stop()
    job = st.session_state.job

with st.expander(f'Daten: {DATASETS[name].title} · {len(data)} Zeilen · Ziel: {target}', expanded=job is None):
    st.caption(f'Quelle: {DATASETS[name].source}. Die Vorverarbeitung (Lücken füllen, skalieren, Kategorien kodieren) lernt nur '
               'auf dem Trainingsteil; ein Viertel der Zeilen bleibt zur Validierung.')
    st.dataframe(data.head(20), hide_index=True)

if job is None:
    st.info('Wähle links Datensatz, Merkmale und Hyperparameter und klicke auf **Training starten**. Trainiert wird erst dann; '
            f'jeder Lauf landet im MLflow-Experiment **{NN_EXPERIMENT}**.')
    st.stop()

st.caption(describe(job))
if job.running:
    live()
else:
    result(job)
