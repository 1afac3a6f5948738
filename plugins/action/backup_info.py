# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of hwcloud.dcs.backup_info.

It runs the module in a fork of the worker process when the module would run on the controller with the
controller's own Python anyway, else as a module process (plugin_utils/_in_worker.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.dcs.plugins.plugin_utils._in_worker import InWorkerAction


class ActionModule(InWorkerAction):
    pass
