"""Install the course into the environment of the Python that runs this script (`make install`: .venv/bin/python).

    python tools/install.py

Every package at the version constraints.txt pins, the course itself editable, with its [dev] extras. uv does the
install: it fetches packages in parallel (a fresh .venv took 12 s instead of 56 s with pip). uv does not read pip's
configuration, so the settings pip would use (index, extra indexes, wheel folders, constraints, certificate, proxy) are
handed to it as options; both then install the same. If uv cannot be installed here, a pip setting has no counterpart
in uv, or uv fails, pip installs as before, and the reason is printed.
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ['-e', f'{ROOT}[dev]']
CONSTRAINTS = ['-c', str(ROOT / 'constraints.txt')]

TRUE = {'1', 'true', 'yes', 'on', 'y', 't'}
LISTS = {'extra-index-url': '--extra-index-url', 'find-links': '--find-links', 'constraint': '-c', 'trusted-host': '--allow-insecure-host'}
ENVIRONMENT = {'cert': ('SSL_CERT_FILE',), 'client-cert': ('SSL_CLIENT_CERT',), 'proxy': ('HTTPS_PROXY', 'HTTP_PROXY'),
               'timeout': ('UV_HTTP_TIMEOUT',), 'default-timeout': ('UV_HTTP_TIMEOUT',)}
# settings that change how pip talks or what it prints, not which files it installs (config-file: settings listed themselves)
IRRELEVANT = {'config-file', 'disable-pip-version-check', 'no-cache-dir', 'cache-dir', 'progress-bar', 'quiet', 'verbose', 'no-input', 'retries',
              'root-user-action', 'no-color', 'log', 'require-virtualenv', 'no-python-version-warning', 'no-compile'}


def pip_settings(config_list: str) -> dict[str, str]:
    """The settings `pip install` applies, from the output of `pip config list` (lines `section.key='value'`).

    Sections count as pip counts them: environment variables (`:env:`) over `[install]` over `[global]`."""
    rank = {':env:': 2, 'install': 1, 'global': 0}
    found: dict[str, tuple[int, str]] = {}
    for line in config_list.splitlines():
        name, sep, value = line.partition('=')
        section, _, key = name.partition('.')
        if not sep or section not in rank: continue  # the settings of other pip commands
        if key not in found or rank[section] >= found[key][0]: found[key] = (rank[section], ast.literal_eval(value))
    return {k: v for k, (_, v) in found.items()}


def uv_options(settings: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """`uv pip install` options and environment variables that install what pip with `settings` would install.

    Raises ValueError (German) for a setting that would change the install and has no counterpart here."""
    args, env = ['--index-strategy', 'unsafe-best-match'], {}  # as pip: the best version from any index, not the first index's
    for key, value in settings.items():
        if key in LISTS: args += [a for v in value.split() for a in (LISTS[key], v)]
        elif key == 'index-url': args += ['--index-url', value]
        elif key == 'no-index':
            if value.strip().lower() in TRUE: args.append('--no-index')
        elif key in ENVIRONMENT: env.update({name: value for name in ENVIRONMENT[key] if name not in os.environ})
        elif key not in IRRELEVANT:
            raise ValueError(f"pip-Einstellung '{key}' ({value!r}) hat in uv keine Entsprechung, die dieses Skript kennt")
    return args, env


def run(*cmd: str, env: dict | None = None) -> int:
    return subprocess.run(cmd, env={**os.environ, **(env or {})}).returncode


def _with_uv(uv: Path, pip: list[str], python: str, packages: list[str], constraints: list[str]) -> str | None:
    "Install with uv, handing it pip's settings; None if that worked, else why not (German)."
    config = subprocess.run([*pip, 'config', 'list'], capture_output=True, text=True)
    if config.returncode != 0: return f'pip config list ist gescheitert: {config.stderr.strip()[-300:]}'
    try: args, env = uv_options(pip_settings(config.stdout))
    except ValueError as e: return str(e)
    code = run(str(uv), 'pip', 'install', '--quiet', '--python', python, *args, *constraints, *packages, env=env)
    return None if code == 0 else f'uv ist gescheitert (Exit-Code {code})'


def install(python: str, # the environment's interpreter
            packages: list[str], # what to install, as pip and uv take it (e.g. ['-e', '.[dev]'])
            constraints: list[str], # ['-c', 'constraints.txt', …]
            uv: Path | None, # uv's executable; None: pip installs
           ) -> str:
    "Install `packages` into `python`'s environment with uv, else pip; returns which one did it. Raises SystemExit if pip fails too."
    pip = [sys.executable, '-m', 'pip', *(['--python', python] if python != sys.executable else [])]
    reason = 'uv fehlt' if uv is None else _with_uv(uv, pip, python, packages, constraints)
    if reason is None: return 'uv'
    print(f'{reason}; pip installiert stattdessen.', file=sys.stderr)
    if run(*pip, 'install', '--quiet', '--no-compile', *constraints, *packages) != 0: raise SystemExit('pip install ist gescheitert')
    return 'pip'


def main() -> None:
    "pip and uv (pinned) into this interpreter's environment, then the course."
    pip = [sys.executable, '-m', 'pip', 'install', '--quiet', '--upgrade']
    uv = Path(sys.executable).parent / 'uv'
    if run(*pip, '--only-binary', 'uv', *CONSTRAINTS, 'pip', 'uv') != 0:  # no wheel of uv here (its source needs Rust): pip installs
        uv = None
        if run(*pip, 'pip') != 0: raise SystemExit('pip ließ sich nicht aktualisieren')
    install(sys.executable, PROJECT, CONSTRAINTS, uv)


if __name__ == '__main__':
    main()
