# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names of the API operations (the SDK's method names), used for request counters and logs.

The names come from the routes themselves: each API route's endpoint function is named after the SDK method
that calls it, so a new route needs no entry here, only its router in ``API_ROUTERS``.
"""

from __future__ import annotations

import re

from dcs_emulator.routes import iam, instances, online, tasks

API_ROUTERS = (iam.router, tasks.router, online.router, instances.router)  # the admin router is not part of the API
PROJECT_PATH = re.compile(r"^/v[0-9.]+/([^/]+)/")


def _operations() -> tuple:
    """(method, compiled path pattern, operation name) of every API route, in the order the app matches them."""
    return tuple((method, route.path_regex, route.endpoint.__name__)
                 for router in API_ROUTERS for route in router.routes for method in sorted(route.methods))


OPERATIONS = _operations()


def identify(method: str, path: str) -> str:
    """The operation name of a request, or ``unknown``.

    A path with a trailing slash is named after the route the app redirects it to.
    """
    for candidate in dict.fromkeys((path, path.rstrip("/") or "/")):
        for op_method, pattern, name in OPERATIONS:
            if op_method == method and pattern.match(candidate):
                return name
    return "unknown"


def project_of(path: str):
    """The project ID in a ``/v2/{project_id}/...`` path, or None."""
    match = PROJECT_PATH.match(path)
    return match.group(1) if match else None
