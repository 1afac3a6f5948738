# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A wanted request compared with the task the show call shows, for every kind (internal: no compatibility promise).

The options that differ are refused by the lifecycle; a value the show call does not show is never taken as
the same: it is named in a warning, so that the user knows what was not compared.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.dcs.plugins.module_utils import _service as service


class Comparison(object):
    """The options that differ (`differing`) and those the show call does not show (`unshown`)."""

    def __init__(self):
        self.differing, self.unshown = [], []

    def check(self, name, wanted, shown):
        if shown is None:
            self.unshown.append(name)
        elif not service.same_value(wanted, shown):
            self.differing.append(name)
