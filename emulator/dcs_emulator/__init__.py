# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local Huawei Cloud DCS API emulator (see ``dcs-emulator serve --help``)."""

__version__ = "0.1.0"
