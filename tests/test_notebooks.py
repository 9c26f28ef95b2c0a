"""The course notebooks: committed clean and well-formed, executed headless by papermill in quick mode, every self-check solved."""
import ast
import re

import nbformat
import pandas as pd
import pytest
from conftest import EMBEDDED_STORE, ROOT, assert_valid_nbformat

from amalea_quack.course import PRELOAD, execute_all, notebooks

NBS = notebooks()
IDS = [str(p.relative_to(ROOT / 'nbs')) for p in NBS]
SELFCHECK = re.compile(r'Selbstcheck «(.+?)»: (gelöst|noch nicht gelöst|noch nicht richtig)')


def cells(path):
    return nbformat.read(path, as_version=4).cells


def outputs_text(cell) -> str:
    parts = []
    for o in cell.get('outputs', []):
        if o.output_type == 'stream': parts.append(o.text)
        elif o.output_type in ('execute_result', 'display_data'): parts += [o.data.get('text/plain', ''), o.data.get('text/markdown', '')]
    return '\n'.join(parts)


def test_the_fork_server_preloads_only_modules_that_exist():
    "A misspelt name in PRELOAD would be skipped silently by the fork server, and every notebook run would import it itself."
    import importlib.util
    assert [m for m in PRELOAD if importlib.util.find_spec(m) is None] == []


@pytest.mark.parametrize('path', NBS, ids=IDS)
def test_committed_clean_without_outputs(path):
    for c in cells(path):
        if c.cell_type == 'code': assert c.outputs == [] and c.execution_count is None, f'{path.name}: Ausgaben committet'


DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


TEST_CALLS = ('test_eq', 'test_fail', 'test_close', 'test_ne', 'test_is')
NOT_READ = {'solution', 'checks', 'check', 'exercise-setup', 'parameters'}  # stubbed, removed, or the check call a student runs


def is_test_statement(node) -> bool:
    "An assert or a fastcore test call – or a loop or branch holding nothing else."
    if isinstance(node, ast.Assert): return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and getattr(node.value.func, 'id', '') in TEST_CALLS: return True
    return isinstance(node, (ast.For, ast.If)) and all(map(is_test_statement, node.body + node.orelse))


def test_statement_finder_tells_tests_from_code():
    code = 'assert x\ntest_eq(a, 1)\nfor v in vs: test_eq(v, 1)\nprint(x)\nfor v in vs:\n    f(v)\n    assert v\ntest_eq_type(a, b)'
    found = [is_test_statement(n) for n in ast.parse(code).body]
    assert found == [True, True, True, False, False, False]


@pytest.mark.parametrize('path', [p for p in NBS if p.parent.name.startswith('week')], ids=lambda p: p.name)
def test_lessons_keep_tests_out_of_the_reading_path(path):
    "COURSE-STYLE: tests that teach nothing are '#| hide'. A cell a student reads holds no assert or test_eq at its top level."
    for c in cells(path):
        if c.cell_type != 'code' or re.search(r'^#\|\s*(hide|export)', c.source, re.M) or NOT_READ & set(c.metadata.get('tags', [])): continue
        try: body = ast.parse(c.source).body
        except SyntaxError: continue  # a cell with shell or magic lines
        tests = [ast.unparse(n).splitlines()[0] for n in body if is_test_statement(n)]
        assert not tests, f"{path.name}, Zelle {c.get('id')}: Tests in einer sichtbaren Zelle – in eine '#| hide'-Zelle danach: {tests}"


@pytest.mark.parametrize('path', NBS, ids=IDS)
def test_cells_that_nbdev_docs_reruns_hold_only_imports_and_definitions(path):
    "nbdev-docs re-runs every cell containing an import in a fresh kernel: such cells must not depend on earlier cells."
    for c in cells(path):
        if c.cell_type != 'code' or c.source.lstrip().startswith('#| export'): continue
        tree = ast.parse('\n'.join('' if line.lstrip().startswith(('%', '!')) else line for line in c.source.splitlines()))
        if any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree)):
            assert all(isinstance(n, DEFINITIONS) for n in tree.body), f'{path.name}: Importe und anderer Code in einer Zelle:\n{c.source}'


@pytest.mark.parametrize('path', NBS, ids=IDS)
def test_opens_with_module_title_subtitle_and_phase(path):
    cs = cells(path)
    assert re.fullmatch(r'#\| default_exp \w+', cs[0].source.strip()), 'erste Zelle: #| default_exp'
    head = [line for line in cs[1].source.splitlines() if line.strip()]
    # nbdev turns this cell into the page's front matter and drops it from the page: title and subtitle only
    assert cs[1].cell_type == 'markdown' and len(head) == 2 and head[0].startswith('# ') and head[1].startswith('> '), 'nur H1-Titel und >-Untertitel'
    assert cs[2].cell_type == 'markdown' and re.match(r'\*\*(Woche \d|Anhang) · ', cs[2].source), 'danach: Woche/Anhang und Phase'
    if path.parent.name.startswith('week'):
        assert 'Kursvideo' in cs[2].source and '## Lernziele' in cs[2].source
    params = [c for c in cs if 'parameters' in c.metadata.get('tags', [])]
    assert len(params) == 1 and 'QUICK = False' in params[0].source, 'eine parameters-Zelle mit QUICK = False'
    last_md = next(c for c in reversed(cs) if c.cell_type == 'markdown')
    assert '## Zusammenfassung' in last_md.source, 'die letzte Markdown-Zelle fasst zusammen (danach nur die versteckten Selbstchecks)'
    after = cs[cs.index(last_md) + 1:]
    assert all('checks' in c.metadata.get('tags', []) for c in after), 'nach der Zusammenfassung stehen nur Zellen mit dem Tag checks'


EXECUTED = ROOT / '_build/executed'


def errors(path) -> str:
    "The error outputs of an executed notebook ('' if it ran through)."
    return '; '.join(f"{o.ename}: {o.evalue}" for c in cells(path) if c.cell_type == 'code' for o in c.get('outputs', [])
                     if o.output_type == 'error')


@pytest.fixture(scope='module')
def executed():
    "Every notebook executed headless in quick mode, each with its own store; fresh copies from `make test` (make editions) are reused."
    executor = (ROOT / 'amalea_quack' / 'course.py').stat().st_mtime  # a change of how notebooks are run makes every copy stale
    fresh = [p for p in NBS if (EXECUTED / p.relative_to(ROOT / 'nbs')).exists()
             and (EXECUTED / p.relative_to(ROOT / 'nbs')).stat().st_mtime > max(p.stat().st_mtime, executor)]
    stale = [p for p in NBS if p not in fresh]
    res = execute_all(EXECUTED, stale, quick=True, workers=2) if stale else None
    rows = {str(p.relative_to(ROOT / 'nbs')): {'ok': not errors(EXECUTED / p.relative_to(ROOT / 'nbs')),
                                               'error': errors(EXECUTED / p.relative_to(ROOT / 'nbs'))} for p in fresh}
    if res is not None: rows.update({r.notebook: {'ok': r.ok, 'error': r.error} for r in res.itertuples()})
    return pd.DataFrame.from_dict(rows, orient='index')


@pytest.mark.parametrize('rel', IDS)
def test_executes_headless_in_quick_mode(executed, rel):
    row = executed.loc[rel]
    assert row['ok'], row['error']


def test_no_notebook_writes_into_a_store_other_than_the_callers(executed):
    "Each notebook ran with a store of its own (MLFLOW_TRACKING_URI): nothing may land in the repository's embedded store or a stray mlruns/."
    started = min((EXECUTED / p.relative_to(ROOT / 'nbs')).stat().st_mtime for p in NBS) - 3600  # the executions are newer than this
    db = EMBEDDED_STORE / 'mlflow.db'
    assert not db.exists() or db.stat().st_mtime < started, 'ein Notebook hat in den eingebetteten Store des Repositorys geschrieben'
    stray = [p for p in ROOT.rglob('mlruns') if '_build' not in p.parts and '.venv' not in p.parts]
    assert not stray, stray


def test_every_executed_notebook_is_valid_nbformat(executed):
    for p in NBS: assert_valid_nbformat(EXECUTED / p.relative_to(ROOT / 'nbs'))


def test_parameters_are_injected_once_even_into_an_executed_notebook():
    "Run again with other parameters (as papermill does): the earlier injected cell is replaced, not kept beside the new one."
    from fastcore.nbio import read_nb

    from amalea_quack.course import _inject_parameters
    nb = read_nb(ROOT / 'nbs/anhang/22_glossar.ipynb')
    _inject_parameters(nb, quick=True)
    _inject_parameters(nb, quick=False)
    injected = [i for i, c in enumerate(nb.cells) if 'injected-parameters' in c.metadata.get('tags', [])]
    parameters = [i for i, c in enumerate(nb.cells) if 'parameters' in c.metadata.get('tags', [])]
    assert injected == [parameters[0] + 1] and nb.cells[injected[0]].source == '# Parameters\nQUICK = False\n'
    assert len({c.id for c in nb.cells}) == len(nb.cells)
    without = read_nb(ROOT / 'nbs/anhang/22_glossar.ipynb')  # no 'parameters' cell: at the top, as papermill puts it
    without.cells = [c for c in without.cells if 'parameters' not in c.metadata.get('tags', [])]
    _inject_parameters(without, quick=True)
    assert 'injected-parameters' in without.cells[0].metadata['tags'] and len(without.cells) == len(nb.cells) - 1


def test_a_notebook_runs_with_papermill_as_a_student_runs_it(tmp_path):
    "The in-process engine is what CI uses; papermill (a Jupyter kernel) is what students and teachers use: one notebook through it."
    from amalea_quack.course import empty_store_template, execute_notebook
    src = ROOT / 'nbs/anhang/22_glossar.ipynb'
    ok, secs, err = execute_notebook(src, tmp_path / 'out.ipynb', template=empty_store_template(tmp_path / '.store'), engine='papermill')
    assert ok, err
    injected = [c for c in cells(tmp_path / 'out.ipynb') if 'injected-parameters' in c.metadata.get('tags', [])]
    assert len(injected) == 1 and 'QUICK = True' in injected[0].source


@pytest.mark.parametrize('rel', IDS)
def test_every_selfcheck_is_solved_in_the_course_edition(executed, rel):
    src = cells(ROOT / 'nbs' / rel)
    solutions = sum('solution' in c.metadata.get('tags', []) for c in src)
    out = '\n'.join(outputs_text(c) for c in cells(EXECUTED / rel))
    verdicts = [(name, v) for name, v in SELFCHECK.findall(out) if not name.startswith('Beispiel:')]  # demonstrations show every verdict
    assert sum(v == 'gelöst' for _, v in verdicts) >= solutions, verdicts
    if solutions: assert not any(v == 'noch nicht gelöst' for _, v in verdicts), verdicts  # a solution is missing
