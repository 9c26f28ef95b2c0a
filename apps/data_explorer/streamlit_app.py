"""Data Explorer: einen Kursdatensatz oder eine eigene CSV-Datei verstehen, bevor ein Modell sie sieht (Woche 2, Phase U)."""
import pandas as pd
import streamlit as st

from amalea_quack import eda
from amalea_quack.eda import figure_png
from amalea_quack.ui import csv_upload
from amalea_quack.validation import MAX_UPLOAD_MB, validate_training_data

st.set_page_config(page_title='Data Explorer', page_icon='🔎', layout='wide')
st.title('🔎 Data Explorer')
st.caption('Woche 2 · Phase U · Erst verstehen, dann modellieren: Profil, Verteilungen, Zusammenhänge, Lücken und die Datentore.')

MAX_GROUPS = 20  # group columns with more distinct values are not offered for grouping
PERCENT = st.column_config.NumberColumn(format='percent')


@st.cache_data(show_spinner='Lade Datensatz …')
def course_data(name: str) -> pd.DataFrame:
    return eda.load_dataset(name)


@st.cache_data(show_spinner=False)
def column_profile(df: pd.DataFrame) -> pd.DataFrame:
    return eda.profile(df)


@st.cache_data(show_spinner='Prüfe die Datentore …')
def validation(df: pd.DataFrame, target: str) -> tuple[pd.DataFrame, bool, list[str]]:
    report = validate_training_data(df, target)
    return report.to_frame(), report.passed, report.failed


PLOTS = {'distribution': eda.distribution_figure, 'correlation': eda.correlation_figure, 'scatter': eda.scatter_figure,
         'box': eda.box_figure, 'missing': eda.missing_figure}


@st.cache_data(show_spinner='Zeichne …', max_entries=100)
def plot_png(kind: str, df: pd.DataFrame, *args, **kwargs) -> bytes:
    "A figure of amalea_quack.eda as PNG, cached: other widgets and reruns do not redraw it."
    return figure_png(PLOTS[kind](df, *args, **kwargs), dpi=110, bbox_inches='tight')  # a pyplot-free Figure: nothing to close


def show(kind: str, *args, **kwargs) -> None:
    st.image(plot_png(kind, df, *args, **kwargs))


# --- Daten wählen ---------------------------------------------------------------------------------------------
st.sidebar.header('Daten')
source = st.sidebar.radio('Quelle', ['Kursdatensatz', 'Eigene CSV-Datei'], key='source')
if source == 'Kursdatensatz':
    name = st.sidebar.selectbox('Datensatz', list(eda.DATASETS), format_func=lambda n: eda.DATASETS[n].title, key='dataset')
    info = eda.DATASETS[name]
    df, data_key, default_target = course_data(name), name, info.target
    st.sidebar.caption(f'Herkunft: {info.source}')
else:
    with st.sidebar:
        df = csv_upload('CSV-Datei hochladen', key='upload')
    if df is None:
        st.info(f'Lade links eine CSV-Datei hoch (mit Kopfzeile, Komma oder Semikolon als Trennzeichen, höchstens {MAX_UPLOAD_MB} MB) '
                '– oder wähle einen Kursdatensatz.')
        st.stop()
    file = st.session_state['upload']
    data_key, default_target = f'upload:{file.name}:{file.size}', None

columns = [str(c) for c in df.columns]
df.columns = columns
if len(columns) < 2:
    st.error(f'Die Tabelle hat nur eine Spalte ({columns[0]!r}). Erwartet: mindestens zwei Spalten – Merkmale und eine Zielspalte. '
             'Stimmt das Trennzeichen (Komma oder Semikolon)?')
    st.dataframe(column_profile(df), column_config={'Anteil fehlend': PERCENT})
    st.stop()

target = st.sidebar.selectbox('Zielspalte', columns, index=columns.index(default_target) if default_target in columns else len(columns) - 1,
                              key=f'target:{data_key}', help='Die Spalte, die ein Modell später vorhersagen soll.')
nums = eda.numeric_columns(df)

# --- Überblick und Warnungen -------------------------------------------------------------------------------------
c1, c2, c3, c4 = st.columns(4)
c1.metric('Zeilen', f'{len(df):,}'.replace(',', '.'))
c2.metric('Spalten', df.shape[1])
c3.metric('Zahlenspalten', len(nums))
c4.metric('Fehlende Werte', int(df.isna().sum().sum()))

problems = eda.target_problems(df, target)
for p in problems:
    st.warning(f'{p} Die Diagramme werden deshalb nicht nach der Zielspalte gefärbt.')
colour = None if problems else target
mixed = [c for c in columns if eda.column_kind(df[c]) == eda.MIXED]
if mixed:
    st.warning(f'Text in Zahlenspalten: {mixed} enthalten überwiegend Zahlen, aber auch Text – sie werden als Kategorie behandelt. '
               'Details im Reiter „Validierung“.')
groupable = [c for c in columns if c not in nums and df[c].nunique() <= MAX_GROUPS]
if colour is not None and colour not in groupable: groupable.insert(0, colour)

tabs = st.tabs(['Profil', 'Verteilungen', 'Korrelationen', 'Streu- & Boxplots', 'Fehlende Werte', 'Validierung'])

with tabs[0]:
    st.subheader('Profil je Spalte')
    st.dataframe(column_profile(df), column_config={'Anteil fehlend': PERCENT})
    with st.expander('Erste Zeilen'):
        st.dataframe(df.head(20))
    if groupable:
        st.subheader('Gruppen und Segmente')
        by = st.selectbox('Gruppieren nach', groupable, key=f'group:{data_key}')
        st.dataframe(eda.group_summary(df, by), column_config={'Anteil': PERCENT})

with tabs[1]:
    st.subheader('Verteilungen')
    col = st.selectbox('Spalte', columns, index=columns.index(nums[0]) if nums else 0, key=f'dist:{data_key}')
    split = st.checkbox(f'nach Zielspalte „{target}“ färben', value=colour is not None, disabled=colour is None or col == target,
                        key=f'dist-by:{data_key}')
    show('distribution', col, by=colour if split and colour and col != target else None)

with tabs[2]:
    st.subheader('Korrelationen')
    if len(nums) < 2:
        st.info(f'Für Korrelationen braucht es mindestens zwei Zahlenspalten; gefunden: {nums or "keine"}.')
    else:
        method = st.radio('Maß', ['pearson', 'spearman'], horizontal=True, key='method',
                          format_func={'pearson': 'Pearson (linear)', 'spearman': 'Spearman (Rang)'}.get)
        show('correlation', method)
        st.caption('Die stärksten Paare')
        st.dataframe(eda.strongest_pairs(df, 5, method), hide_index=True)

with tabs[3]:
    if len(nums) < 2:
        st.info(f'Für ein Streudiagramm braucht es mindestens zwei Zahlenspalten; gefunden: {nums or "keine"}.')
    else:
        st.subheader('Streudiagramm')
        left, right = st.columns(2)
        x = left.selectbox('x-Achse', nums, index=0, key=f'x:{data_key}')
        y = right.selectbox('y-Achse', nums, index=1, key=f'y:{data_key}')
        show('scatter', x, y, by=colour)
    if nums:
        st.subheader('Boxplot und Ausreißer (IQR-Regel)')
        box_col = st.selectbox('Spalte', nums, key=f'box:{data_key}')
        show('box', box_col, by=colour)
        st.dataframe(eda.outliers(df), column_config={'Anteil': PERCENT})
        mask = eda.outlier_mask(df)
        with st.expander(f'Zeilen mit Ausreißern ({int(mask.any(axis=1).sum())})'):
            st.dataframe(df[mask.any(axis=1)])
    else:
        st.info('Keine Zahlenspalten – Boxplots und Ausreißer gibt es nur für Zahlen.')

with tabs[4]:
    st.subheader('Fehlende Werte')
    mv = eda.missing_values(df)
    total = int(mv['Fehlend'].sum())
    if total == 0:
        st.success('Keine fehlenden Werte.')
    else:
        gaps = mv[mv['Fehlend'] > 0]
        st.warning(f'{total} fehlende Werte in {len(gaps)} Spalten; {int(df.isna().any(axis=1).sum())} Zeilen sind betroffen.')
        st.dataframe(gaps, column_config={'Anteil': PERCENT})
        show('missing')
        if groupable:
            by_gap = st.selectbox('Lücken je Gruppe von', groupable, key=f'gap-group:{data_key}')
            st.dataframe(eda.missing_values(df, by=by_gap))
        with st.expander('Zeilen mit Lücken'):
            st.dataframe(df[df.isna().any(axis=1)])

with tabs[5]:
    st.subheader(f'Datentore für das Training mit Ziel „{target}“')
    frame, passed, failed = validation(df, target)
    if passed: st.success('Alle blockierenden Datentore sind bestanden – die Tabelle taugt zum Training.')
    else: st.error(f'Nicht bestanden: {", ".join(failed)}. Diese Tabelle muss erst repariert werden.')
    st.dataframe(frame, hide_index=True)
