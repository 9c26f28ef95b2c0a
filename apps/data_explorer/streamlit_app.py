"""Daten-Explorer: einen Kursdatensatz oder eine eigene CSV-Datei verstehen, bevor ein Modell sie sieht (Woche 2, Phase U)."""
import streamlit as st

from amalea_quack.ui import APP_FIGURE, csv_upload, data_preview, page_header, static_table

page_header('data_explorer', 'Erst verstehen, dann modellieren: Wähle einen Kursdatensatz oder lade deine eigene CSV-Datei hoch und sieh '
                             'dir Profil, Verteilungen, Zusammenhänge und Lücken an – und ob die Tabelle die Datentore für das Training besteht.',
            layout='wide')

import pandas as pd

from amalea_quack import eda
from amalea_quack.eda import column_label, figure_png
from amalea_quack.glossary import german_number, german_percent, german_table, label
from amalea_quack.validation import validate_training_data

MAX_GROUPS = 20  # group columns with more distinct values are not offered for grouping
# the gates are the last tab: on a phone the tab bar hides it until swiped
GATES_HINT = 'Details im letzten Reiter, „Datentore“ (auf dem Handy die Reiterleiste nach links wischen).'
TABS = ['Profil', 'Verteilungen', 'Korrelationen', 'Streu- und Boxplots', 'Fehlende Werte', 'Datentore']


@st.cache_data(show_spinner='Lade Datensatz …')
def course_data(name: str) -> pd.DataFrame:
    return eda.load_dataset(name)


@st.cache_data(show_spinner=False)
def column_profile(df: pd.DataFrame) -> pd.DataFrame:
    return eda.profile(df)


@st.cache_data(show_spinner='Prüfe die Datentore …')
def validation(df: pd.DataFrame, target: str):
    return validate_training_data(df, target)


PLOTS = {'distribution': eda.distribution_figure, 'correlation': eda.correlation_figure, 'scatter': eda.scatter_figure,
         'box': eda.box_figure, 'missing': eda.missing_figure}


@st.cache_data(show_spinner='Zeichne …', max_entries=100)
def plot_png(kind: str, df: pd.DataFrame, *args, **kwargs) -> bytes:
    "A figure of amalea_quack.eda as PNG, cached: other widgets and reruns do not redraw it."
    return figure_png(PLOTS[kind](df, *args, **kwargs), **APP_FIGURE, bbox_inches='tight')  # a pyplot-free Figure: nothing to close


def show(kind: str, *args, alt: str, **kwargs) -> None:
    st.image(plot_png(kind, df, *args, **kwargs), alt=alt)


def percent(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    "Shares (0–1) in `columns` as German percentages."
    return frame.assign(**{c: frame[c].map(german_percent) for c in columns})


def table(frame: pd.DataFrame, key: str) -> None:
    "A wide table whose first column (what the row is about) stays in view while the others scroll."
    st.dataframe(frame, hide_index=True, width='stretch', key=key, column_config={frame.columns[0]: st.column_config.TextColumn(pinned=True)})


def people(frame: pd.DataFrame, index: str | None = None, **decimals) -> pd.DataFrame:
    "A result table of eda for people: German headings and numbers; data columns by their German labels."
    if index is not None: frame = frame.rename_axis(index).reset_index()
    out = german_table(frame, decimals=decimals or None)
    if index is not None and index not in ('column', 'feature'): out = out.rename(columns={label(index): column_label(index)})
    return out.rename(columns=lambda c: column_label(c) if c in df.columns else c)


# --- Daten wählen ---------------------------------------------------------------------------------------------
source = st.radio('Daten', ['Kursdatensatz', 'Eigene CSV-Datei'], horizontal=True, key='source')
pick, aim = st.columns(2)
with pick:
    if source == 'Kursdatensatz':
        name = st.selectbox('Datensatz', list(eda.DATASETS), format_func=lambda n: eda.DATASETS[n].title, key='dataset')
        info = eda.DATASETS[name]
        df, data_key, default_target = course_data(name), name, info.target
        st.caption(f'Herkunft: {info.source}')
    else:
        df = csv_upload('CSV-Datei hochladen', key='upload')
        if df is None:
            if st.session_state.get('upload') is None:  # a refused file has been reported by csv_upload already
                st.info('Wähle eine CSV-Datei mit Kopfzeile (Komma, Semikolon oder Tabulator als Trennzeichen) – oder oben einen Kursdatensatz.')
            st.stop()
        file = st.session_state['upload']
        data_key, default_target = f'upload:{file.name}:{file.size}', None

columns = [str(c) for c in df.columns]
df.columns = columns
if len(columns) < 2:
    st.error(f'Die Tabelle hat nur eine Spalte („{columns[0]}“). Erwartet: mindestens zwei Spalten – Merkmale und eine Zielspalte. '
             'Stimmt das Trennzeichen? Unter *Einlesen anpassen* lässt es sich einstellen.')
    st.stop()
target = aim.selectbox('Zielspalte', columns, index=columns.index(default_target) if default_target in columns else len(columns) - 1,
                       key=f'target:{data_key}', format_func=column_label, help='Die Spalte, die ein Modell später vorhersagen soll.')
nums = eda.numeric_columns(df)

# --- Überblick und was auffällt -----------------------------------------------------------------------------------
overview = st.container(horizontal=True, gap='medium')  # in a row; on a phone it wraps, where columns would stack one per line
overview.metric('Zeilen', german_number(len(df)))
overview.metric('Spalten', german_number(df.shape[1]))
overview.metric('Zahlenspalten', german_number(len(nums)))
overview.metric('Fehlende Werte', german_number(int(df.isna().sum().sum())))

problems = eda.target_problems(df, target)
for p in problems:
    st.warning(f'{p} Die Diagramme werden deshalb nicht nach der Zielspalte gefärbt.')
colour = None if problems else target
mixed = [c for c in columns if eda.column_kind(df[c]) == eda.MIXED]
if mixed:
    one = len(mixed) == 1
    st.warning(f"Text in Zahlenspalten: {', '.join(mixed)} {'enthält' if one else 'enthalten'} überwiegend Zahlen, aber auch Text – "
               f"{'sie wird' if one else 'sie werden'} als Kategorie behandelt. {GATES_HINT}")
report = validation(df, target)
for c in report.checks:
    if c.verdict == 'warned': st.warning(f'Datentor „{c.title}“ – Warnung, blockiert nicht: {c.message}.')
if not report.passed:
    st.error(f"Nicht bestanden (blockiert das Training): {', '.join(report.titles('failed'))}. {GATES_HINT}")
groupable = [c for c in columns if c not in nums and df[c].nunique() <= MAX_GROUPS]
if colour is not None and colour not in groupable: groupable.insert(0, colour)

tabs = st.tabs(TABS, key='explorer_tab', on_change='rerun')  # only the open tab is computed

if tabs[0].open:
    with tabs[0]:
        st.subheader('Profil je Spalte')
        prof = percent(column_profile(df), 'missing_share').rename(index=column_label).drop(columns='dtype')
        table(people(prof, 'column'), 'profile')
        with st.expander('Erste Zeilen'):
            data_preview(df)
        if groupable:
            st.subheader('Gruppen und Segmente')
            by = st.selectbox('Gruppieren nach', groupable, key=f'group:{data_key}', format_func=column_label)
            groups = percent(eda.group_summary(df, by), 'share')
            groups.columns = [f'Mittelwert {column_label(c[5:])}' if c.startswith('mean ') else c for c in groups.columns]
            table(people(groups, by), 'groups')

if tabs[1].open:
    with tabs[1]:
        st.subheader('Verteilungen')
        col = st.selectbox('Spalte', columns, index=columns.index(nums[0]) if nums else 0, key=f'dist:{data_key}', format_func=column_label)
        split = st.checkbox(f'nach Zielspalte „{column_label(target)}“ färben', value=colour is not None, disabled=colour is None or col == target,
                            key=f'dist-by:{data_key}')
        show('distribution', col, by=colour if split and colour and col != target else None, alt=f'Verteilung von {column_label(col)}')

if tabs[2].open:
    with tabs[2]:
        st.subheader('Korrelationen')
        if len(nums) < 2:
            st.info(f"Für Korrelationen braucht es mindestens zwei Zahlenspalten; gefunden: {', '.join(nums) or 'keine'}.")
        else:
            method = st.radio('Maß', ['pearson', 'spearman'], horizontal=True, key='method',
                              format_func={'pearson': 'Pearson (linear)', 'spearman': 'Spearman (Rang)'}.get)
            show('correlation', method, alt='Korrelationsmatrix der Zahlenspalten')
            st.caption('Die stärksten Paare')
            pairs = eda.strongest_pairs(df, 5, method)
            pairs[['Merkmal 1', 'Merkmal 2']] = pairs[['Merkmal 1', 'Merkmal 2']].map(column_label)
            static_table(pairs, r=3)

if tabs[3].open:
    with tabs[3]:
        if len(nums) < 2:
            st.info(f"Für ein Streudiagramm braucht es mindestens zwei Zahlenspalten; gefunden: {', '.join(nums) or 'keine'}.")
        else:
            st.subheader('Streudiagramm')
            left, right = st.columns(2)
            x = left.selectbox('x-Achse', nums, index=0, key=f'x:{data_key}', format_func=column_label)
            y = right.selectbox('y-Achse', nums, index=1, key=f'y:{data_key}', format_func=column_label)
            show('scatter', x, y, by=colour, alt=f'{column_label(y)} gegen {column_label(x)}')
        if nums:
            st.subheader('Boxplot und Ausreißer (IQR-Regel)')
            box_col = st.selectbox('Spalte', nums, key=f'box:{data_key}', format_func=column_label)
            box_by = colour if colour != box_col else None  # a column split by itself has no spread within its groups
            show('box', box_col, by=box_by, alt=f'Boxplot von {column_label(box_col)}')
            # the rows under the plot follow the plot's rule: fences within each group when it is grouped
            rule = f'Zäune je {column_label(box_by)}' if box_by else 'Zäune über alle Zeilen'
            hit = eda.outlier_mask(df, by=box_by)[box_col]
            n_hit = int(hit.sum())
            with st.expander(f"{german_number(n_hit)} {'Zeile' if n_hit == 1 else 'Zeilen'} mit Ausreißer in {column_label(box_col)} – {rule}"):
                n_inf = int(df[box_col].notna().sum() - eda.finite(df[box_col]).notna().sum())
                where = f'getrennt je {column_label(box_by)}' if box_by else 'über alle Zeilen'
                st.caption(f'Wie im Boxplot: Q1 − 1,5·IQR und Q3 + 1,5·IQR, berechnet {where}.'
                           + (f' Dazu {german_number(n_inf)} unendliche Werte: Ausreißer, aber nicht im Boxplot.' if n_inf else ''))
                data_preview(df[hit], rows=500)
            st.caption('Alle Zahlenspalten auf einen Blick – Zäune über alle Zeilen'
                       + (f', nicht je {column_label(box_by)}: Die Zahlen können deshalb vom Boxplot abweichen.' if box_by else '.'))
            found = eda.outliers(df)  # the count and its share first: on a phone they stay in view beside the pinned column name
            found = found[['outliers', 'share', *found.columns.drop(['outliers', 'share'])]]
            table(people(percent(found, 'share').rename(index=column_label), 'column'), 'outliers')
        else:
            st.info('Keine Zahlenspalten – Boxplots und Ausreißer gibt es nur für Zahlen.')

if tabs[4].open:
    with tabs[4]:
        st.subheader('Fehlende Werte')
        mv = eda.missing_values(df)
        total = int(mv['missing'].sum())
        if total == 0:
            st.success('Keine fehlenden Werte.')
        else:
            gaps = mv[mv['missing'] > 0]
            st.warning(f'{german_number(total)} fehlende Werte in {len(gaps)} Spalten; '
                       f'{german_number(int(df.isna().any(axis=1).sum()))} Zeilen sind betroffen.')
            table(people(percent(gaps, 'missing_share').rename(index=column_label), 'column'), 'gaps')
            show('missing', alt='Wo in der Tabelle Werte fehlen')
            if groupable:
                by_gap = st.selectbox('Lücken je Gruppe von', groupable, key=f'gap-group:{data_key}', format_func=column_label)
                table(people(eda.missing_values(df, by=by_gap), by_gap), 'gaps-by-group')
            with st.expander('Zeilen mit Lücken'):
                data_preview(df[df.isna().any(axis=1)], rows=500)

if tabs[5].open:
    with tabs[5]:
        st.subheader(f'Datentore für das Training mit Ziel „{column_label(target)}“')
        if report.passed: st.success('Alle blockierenden Datentore sind bestanden – die Tabelle taugt zum Training.')
        else: st.error(f"Nicht bestanden: {', '.join(report.titles('failed'))}. Diese Tabelle muss erst repariert werden.")
        frame = report.to_frame()
        frame['verdict'] = [f'{c.mark} {label(c.verdict)}' for c in report.checks]
        static_table(frame)
        st.caption('„Warnung – blockiert nicht“: das Training läuft, aber sieh dir die Stelle an. „nicht bestanden – blockiert“: erst reparieren.')
