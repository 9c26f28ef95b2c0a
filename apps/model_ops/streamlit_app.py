"""Model Ops: das Registry-Cockpit – Versionen, Aliase, Gate-Checkliste, Freigabe, Rollback, Historie und Drift-Monitor (Woche 7, Phase K);
auf einem Kursserver dazu die Klasse im Überblick (nur lesend)."""
import os

import pandas as pd
import streamlit as st
from mlflow.exceptions import MlflowException

from amalea_quack import registry
from amalea_quack.eda import figure_png
from amalea_quack.monitoring import (
    FAIRNESS,
    THRESHOLD_TEXT,
    VERDICTS,
    DriftThresholds,
    card_of,
    holdout_rows,
    model_drift,
    promotion_gates,
    shift_feature,
)
from amalea_quack.registry import ALIASES, ModelNotFound, PromotionRefused
from amalea_quack.store import StoreError, StoreUnavailable, is_server, tracking_uri
from amalea_quack.ui import alias_warnings, csv_upload, store_problem
from amalea_quack.validation import MAX_UPLOAD_MB, DataValidationError

st.set_page_config(page_title='Model Ops', page_icon='🛠️', layout='wide')
st.title('🛠️ Model Ops')
st.caption('Woche 7 · Phase K · Das Registry-Cockpit: welche Version hinter welchem Alias steht, ob ein Kandidat alle Gates besteht, '
           'Freigabe und Rollback mit Audit-Log – und ob die Daten im Betrieb noch aussehen wie im Training.')

NO_FEATURE = '– keins (Daten wie sie sind) –'
ICONS = {'bestanden': '✅', 'nicht bestanden': '❌', 'nicht anwendbar': '➖'}
st.session_state.setdefault('flash', None)


@st.cache_data(show_spinner='Prüfe die Gates (lädt das Modell aus der Registry) …', ttl=600, max_entries=50)
def gate_report(uri: str, name: str, version: str):
    return registry.run_gates(registry.candidate(name, version), promotion_gates(card_of(name, version)))


@st.cache_data(show_spinner='Lade die Testdaten des Laufs …', max_entries=20)
def test_rows(uri: str, name: str, version: str) -> pd.DataFrame:
    return holdout_rows(name, version)


@st.cache_data(show_spinner='Vergleiche mit dem Referenzprofil …', max_entries=20)
def drift(uri: str, name: str, version: str, current: pd.DataFrame, limits: dict):
    return model_drift(current, name, version, DriftThresholds(**limits))


@st.cache_data(show_spinner=False, max_entries=40)
def drift_png(uri: str, name: str, version: str, current: pd.DataFrame, limits: dict, feature: str | None = None) -> bytes:
    "The drift summary (or one feature's distributions) as PNG, drawn once per input: reruns do not redraw it."
    result = drift(uri, name, version, current, limits)
    return figure_png(result.summary_figure() if feature is None else result.feature_figure(feature), dpi=110)


@st.cache_data(show_spinner='Lese die Klasse vom Kursserver …', ttl=60, max_entries=4)
def class_table(uri: str, user: str | None) -> pd.DataFrame:
    "The class at a glance (class_server.class_overview), German column names; read only, cached for a minute per store and user."
    from amalea_quack.class_server import OVERVIEW_COLUMNS, class_overview
    o = class_overview()
    o = o.assign(released_through_gates=o['released_through_gates'].map({True: 'ja', False: 'NEIN', None: '–'}))
    return o.drop(columns='best_run').rename(columns=OVERVIEW_COLUMNS)


def show_class() -> None:
    "The teacher's view of the class: nothing on this page writes to the server."
    st.subheader('Die Klasse auf dem Kursserver')
    st.caption('Je Person: Läufe, beste kreuzvalidierte Genauigkeit, Modelle mit production-Alias und ob das Audit-Log ihre Freigabe '
               'durch die Gates belegt. Nur lesend; als Lehrperson siehst du alle, auch wer noch nichts angelegt hat.')
    try: table = class_table(uri, os.environ.get('MLFLOW_TRACKING_USERNAME'))
    except StoreError as e:
        store_problem(e)
        return
    if table.empty: st.info('Noch niemand in der Klasse hat etwas angelegt.')
    else: st.dataframe(table, hide_index=True, width='stretch', key='class',
                       column_config={c: st.column_config.NumberColumn(format='%.3f') for c in table.columns if c.startswith('beste ')})


def do_promote(name: str, version: str, dst: str):
    card = card_of(name, version)
    note = st.session_state.get('note') or 'Freigabe in der Model-Ops-App'
    try:
        registry.promote(name, version, dst, gates=promotion_gates(card), card=card, note=note)
        st.session_state.flash = ('success', f'Freigegeben: **{name}@{dst}** zeigt jetzt auf Version {version}. Alle Gates bestanden.')
    except PromotionRefused as e:
        failed = '\n'.join(f'- **{c.name}**: {c.message}' for c in e.report.checks if c.blocking)
        st.session_state.flash = ('error', f'Freigabe von Version {version} nach **{dst}** verweigert – nichts wurde geändert. '
                                           f'Nicht bestanden:\n\n{failed}')


def do_rollback(name: str, alias: str):
    try:
        version = registry.rollback(name, alias, note='Rollback in der Model-Ops-App')
        st.session_state.flash = ('success', f'Zurückgerollt: **{name}@{alias}** zeigt wieder auf Version {version}.')
    except ModelNotFound as e:
        st.session_state.flash = ('error', f'Zurückrollen nicht möglich: {e}')


# --- Store und Modelle -----------------------------------------------------------------------------------------
uri = tracking_uri()
try:
    overview = registry.status()
except (StoreError, MlflowException, OSError) as e:
    if isinstance(e, StoreError) and not isinstance(e, StoreUnavailable): store_problem(e)  # not signed in, no rights: what to do
    else: st.error(f'Der MLflow-Store `{uri}` ist nicht erreichbar ({type(e).__name__}). Starte den Tracking-Server oder prüfe '
                   '`MLFLOW_TRACKING_URI` (Umgebung bzw. Streamlit-Secrets).')
    st.stop()
on_server = is_server(uri)
if overview.empty and on_server:  # e.g. the teacher, who trains nothing of their own
    st.info(f'Unter deinem Namen ist auf dem Kursserver `{uri}` noch kein Modell registriert (`quack train` legt eins an).')
    show_class()
    st.stop()
if overview.empty:
    st.warning(f'Im Store `{uri}` ist noch kein Modell registriert.\n\n'
               'So legst du welche an: `make start` (trainiert und gibt die Kursmodelle frei) oder `quack train` '
               '(trainiert Iris und registriert eine neue Version als staging).')
    st.stop()

st.sidebar.header('Auswahl')
name = st.sidebar.selectbox('Modell', sorted(overview['Modell'].unique()), key='model')
versions = overview[overview['Modell'] == name].sort_values('Version', ascending=False)
labels = {str(r.Version): f'Version {r.Version}' + (f' ({r.Aliase})' if r.Aliase else '') for r in versions.itertuples()}
staged = [str(r.Version) for r in versions.itertuples() if 'staging' in r.Aliase.split(', ')]
version = st.sidebar.selectbox('Kandidat', list(labels), index=list(labels).index(staged[0]) if staged else 0, format_func=labels.get,
                               key=f'candidate:{name}')
target = st.sidebar.selectbox('Ziel-Alias', ALIASES, index=ALIASES.index('production'), key='target')
st.sidebar.caption(f'Store: `{uri}`')

if st.session_state.flash:
    kind, text = st.session_state.flash
    (st.success if kind == 'success' else st.error)(text)
    st.session_state.flash = None
alias_warnings(name)  # an alias moved outside the gates: warned on every tab, as quack history does

tabs = st.tabs(['📋 Überblick', '✅ Gates & Freigabe', '📜 Historie', '📈 Drift'] + (['👩‍🏫 Klasse'] if on_server else []))
overview_tab, gates_tab, history_tab, drift_tab = tabs[:4]

# --- Überblick -------------------------------------------------------------------------------------------------
with overview_tab:
    st.subheader('Modelle, Versionen und Aliase')
    st.dataframe(overview, hide_index=True, width='stretch',
                 column_config={c: st.column_config.NumberColumn(format='%.4f') for c in ('accuracy', 'f1_macro', 'overfit_delta')}
                 | {'latency_p99_ms': st.column_config.NumberColumn('latency_p99_ms', format='%.2f')})

# --- Gates und Freigabe ----------------------------------------------------------------------------------------
with gates_tab:
    st.subheader(f'Gate-Checkliste: {name} Version {version}')
    report = gate_report(uri, name, version)
    checks = report.to_frame()
    marks = [('⚠️' if c.passed is False and not c.blocking else ICONS[r]) for c, r in zip(report.checks, checks['Ergebnis'], strict=True)]
    checks.insert(0, '', marks)
    st.dataframe(checks, hide_index=True, width='stretch', key='checklist')
    fair = next((c for c in report.checks if c.name == FAIRNESS and c.figures.get('table')), None)
    if fair is not None:
        with st.expander(f"Genauigkeit je Segment ({fair.figures['segment']})"):
            st.dataframe(pd.DataFrame(fair.figures['table']), hide_index=True,
                         column_config={'Genauigkeit': st.column_config.NumberColumn(format='%.3f')})
            st.caption(f"{fair.figures['excluded_rows']} Testzeilen ohne Segmentwert ausgelassen; erlaubter Abstand {fair.figures['max_gap']:g}.")
    if report.passed:
        st.success(f'Alle blockierenden Gates bestanden – Version {version} kann nach **{target}**.')
    else:
        st.error(f"Nicht freigabefähig – nicht bestanden: {', '.join(report.failed)}.")
    st.text_input('Notiz zur Freigabe', key='note', placeholder='z. B. „besser auf kleinen Blüten, Ticket #12“')
    left, right = st.columns(2)
    left.button(f'Freigeben: Version {version} → {target}', key='promote', type='primary', on_click=do_promote, args=(name, version, target),
                help='Prüft alle Gates erneut und bewegt den Alias nur, wenn alle bestehen.')
    right.button(f'Zurückrollen: {target} auf die vorherige Version', key='rollback', on_click=do_rollback, args=(name, target),
                 help='Setzt den Alias auf die Version, auf die er vor seiner letzten Änderung zeigte.')

# --- Historie --------------------------------------------------------------------------------------------------
with history_tab:
    st.subheader(f'Audit-Log von {name}')
    log = registry.history(name)
    if log.empty: st.info('Noch keine Einträge.')
    else: st.dataframe(log.iloc[::-1], hide_index=True, width='stretch', key='history')

# --- Drift -----------------------------------------------------------------------------------------------------
with drift_tab:
    st.subheader(f'Drift gegen das Referenzprofil von Version {version}')
    st.caption('Vergleicht aktuelle Daten Merkmal für Merkmal mit dem Trainingsprofil: relative Mittelwertverschiebung, PSI und '
               'KS-Test (Zahlen) bzw. Chi²-Test (Kategorien). Drift zählt, wenn der Test signifikant und die Änderung groß genug ist.')
    source = st.radio('Aktuelle Daten', ['Testdaten des Modells', 'Eigene CSV-Datei'], horizontal=True, key='drift_source')
    current = None
    if source == 'Testdaten des Modells':
        base = test_rows(uri, name, version)
        numeric = list(base.select_dtypes('number').columns)
        feature = st.selectbox('Drift simulieren: ein Merkmal verschieben', [NO_FEATURE, *numeric], key='drift_feature')
        factor = st.slider('Faktor', 0.5, 2.0, 1.3, 0.05, key='drift_factor', disabled=feature == NO_FEATURE)
        current = base if feature == NO_FEATURE else shift_feature(base, feature, factor)
        st.download_button('Diese Daten als CSV herunterladen', current.to_csv(index=False), file_name='aktuelle_daten.csv', mime='text/csv',
                           on_click='ignore', help='Zum Bearbeiten und wieder Hochladen.')
    else:
        current = csv_upload('Aktuelle Daten (CSV mit den Merkmalsspalten des Modells)', key='drift_csv')
        if current is None:
            st.info(f'Lade eine CSV-Datei mit den Merkmalsspalten von {name} hoch (Kopfzeile, Komma oder Semikolon, höchstens {MAX_UPLOAD_MB} MB). '
                    'Weitere Spalten, etwa die Zielspalte, werden ignoriert.')
    with st.expander('Schwellen'):
        defaults, limits = DriftThresholds(), {}
        cols = st.columns(5)
        for col, key in zip(cols, ('psi_drift', 'psi_severe', 'shift_drift', 'shift_severe', 'p_value'), strict=True):
            limits[key] = col.number_input(key, value=getattr(defaults, key), min_value=0.0, step=0.01, format='%.3f', key=f'thr_{key}',
                                           help=THRESHOLD_TEXT[key])
    if current is not None:
        try:
            result = drift(uri, name, version, current, limits)
        except DataValidationError as e:
            st.error(f'Diese Daten lassen sich nicht mit {name} Version {version} vergleichen.\n\n{e}')
        except ValueError as e:
            st.error(f'Ungültige Schwellen: {e}')
        except ModelNotFound as e:
            st.warning(str(e))
        else:
            show = {VERDICTS[0]: st.success, VERDICTS[1]: st.warning, VERDICTS[2]: st.error}[result.verdict]
            show(str(result).replace(result.verdict, f'**{result.verdict}**', 1))
            a, b, c = st.columns(3)
            a.metric('Drift-Score (größter PSI)', f'{result.score:.2f}')
            b.metric('Aktuelle Zeilen', result.n_current)
            c.metric('Gedriftete Merkmale', len(result.drifted))
            if result.ignored: st.caption(f"Nicht verglichen (keine Merkmale des Modells): {', '.join(map(str, result.ignored))}")
            st.dataframe(result.table, hide_index=True, width='stretch', key='drift_table')
            st.image(drift_png(uri, name, version, current, limits), alt='PSI je Merkmal')
            detail = st.selectbox('Merkmal im Detail', result.ranked, key=f"drift_detail:{'|'.join(result.drifted)}",
                                  help='Die auffälligsten Merkmale stehen oben.')
            st.image(drift_png(uri, name, version, current, limits, detail), alt=f'Verteilung von {detail}')
            st.download_button('Drift-Bericht als HTML herunterladen', lambda: result.html(f'Drift-Bericht {name} Version {version}'),
                               file_name=f'drift_{name}_v{version}.html', mime='text/html', on_click='ignore')

# --- Klasse (nur auf einem Kursserver) -----------------------------------------------------------------------------
if on_server:
    with tabs[4]: show_class()
