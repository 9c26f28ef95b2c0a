"""The student edition is what students open: solutions stubbed and nowhere to be found, checker internals absent, every
exercise says "noch nicht gelöst" when run, a regeneration never overwrites what a student typed, and `quack fortschritt`
reports solved / wrong / unsolved / unchecked correctly without touching the student's files."""
import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from conftest import ROOT, assert_valid_nbformat, quack

from amalea_quack.course import (
    STUB_HEADER,
    execute_all,
    exercise_slots,
    notebook_progress,
    notebooks,
    write_student_edition,
)

NBS = notebooks()
IDS = [str(p.relative_to(ROOT / 'nbs')) for p in NBS]
BUILD = ROOT / '_build/student'  # make test writes the edition here and executes it into BUILD/executed


def tags(c) -> list: return c.get('metadata', {}).get('tags', [])
def src(c) -> str: return ''.join(c['source']) if isinstance(c['source'], list) else c['source']
def read(p: Path) -> dict: return json.loads(p.read_text(encoding='utf-8'))


@pytest.fixture(scope='module')
def edition(tmp_path_factory) -> Path:
    "A fresh student edition written from the course notebooks."
    out = tmp_path_factory.mktemp('edition') / 'nbs'
    write_student_edition(out)
    return out


@pytest.mark.parametrize('rel', IDS)
def test_solutions_are_stubs_and_checker_cells_are_gone(edition, rel):
    course, student = read(ROOT / 'nbs' / rel), read(edition / rel)
    sols = [c for c in course['cells'] if 'solution' in tags(c)]
    stubs = [c for c in student['cells'] if 'solution' in tags(c)]
    assert len(stubs) == len(sols)
    for stub, sol in zip(stubs, sols, strict=True):
        assert src(stub).startswith(STUB_HEADER) and src(stub) != src(sol)
    assert not any('checks' in tags(c) for c in student['cells']), 'Zellen mit Prüfkriterien gehören nicht in die Ausgabe'


def distinctive_lines(source: str) -> list[str]:
    "Lines of a reference answer that would give it away: code with substance, not imports, comments, signatures or openings."
    out = []
    for line in source.splitlines():
        s = line.strip()
        if len(s) < 14 or s.startswith(('#', 'import ', 'from ', '"', "'", 'def ', '@', 'class ')) or s.endswith(('(', '[', '{', ':')): continue
        if re.fullmatch(r'[\w.]+ = \.\.\.,?', s) or re.fullmatch(r'[\w\s,:=()\[\]{}.\'"-]{0,20}', s): continue
        out.append(s)
    return out


def secrets_of_the_course() -> dict[str, list[str]]:
    "Per notebook: the distinctive lines of every reference answer and checker cell that no lesson cell of the course shows anyway."
    is_secret = lambda c: c['cell_type'] == 'code' and bool({'solution', 'checks'} & set(tags(c)))
    given = '\n'.join(src(c) for p in NBS for c in read(p)['cells'] if not is_secret(c))  # the lessons teach these lines
    return {str(p.relative_to(ROOT / 'nbs')): [line for c in read(p)['cells'] if is_secret(c) for line in distinctive_lines(src(c))
                                             if line not in given] for p in NBS}


def find_leaks(texts: dict[Path, str], secrets: dict[str, list[str]]) -> list[str]:
    """Where a secret line stands in a text, as written or as it stands inside a notebook's JSON (quotes and backslashes escaped,
    other characters as they are, as nbformat writes them, or as \\u escapes): one message per line and notebook.
    All lines are searched in one Aho-Corasick pass per text (pyahocorasick), not one pass per line (1,800 lines, 17 MB of text)."""
    import ahocorasick
    owners: dict[str, list[tuple[str, str]]] = {}
    for nb, lines in secrets.items():
        for line in lines:
            for needle in {line, json.dumps(line, ensure_ascii=False)[1:-1], json.dumps(line)[1:-1]}:
                owners.setdefault(needle, []).append((nb, line))
    if not owners: return []
    automaton = ahocorasick.Automaton()
    for needle, who in owners.items(): automaton.add_word(needle, who)
    automaton.make_automaton()
    found: dict[tuple[str, str], set[str]] = {}
    for p, text in texts.items():
        for _, who in automaton.iter(text):
            for key in who: found.setdefault(key, set()).add(str(p.relative_to(p.parents[2])))
    return [f'{nb}: „{line[:70]}“ steht in {sorted(paths)[:3]}' for (nb, line), paths in sorted(found.items())]


def test_a_leak_is_found_as_written_and_inside_a_notebook(tmp_path):
    line = 'best = max(scores, key=scores.get)  # "größte"'  # inside a notebook's JSON the quotes stand escaped, the umlauts not
    (tmp_path / 'a' / 'b').mkdir(parents=True)
    plain, notebook, escaped, clean = (tmp_path / 'a' / 'b' / n for n in ('notes.md', 'x.ipynb', 'z.ipynb', 'y.ipynb'))
    plain.write_text(f'Lösung: {line} und mehr', encoding='utf-8')
    notebook.write_text(json.dumps({'source': [f'    {line}\n']}, ensure_ascii=False), encoding='utf-8')  # as nbformat writes
    escaped.write_text(json.dumps({'source': [f'    {line}\n']}), encoding='utf-8')  # umlauts as \u escapes
    clean.write_text('{}', encoding='utf-8')
    texts = {p: p.read_text(encoding='utf-8') for p in (plain, notebook, escaped, clean)}
    leaks = find_leaks(texts, {'week01/x.ipynb': [line, 'steht nirgends im Text, nirgends']})
    assert leaks == [f"week01/x.ipynb: „{line[:70]}“ steht in ['a/b/notes.md', 'a/b/x.ipynb', 'a/b/z.ipynb']"]
    assert find_leaks(texts, {}) == []


def test_no_reference_answer_in_any_file_a_student_opens(edition):
    "Grep every file of the edition (and of the executed edition, if make test built one) for every reference answer line."
    texts = {p: p.read_text(encoding='utf-8', errors='replace') for base in (edition, BUILD / 'executed') if base.exists()
             for p in base.rglob('*') if p.is_file() and p.suffix in ('.ipynb', '.md', '.yml', '.txt', '.py', '.json', '.html')}
    leaks = find_leaks(texts, secrets_of_the_course())
    assert not leaks, '\n'.join(leaks[:20])


@pytest.mark.parametrize('rel', IDS)
def test_every_checker_is_tested_with_a_wrong_answer(rel):
    "The notebook's hidden tests give every exercise a typical wrong answer and every self-test one too."
    nb = read(ROOT / 'nbs' / rel)
    keys = [k for k in exercise_slots(nb) if not k.endswith('.q')]
    tests = '\n'.join(src(c) for c in nb['cells'] if 'checks' in tags(c) and not src(c).lstrip().startswith('#| export'))
    for key in keys:
        assert re.search(rf"""['"]{re.escape(key)}['"]""", tests), f'{rel}: kein Test für Übung {key}'
    if keys: assert "'wrong'" in tests and "'unsolved'" in tests, f'{rel}: die Tests prüfen nicht, was eine falsche bzw. fehlende Antwort ergibt'
    if any(k.endswith('.q') for k in exercise_slots(nb)): assert 'check_quiz' in tests, f'{rel}: die Selbstkontrolle ist nicht getestet'


@pytest.fixture(scope='module')
def executed():
    "The student edition executed headless (make test has done it into _build/student; otherwise done here)."
    if not (BUILD / 'executed').exists():
        write_student_edition(BUILD / 'nbs')
        res = execute_all(BUILD / 'executed', notebooks(BUILD / 'nbs'), src_root=BUILD / 'nbs')
        assert res['ok'].all(), res[~res['ok']].to_string()
    return BUILD / 'executed'


def test_every_executed_notebook_of_the_edition_is_valid_nbformat(executed):
    "The student edition is what the website publishes (see the deploy workflow)."
    found = sorted(executed.glob('*/[0-9][0-9]_*.ipynb'))
    assert len(found) == len(notebooks()), found
    for p in found: assert_valid_nbformat(p)


def outputs_text(nb: dict) -> str:
    return '\n'.join(''.join(o.get('text', '')) + ''.join(o.get('data', {}).get('text/plain', ''))
                     for c in nb['cells'] if c['cell_type'] == 'code' for o in c.get('outputs', []))


@pytest.mark.parametrize('rel', IDS)
def test_student_edition_runs_and_every_exercise_says_unsolved(executed, rel):
    out_nb = read(executed / rel)
    errors = [f"{o['ename']}: {o['evalue']}" for c in out_nb['cells'] if c['cell_type'] == 'code' for o in c.get('outputs', [])
              if o.get('output_type') == 'error']
    assert not errors, errors
    out = outputs_text(out_nb)
    keys = exercise_slots(read(ROOT / 'nbs' / rel))
    exercises = [k for k in keys if not k.endswith('.q')]
    assert len(re.findall(r'Selbstcheck «(?!Beispiel:).+?»: noch nicht gelöst', out)) >= len(exercises) + (1 if len(keys) > len(exercises) else 0)
    assert not re.search(r'Selbstcheck «(?!Beispiel:).+?»: (gelöst|noch nicht richtig)', out)


# --- a student's work is never lost ---------------------------------------------------------------------------------------------------

def test_regenerating_after_a_course_update_keeps_every_typed_cell_byte_for_byte(tmp_path):
    course = tmp_path / 'kurs'
    shutil.copytree(ROOT / 'nbs', course, ignore=shutil.ignore_patterns('.ipynb_checkpoints'))
    edition = tmp_path / 'ausgabe'
    write_student_edition(edition, course)
    rel = 'week02/04_datenvalidierung.ipynb'
    student = read(edition / rel)
    typed = [c for c in student['cells'] if 'solution' in tags(c)][:2]
    for i, c in enumerate(typed): c['source'] = f'# meine Lösung {i}\nantwort_{i} = {i}\n'
    student['cells'].insert(5, {'cell_type': 'markdown', 'id': 'notiz-1', 'metadata': {}, 'source': 'Meine Notiz: Zeile 17 prüfen!'})
    annotated = next(c for c in student['cells'][8:] if c['cell_type'] == 'markdown')
    annotated['source'] = src(annotated) + '\n\n*Meine Randnotiz.*'  # the student writes into a lesson cell …
    (edition / rel).write_text(json.dumps(student, indent=1, ensure_ascii=False), encoding='utf-8')
    mine = {c['id']: json.dumps(c, sort_keys=True) for c in student['cells'] if c['id'] in {t['id'] for t in typed} | {'notiz-1', annotated['id']}}
    untouched_rel = 'week01/01_quack_prozessmodell.ipynb'
    # the course changes (a git pull): a new cell, an edited cell the student never typed in, an edited cell the student typed in
    nb = read(course / rel)
    nb['cells'].insert(3, {'cell_type': 'markdown', 'id': 'neu-im-kurs', 'metadata': {}, 'source': 'Neu: ein Hinweis.'})
    other = next(c for c in nb['cells'] if c['cell_type'] == 'markdown' and c['id'] not in mine and c['id'] != 'neu-im-kurs')
    other['source'] = src(other) + '\n\nErgänzt.'
    lesson = next(c for c in nb['cells'] if c['id'] == annotated['id'])  # … which the course also changes
    lesson['source'] = src(lesson) + '\n\nKorrigiert.'
    (course / rel).write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding='utf-8')
    u = read(course / untouched_rel)
    last_md = next(c for c in reversed(u['cells']) if c['cell_type'] == 'markdown')
    last_md['source'] = src(last_md) + '\n\nNeu im Kurs.'
    (course / untouched_rel).write_text(json.dumps(u, indent=1, ensure_ascii=False), encoding='utf-8')
    report = write_student_edition(edition, course)
    after = read(edition / rel)
    by_id = {c['id']: c for c in after['cells']}
    for cid, before in mine.items(): assert json.dumps(by_id[cid], sort_keys=True) == before, f'Zelle {cid} wurde verändert'
    assert 'neu-im-kurs' in by_id and src(by_id[other['id']]).endswith('Ergänzt.')
    assert rel in report.merged and any('deine Fassung bleibt' in n for n in report.merged[rel])
    assert untouched_rel in report.updated  # nobody typed there: the new course version simply arrives
    assert str(write_student_edition(edition, course)) == 'Die Studierenden-Ausgabe ist auf dem neuesten Stand.'


def test_a_broken_notebook_is_left_alone(tmp_path):
    edition = tmp_path / 'ausgabe'
    write_student_edition(edition)
    broken = edition / 'week01/02_mlops_werkzeuge.ipynb'
    broken.write_text('{"cells": [ kaputt', encoding='utf-8')
    report = write_student_edition(edition)
    assert broken.read_text(encoding='utf-8') == '{"cells": [ kaputt' and 'week01/02_mlops_werkzeuge.ipynb' in report.skipped


# --- progress ---------------------------------------------------------------------------------------------------------------------------

PREPARED = ['week01/01_quack_prozessmodell.ipynb', 'week02/04_datenvalidierung.ipynb', 'week07/14_model_registry.ipynb']


def solve(student: dict, course: dict, keys: set | None = None) -> dict:
    "Put the course's reference answers into the student's solution cells (all, or those of `keys`)."
    ref, slots = exercise_slots(course), exercise_slots(student)
    for key, (sol, _) in slots.items():
        if keys is None or key in keys: student['cells'][sol]['source'] = course['cells'][ref[key][0]]['source']
    return student


@pytest.fixture(scope='module')
def editions(tmp_path_factory):
    "Three prepared editions of PREPARED: untouched, half solved with one wrong answer, fully solved."
    base = tmp_path_factory.mktemp('editions')
    out = {}
    for name in ('unberuehrt', 'halb', 'fertig'):
        write_student_edition(base / name)
        out[name] = base / name
    for rel in PREPARED:
        course = read(ROOT / 'nbs' / rel)
        keys = sorted(exercise_slots(course))
        (out['fertig'] / rel).write_text(json.dumps(solve(read(out['fertig'] / rel), course)), encoding='utf-8')
        half = solve(read(out['halb'] / rel), course, set(keys[: len(keys) // 2 + 1]))
        (out['halb'] / rel).write_text(json.dumps(half), encoding='utf-8')
    wrong = read(out['halb'] / PREPARED[0])  # one wrong answer: the first exercise of notebook 01
    first = sorted(k for k in exercise_slots(wrong) if not k.endswith('.q'))[0]
    wrong['cells'][exercise_slots(wrong)[first][0]]['source'] = 'unmessbar = {"z"}'
    (out['halb'] / PREPARED[0]).write_text(json.dumps(wrong), encoding='utf-8')
    return out, first


def states(folder: Path) -> dict:
    rows = []
    for rel in PREPARED: rows += notebook_progress(folder / rel, ROOT / 'nbs' / rel)
    return {r['key']: r for r in rows}


def test_progress_of_an_untouched_edition(editions):
    got = states(editions[0]['unberuehrt'])
    assert got and {r['status'] for r in got.values()} == {'unsolved'}


def test_progress_of_a_half_solved_edition_with_one_wrong_answer(editions):
    (_, wrong_key), got = editions, states(editions[0]['halb'])
    assert got[wrong_key]['status'] == 'wrong' and got[wrong_key]['note']
    counts = {s: sum(r['status'] == s for r in got.values()) for s in ('solved', 'wrong', 'unsolved', 'unchecked')}
    assert counts['solved'] > 0 and counts['unsolved'] > 0 and counts['wrong'] == 1 and counts['unchecked'] == 0, counts


def test_progress_of_a_fully_solved_edition(editions):
    got = states(editions[0]['fertig'])
    assert {k: r['status'] for k, r in got.items() if r['status'] != 'solved'} == {}


def digest(folder: Path) -> dict:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob('*') if p.is_file()}


def test_progress_names_what_it_cannot_check_and_writes_nothing(tmp_path):
    edition = tmp_path / 'nbs'
    write_student_edition(edition)
    (edition / PREPARED[0]).write_text('{ kein json', encoding='utf-8')
    (edition / PREPARED[1]).unlink()
    nb = read(edition / PREPARED[2])
    for c in nb['cells']:  # the student removed the solution tag and wrote a gate that raises; the check cell raises too
        if 'solution' in tags(c): c['metadata']['tags'].remove('solution'); c['source'] = 'def cv_gate(c):\n    raise RuntimeError("kaputt")\n'
    (edition / PREPARED[2]).write_text(json.dumps(nb), encoding='utf-8')
    before = digest(edition)
    got = states(edition)
    assert digest(edition) == before  # nothing written into the student's files
    first = [r for k, r in got.items() if r['notebook'].endswith(PREPARED[0].split('/')[1])]
    assert first and all(r['status'] == 'unchecked' and 'nicht lesbar' in r['note'] for r in first)
    second = [r for r in got.values() if r['notebook'].endswith(PREPARED[1].split('/')[1])]
    assert all(r['status'] == 'unchecked' and 'fehlt' in r['note'] for r in second)
    gate = got['14.1']
    assert gate['status'] == 'wrong' and 'RuntimeError: kaputt' in gate['note']  # the tag was gone, the solution was found anyway
    raising = tmp_path / 'kaputt' / PREPARED[2]
    raising.parent.mkdir(parents=True)
    nb = read(edition / PREPARED[2])
    check_cell = next(c for c in nb['cells'] if src(c).startswith("check('14.1'"))
    check_cell['source'] = "check('14.1', undefinierter_name)"
    raising.write_text(json.dumps(nb), encoding='utf-8')
    row = {r['key']: r for r in notebook_progress(raising, ROOT / 'nbs' / PREPARED[2])}['14.1']
    assert row['status'] == 'unchecked' and 'Zelle' in row['note'] and 'NameError' in row['note']


def test_fortschritt_command_reports_as_text_and_json(editions, tmp_path):
    folder = tmp_path / 'ed'
    shutil.copytree(editions[0]['halb'], folder / 'nbs')
    for p in notebooks(folder / 'nbs'):
        if str(p.relative_to(folder / 'nbs')) not in PREPARED: p.unlink()
    text = quack('fortschritt', '--edition', str(folder), console=True)  # as a student types it
    assert text.returncode == 0 and 'gelöst' in text.stdout and 'noch nicht richtig' in text.stdout, text.stderr
    assert 'Prüfe deine Lösungen' in text.stderr  # said before the wait, not after it
    as_json = quack('fortschritt', '--edition', str(folder), '--json')  # the same main, forked (the console entry is tested above)
    assert as_json.returncode == 0, as_json.stderr
    rows = json.loads(as_json.stdout)
    assert {r['status'] for r in rows} >= {'solved', 'wrong'}
    # the teacher collects the reports and reads the class in one table; a file that is no report is refused by its name
    (tmp_path / 'klasse').mkdir()
    (tmp_path / 'klasse' / 'anna.json').write_text(as_json.stdout, encoding='utf-8')
    table = quack('class-progress', str(tmp_path / 'klasse'))
    solved = sum(r['status'] == 'solved' for r in rows)
    assert table.returncode == 0 and 'anna' in table.stdout and f'{solved}/{len(rows)}' in table.stdout.splitlines()[-1], table.stdout
    (tmp_path / 'klasse' / 'notiz.json').write_text('{"anna": "fleißig"}', encoding='utf-8')
    refused = quack('class-progress', str(tmp_path / 'klasse'))
    assert refused.returncode != 0 and 'notiz.json: erwartet die Ausgabe von `quack fortschritt --json`' in refused.stderr, refused.stderr


def test_isolated_runs_do_not_run_the_callers_script_again(tmp_path, monkeypatch):
    "After Streamlit's AppTest, `__main__` is the app script: a run forked from the fork server must neither run it again nor die of it."
    import math
    import types

    from amalea_quack.course import _run_isolated
    script, marker = tmp_path / 'app.py', tmp_path / 'ran'
    script.write_text(f'open({str(marker)!r}, "w").close()\nraise SystemExit(3)\n', encoding='utf-8')
    main = types.ModuleType('__main__')
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, '__main__', main)
    done = _run_isolated({'run': (math.factorial, (5,), {}, tmp_path)}, 1, limit=120)
    assert done['run'][:2] == (True, 120) and not marker.exists()


def test_progress_runs_solutions_where_they_read_but_never_writes_outside_its_sandbox(editions, tmp_path):
    "A solution that writes into the student's folders (a portfolio README, a file beside the notebook) is refused and named."
    nb_path = tmp_path / 'ed' / PREPARED[0]
    nb_path.parent.mkdir(parents=True)
    (nb_path.parent / 'daten.txt').write_text('neben dem Notebook', encoding='utf-8')
    portfolio = tmp_path / 'portfolio'
    portfolio.mkdir()
    (portfolio / 'README.md').write_text('# mein Portfolio', encoding='utf-8')
    nb = read(editions[0]['fertig'] / PREPARED[0])
    slots = exercise_slots(nb)
    prefix = {  # what each solution does before its answer
        '01.1': "import pathlib, tempfile\nassert pathlib.Path('daten.txt').read_text(encoding='utf-8') == 'neben dem Notebook'\n"
                "pathlib.Path(tempfile.mkdtemp(), 'nur_fuer_den_check.txt').write_text('ok')\n",
        '01.2': "open('notiz.txt', 'w').write('neben das Notebook')\n",
        '01.3': f"import pathlib\npathlib.Path({str(portfolio / 'README.md')!r}).rename({str(portfolio / 'README.alt')!r})\n",
        '01.4': f"import shutil\nshutil.rmtree({str(portfolio)!r})\n",
    }
    for key, code in prefix.items():
        cell = nb['cells'][slots[key][0]]
        cell['source'] = code + src(cell)
    nb_path.write_text(json.dumps(nb), encoding='utf-8')
    before = digest(tmp_path)
    got = {r['key']: r for r in notebook_progress(nb_path, ROOT / 'nbs' / PREPARED[0])}
    assert digest(tmp_path) == before and not (nb_path.parent / 'notiz.txt').exists()
    assert got['01.1']['status'] == 'solved', got['01.1']  # reading beside the notebook and writing into a temporary folder is fine
    for key, path in (('01.2', nb_path.parent / 'notiz.txt'), ('01.3', portfolio / 'README.md'), ('01.4', portfolio)):
        assert got[key]['status'] == 'unchecked' and 'schreibt nicht in deine Ordner' in got[key]['note'], got[key]
        assert str(path.resolve()) in got[key]['note'] and 'tempfile.mkdtemp()' in got[key]['note']


def test_the_sandbox_sees_every_kind_of_change_to_a_path():
    "Which paths an audit event would change: reads change nothing, a rename changes both of its paths."
    import os

    from amalea_quack.course import _changed_paths
    here = os.path.realpath('.')
    assert _changed_paths('open', ('a.txt', 'r', os.O_RDONLY)) == []
    assert _changed_paths('open', ('a.txt', 'a', os.O_WRONLY | os.O_APPEND)) == [os.path.join(here, 'a.txt')]
    assert _changed_paths('open', ('a.txt', None, os.O_WRONLY | os.O_CREAT)) == [os.path.join(here, 'a.txt')]  # os.open, Path.touch
    assert _changed_paths('open', (3, 'w', 0)) == []  # an open descriptor was checked when it was opened
    assert _changed_paths('os.rename', ('/x/a', '/y/b', None, None)) == ['/x/a', '/y/b']
    assert _changed_paths('os.remove', ('b', 5)) == []  # relative to a folder descriptor: seen by shutil.rmtree's own event
    assert _changed_paths('import', ('os', None, [], [], [])) == []


def test_fortschritt_names_a_missing_edition_and_checks_one_notebook(editions, tmp_path):
    "A wrong --edition is named with what to do (not 200 lines of 'missing'); --notebook 01 checks only that notebook."
    missing = quack('fortschritt', '--edition', str(tmp_path / 'gibt-es-nicht'))
    assert missing.returncode == 1 and 'kein Notebook der Studierenden-Ausgabe' in missing.stderr and '--edition' in missing.stderr
    assert len(missing.stdout.splitlines()) == 0
    folder = tmp_path / 'ed'
    shutil.copytree(editions[0]['halb'], folder / 'nbs')
    one = quack('fortschritt', '--edition', str(folder), '--notebook', '01', '--json')
    assert one.returncode == 0, one.stderr
    rows = json.loads(one.stdout)
    assert rows and {r['notebook'] for r in rows} == {PREPARED[0]}
    unknown = quack('fortschritt', '--edition', str(folder), '--notebook', '99')
    assert unknown.returncode == 1 and 'Notebook 99 gibt es nicht' in unknown.stderr


def test_a_long_checker_note_keeps_what_is_off():
    "The progress note shows only the ✗ lines when there are any and cuts at a word, so a mistake is never crowded out by what is right."
    from amalea_quack.course import _short_note
    wrong = '✗ (d) fehlt: `-dirty` heißt, der Code enthielt Änderungen, die in keinem Commit stehen'
    notes = ['✓ ' + 'richtig ' * 30, wrong, '✓ auch richtig', '✗ 62.8 ist in Prozent – gib die Grenze als Anteil an']
    assert _short_note(notes) == wrong + ' ✗ 62.8 ist in Prozent – gib die Grenze als Anteil an'
    short = _short_note(notes, limit=120)
    assert short.startswith(wrong) and short.endswith(' …') and len(short) <= 122 and not short[:-2].endswith(('Proz', 'Pro'))
    assert _short_note(['✓ kurz', '✓ auch']) == '✓ kurz ✓ auch'
