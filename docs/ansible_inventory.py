# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write a small intersphinx inventory of the Ansible docs labels the generated pages link to.

antsibull-docs pages refer to labels of the Ansible documentation (for example the page on common
return values). Sphinx resolves those through intersphinx, which would download the Ansible docs'
objects.inv; the docs build must work offline and with -W, so this writes an inventory with just the
labels we use, pointing at their real pages. A new unresolved label fails `make docs` by name: add it here.
"""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

# label -> (page and anchor under the Ansible docs root, title)
LABELS = {
    'action_plugins': ('plugins/action.html#action-plugins', 'Action plugins'),
    'ansible_configuration_settings': ('reference_appendices/config.html#ansible-configuration-settings',
                                       'Ansible Configuration Settings'),
    'common_return_values': ('reference_appendices/common_return_values.html#common-return-values',
                             'Return Values'),
    'module_defaults': ('playbook_guide/playbooks_module_defaults.html#module-defaults',
                        'Module defaults'),
}


def write_inventory(path):
    lines = ''.join('%s std:label -1 %s %s\n' % (label, uri, title) for label, (uri, title) in sorted(LABELS.items()))
    header = ('# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n'
              '# The remainder of this file is compressed using zlib.\n')
    Path(path).write_bytes(header.encode() + zlib.compress(lines.encode()))


if __name__ == '__main__':
    write_inventory(sys.argv[1])
