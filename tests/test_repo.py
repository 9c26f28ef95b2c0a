"""The repository keeps its promises: the two commands, one module per notebook, no machine paths, clean config."""
import re
import subprocess
import tomllib

import nbformat
from conftest import ROOT

from amalea_quack.course import notebooks


def tracked_files():
    return subprocess.run(['git', 'ls-files'], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()


def test_readme_gives_the_two_commands_and_ci_runs_the_test_command():
    readme = (ROOT / 'README.md').read_text()
    assert '```bash\nmake start\n```' in readme and '```bash\nmake test\n```' in readme
    assert re.search(r'^make test$', (ROOT / '.ci/run').read_text(), re.M)
    targets = re.findall(r'^([\w-]+):', (ROOT / 'Makefile').read_text(), re.M)
    assert {'start', 'test'} <= set(targets)


def test_one_module_per_notebook():
    exported = {}
    for nb in notebooks():
        first = nbformat.read(nb, as_version=4).cells[0].source
        module = re.fullmatch(r'#\| default_exp (\w+)', first.strip()).group(1)
        assert module not in exported, f'{module} aus {nb.name} und {exported.get(module)}'
        exported[module] = nb.name
        header = (ROOT / 'amalea_quack' / f'{module}.py').read_text()
        assert f'File to edit: ../nbs/{nb.relative_to(ROOT / "nbs")}' in header
    modules = {p.stem for p in (ROOT / 'amalea_quack').glob('*.py')} - {'__init__', '_modidx'}
    assert modules == set(exported)


def test_sidebar_lists_every_notebook_once():
    sidebar = (ROOT / 'nbs/sidebar.yml').read_text()
    for nb in notebooks():
        assert sidebar.count(str(nb.relative_to(ROOT / 'nbs'))) == 1, nb.name


def test_no_paths_of_a_particular_machine():
    pattern = re.compile('|'.join(['/' + 'work/', '/' + 'root/', '/' + 'home/[a-z]', '/' + 'tmp/nbt', 'pyenv' + '/versions']))
    hits = [f for f in tracked_files() if f.endswith(('.py', '.ipynb', '.md', '.toml', '.yml', '.yaml', '.txt', '.cfg', '.json'))
            and pattern.search((ROOT / f).read_text(errors='ignore'))]
    assert hits == []


def test_nbdev_config_keeps_tags_and_has_no_settings_ini():
    cfg = tomllib.loads((ROOT / 'pyproject.toml').read_text())['tool']['nbdev']
    assert 'tags' in cfg['allowed_cell_metadata_keys'] and cfg['lib_path'] == 'amalea_quack' and cfg['recursive']
    assert not (ROOT / 'settings.ini').exists()


def test_torch_is_pinned_exactly():
    pins = (ROOT / 'constraints.txt').read_text().splitlines()
    assert 'torch==2.13.0' in pins
    deps = tomllib.loads((ROOT / 'pyproject.toml').read_text())['project']['optional-dependencies']['deep']
    assert 'torch==2.13.0' in deps
