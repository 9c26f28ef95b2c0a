"""Modellbetrieb (Model Ops): Versionen und Aliase, Gate-Checkliste, Freigabe, Zurückrollen, Audit-Log und Drift-Monitor (Woche 7, Phase K);
auf einem Kursserver dazu die Klasse im Überblick (nur lesend)."""
import streamlit as st

from amalea_quack.ui import APP_FIGURE, history_table, name_fields, page_header, show_new_labels, static_table, store_problem

page_header('model_ops', 'Das Cockpit der Modell-Registry: welche Version hinter welchem Alias steht, ob ein Kandidat alle '
                         'Freigabe-Gates besteht, Freigabe und Zurückrollen mit Audit-Log – und ob die Daten im Betrieb noch '
                         'aussehen wie im Training.', layout='wide')

import os

import pandas as pd

from amalea_quack import registry
from amalea_quack.eda import column_label, figure_png
from amalea_quack.glossary import german_number, german_table, label
from amalea_quack.monitoring import FAIRNESS, THRESHOLD_TEXT, VERDICTS, DriftThresholds, model_drift, release, shift_feature
from amalea_quack.monitoring import gate_report as course_gate_report
from amalea_quack.registry import ALIASES, IRIS_MODEL, PromotionRefused
from amalea_quack.store import ModelNotFound, StoreError, is_server, tracking_uri
from amalea_quack.tracking import REFERENCE_PROFILE
from amalea_quack.ui import alias_warnings, csv_upload, refusal
from amalea_quack.validation import Check, DataValidationError

TABS = ['Überblick', 'Gates und Freigabe', 'Historie', 'Drift']
NO_FEATURE = '– keins (Daten wie sie sind) –'
THRESHOLDS = {  # what the drift tab lets one change: German label and the choices offered
    'psi_drift': ('PSI: Drift ab', [0.05, 0.1, 0.15, 0.2]), 'psi_severe': ('PSI: starker Drift ab', [0.2, 0.25, 0.3, 0.4, 0.5]),
    'shift_drift': ('Verschiebung: Drift ab', [0.05, 0.1, 0.15, 0.2]), 'shift_severe': ('Verschiebung: starker Drift ab', [0.2, 0.25, 0.3, 0.5]),
    'p_value': ('Signifikanzniveau', [0.001, 0.01, 0.05, 0.1])}
st.session_state.setdefault('flash', None)


@st.cache_data(show_spinner='Prüfe die Gates (lädt das Modell aus der Registry) …', ttl=600, max_entries=50)
def gate_report(uri: str, name: str, version: str, run_id: str):
    "The course's gate report of one version (cached by content: a version number is reused after a model is deleted)."
    return course_gate_report(name, version)


@st.cache_data(show_spinner='Lade die Testdaten des Laufs …', max_entries=20)
def drift_inputs(uri: str, name: str, version: str, run_id: str) -> tuple[bool, pd.DataFrame | None]:
    "Whether the version's run logged a reference profile (drift needs it) and its test rows (None if it logged none)."
    artifacts = registry.candidate(name, version).artifacts
    return REFERENCE_PROFILE in artifacts.names, artifacts.test_features


@st.cache_data(show_spinner='Vergleiche mit dem Referenzprofil …', max_entries=20)
def drift(uri: str, name: str, version: str, run_id: str, current: pd.DataFrame, limits: dict):
    return model_drift(current, name, version, DriftThresholds(**limits))


@st.cache_data(show_spinner=False, max_entries=40)
def drift_png(uri: str, name: str, version: str, run_id: str, current: pd.DataFrame, limits: dict, feature: str | None = None,
              panel: str | None = None) -> bytes:
    "The drift summary (or one panel of a feature's distributions) as PNG, drawn once per input: reruns do not redraw it."
    result = drift(uri, name, version, run_id, current, limits)
    return figure_png(result.summary_figure() if feature is None else result.feature_figure(feature, panel), **APP_FIGURE, bbox_inches='tight')


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


def flash(kind: str, text: str) -> None:
    st.session_state.flash = (kind, text)


def do_promote(name: str, version: str, dst: str) -> None:
    "The one promotion policy of the course (monitoring.release): every gate again, then the alias moves – or nothing does."
    note = st.session_state.get('note') or 'Freigabe in der App Modellbetrieb'
    try: p = release(name, version, dst, note=note)
    except PromotionRefused as e:
        failed = '\n'.join(f'- **{c.title}**: {c.message}' for c in e.report.checks if c.blocking)
        flash('error', f'Freigabe von Version {version} nach **{dst}** verweigert – nichts wurde geändert. Nicht bestanden:\n\n{failed}')
    except StoreError as e: flash('error', f'Freigabe nicht möglich: {e}')
    else:
        if not p.changed: flash('info', f'**{name}@{dst}** zeigt schon auf Version {version} – nichts geändert, nichts protokolliert.')
        else:
            warned = p.report.titles('warned')
            flash('success', f"Freigegeben: **{name}@{dst}** zeigt jetzt auf Version {version} (vorher {p.previous or 'auf keine'}). "
                             'Alle blockierenden Gates bestanden' + (f", mit Warnung: {', '.join(warned)}" if warned else '')
                             + '; der Eintrag steht in der Historie.')
            st.session_state.note = ''  # the note belongs to this release: the next one must not reuse it unseen


def do_rollback(name: str, alias: str) -> None:
    "Back along the alias's release history – never forward to a version just rolled back."
    try: v = registry.rollback(name, alias, note=st.session_state.get('note') or 'Zurückgerollt in der App Modellbetrieb')
    except ModelNotFound as e:
        flash('info', f'Zurückrollen nicht möglich: {e} Hier in der App geht das auch: oben unter „Kandidat“ die Version wählen und freigeben.')
    except StoreError as e: flash('error', f'Zurückrollen nicht möglich: {e}')
    else:
        flash('success', f'Zurückgerollt: **{name}@{alias}** zeigt wieder auf Version {v}.')
        st.session_state.note = ''  # used in the audit log: gone from the field, like after a release


def show_flash() -> None:
    if st.session_state.flash:
        kind, text = st.session_state.flash
        {'success': st.success, 'info': st.info, 'error': st.error}[kind](text)
        st.session_state.flash = None


# --- Store und Modelle -----------------------------------------------------------------------------------------
uri = tracking_uri()
try: overview = registry.status()
except StoreError as e:
    store_problem(e)
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

names = sorted(overview['model'].unique(), key=lambda n: (n != IRIS_MODEL, n))  # the course's first model first
left, middle, right = st.columns(3)
name = left.selectbox('Modell', names, key='model')
versions = overview[overview['model'] == name].sort_values('version', ascending=False)
labels = {str(r.version): f'Version {r.version}' + (f' ({r.aliases})' if r.aliases else '') for r in versions.itertuples()}
staged = [str(r.version) for r in versions.itertuples() if 'staging' in r.aliases.split(', ')]
pick = f'candidate:{name}'
show_new_labels(pick, labels)  # after a release or rollback the chosen version's label names its new aliases
version = middle.selectbox('Kandidat', list(labels), index=list(labels).index(staged[0]) if staged else 0, format_func=labels.get, key=pick)
target = right.selectbox('Ziel-Alias', ALIASES, index=ALIASES.index('production'), key='target')
run_id = versions.set_index(versions['version'].astype(str)).loc[version, 'run_id']

notices = st.container()  # always there, so the tabs below keep their place when a notice comes or goes
with notices: alias_warnings(name)  # an alias moved outside the gates: the same warning as quack history

# stateful tabs: a button press keeps its tab, and only the open tab runs
tabs = st.tabs(TABS + (['Klasse'] if on_server else []), key='ops_tab', on_change='rerun')

# --- Überblick -------------------------------------------------------------------------------------------------
if tabs[0].open:
    with tabs[0]:
        st.subheader('Modelle, Versionen und Aliase')
        shown = overview.assign(run_id=overview['run_id'].str[:8])
        st.dataframe(german_table(shown),
                     hide_index=True, width='stretch', key='overview')
        st.caption(f'Store: `{uri}` · Lauf: die ersten acht Zeichen der Run-ID')

# --- Gates und Freigabe ----------------------------------------------------------------------------------------
if tabs[1].open:
    with tabs[1]:
        st.subheader(f'Gate-Checkliste: {name}, Version {version}')
        try: report = gate_report(uri, name, version, run_id)
        except (StoreError, DataValidationError) as e:
            st.error(f'Die Gates ließen sich nicht prüfen: {e}')
            st.stop()
        checks = report.to_frame()  # two columns: the verdict leads its message, so the message keeps its width on a phone
        checks['verdict'] = [f'{c.mark} {label(c.verdict)}: {c.message}' for c in report.checks]
        static_table(checks.drop(columns='message'))
        fair = next((c for c in report.checks if c.name == FAIRNESS and c.details.get('table')), None)
        if fair is not None:
            with st.expander(f"Genauigkeit je Segment ({fair.details['segment']})"):
                static_table(pd.DataFrame(fair.details['table']), accuracy=3)
                st.caption(f"{fair.details['excluded_rows']} Testzeilen ohne Segmentwert ausgelassen; erlaubter Abstand "
                           f"{german_number(fair.details['max_gap'])}.")
        already = target in str(versions.set_index(versions['version'].astype(str)).loc[version, 'aliases']).split(', ')
        if report.passed:
            warned = report.titles('warned')
            st.success(f'Alle blockierenden Gates bestanden – Version {version} '
                       + (f'ist schon **{target}**.' if already else f'kann nach **{target}**.')
                       + (f" Mit Warnung: {', '.join(warned)} – schreib in die Notiz, warum du trotzdem freigibst."
                          if warned and not already else ''))
        else:
            st.error(f"Nicht freigabefähig – nicht bestanden: {', '.join(report.titles('failed'))}.")
        st.text_input('Notiz zur Freigabe', key='note', placeholder='z. B. „besser auf kleinen Blüten, Ticket #12“',
                      help='Steht im Audit-Log beim nächsten Freigeben oder Zurückrollen; danach ist das Feld wieder leer.')
        a, b = st.columns(2)
        a.button(f'Freigeben: Version {version} → {target}', key='promote', type='primary', on_click=do_promote, args=(name, version, target),
                 disabled=already,  # nothing to move: offering it again read as if the release had not happened
                 help=f'Version {version} ist schon {target}; eine andere wählst du oben unter „Kandidat“.' if already else
                      'Prüft alle Gates erneut und bewegt den Alias nur, wenn alle blockierenden bestehen.')
        b.button(f'{target} zurückrollen', key='rollback', on_click=do_rollback, args=(name, target),  # short: a phone shows it whole
                 help=f'Setzt {target} auf die vorher freigegebene Version: einen Schritt zurück in der Freigabe-Historie des Alias – '
                      'nie vorwärts zu einer gerade zurückgerollten Version.')
        show_flash()  # under the buttons, where the click was: on a phone the top of the tab is a screen or two away

# --- Historie --------------------------------------------------------------------------------------------------
if tabs[2].open:
    with tabs[2]:
        show_flash()
        st.subheader(f'Audit-Log von {name}')
        log = registry.history(name)
        if log.empty: st.info('Noch keine Einträge.')
        else:
            signs = [Check('', True), Check('', False, severity='warning'), Check('', False), Check('', None)]
            st.caption('Neueste zuerst: jede Registrierung, Freigabe, Verweigerung und jedes Zurückrollen, mit Notiz und Gates ('
                       + '; '.join(f'{c.mark} {label(c.verdict)}' for c in signs) + ').')
            static_table(history_table(log))  # entries wrap whole: a phone shows gates and note without swiping

# --- Drift -----------------------------------------------------------------------------------------------------
if tabs[3].open:
    with tabs[3]:
        st.subheader(f'Drift gegen das Referenzprofil von Version {version}')
        st.caption('Vergleicht aktuelle Daten Merkmal für Merkmal mit dem Trainingsprofil: relative Mittelwertverschiebung, PSI und '
                   'KS-Test (Zahlen) bzw. Chi²-Test (Kategorien). Drift zählt, wenn der Test signifikant und die Änderung groß genug ist.')
        profiled, base = drift_inputs(uri, name, version, run_id)
        if not profiled:  # e.g. a run of the model playground: neither a training profile nor test rows were logged with it
            st.info(f'Version {version} hat kein Referenzprofil an ihrem Lauf (etwa ein Lauf aus der Modell-Spielwiese): Drift misst, '
                    'wie weit neue Daten vom Training abweichen, und braucht dafür das Profil, das `quack train` und train_tabular '
                    'mitschreiben. Wähle oben eine solche Version.')
            st.stop()
        if base is None:
            st.info(f'Version {version} hat keine Testdaten an ihrem Lauf: Vergleiche sie mit eigenen Daten als CSV-Datei.')
            source = 'Eigene CSV-Datei'
        else: source = st.radio('Aktuelle Daten', ['Testdaten des Modells', 'Eigene CSV-Datei'], horizontal=True, key='drift_source')
        current = None
        if source == 'Testdaten des Modells':
            numeric = list(base.select_dtypes('number').columns)
            feature = st.selectbox('Drift simulieren: ein Merkmal verschieben', [NO_FEATURE, *numeric], key='drift_feature',
                                   format_func=lambda c: c if c == NO_FEATURE else column_label(c))
            factor = st.select_slider('Faktor', [round(0.5 + 0.05 * i, 2) for i in range(31)], value=1.3, key='drift_factor',
                                      format_func=lambda f: f'× {german_number(f, 2)}', disabled=feature == NO_FEATURE)
            current = base if feature == NO_FEATURE else shift_feature(base, feature, factor)
            st.download_button('Diese Daten als CSV herunterladen', current.to_csv(index=False), file_name='aktuelle_daten.csv', mime='text/csv',
                               on_click='ignore', help='Zum Bearbeiten und wieder Hochladen.')
        else:
            current = csv_upload('Aktuelle Daten (CSV mit den Merkmalsspalten des Modells)', key='drift_csv')
            if current is None and st.session_state.get('drift_csv') is None:
                st.info(f'Lade eine CSV-Datei mit den Merkmalsspalten von {name} hoch (Kopfzeile, Komma oder Semikolon). '
                        'Weitere Spalten, etwa die Zielspalte, werden ignoriert.')
        with st.expander('Schwellen'):
            defaults, limits = DriftThresholds(), {}
            for cell, (key, (title, choices)) in zip(st.columns(len(THRESHOLDS)), THRESHOLDS.items(), strict=True):
                limits[key] = cell.select_slider(title, choices, value=getattr(defaults, key), key=f'thr_{key}',
                                                 format_func=german_number, help=THRESHOLD_TEXT[key])
        if current is not None:
            try: result = drift(uri, name, version, run_id, current, limits)
            except DataValidationError as e:
                if source == 'Eigene CSV-Datei':  # the file by its name, the problems as sentences
                    st.error(refusal(st.session_state['drift_csv'].name, e) + f' Verglichen wird mit {name}, Version {version}.')
                else: st.error(f'Diese Daten lassen sich nicht mit {name} Version {version} vergleichen.\n\n{e}')
            except ValueError as e:
                st.error(f'Ungültige Schwellen: {name_fields(str(e), {k: t for k, (t, _) in THRESHOLDS.items()})}')
            except ModelNotFound as e:
                st.warning(str(e))
            else:
                show = {VERDICTS[0]: st.success, VERDICTS[1]: st.warning, VERDICTS[2]: st.error}[result.verdict]
                show(f'**{label(result.verdict)}** – ' + str(result).split(': ', 1)[1])
                row = st.container(horizontal=True, gap='medium')  # in a row; on a phone it wraps, where columns would stack
                row.metric('Drift-Score (größter PSI)', german_number(result.score, 2))
                row.metric('Aktuelle Zeilen', german_number(result.n_current))
                row.metric('Gedriftete Merkmale', len(result.drifted))
                if result.ignored: st.caption(f"Nicht verglichen (keine Merkmale des Modells): {', '.join(map(str, result.ignored))}")
                table = result.table.assign(feature=result.table['feature'].map(column_label))
                key_columns = ['feature', 'verdict', 'psi', 'relative_shift', 'p_value', 'new_categories']
                st.dataframe(german_table(table[key_columns], decimals={'psi': 3, 'relative_shift': 3, 'p_value': 3}), hide_index=True,
                             width='stretch', key='drift_table', column_config={'Merkmal': st.column_config.TextColumn(pinned=True)})
                with st.expander('Alle Metriken je Merkmal'):
                    st.dataframe(german_table(table, decimals={'psi': 3, 'relative_shift': 3, 'p_value': 3, 'statistic': 3}), hide_index=True,
                                 width='stretch', column_config={'Merkmal': st.column_config.TextColumn(pinned=True)})
                st.image(drift_png(uri, name, version, run_id, current, limits), alt='PSI je Merkmal')
                detail = st.selectbox('Merkmal im Detail', result.ranked, key=f"drift_detail:{'|'.join(result.drifted)}", format_func=column_label,
                                      help='Die auffälligsten Merkmale stehen oben.')
                panels = result.feature_panels(detail)  # side by side on a laptop, one below the other (and readable) on a phone
                for cell, panel in zip(st.columns(len(panels)), panels, strict=True):
                    cell.image(drift_png(uri, name, version, run_id, current, limits, detail, panel), width='stretch',
                               alt=f"{'Wertebereiche' if panel == 'bins' else 'Verteilungsfunktion'} von {column_label(detail)}")
                st.download_button('Drift-Bericht als HTML herunterladen', lambda: result.html(f'Drift-Bericht {name} Version {version}'),
                                   file_name=f'drift_{name}_v{version}.html', mime='text/html', on_click='ignore')

# --- Klasse (nur auf einem Kursserver) -----------------------------------------------------------------------------
if on_server and tabs[4].open:
    with tabs[4]: show_class()
