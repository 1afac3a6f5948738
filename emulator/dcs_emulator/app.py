# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""App factory: wires config, storage, instances, buckets, runner, faults and routes into an ASGI app."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from dcs_emulator import errors, operations
from dcs_emulator.buckets import BucketStore
from dcs_emulator.config import Config
from dcs_emulator.counters import RequestCounters
from dcs_emulator.faults import FaultInjector
from dcs_emulator.instances import InstanceRegistry
from dcs_emulator.middleware import EmulatorMiddleware
from dcs_emulator.models import OnlineMigrationTask, TaskBackend
from dcs_emulator.online import OnlineBackend, OnlineWork
from dcs_emulator.routes import admin
from dcs_emulator.runner import Runner
from dcs_emulator.storage import Storage

LOG = logging.getLogger("dcs_emulator")
DB_NAME = "emulator.db"
EXTENSION = "dcs_emulator.importer"


class Emulator:
    """Everything the routes and extensions share."""

    def __init__(self, config: Config):
        self.config = config
        self.storage = Storage(config.data_dir / DB_NAME)
        self.instances = InstanceRegistry(config, self.storage)
        self.buckets = BucketStore(config.buckets)
        self.runner = Runner(config, self.storage, self.instances, self.buckets)
        self.tasks = TaskBackend(self.storage, self.instances, self.runner)
        self.online = OnlineBackend(self.tasks)
        self.online_work = OnlineWork(self)
        self.runner.set_work(self.online_work.run, kind=OnlineMigrationTask.KIND)
        self.faults = FaultInjector()
        self.counters = RequestCounters()
        self._shutdown_hooks = []

    def add_shutdown_hook(self, hook) -> None:
        self._shutdown_hooks.append(hook)

    def start(self) -> None:
        self.runner.start()

    def stop(self) -> None:
        self.runner.shutdown()
        for hook in reversed(self._shutdown_hooks):
            try:
                hook()
            except Exception:  # pylint: disable=broad-except  # one failing hook must not block the others
                LOG.exception("shutdown hook failed")
        self.storage.close()

    def reset(self) -> None:
        self.runner.reset()
        self.storage.reset()
        self.faults.clear()
        self.counters.reset()
        self.runner.default_duration = self.config.min_duration_seconds


def _load_extension(emulator: Emulator) -> None:
    """Let the import engine plug in when it is installed.

    ``setup(emulator)`` is looked up in ``dcs_emulator.importer.plugin``, then in ``dcs_emulator.importer``.
    """
    if importlib.util.find_spec(EXTENSION) is None:
        return
    for name in (EXTENSION + ".plugin", EXTENSION):
        if importlib.util.find_spec(name) is None:
            continue
        setup = getattr(importlib.import_module(name), "setup", None)
        if setup is not None:
            setup(emulator)
            return


async def _api_error(_request: Request, exc: errors.ApiError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status)


async def _http_error(_request: Request, exc: HTTPException) -> JSONResponse:
    if exc.status_code in (404, 405):
        error = errors.url_not_found()
        return JSONResponse(error.body(), status_code=error.status)
    return JSONResponse({"error_code": "DCS.%d" % exc.status_code, "error_msg": str(exc.detail),
                         "error_ext_msg": None}, status_code=exc.status_code)


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    location = exc.errors()[0].get("loc", ("", "request"))[-1] if exc.errors() else "request"
    error = errors.invalid_field(str(location))
    return JSONResponse(error.body(), status_code=error.status)


def create_app(config: Config, load_extensions: bool = True):
    """The ASGI application for ``config`` (the Emulator object is ``app.state.emulator``)."""
    emulator = Emulator(config)
    if load_extensions:
        _load_extension(emulator)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        emulator.start()
        try:
            yield
        finally:
            emulator.stop()

    app = FastAPI(title="DCS emulator", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.emulator = emulator
    for router in operations.API_ROUTERS + (admin.router,):
        app.include_router(router)
    app.add_exception_handler(errors.ApiError, _api_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_middleware(EmulatorMiddleware, emulator=emulator)
    return app
