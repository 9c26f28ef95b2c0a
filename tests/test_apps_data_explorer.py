"""The Data Explorer with Streamlit's AppTest: course data sets, switching data and targets, uploads good and bad."""
import io
import warnings

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from amalea_quack.eda import load_dataset

APP = str(ROOT / 'apps/data_explorer/streamlit_app.py')
TABS = ['Profil', 'Verteilungen', 'Korrelationen', 'Streu- und Boxplots', 'Fehlende Werte', 'Datentore']


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=120)


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def images(at) -> int:
    "Pictures over all tabs (each tab opened in turn: only the open one runs)."
    return sum(len(tab(at, i).get('image')) for i in range(len(TABS)))


def validation_table(at):
    "The validation report: the last dataframe of the last tab, indexed by check."
    return tab(at, len(TABS) - 1).table[-1].value.set_index('Prüfung')


def tab(at, i: int):
    "Open tab i as a click does and return it (the tabs are stateful: only the open one runs)."
    at.session_state['explorer_tab'] = TABS[i]
    return at.run().tabs[i]


def upload(name: str, data: bytes, mime: str = 'text/csv') -> AppTest:
    at = app().run()
    at.radio(key='source').set_value('Eigene CSV-Datei').run()
    assert not at.exception and 'Wähle eine CSV-Datei mit Kopfzeile' in at.info[0].value
    at.file_uploader[0].set_value((name, data, mime)).run()
    assert not at.exception, at.exception
    return at


def target_box(at):
    return next(s for s in at.selectbox if s.key.startswith('target:'))


def csv(df, **kw) -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=False, **kw)
    return buf.getvalue().encode()


def test_course_dataset_shows_every_tab():
    at = app().run()
    assert not at.exception
    assert [t.label for t in at.tabs] == TABS
    assert metrics(at) == {'Zeilen': '150', 'Spalten': '5', 'Zahlenspalten': '4', 'Fehlende Werte': '0'}
    assert at.selectbox(key='target:iris').value == 'species'
    prof = tab(at, 0).dataframe[0].value.set_index('Spalte')  # German names, units and numbers
    assert list(prof.index) == ['Kelchblattlänge (cm)', 'Kelchblattbreite (cm)', 'Kronblattlänge (cm)', 'Kronblattbreite (cm)', 'Art']
    assert prof.loc['Art', 'Typ'] == 'Kategorie' and prof.loc['Kronblattlänge (cm)', 'Minimum'] == '1'  # 'Art' is the species
    pairs = tab(at, 2).table[0].value
    assert {pairs.iloc[0]['Merkmal 1'], pairs.iloc[0]['Merkmal 2']} == {'Kronblattlänge (cm)', 'Kronblattbreite (cm)'}
    assert pairs.iloc[0]['r'] == '0,963'
    assert images(at) == 4  # distribution, correlations, scatter, box (no missing values: no gap picture)
    assert tab(at, 3).dataframe[-1].value.set_index('Spalte').loc['Kelchblattbreite (cm)', 'Ausreißer'] == '4'  # the overview below the rows
    assert tab(at, 4).success[0].value == 'Keine fehlenden Werte.'
    assert tab(at, 5).success[0].value.startswith('Alle blockierenden Datentore sind bestanden')
    assert validation_table(at).loc['Keine doppelten Zeilen', 'Ergebnis'] == '⚠ Warnung – blockiert nicht'  # Iris has one duplicate row


def test_switching_data_sets_targets_and_plots():
    at = app().run()
    at.selectbox(key='dataset').set_value('penguins').run()
    assert not at.exception
    assert metrics(at)['Zeilen'] == '344' and metrics(at)['Fehlende Werte'] == '19'
    assert at.selectbox(key='target:penguins').value == 'species'
    assert tab(at, 4).warning[0].value == '19 fehlende Werte in 5 Spalten; 11 Zeilen sind betroffen.'
    assert images(at) == 5  # now with the gap picture
    assert tab(at, 4).dataframe[1].value.set_index('Art').loc['Adelie', 'Geschlecht'] == '6'  # grouped by the target first
    at.selectbox(key='gap-group:penguins').set_value('island').run()
    gaps_by_group = tab(at, 4).dataframe[1].value.set_index('Insel')
    assert gaps_by_group.loc['Torgersen', 'Geschlecht'] == '5' and gaps_by_group['Zeilen'].astype(int).sum() == 344
    tab(at, 0)  # a tab's widgets exist while it is open
    at.selectbox(key='group:penguins').set_value('island').run()
    groups = at.tabs[0].dataframe[-1].value.set_index('Insel')
    assert groups['Zeilen'].to_dict() == {'Biscoe': '168', 'Dream': '124', 'Torgersen': '52'}
    # plots follow the widgets
    tab(at, 1); at.selectbox(key='dist:penguins').set_value('island').run()
    tab(at, 3); at.selectbox(key='x:penguins').set_value('flipper_length_mm')
    at.selectbox(key='y:penguins').set_value('body_mass_g').run()
    tab(at, 2); at.radio(key='method').set_value('spearman').run()
    assert not at.exception and images(at) == 5
    # a target with gaps: the validation report says why
    at.selectbox(key='target:penguins').set_value('sex').run()
    assert not at.exception and not at.warning  # no warning at the top: the gaps are counted in their own tab
    assert tab(at, 4).warning.values == ['19 fehlende Werte in 5 Spalten; 11 Zeilen sind betroffen.']
    assert validation_table(at).loc['Ziel ohne Lücken', 'Meldung'] == '11 fehlende Zielwerte'
    assert 'Ziel ohne Lücken' in tab(at, 5).error[0].value
    # a target that is no class: reported, plots without colours
    at.selectbox(key='target:penguins').set_value('body_mass_g').run()
    assert not at.exception
    assert "Zielspalte 'body_mass_g' hat 94 verschiedene Werte (mehr als 20)" in at.warning[0].value
    tab(at, 1)
    assert at.checkbox(key='dist-by:penguins').disabled
    # back to another data set: its own default target
    at.selectbox(key='dataset').set_value('wine').run()
    assert not at.exception and at.selectbox(key='target:wine').value == 'cultivar'
    assert metrics(at) == {'Zeilen': '178', 'Spalten': '14', 'Zahlenspalten': '13', 'Fehlende Werte': '0'}


def test_good_upload_with_semicolon_and_decimal_comma():
    iris = load_dataset('iris')
    at = upload('blumen.csv', csv(iris, sep=';', decimal=','))
    assert not at.error
    assert metrics(at) == {'Zeilen': '150', 'Spalten': '5', 'Zahlenspalten': '4', 'Fehlende Werte': '0'}
    assert target_box(at).value == 'species'
    assert tab(at, 5).success[0].value.startswith('Alle blockierenden Datentore sind bestanden')
    assert images(at) == 4


BIG = b'a,b\n' + b'1,2\n' * 2_800_000  # about 11 MB


@pytest.mark.parametrize('name,data,reason', [
    ('bild.csv', b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR' + bytes(64), 'keine Textdatei (Binärdaten)'),
    ('leer.csv', b'', 'ist leer'),
    ('kopf.csv', b'laenge,breite,art\n', 'hat eine Kopfzeile, aber keine Datenzeilen'),
    ('riesig.csv', BIG, 'höchstens 10 MB'),
    ('daten.json', b'[{"laenge": 5.1, "art": "setosa"},\n {"laenge": 7.0, "art": "versicolor"}]', 'Die Datei ist JSON, keine Tabelle'),
], ids=['binary', 'empty', 'header-only', 'too-big', 'json'])
def test_bad_file_is_refused_with_reason(name, data, reason):
    at = upload(name, data)
    assert len(BIG) > 10 * 1024 * 1024
    assert f'**{name}** wurde nicht übernommen' in at.error[0].value and reason in at.error[0].value
    assert not at.tabs and not at.metric and len(at.error) == 1  # one reason, no analysis of a file that was not taken


def test_text_in_a_number_column_shows_in_the_validation_report():
    df = load_dataset('iris')
    df['petal width (cm)'] = df['petal width (cm)'].astype(object)
    df.loc[7, 'petal width (cm)'] = 'breit'
    at = upload('text.csv', csv(df))
    assert 'Text in Zahlenspalten: petal width (cm) enthält überwiegend Zahlen' in at.warning[0].value
    assert 'im letzten Reiter, „Datentore“' in at.warning[0].value and at.tabs[-1].label == 'Datentore'  # where the hint points
    assert tab(at, 0).dataframe[0].value.set_index('Spalte').loc['Kronblattbreite (cm)', 'Typ'] == 'gemischt'
    row = validation_table(at).loc['Kein Text in Zahlenspalten']
    assert row['Ergebnis'] == '✗ nicht bestanden – blockiert' and 'petal width (cm)' in row['Meldung']
    assert 'Kein Text in Zahlenspalten' in tab(at, 5).error[0].value
    assert metrics(at)['Zahlenspalten'] == '3'


def test_missing_values_are_counted_and_located():
    df = load_dataset('iris')
    df.loc[[1, 2, 3], 'sepal length (cm)'] = None
    df.loc[5, 'species'] = None
    at = upload('luecken.csv', csv(df))
    assert metrics(at)['Fehlende Werte'] == '4'
    assert tab(at, 4).warning[0].value == '4 fehlende Werte in 2 Spalten; 4 Zeilen sind betroffen.'
    assert tab(at, 4).dataframe[0].value.set_index('Spalte')['fehlend'].to_dict() == {'Kelchblattlänge (cm)': '3', 'Art': '1'}
    assert validation_table(at).loc['Ziel ohne Lücken', 'Ergebnis'] == '✗ nicht bestanden – blockiert'
    assert validation_table(at).loc['Fehlende Werte begrenzt', 'Ergebnis'] == '✓ bestanden'



def test_tables_reach_streamlit_without_the_csv_format():
    "A table keeps how its CSV was read in df.attrs; Streamlit sends attrs along as JSON and warns in the terminal when it cannot."
    df = load_dataset('iris')
    df.loc[[1, 2, 3], 'sepal length (cm)'] = None  # the missing-values tables too, by column and by group
    df.loc[5, 'species'] = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        at = upload('luecken.csv', csv(df))
        shown = sum(len(tab(at, i).dataframe) for i in range(len(TABS)))  # every tab opened in turn: only the open one runs
    assert metrics(at)['Fehlende Werte'] == '4' and shown >= len(TABS)
    assert [str(w.message) for w in caught if 'attrs' in str(w.message)] == []

@pytest.mark.parametrize('name,data', [('eine.csv', b'wert\n1\n2\n3\n'), ('brief.txt', b'Liebe Kursleitung\nanbei meine Daten\n')],
                         ids=['one-column', 'prose'])
def test_a_single_column_is_refused(name, data):
    at = upload(name, data)
    assert 'nur eine Spalte' in at.error[0].value and 'mindestens zwei Spalten' in at.error[0].value
    assert not at.tabs and not at.metric


def test_unsuitable_targets_are_explained():
    df = load_dataset('iris').reset_index().rename(columns={'index': 'id'})
    at = upload('ids.csv', csv(df[[*df.columns[1:], 'id']]))  # the id column comes last: the default target
    assert 'kommt nur einmal vor (150 verschiedene Werte bei 150 Zeilen)' in at.warning[0].value
    assert validation_table(at).loc['Genug Beispiele je Klasse', 'Ergebnis'] == '✗ nicht bestanden – blockiert'
    assert target_box(at).value == 'id'
    target_box(at).set_value('species').run()
    assert not at.exception and [w.value for w in at.warning if 'Keine Kennungen als Merkmal' not in w.value] == []  # now 'id' is a feature: flagged
    assert 'Keine Kennungen als Merkmal' in at.warning[0].value and tab(at, 5).success


def test_table_without_number_columns():
    at = upload('text.csv', b'farbe,form,klasse\n' + b'rot,rund,a\nblau,eckig,b\ngruen,rund,a\n' * 5)
    assert 'mindestens zwei Zahlenspalten' in tab(at, 2).info[0].value
    assert 'Keine Zahlenspalten' in tab(at, 3).info[-1].value
    assert images(at) == 1  # the bar chart of the distribution tab


def _with(**changes) -> bytes:
    df = load_dataset('iris')
    for col, (rows, value) in changes.items():
        if col not in df: df.insert(0, col, None)  # new columns first: the last one stays the default target
        df.loc[rows, col] = value
    return csv(df)


@pytest.mark.parametrize('name,data,failed,message', [
    ('unendlich.csv', _with(**{'sepal width (cm)': ([4, 9], float('inf'))}), 'Keine unendlichen Werte', "unendliche Werte in 'sepal width (cm)'"),
    ('leere_spalte.csv', _with(notiz=(slice(None), None)), 'Fehlende Werte begrenzt', "'notiz' 100\u00a0%"),
    ('eine_zeile.csv', b'laenge,breite,art\n1.5,2.5,setosa\n', 'Genug Zeilen', '1 Zeile (mindestens 10)'),
], ids=['infinite', 'empty-column', 'one-row'])
def test_awkward_values_are_reported_not_crashed(name, data, failed, message):
    at = upload(name, data)
    row = validation_table(at).loc[failed]
    assert row['Ergebnis'] == '✗ nicht bestanden – blockiert' and message in row['Meldung']
    assert failed in tab(at, 5).error[0].value
    assert images(at) >= 2 and [t.label for t in at.tabs] == TABS


def test_reading_settings_belong_to_their_file():
    "A decimal point set for one file was used for the next: a decimal-comma column became text and failed the data gates."
    from conftest import ROOT
    cases = ROOT / 'tests/data/cases'
    at = upload('versicherung.csv', (cases / 'versicherung.csv').read_bytes())
    decimal = next(s for s in at.selectbox if s.label == 'Dezimalzeichen')
    decimal.set_value('.').run()
    assert next(s for s in at.selectbox if s.label == 'Dezimalzeichen').value == '.'
    at.file_uploader[0].set_value(('kauf_cp1252.csv', (cases / 'kauf_cp1252.csv').read_bytes(), 'text/csv')).run()
    assert not at.exception, at.exception
    assert next(s for s in at.selectbox if s.label == 'Dezimalzeichen').value is None  # 'erkennen' again for the new file
    assert any('Dezimalkomma' in c.value for c in at.caption), [c.value for c in at.caption]


def test_outlier_rows_follow_the_box_plot_rule():
    "The box plot split by species counted one outlier (a Gentoo) while the rows under it used whole-column fences and listed none."
    at = app().run()
    at.selectbox(key='dataset').set_value('penguins').run()
    box = tab(at, 3)
    assert at.selectbox(key='box:penguins').value == 'bill_length_mm'
    rows = box.expander[0]
    assert rows.label == '1 Zeile mit Ausreißer in Schnabellänge (mm) – Zäune je Art'  # as in the plot's title: 1 Ausreißer
    assert rows.dataframe[0].value['species'].tolist() == ['Gentoo']
    assert 'Zäune über alle Zeilen, nicht je Art' in box.caption[-1].value  # the overview table says it uses another rule
    assert box.dataframe[-1].value.set_index('Spalte').loc['Schnabellänge (mm)', 'Ausreißer'] == '0'
    at.selectbox(key='target:penguins').set_value('body_mass_g').run()  # no class target: the plot is not split, nor are the fences
    assert tab(at, 3).expander[0].label == '0 Zeilen mit Ausreißer in Schnabellänge (mm) – Zäune über alle Zeilen'
