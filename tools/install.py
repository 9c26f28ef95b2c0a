"""Install the course into the environment of the Python that runs this script (`make install`: .venv/bin/python).

    python tools/install.py

Every package at the version constraints.txt pins, the course itself editable, with its [dev] extras. uv does the
install: it fetches packages in parallel (with empty caches here, 12 s instead of pip's 56 s for the same packages).
uv reads neither pip's configuration nor pip's variables, and it has settings of its own. So pip is asked which options
its configuration files and PIP_* variables give `pip install`, and those are handed to uv, while uv's own
configuration files and UV_* variables (except the cache folder) are left out; both then install the same. Where an
option has no faithful counterpart in uv, where uv cannot be installed here, or where uv fails, pip installs as
before, and the reason is printed.
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ['-e', f'{ROOT}[dev]']
CONSTRAINTS = ['-c', str(ROOT / 'constraints.txt')]
# pip options that change how pip talks or what it prints, not which files it installs
IRRELEVANT = {'--cache-dir', '--no-cache-dir', '--compile', '--no-compile', '--debug', '--disable-pip-version-check', '--exists-action',
              '--log', '--no-color', '--no-input', '--no-python-version-warning', '--no-warn-conflicts', '--no-warn-script-location',
              '--progress-bar', '--python', '--quiet', '--require-virtualenv', '--resume-retries', '--retries', '--root-user-action', '--verbose'}


def pip_options() -> dict:
    """The options that pip's configuration files and PIP_* variables give `pip install` here, where they differ from pip's
    defaults: {flag: value}, e.g. {'--find-links': ['/srv/wheels']} (options one setting writes share a key: '--no-binary/--only-binary').

    pip's own parser answers (pip._internal, as `pip install` runs it), so files and variables count exactly as pip counts them.
    Raises ValueError (German) if pip cannot say."""
    import copy
    try:
        from pip._internal.commands import create_command
        command = create_command('install')
        default = copy.deepcopy(command.parser.defaults)  # before parsing: pip's defaults, without files and variables
        used = vars(command.parse_args([])[0])
        flags: dict[str, list[str]] = {}
        for option in command.parser._get_all_options():
            if option.dest and option.get_opt_string() not in flags.setdefault(option.dest, []): flags[option.dest].append(option.get_opt_string())
    except (Exception, SystemExit) as e:  # pip's internals may change; pip's own errors end in SystemExit
        raise ValueError(f'pip kann nicht sagen, welche Einstellungen pip install gelten ({type(e).__name__}: {e})') from None
    return {'/'.join(flags.get(k, [k])): v for k, v in used.items() if v != default.get(k)}


def uv_options(options: dict, environ: dict | None = None) -> tuple[list[str], dict[str, str]]:
    """`uv pip install` arguments and environment variables that install what `pip install` with `options` would install.

    `options`: as `pip_options()` returns them; `environ`: the environment pip runs in (default: this one). Raises ValueError
    (German) for an option uv would treat differently: one not known here, a proxy (pip's own overrides the environment's,
    uv has no such option) or an index over plain http (pip ignores it unless its host is trusted, uv uses it)."""
    from pip._internal.utils.misc import redact_auth_from_url
    environ = os.environ if environ is None else environ
    where = 'aus pip.conf oder einer PIP_*-Variable'
    args, env = ['--no-config', '--index-strategy', 'unsafe-best-match'], {}  # as pip: the best version from any index
    for url in [options.get('--index-url', ''), *options.get('--extra-index-url', []), *options.get('--find-links', [])]:
        if url.startswith('http://'):
            raise ValueError(f'pip-Index über http ({redact_auth_from_url(url)}, {where}): pip und uv behandeln ihn verschieden')
    for flag, value in options.items():
        if flag == '--index-url': args += ['--index-url', value]
        elif flag in ('--extra-index-url', '--find-links'): args += [a for v in value for a in (flag, v)]
        elif flag == '--constraint': args += [a for v in value for a in ('-c', v)]
        elif flag == '--trusted-host': args += [a for v in value for a in ('--allow-insecure-host', v)]
        elif flag == '--no-index':
            if value: args.append('--no-index')
        elif flag == '--client-cert': env['SSL_CLIENT_CERT'] = value
        elif flag == '--timeout':
            if not 0 < value < math.inf: raise ValueError(f'pip-Option --timeout = {value} ({where}): uv braucht eine endliche Zahl von Sekunden')
            env['UV_HTTP_TIMEOUT'] = str(math.ceil(value))  # uv takes whole seconds
        elif not IRRELEVANT.issuperset(flag.split('/')) and flag != '--cert':  # one setting, several flags: '--cache-dir/--no-cache-dir'
            raise ValueError(f'pip-Option {flag} ({where}) hat in uv keine Entsprechung, die dieses Skript kennt')
    # certificates: pip's --cert, else the bundle requests reads from the environment, else the system's store. uv then trusts
    # at most what pip trusts (pip adds certifi's list and the system's store); where that is too little, uv fails and pip takes over
    bundle = options.get('--cert') or environ.get('REQUESTS_CA_BUNDLE') or environ.get('CURL_CA_BUNDLE')
    if bundle: env['SSL_CERT_FILE'] = bundle
    else: args.append('--system-certs')
    return args, env


def run(*cmd: str, env: dict | None = None) -> int:
    "Exit code of `cmd`; 127 if it cannot be started."
    try: return subprocess.run(cmd, env=env).returncode
    except OSError as e:
        print(f'{cmd[0]} ließ sich nicht starten: {e}', file=sys.stderr)
        return 127


def _with_uv(uv: Path, python: str, packages: list[str], constraints: list[str]) -> str | None:
    "Install with uv, handing it pip's options; None if that worked, else why not (German)."
    try: args, extra = uv_options(pip_options())
    except ValueError as e: return str(e)
    env = {k: v for k, v in os.environ.items() if not k.startswith('UV_') or k == 'UV_CACHE_DIR'} | extra
    code = run(str(uv), 'pip', 'install', '--quiet', '--python', python, *args, *constraints, *packages, env=env)
    return None if code == 0 else f'uv ist gescheitert (Exit-Code {code})'


def install(python: str, # the environment's interpreter
            packages: list[str], # what to install, as pip and uv take it (e.g. ['-e', '.[dev]'])
            constraints: list[str], # ['-c', 'constraints.txt', …]
            uv: Path | None, # uv's executable; None: pip installs
           ) -> str:
    "Install `packages` into `python`'s environment with uv, else pip; returns which one did it. Raises SystemExit if pip fails too."
    pip = [sys.executable, '-m', 'pip', *(['--python', python] if python != sys.executable else [])]
    reason = 'uv fehlt' if uv is None else _with_uv(uv, python, packages, constraints)
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
