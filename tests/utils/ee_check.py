# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make ee`: check the execution environment pieces without a container engine.

1. `ansible-builder create` on docs/ee/execution-environment.yml (version 3) writes a build
   context; we check the files a container build needs are in it.
2. The collection, built and installed from its tarball as it would be inside the image, goes
   through the context's own introspection script (the step ansible-builder runs in the image):
   it must report every line of requirements.txt and bindep.txt for hwcloud.dcs, which proves
   meta/execution-environment.yml points at them and that both files ship in the tarball.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from collection_build import ROOT, build_tarball, run  # noqa: E402  pylint: disable=wrong-import-position

EE_DIR = ROOT / 'docs' / 'ee'
CONTEXT = ROOT / '.build' / 'ee-context'
SCRIPTS = ('assemble', 'check_ansible', 'check_galaxy', 'entrypoint', 'install-from-bindep', 'introspect.py',
           'pip_install')


def requirement_lines(path):
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith('#')]


def check_context():
    """Return the problems found in the build context ansible-builder wrote."""
    problems = []
    containerfile = CONTEXT / 'Containerfile'
    if not containerfile.is_file():
        return ['no Containerfile in %s' % CONTEXT]
    text = containerfile.read_text()
    for name in SCRIPTS:
        if not (CONTEXT / '_build' / 'scripts' / name).is_file():
            problems.append('missing _build/scripts/%s' % name)
    galaxy = CONTEXT / '_build' / 'requirements.yml'
    if not galaxy.is_file():
        problems.append('missing _build/requirements.yml (galaxy requirements)')
    elif 'hwcloud.dcs' not in [c.get('name') for c in yaml.safe_load(galaxy.read_text()).get('collections', [])]:
        problems.append('_build/requirements.yml does not install hwcloud.dcs')
    for needle in ('ansible-galaxy collection install', 'introspect', 'assemble', 'ansible-core', 'ansible-runner'):
        if needle not in text:
            problems.append('Containerfile has no %r step' % needle)
    return problems


def introspect(tarball, scripts):
    """Install the tarball and run ansible-builder's introspection on it; return its JSON."""
    with tempfile.TemporaryDirectory(prefix='hwcloud-dcs-ee-') as tmp:
        run(['ansible-galaxy', 'collection', 'install', '--offline', '--no-deps', '-p', tmp, tarball],
            env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=tmp))
        out = subprocess.run([sys.executable, scripts / 'introspect.py', 'introspect', tmp],
                             check=True, capture_output=True, text=True).stdout
    # The script prints a header line before the YAML document.
    return yaml.safe_load(out[out.index('python:'):] if 'python:' in out else out) or {}


def main():
    run(['ansible-builder', 'create', '-f', EE_DIR / 'execution-environment.yml', '--context', CONTEXT,
         '--output-filename', 'Containerfile', '-v', '1'])
    problems = check_context()
    tarball = build_tarball(ROOT / '.build' / 'dist')
    found = introspect(tarball, CONTEXT / '_build' / 'scripts')
    print('introspection: ' + json.dumps(found, sort_keys=True))
    for kind, source in (('python', ROOT / 'requirements.txt'), ('system', ROOT / 'bindep.txt')):
        # Sanitized output: one list per kind, each line tagged with the collection it came from.
        reported = [entry.split('#')[0].strip() for entry in found.get(kind) or []
                    if entry.endswith('# from collection hwcloud.dcs')]
        for line in requirement_lines(source):
            if line not in reported:
                problems.append('introspection does not report %r from %s for hwcloud.dcs' % (line, source.name))
    if problems:
        sys.exit('ee: ' + '; '.join(problems))
    print('ee: build context in %s is complete; introspection reports requirements.txt and bindep.txt'
          % CONTEXT.relative_to(ROOT))


if __name__ == '__main__':
    main()
