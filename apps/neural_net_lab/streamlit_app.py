"""Labor für neuronale Netze: ein kleines neuronales Netz interaktiv trainieren, mit Lernkurven live (Woche 5, Phase A³)."""
import streamlit as st

from amalea_quack.ui import VEGA_NUMBER, VEGA_PERCENT, data_preview, german_tooltip, name_fields, number_field, page_header

page_header('neural_net_lab', 'Ein mehrschichtiges Perzeptron (PyTorch) auf einem Kursdatensatz: Wähle links (auf dem Handy: oben '
                              'links ») Architektur und Hyperparameter, verfolge die Lernkurven live und halte das Training jederzeit '
                              'an – jeder Lauf landet in MLflow.', layout='wide')

import pandas as pd

from amalea_quack.eda import DATASETS, column_label, load_dataset
from amalea_quack.glossary import german_number, german_percent, label
from amalea_quack.nn import NN_EXPERIMENT, parse_hidden, start_training, warm_up

FIELDS = {'hidden': 'Neuronen pro verborgener Schicht', 'lr': 'Lernrate', 'epochs': 'Epochen (höchstens)', 'batch_size': 'Batch-Größe',
          'patience': 'Geduld für frühen Stopp (0 = aus)', 'seed': 'Seed', 'features': 'Merkmale'}
LR_HIGH, LR_LOW = 1.0, 1e-4  # beyond these the app warns before training (Adam on standardised data: 0.001–0.01 is usual)

if 'job' not in st.session_state:
    st.session_state.job = None  # the current or last TrainingJob of this session


@st.cache_data(show_spinner=False)
def table(name: str) -> pd.DataFrame:
    return load_dataset(name)


@st.cache_resource(show_spinner='Lade PyTorch (einmal pro Server) …')
def ready() -> bool:
    "Load what torch and MLflow import lazily, once per server (no training), so the first training starts at once."
    warm_up()
    return True




def curves(frame: pd.DataFrame):
    "Loss and accuracy per epoch, training and validation (plain Vega-Lite: cheap enough to redraw every second)."
    left, right = st.columns(2)
    for col, what, title, axis, labels in ((left, 'loss', 'Verlust', 'Kreuzentropie', VEGA_NUMBER),
                                           (right, 'accuracy', 'Genauigkeit', 'Anteil richtig', VEGA_PERCENT)):
        long = (frame[[f'train_{what}', f'val_{what}']].set_axis(['Training', 'Validierung'], axis=1).rename_axis('Epoche').reset_index()
                .melt('Epoche', var_name='Daten', value_name=axis))
        spec = {'mark': {'type': 'line', 'point': len(frame) <= 30},
                'encoding': {'x': {'field': 'Epoche', 'type': 'quantitative', 'axis': {'tickMinStep': 1, 'format': 'd'}},
                             'y': {'field': axis, 'type': 'quantitative', 'scale': {'zero': False}, 'axis': {'labelExpr': labels}},
                             'color': {'field': 'Daten', 'type': 'nominal', 'legend': {'orient': 'top', 'title': None},
                                       'scale': {'domain': ['Training', 'Validierung'], 'range': ['#0072B2', '#E69F00']}}}}
        with col:
            st.subheader(title)
            shown = {'Epoche': 'number', 'Daten': 'text', axis: 'percent' if what == 'accuracy' else 'number'}
            st.vega_lite_chart(long, german_tooltip(spec, shown), width='stretch', height=280)


def describe(job) -> str:
    p = job.params
    hidden = ', '.join(map(str, p['hidden']))
    return (f"{DATASETS[p['dataset']].title} · {len(p['features'])} Merkmale · Schichten ({hidden}) · Lernrate {german_number(p['lr'])} · "
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
        st.error(f"Das Training ist fehlgeschlagen: {name_fields(str(job.error), FIELDS)}\n\n"
                 f"Ein schon angelegter MLflow-Lauf ist als **{label('FAILED')}** markiert (in MLflow: FAILED).")
        return
    r, m = job.result, job.result.metrics
    n = len(r.history)
    if r.status == 'KILLED':
        st.warning(f"Training angehalten nach {n} von höchstens {job.epochs} Epochen. Der Lauf ist in MLflow als **{label('KILLED')}** "
                   'markiert (in MLflow: KILLED); die Metriken unten gehören zu den besten Gewichten bis dahin.', icon='⏹️')
    elif r.stop_reason == 'early_stopping':
        st.success(f"Training früh gestoppt nach {n} Epochen: {job.params['patience']} Epochen ohne Verbesserung der Validierung. "
                   f"Zurückgeladen sind die Gewichte der besten Epoche ({int(m['best_epoch'])}).")
    else:
        st.success(f"Training abgeschlossen: alle {n} Epochen. Zurückgeladen sind die Gewichte der besten Epoche ({int(m['best_epoch'])}).")
    row = st.container(horizontal=True, gap='medium')  # in a row; on a phone it wraps, where columns would stack one per line
    row.metric('Validierungsgenauigkeit', german_percent(m['best_val_accuracy']))
    row.metric('Validierungsverlust', german_number(m['best_val_loss'], 3))
    row.metric('Beste Epoche', f"{int(m['best_epoch'])} von {n}")
    gap = round(100 * m['val_gap'], 1) + 0.0  # a difference of two shares: percentage points, not percent; no '-0,0'
    row.metric('Training minus Validierung',  # the gap to the validation rows (no test rows here)
                   ('+' if gap > 0 else '') + german_number(gap, 1) + ' Pp.',  # 'Prozentpunkte' was cut off in a quarter of a laptop's width
                   help='Genauigkeit auf den Trainingsdaten minus Genauigkeit auf den Validierungsdaten, in Prozentpunkten (Pp.): '
                        '98 % − 95 % sind 3 Pp.')
    st.markdown(f"MLflow-Lauf `{r.run_id}` · Status **{label(r.status)}** · Experiment **{NN_EXPERIMENT}** · ansehen mit `make ui`")
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
    # pills, not a multiselect: every feature stays in view, chosen or not (the multiselect's box scrolled its sixth chip out of sight)
    features = st.pills('Merkmale', candidates, selection_mode='multi', default=candidates, key=f'features_{name}', disabled=running,
                        format_func=column_label, help='Antippen nimmt ein Merkmal heraus oder wieder hinein.')
    st.header('Netz und Training')
    hidden_text = st.text_input(FIELDS['hidden'], '32', key='hidden', disabled=running,
                                help='durch Kommas getrennt, z. B. „32, 16“ für zwei verborgene Schichten')
    lr = number_field(FIELDS['lr'], 0.01, key='lr', disabled=running, help='Üblich für Adam: 0,001 bis 0,01; Komma oder Punkt, auch 1e-3')
    epochs = st.number_input('Epochen (höchstens)', min_value=1, max_value=1000, value=100, step=10, key='epochs', disabled=running)
    batch_size = st.number_input('Batch-Größe', min_value=1, max_value=1024, value=32, key='batch_size', disabled=running)
    patience = st.number_input('Geduld für frühen Stopp (0 = aus)', min_value=0, max_value=1000, value=10, key='patience', disabled=running,
                               help='So viele Epochen ohne Verbesserung des Validierungsverlusts, dann endet das Training.')
    seed = st.number_input('Seed', min_value=0, max_value=2**31 - 1, value=0, key='seed', disabled=running)

if lr is not None and lr >= LR_HIGH:
    st.warning(f'Eine Lernrate von {german_number(lr)} ist sehr groß: Die Gewichte springen bei jedem Schritt weit, der Verlust schwankt '
               'oder explodiert (NaN), und das Netz lernt wenig. Üblich sind 0,001 bis 0,01.')
elif lr is not None and 0 < lr <= LR_LOW:
    st.warning(f'Eine Lernrate von {german_number(lr)} ist sehr klein: Das Netz lernt in {german_number(int(epochs))} Epochen kaum etwas, '
               'der Verlust sinkt nur langsam. Üblich sind 0,001 bis 0,01.')
if st.button('Training starten', type='primary', key='start', disabled=running, icon='▶️'):
    try:
        try: hidden = parse_hidden(hidden_text)
        except ValueError as e: raise ValueError(f'hidden: {e}') from None  # the field's name goes in front, as for the others
        if lr is None: raise ValueError('lr: keine Zahl – siehe die Meldung unter dem Feld')
        st.session_state.job = start_training(data, target, hidden=hidden, lr=float(lr), epochs=int(epochs),
                                              batch_size=int(batch_size), patience=int(patience), seed=int(seed), features=features,
                                              dataset=name, run_name='neural-net-lab')
    except ValueError as e:
        st.error(f'Training nicht gestartet – bitte korrigieren:\n\n{name_fields(str(e), FIELDS)}')
        st.stop()
    st.rerun()  # draw the page again from the top: the fields above are locked while the training runs

with st.expander(f'Daten: {DATASETS[name].title} · {len(data)} Zeilen · Ziel: {column_label(target)}', expanded=job is None):
    st.caption(f'Quelle: {DATASETS[name].source}. Die Vorverarbeitung (Lücken füllen, skalieren, Kategorien kodieren) lernt nur '
               'auf dem Trainingsteil; ein Viertel der Zeilen bleibt zur Validierung.')
    data_preview(data)

if job is None:
    st.info('Wähle links Datensatz, Merkmale und Hyperparameter und klicke auf **Training starten**. Trainiert wird erst dann; '
            f'jeder Lauf landet im MLflow-Experiment **{NN_EXPERIMENT}**.')
    st.stop()

st.caption(describe(job))
if job.running:
    live()
else:
    result(job)
