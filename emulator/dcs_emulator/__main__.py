# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``python -m dcs_emulator`` is the ``dcs-emulator`` command."""

import sys

from dcs_emulator.cli import main

sys.exit(main())
