"""`make install` (tools/install.py): uv installs what pip would, reading pip's settings; pip takes over where uv cannot.

The install tests build two versions of a tiny package as wheels in a folder, pin the older one, and let pip's settings
(environment variables only: no index, that folder) say where packages come from. uv never reads those settings
itself, so it finds the package only through the options the script hands it."""
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from install import install, pip_settings, uv_options

UV = Path(sys.executable).parent / 'uv'
CONFIG = """global.extra-index-url='file:///srv/a/simple file:///srv/b/simple'
global.find-links='/srv/wheels'
global.cert='/etc/ssl/certs/ca.crt'
:env:.find-links='/srv/env-wheels'
:env:.default-timeout='180'
:env:.disable-pip-version-check='1'
install.no-index='false'
global.no-index='true'
download.dest='/tmp'
"""


def test_pip_settings_apply_environment_over_install_over_global_and_ignore_other_commands():
    s = pip_settings(CONFIG)
    assert s['find-links'] == '/srv/env-wheels'  # PIP_FIND_LINKS replaces the config file's folder, as in pip
    assert s['no-index'] == 'false'  # [install] over [global]
    assert s['extra-index-url'] == 'file:///srv/a/simple file:///srv/b/simple'
    assert 'dest' not in s  # a setting of `pip download`


def test_uv_options_carry_every_setting_that_decides_what_is_installed(monkeypatch):
    monkeypatch.delenv('SSL_CERT_FILE', raising=False)
    args, env = uv_options(pip_settings(CONFIG))
    assert args == ['--index-strategy', 'unsafe-best-match', '--extra-index-url', 'file:///srv/a/simple',
                    '--extra-index-url', 'file:///srv/b/simple', '--find-links', '/srv/env-wheels']  # no-index is false
    assert env == {'SSL_CERT_FILE': '/etc/ssl/certs/ca.crt', 'UV_HTTP_TIMEOUT': '180'}
    assert '--no-index' in uv_options({'no-index': 'yes'})[0]
    monkeypatch.setenv('SSL_CERT_FILE', '/mine.crt')  # a certificate the user set for uv is kept
    assert uv_options({'cert': '/etc/ssl/certs/ca.crt'})[1] == {}


@pytest.mark.parametrize('key', ['pre', 'only-binary', 'keyring-provider'])
def test_a_setting_without_counterpart_is_refused_in_german(key):
    with pytest.raises(ValueError, match=f"pip-Einstellung '{key}' .* hat in uv keine Entsprechung"):
        uv_options({'find-links': '/srv/wheels', key: ':all:'})


def wheel(folder: Path, version: str) -> None:
    "A pure-Python wheel of the package `quackpin` that knows its version."
    info = f'quackpin-{version}.dist-info'
    files = {'quackpin/__init__.py': f'VERSION = {version!r}\n',
             f'{info}/METADATA': f'Metadata-Version: 2.1\nName: quackpin\nVersion: {version}\n',
             f'{info}/WHEEL': 'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n'}
    files[f'{info}/RECORD'] = ''.join(f'{name},,\n' for name in [*files, f'{info}/RECORD'])
    with zipfile.ZipFile(folder / f'quackpin-{version}-py3-none-any.whl', 'w') as z:
        for name, text in files.items(): z.writestr(name, text)


@pytest.fixture
def offline(tmp_path, monkeypatch):
    "Wheels 1.0 and 2.0 in a folder, 1.0 pinned, pip told by environment variables to use only that folder; an empty environment."
    wheels = tmp_path / 'wheels'
    wheels.mkdir()
    for v in ('1.0', '2.0'): wheel(wheels, v)
    (tmp_path / 'constraints.txt').write_text('quackpin==1.0\n')
    for k in [k for k in os.environ if k.startswith(('PIP_', 'UV_'))]: monkeypatch.delenv(k)
    monkeypatch.setenv('PIP_CONFIG_FILE', os.devnull)  # this machine's pip.conf plays no part
    monkeypatch.setenv('PIP_NO_INDEX', '1')
    monkeypatch.setenv('PIP_FIND_LINKS', str(wheels))
    monkeypatch.setenv('UV_CACHE_DIR', str(tmp_path / 'uv-cache'))
    subprocess.run([str(UV), 'venv', '--quiet', '--python', sys.executable, str(tmp_path / 'env')], check=True)
    return tmp_path


def installed_version(root: Path) -> str:
    out = subprocess.run([str(root / 'env/bin/python'), '-c', 'import quackpin; print(quackpin.VERSION)'], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_uv_installs_the_pinned_version_from_where_pip_is_told_to_look(offline, capsys):
    used = install(str(offline / 'env/bin/python'), ['quackpin'], ['-c', str(offline / 'constraints.txt')], UV)
    assert used == 'uv' and 'pip installiert stattdessen' not in capsys.readouterr().err
    assert installed_version(offline) == '1.0'  # the pin, not the newest wheel


@pytest.mark.parametrize('why, uv, setting', [('keine Entsprechung', UV, {'PIP_ONLY_BINARY': ':all:'}),
                                              ('uv ist gescheitert (Exit-Code 1)', Path(shutil.which('false')), {}),
                                              ('uv fehlt', None, {})])
def test_pip_takes_over_and_says_why(offline, capsys, monkeypatch, why, uv, setting):
    for k, v in setting.items(): monkeypatch.setenv(k, v)
    used = install(str(offline / 'env/bin/python'), ['quackpin'], ['-c', str(offline / 'constraints.txt')], uv)
    err = capsys.readouterr().err
    assert used == 'pip' and why in err and 'pip installiert stattdessen' in err, err
    assert installed_version(offline) == '1.0'
