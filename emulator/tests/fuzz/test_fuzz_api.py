# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Schemathesis against the emulator's DCS calls (``make fuzz``, part of ``make test``).

The description is the one the emulator serves at ``/_emulator/openapi.json``, generated from the SDK's
models. For each call, schemathesis generates valid and invalid requests (path, query and body), which are
signed by ``SdkHmacAuth`` (the emulator's own signing code) and checked three ways: no 5xx, answers match
the SDK's shapes, and every error is a DCS-style JSON body. An unsigned pass checks that every call
answers 401.

Hypothesis drives schemathesis' strategies directly (one test per call): schemathesis' pytest loader for
fixtures does not run on pytest 9. Seeded: ``make fuzz FUZZ_SEED=<seed>`` replays a run, and a failure
prints the falsifying request. ``FUZZ_EXAMPLES`` sets the examples per call (default 50; the unsigned pass
runs a quarter of that).
"""

from __future__ import annotations

import os
import re

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from dcs_emulator import operations

from conftest import AK, PROJECT, SK
from signed_http import SdkHmacAuth

SEED = int(os.environ.get("FUZZ_SEED", "20261201"))
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
ERROR_CODE = re.compile(r"^(DCS|APIGW)\.[0-9]{4}$")
DCS_CALLS = [name for _method, pattern, name in operations.OPERATIONS if pattern.pattern.startswith("^/v2/")]


@pytest.fixture(scope="module")
def schema(emulator):
    """The description the emulator serves (conftest's module-wide ``emulator``: admin API on)."""
    return schemathesis.openapi.from_url(emulator.url + "/_emulator/openapi.json",
                                         config=schemathesis.Config.from_dict({"seed": SEED}))


@pytest.fixture(scope="module")
def signed_session():
    with requests.Session() as session:
        session.auth = SdkHmacAuth(AK, SK)
        yield session


def test_the_description_covers_every_dcs_call(schema):
    described = {result.ok().definition.raw["operationId"] for result in schema.get_all_operations()}
    assert described == set(DCS_CALLS)


@schemathesis.check
def dcs_error_body(ctx, response, case):  # pylint: disable=unused-argument
    """Every error answer is DCS-style JSON: ``{"error_code": "DCS.nnnn" | "APIGW.nnnn", "error_msg": str}``."""
    if response.status_code < 400:
        return True
    assert response.headers.get("content-type", [""])[0].startswith("application/json"), response.headers
    body = response.json()
    assert isinstance(body, dict) and ERROR_CODE.match(str(body.get("error_code"))), body
    assert isinstance(body.get("error_msg"), str), body
    return True


CHECKS = [not_a_server_error, response_schema_conformance, dcs_error_body]


def cases(schema, call: str):
    """Valid and invalid requests for ``call``, in the signing key's own project (past the ownership check)."""
    operation = schema.find_operation_by_id(call)
    return st.one_of(operation.as_strategy(mode, path_parameters={"project_id": PROJECT})
                     for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE))


def fuzz(strategy, examples: int, check_one) -> None:
    """Run ``check_one(case)`` on ``examples`` generated cases, seeded, without a shared example database."""
    @hypothesis.seed(SEED)
    @hypothesis.settings(max_examples=examples, deadline=None, database=None,
                         suppress_health_check=list(hypothesis.HealthCheck), print_blob=True)
    @hypothesis.given(case=strategy)
    def run(case):
        check_one(case)
    run()


@pytest.mark.parametrize("call", DCS_CALLS)
def test_signed_calls_answer_dcs_responses(schema, signed_session, call):
    fuzz(cases(schema, call), EXAMPLES,
         lambda case: case.call_and_validate(session=signed_session, checks=CHECKS, timeout=30))


@pytest.mark.parametrize("call", DCS_CALLS)
def test_unsigned_calls_answer_401(schema, call):
    def unsigned(case):
        response = case.call(timeout=30)
        assert response.status_code == 401, (response.status_code, response.text)
        case.validate_response(response, checks=[dcs_error_body])
    fuzz(cases(schema, call), max(5, EXAMPLES // 4), unsigned)
