"""The student edition: every solution replaced by a TODO stub, executed headless, each self-check says "noch nicht gelöst"."""
import json
import re

import pytest
from conftest import ROOT

from amalea_quack.course import execute_all, notebooks, write_student_edition

NBS = notebooks()
IDS = [str(p.relative_to(ROOT / 'nbs')) for p in NBS]
EDITION = ROOT / '_build/student'


def solution_cells(nb: dict) -> list:
    return [c for c in nb['cells'] if 'solution' in c.get('metadata', {}).get('tags', [])]


def texts(nb: dict) -> str:
    return '\n'.join(''.join(o.get('text', '')) + ''.join(o.get('data', {}).get('text/plain', ''))
                     for c in nb['cells'] if c['cell_type'] == 'code' for o in c.get('outputs', []))


@pytest.fixture(scope='module')
def executed():
    files = write_student_edition(EDITION / 'nbs')
    res = execute_all(EDITION / 'executed', [f for f in files if f.name != 'index.ipynb'], src_root=EDITION / 'nbs')
    return res.set_index('Notebook')


@pytest.mark.parametrize('rel', IDS)
def test_solutions_are_stubs(rel):
    course = json.loads((ROOT / 'nbs' / rel).read_text())
    write_student_edition(EDITION / 'check')  # cheap: text only
    student = json.loads((EDITION / 'check' / rel).read_text())
    stubs = solution_cells(student)
    assert len(stubs) == len(solution_cells(course))
    for stub, sol in zip(stubs, solution_cells(course), strict=True):
        src = ''.join(stub['source'])
        assert src.startswith('# TODO') and src != ''.join(sol['source'])


@pytest.mark.parametrize('rel', IDS)
def test_student_edition_runs_and_every_exercise_is_unsolved(executed, rel):
    row = executed.loc[rel]
    assert row['ok'], row['Fehler']
    out = texts(json.loads((EDITION / 'executed' / rel).read_text()))
    n = len(solution_cells(json.loads((ROOT / 'nbs' / rel).read_text())))
    assert len(re.findall(r'Selbstcheck «.+?»: noch nicht gelöst', out)) >= n  # every exercise says so, none crashes
    # demonstrations of the mechanism are named «Beispiel: …»; exercises must not pass with a stub
    assert not re.search(r'Selbstcheck «(?!Beispiel:).+?»: (gelöst|noch nicht richtig)', out) if n else True
