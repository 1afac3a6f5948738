# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An OpenAPI 3 description of the DCS calls the emulator serves, for API fuzzers (``GET /_emulator/openapi.json``).

The real service publishes none, so it is generated from the official SDK (``huaweicloudsdkdcs``): each
call's method, path, path and query parameters, body and content type come from the SDK client's own
request description (``DcsClient._<call>_http_info``), and every JSON shape from the models' ``openapi_types``
and ``attribute_map``. Built from the SDK and not from the emulator's serialisers on purpose: a fuzzer then
checks the emulator's answers against what the vendor's client expects, which a description derived from
the emulator itself could never contradict. In request bodies (``<Model>Input`` schemas) the fields the SDK's
constructor always sets are ``required``; answers are checked for types only, as the SDK reads them leniently,
and extra fields are allowed, as the service sends more than the SDK keeps.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import re
from typing import Optional

from dcs_emulator import operations

SDK_PACKAGE = "huaweicloudsdkdcs.v2"
_SCALARS = {"str": {"type": "string"}, "int": {"type": "integer"}, "float": {"type": "number"},
            "bool": {"type": "boolean"}, "object": {}, "datetime": {"type": "string"}, "date": {"type": "string"}}
_LIST = re.compile(r"^list\[(.+)\]$")
_DICT = re.compile(r"^dict\(str, (.+)\)$")
_PATH_PARAM = re.compile(r"\{(\w+)\}")
ERROR_SCHEMA = {
    "type": "object", "required": ["error_code", "error_msg"],
    "properties": {"error_code": {"type": "string", "pattern": r"^[A-Z]+\.[0-9]+$"},
                   "error_msg": {"type": "string"}},
}


def sdk_available() -> bool:
    try:
        importlib.import_module(SDK_PACKAGE)
    except ImportError:
        return False
    return True


def document(server_url: str) -> dict:
    """The OpenAPI document of every DCS call in ``operations.OPERATIONS`` that the SDK knows."""
    sdk = importlib.import_module(SDK_PACKAGE)
    builder = _Builder(sdk)
    paths = {}
    for _method, _pattern, name in operations.OPERATIONS:
        described = builder.operation(name)
        if described is not None:
            path, method, spec = described
            paths.setdefault(path, {})[method] = spec
    return {"openapi": "3.0.3",
            "info": {"title": "DCS API as served by the emulator",
                     "version": importlib.metadata.version(SDK_PACKAGE.split(".", 1)[0])},
            "servers": [{"url": server_url}], "paths": paths,
            "components": {"schemas": dict(builder.schemas, DcsError=ERROR_SCHEMA)}}


class _Builder:
    def __init__(self, sdk):
        self.sdk = sdk
        self.schemas = {}

    def operation(self, name: str) -> Optional[tuple]:
        request_class = getattr(self.sdk, _camel(name) + "Request", None)
        describe = getattr(self.sdk.DcsClient, "_%s_http_info" % name, None)
        if request_class is None or describe is None:
            return None  # not a DCS call (the IAM project lookup)
        info = describe(request_class())
        query = [q for q, _value in info["query_params"]]
        types = request_class.openapi_types
        parameters = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                      for p in _PATH_PARAM.findall(info["resource_path"])]
        parameters += [{"name": q, "in": "query", "required": False, "schema": self.type_schema(types[q])}
                       for q in query]
        spec = {"operationId": name, "parameters": parameters, "responses": {
            "200": {"description": "success", "content": {"application/json": {
                "schema": self.model_schema(info["response_type"], False, skip=set(info["response_headers"]))}}},
            "default": {"description": "a DCS error", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/DcsError"}}}}}}
        if "body" in types:
            content_type = info["header_params"]["Content-Type"].split(";")[0]
            spec["requestBody"] = {"required": True, "content": {content_type: {
                "schema": self.type_schema(types["body"], for_request=True)}}}
        return info["resource_path"], info["method"].lower(), spec

    def type_schema(self, sdk_type: str, for_request: bool = False) -> dict:
        if sdk_type in _SCALARS:
            return dict(_SCALARS[sdk_type])
        listed, mapped = _LIST.match(sdk_type), _DICT.match(sdk_type)
        if listed:
            return {"type": "array", "items": self.type_schema(listed.group(1), for_request)}
        if mapped:
            return {"type": "object", "additionalProperties": self.type_schema(mapped.group(1), for_request)}
        name = sdk_type + "Input" if for_request else sdk_type
        if name not in self.schemas:
            self.schemas[name] = {}  # placeholder first: models may refer to each other
            self.schemas[name] = self.model_schema(sdk_type, for_request)
        return {"$ref": "#/components/schemas/%s" % name}

    def model_schema(self, model_name: str, for_request: bool, skip=frozenset()) -> dict:
        model = getattr(self.sdk, model_name)
        names = [n for n in model.openapi_types if n not in skip and model.attribute_map[n] not in skip]
        schema = {"type": "object", "properties": {
            model.attribute_map[n]: self.type_schema(model.openapi_types[n], for_request) for n in names}}
        required = [model.attribute_map[n] for n in _always_set(model) if n in names] if for_request else []
        if required:
            schema["required"] = required
        return schema


def _always_set(model) -> list:
    """Attributes the SDK model's constructor sets unconditionally: the API's required fields."""
    source = inspect.getsource(model.__init__)
    return re.findall(r"^ {8}self\.(\w+) = \1$", source, re.MULTILINE)


def _camel(name: str) -> str:
    return "".join(word.capitalize() for word in name.split("_"))
