# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make build`: build the collection tarball and import it with galaxy-importer, offline.

galaxy-importer is what Galaxy / Automation Hub run on an upload: it checks galaxy.yml and
MANIFEST.json, loads every plugin's docs through ansible-doc, checks meta/runtime.yml,
meta/execution-environment.yml and the changelog, looks for sanity ignore files and runs
ansible-lint (production profile). Its ansible-test step needs a container engine and is
switched off in tests/utils/galaxy-importer.cfg (`make sanity` covers it).

The import counts as accepted only with no ERROR and no WARNING line: Galaxy shows warnings
to every user of the collection, and certification rejects them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from collection_build import ROOT, build_tarball  # noqa: E402  pylint: disable=wrong-import-position

DIST = ROOT / '.build' / 'dist'
CONFIG = Path(__file__).resolve().parent / 'galaxy-importer.cfg'


def import_tarball(tarball):
    """Run galaxy-importer on tarball; return (exit code, output lines, result dict or None)."""
    # galaxy-importer looks ansible-doc and ansible-lint up on PATH: use this venv's.
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get('PATH', '')])
    env = dict(os.environ, GALAXY_IMPORTER_CONFIG=str(CONFIG), PATH=path)
    with tempfile.TemporaryDirectory(prefix='hwcloud-dcs-importer-') as tmp:
        env['GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP'] = os.path.join(tmp, 'ansible-tmp')
        proc = subprocess.run([sys.executable, '-m', 'galaxy_importer.main', str(tarball)],
                              cwd=tmp, env=env, capture_output=True, text=True, check=False)
        result_file = Path(tmp) / 'importer_result.json'
        result = json.loads(result_file.read_text()) if result_file.exists() else None
    return proc.returncode, (proc.stdout + proc.stderr).splitlines(), result


def main():
    tarball = build_tarball(DIST)
    print('built %s (%d KiB)' % (tarball.relative_to(ROOT), tarball.stat().st_size // 1024))
    code, lines, result = import_tarball(tarball)
    for line in lines:
        print('  | ' + line)
    problems = [line for line in lines if line.startswith(('ERROR', 'WARNING', 'CRITICAL'))]
    if code or result is None:
        sys.exit('galaxy-importer failed (exit %s)' % code)
    if problems:
        sys.exit('galaxy-importer: %d error/warning line(s), see above' % len(problems))
    contents = ', '.join('%s %s' % (c['content_type'], c['name']) for c in result.get('contents', []))
    print('galaxy-importer accepted %s: %s' % (tarball.name, contents or 'no content'))


if __name__ == '__main__':
    main()
