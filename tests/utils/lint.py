# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make lint`: yamllint, then ansible-lint with the production profile.

ansible-lint covers every Ansible file git knows about (roles/, playbooks/, meta/, awx/, the
example execution environment in docs/ee/ ...; exclusions in .ansible-lint) plus one playbook
per module made from the module's EXAMPLES, so the examples users copy are production-grade too.
Nothing is skipped per file: no noqa, no ignore file.
"""

from __future__ import annotations

import ast
import os
import shutil
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from collection_build import ROOT, git_files, run  # noqa: E402  pylint: disable=wrong-import-position

EXAMPLES_DIR = ROOT / '.build' / 'lint' / 'examples'
COLLECTIONS_DIR = ROOT / '.build' / 'lint' / 'collections'


def module_examples(path):
    """The EXAMPLES string of a module file, or None."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == 'EXAMPLES' for t in node.targets):
            return ast.literal_eval(node.value)
    return None


def write_example_playbooks():
    """One playbook per module with EXAMPLES, its tasks being the examples as written."""
    shutil.rmtree(EXAMPLES_DIR, ignore_errors=True)
    EXAMPLES_DIR.mkdir(parents=True)
    written = []
    for module in sorted((ROOT / 'plugins' / 'modules').glob('*.py')):
        examples = module_examples(module)
        if not examples or not examples.strip():
            continue
        tasks = yaml.safe_load(examples)
        if not isinstance(tasks, list):
            sys.exit('%s: EXAMPLES must be a YAML list of tasks' % module.relative_to(ROOT))
        play = [{'name': 'Examples of hwcloud.dcs.%s' % module.stem, 'hosts': 'localhost',
                 'gather_facts': False, 'tasks': tasks}]
        target = EXAMPLES_DIR / ('%s_examples.yml' % module.stem)
        target.write_text('---\n' + yaml.safe_dump(play, sort_keys=False, width=160))
        written.append(target)
    return written


def link_collection():
    """Make hwcloud.dcs resolvable for the examples' syntax check (a symlink to the checkout)."""
    shutil.rmtree(COLLECTIONS_DIR, ignore_errors=True)
    (COLLECTIONS_DIR / 'ansible_collections' / 'hwcloud').mkdir(parents=True)
    os.symlink(ROOT, COLLECTIONS_DIR / 'ansible_collections' / 'hwcloud' / 'dcs')


def main():
    yaml_files = [name for name in git_files() if name.endswith(('.yml', '.yaml'))]
    run(['yamllint', '--strict', '-c', ROOT / '.yamllint'] + yaml_files, cwd=ROOT)

    examples = write_example_playbooks()
    link_collection()
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_DIR))
    lint = ['ansible-lint', '--profile', 'production', '--strict', '--offline', '--nocolor']
    run(lint, cwd=ROOT, env=env)  # the project's files, found through git
    if examples:  # outside git's view (.build/), so named explicitly
        run(lint + examples, cwd=ROOT, env=env)
    print('lint: yamllint on %d YAML files, ansible-lint production on the project and %d example playbook(s)'
          % (len(yaml_files), len(examples)))


if __name__ == '__main__':
    main()
