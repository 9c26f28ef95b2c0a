"""`make install` (tools/install.py): uv installs what pip would, with the options pip reads from its settings; pip takes over
where uv cannot.

The install tests build versions of a tiny package as wheels, pin one, and let pip's variables (no index, one folder) say where
packages come from. uv never reads those variables itself, so it finds the package only through the options the script hands
it; uv's own variables and configuration file ask for versions pip would never install, and every network access goes to a closed port."""
import math
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from install import install, pip_options, uv_options

UV = Path(sys.executable).parent / 'uv'
needs_uv = pytest.mark.skipif(not UV.exists(), reason='uv fehlt in dieser Umgebung (kein Paket für diese Plattform): pip installiert')


@pytest.fixture
def pip_env(tmp_path, monkeypatch):
    "No PIP_*/UV_* variable of this machine; pip's configuration files are the ones a test writes into tmp_path/conf."
    import pip._internal.configuration as pip_configuration
    for k in [k for k in os.environ if k.startswith(('PIP_', 'UV_'))]: monkeypatch.delenv(k)
    conf = tmp_path / 'conf'
    conf.mkdir()
    kind = pip_configuration.Kind
    files = {kind.GLOBAL: [str(conf / 'global.conf')], kind.SITE: [str(conf / 'site.conf')],
             kind.USER: [str(conf / 'legacy-user.conf'), str(conf / 'user.conf')]}
    monkeypatch.setattr(pip_configuration, 'get_configuration_files', lambda: files)
    return tmp_path


def test_pip_options_count_files_and_variables_as_pip_does(pip_env, monkeypatch):
    conf = pip_env / 'conf'
    (conf / 'global.conf').write_text('[global]\nindex-url = https://global.example/simple\n'
                                      'extra-index-url = https://a.example/simple https://b.example/simple\n[download]\ndest = /tmp\n')
    (conf / 'legacy-user.conf').write_text('[global]\nindex-url = https://legacy.example/simple\n')
    (conf / 'user.conf').write_text('[global]\nindex-url = https://user.example/simple\n')
    (conf / 'site.conf').write_text('[global]\nfind-links = /srv/site-global\n[install]\nfind-links = /srv/site-install\n')
    monkeypatch.setenv('PIP_EXTRA_INDEX_URL', '')  # empty: pip keeps the file's indexes
    monkeypatch.setenv('PIP_DEFAULT_TIMEOUT', '15.5')
    o = pip_options()
    assert o['--index-url'] == 'https://user.example/simple'  # the user's file over the legacy one and the machine's
    assert o['--extra-index-url'] == ['https://a.example/simple', 'https://b.example/simple']
    assert o['--find-links'] == ['/srv/site-install']  # [install] over [global]
    assert o['--timeout'] == 15.5 and not any('dest' in k for k in o)  # dest: a setting of `pip download`
    monkeypatch.setenv('PIP_FIND_LINKS', '/srv/env')
    assert pip_options()['--find-links'] == ['/srv/env']  # a variable over every file
    (conf / 'env.conf').write_text('[global]\nindex-url = https://env-file.example/simple\n')
    monkeypatch.setenv('PIP_CONFIG_FILE', str(conf / 'env.conf'))
    assert pip_options()['--index-url'] == 'https://env-file.example/simple'  # PIP_CONFIG_FILE over the user's files


def test_uv_options_carry_every_option_that_decides_what_is_installed():
    args, env = uv_options({'--index-url': 'https://mirror.example/simple', '--extra-index-url': ['file:///srv/a', 'https://b.example/simple'],
                            '--find-links': ['/srv/wheels'], '--constraint': ['/etc/pins.txt'], '--no-index': True,
                            '--trusted-host': ['b.example'], '--cert': '/etc/ca.crt', '--client-cert': '/etc/me.pem', '--timeout': 15.5,
                            '--disable-pip-version-check': True, '--retries': 9, '--cache-dir/--no-cache-dir': False}, environ={})
    assert args == ['--no-config', '--index-strategy', 'unsafe-best-match', '--index-url', 'https://mirror.example/simple',
                    '--extra-index-url', 'file:///srv/a', '--extra-index-url', 'https://b.example/simple', '--find-links', '/srv/wheels',
                    '-c', '/etc/pins.txt', '--no-index', '--allow-insecure-host', 'b.example']
    assert env == {'SSL_CERT_FILE': '/etc/ca.crt', 'SSL_CLIENT_CERT': '/etc/me.pem', 'UV_HTTP_TIMEOUT': '16'}
    assert '--system-certs' in uv_options({}, environ={})[0]  # no certificate given: the system's store
    assert uv_options({}, environ={'REQUESTS_CA_BUNDLE': '/etc/corp.pem'}) == (  # as pip, the bundle requests reads
        ['--no-config', '--index-strategy', 'unsafe-best-match'], {'SSL_CERT_FILE': '/etc/corp.pem'})


@pytest.mark.parametrize('options, named', [({'--pre': True}, '--pre'), ({'--keyring-provider': 'import'}, '--keyring-provider'),
                                            ({'--proxy': 'http://lisa:geheim@proxy.example:3128'}, '--proxy'),
                                            ({'--timeout': math.inf}, '--timeout'),
                                            ({'--extra-index-url': ['http://lisa:geheim@mirror.example/simple']}, 'http://lisa:****@mirror')])
def test_an_option_uv_would_treat_differently_is_refused_in_german(options, named):
    with pytest.raises(ValueError, match='pip.conf oder einer PIP_\\*-Variable') as e:
        uv_options({'--find-links': ['/srv/wheels'], **options}, environ={})
    assert named in str(e.value) and 'geheim' not in str(e.value)  # a password in a setting is never printed


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
def offline(pip_env, monkeypatch):
    """Wheels 1.0 and 2.0 in a folder, 1.0 pinned; pip told by its variables to use only that folder; uv's own variables and
    configuration file asking for something else; the network closed; an empty environment."""
    root = pip_env
    for folder, versions in (('wheels', ('1.0', '2.0')), ('uv-wheels', ('1.0+uv',))):
        (root / folder).mkdir()
        for v in versions: wheel(root / folder, v)
    (root / 'constraints.txt').write_text('quackpin==1.0\n')
    monkeypatch.setenv('PIP_CONFIG_FILE', os.devnull)
    monkeypatch.setenv('PIP_NO_INDEX', '1')
    monkeypatch.setenv('PIP_FIND_LINKS', str(root / 'wheels'))
    monkeypatch.setenv('UV_FIND_LINKS', str(root / 'uv-wheels'))  # masked by the script's --find-links
    (root / 'override.txt').write_text('quackpin==2.0\n')
    monkeypatch.setenv('UV_OVERRIDE', str(root / 'override.txt'))  # not masked: read, it would install 2.0
    (root / 'home/.config/uv').mkdir(parents=True)
    (root / 'home/.config/uv/uv.toml').write_text('[pip]\nno-binary = ["quackpin"]\n')  # read, it would leave uv without a wheel
    monkeypatch.setenv('XDG_CONFIG_HOME', str(root / 'home/.config'))  # where uv looks for the user's uv.toml
    monkeypatch.setenv('UV_CACHE_DIR', str(root / 'uv-cache'))
    for k in ('HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY'):
        monkeypatch.setenv(k, 'http://127.0.0.1:9')
        monkeypatch.setenv(k.lower(), 'http://127.0.0.1:9')
    for k in ('NO_PROXY', 'no_proxy'): monkeypatch.delenv(k, raising=False)
    subprocess.run([str(UV), 'venv', '--quiet', '--no-config', '--python', sys.executable, str(root / 'env')], check=True)
    return root


def installed_version(root: Path) -> str:
    out = subprocess.run([str(root / 'env/bin/python'), '-c', 'import quackpin; print(quackpin.VERSION)'], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@needs_uv
def test_uv_installs_the_pinned_version_from_where_pip_is_told_to_look(offline, capsys):
    used = install(str(offline / 'env/bin/python'), ['quackpin'], ['-c', str(offline / 'constraints.txt')], UV)
    assert used == 'uv' and 'pip installiert stattdessen' not in capsys.readouterr().err
    assert installed_version(offline) == '1.0'  # the pin from pip's folder: not the newest wheel, not uv's own folder


@needs_uv
@pytest.mark.parametrize('why, uv, setting', [('--no-binary/--only-binary', 'uv', {'PIP_ONLY_BINARY': ':all:'}),
                                              ('uv ist gescheitert (Exit-Code 1)', 'failing', {}),
                                              ('uv fehlt', None, {})])
def test_pip_takes_over_and_says_why(offline, capsys, monkeypatch, why, uv, setting):
    for k, v in setting.items(): monkeypatch.setenv(k, v)
    failing = offline / 'failing-uv'
    failing.write_text('#!/bin/sh\nexit 1\n')
    failing.chmod(0o755)
    exe = {'uv': UV, 'failing': failing, None: None}[uv]
    used = install(str(offline / 'env/bin/python'), ['quackpin'], ['-c', str(offline / 'constraints.txt')], exe)
    err = capsys.readouterr().err
    assert used == 'pip' and why in err and 'pip installiert stattdessen' in err, err
    assert installed_version(offline) == '1.0'
