# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM ``GET /v3/projects``: the project lookup the SDK does for ``with_region`` (keystone response shape)."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request

from dcs_emulator.routes.common import emulator, str_param

router = APIRouter()


@router.get("/v3/projects")
def keystone_list_projects(request: Request):
    config = emulator(request).config
    account = config.account(request.state.access_key)
    name = str_param(request, "name")
    base = str(request.base_url).rstrip("/")
    domain_id = hashlib.sha256(account.access_key.encode("utf-8")).hexdigest()[:32]
    projects = [
        {"id": p["id"], "name": p["name"], "domain_id": domain_id, "description": "",
         "enabled": True, "is_domain": False, "parent_id": domain_id,
         "links": {"self": "%s/v3/projects/%s" % (base, p["id"])}}
        for p in account.projects if name is None or p["name"] == name
    ]
    return {"projects": projects, "links": {"self": "%s/v3/projects" % base, "previous": None, "next": None}}
