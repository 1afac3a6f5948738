# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task worker: runs each migration task's "work" in a thread pool and asks the task to move when it ends.

The statuses and their transitions belong to the task models (``dcs_emulator.models``). A task still working
when the emulator stopped is run again on start-up (``tasks.on_restart: resume``, the default: an import
overwrites keys, so running it again is safe) or fails with the reason (``tasks.on_restart: fail``); a
stopping task ends stopped on start-up.

THE WORK SEAM (how an import engine plugs in)
---------------------------------------------
``Runner.set_work(work)`` installs ``work(task: dict, ctx: TaskContext) -> None``, called in a worker thread
once per task run. The default work only checks that the backup files exist (``check_backup_files``).

``task`` is the stored task: ``id``, ``name``, ``project_id``, ``migration_type``, ``migration_method``,
``target_instance_id``, ``request`` (the create body, passwords removed: ``request["backup_files"]`` holds
``file_source``, ``bucket_name``, ``files`` [{file_name, size, update_at}], ``backup_id``), ``created_ts``.

``ctx`` (TaskContext) offers:
  ``ctx.resolve_files() -> list[pathlib.Path]``  local paths of the task's files, in request order (bucket
        lookup; ``backup_record`` sources are mapped through the instance's configured backups); raises
        ``TaskFailed`` naming a missing bucket or object.
  ``ctx.instance -> dict``  the target instance's config (``id``, ``name``, ``password``, ``engine_version``,
        ``redis`` ...) with its current ``status``.
  ``ctx.config``  the emulator Config (``ctx.config.importer`` is the free-form ``importer:`` section).
  ``ctx.log(level, message, log_code='', keyword=None)``  append a task log entry (INFO/WARN/ERROR/DEBUG).
  ``ctx.progress(source_dbsize=, target_dbsize=, full_migration_progress=, target_input_kbps=, target_ops=,
        offset=)``  update what the stats call reports (any subset; values are reported as strings).
  ``ctx.should_stop() -> bool``  True once the task was stopped or deleted, or the emulator is shutting down:
        return (or raise) promptly; the task then ends stopped (or stays deleted), or is left working for
        the next start (shutdown).
  ``ctx.sleep(seconds) -> bool``  sleep, waking early (returning True) when ``should_stop()`` becomes true.

Raise ``TaskFailed(message)`` to make the task fail with that ``error_message`` (logged at ERROR).
Any other exception also fails it, with a generic message (details go to the emulator's log only).
After work returns, the runner keeps the task working until its minimum duration has passed
(``tasks.min_duration_seconds``, or a per-task value set through the admin API).

An extension ``setup(emulator)`` found in ``dcs_emulator.importer.plugin`` (or ``dcs_emulator.importer``) is
called by the app factory (unless ``serve --api-only``);
it can call ``emulator.runner.set_work(...)``, ``emulator.buckets.register_kind(...)``,
set ``emulator.instances.status_provider`` / ``details_provider`` and ``emulator.add_shutdown_hook(...)``.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Optional

from dcs_emulator.buckets import BucketStore, ObjectMissing
from dcs_emulator.config import Config
from dcs_emulator.instances import InstanceRegistry
from dcs_emulator.models import LOG_LEVELS, STATS_FIELDS, MigrationTask, load_task, stopping_tasks, working_tasks
from dcs_emulator.storage import Storage
from dcs_emulator.timeutil import iso

LOG = logging.getLogger("dcs_emulator.runner")


class TaskFailed(Exception):
    """Raised by work to make the task fail; the message becomes the task's error_message."""


class TaskContext:
    """What a work function may use; see the module docstring."""

    def __init__(self, runner: "Runner", task: dict):
        self._runner = runner
        self.task_id = task["id"]
        self.task = task
        self.config = runner.config

    @property
    def instance(self) -> dict:
        instance = self._runner.instances.configured(self.task["target_instance_id"]) or {}
        return dict(instance, status=self._runner.instances.status(instance)) if instance else {}

    def resolve_files(self) -> list:
        return [self._resolve(bucket, name) for bucket, name in self.file_refs()]

    def file_refs(self) -> list:
        """(bucket, object name) pairs of the task, in request order."""
        files = self.task["request"].get("backup_files") or {}
        if files.get("file_source") == "backup_record":
            backup = self._runner.instances.find_backup(self.task["project_id"], files.get("backup_id", ""))
            if backup is None:
                raise TaskFailed("The backup record %s does not exist." % files.get("backup_id"))
            return [(backup["bucket"], backup["file"])]
        return [(files.get("bucket_name", ""), f["file_name"]) for f in files.get("files") or []]

    def _resolve(self, bucket: str, name: str) -> Path:
        try:
            return self._runner.buckets.resolve(bucket, name, self)
        except ObjectMissing as exc:
            raise TaskFailed(str(exc)) from None

    def log(self, level: str, message: str, log_code: str = "", keyword: Optional[list] = None) -> None:
        level = level.upper()
        if level not in LOG_LEVELS:
            level = "INFO"
        self._runner.storage.add_log(self.task_id, iso(time.time()), level, message, log_code, keyword)

    def progress(self, **values) -> None:
        unknown = set(values) - set(STATS_FIELDS)
        if unknown:
            raise TypeError("unknown progress field(s): %s" % ", ".join(sorted(unknown)))
        self._runner.record_progress(self.task_id, {k: str(v) for k, v in values.items() if v is not None})

    def should_stop(self) -> bool:
        return self._runner.stop_requested(self.task_id)

    def sleep(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.should_stop():
                return True
            time.sleep(min(0.02, max(0.0, deadline - time.monotonic())))
        return self.should_stop()


def check_backup_files(task: dict, ctx: TaskContext) -> None:
    """Default work: the backup files must exist in their bucket."""
    del task
    paths = ctx.resolve_files()
    total = 0
    for path in paths:
        size = path.stat().st_size
        total += size
        ctx.log("INFO", "Backup file %s found (%d bytes)." % (path.name, size))
    ctx.progress(full_migration_progress="100.00", offset=total)


Work = Callable[[dict, TaskContext], None]


class Runner:
    """Schedules tasks' work on a thread pool and tells each task when its work has ended."""

    def __init__(self, config: Config, storage: Storage, instances: InstanceRegistry, buckets: BucketStore):
        self.config = config
        self.storage = storage
        self.instances = instances
        self.buckets = buckets
        self.default_duration = config.min_duration_seconds
        self._work: Work = check_backup_files
        self._works = {}
        self._executor: Optional[ThreadPoolExecutor] = None
        self._stops = set()
        self._stops_lock = threading.Lock()
        self._shutdown = threading.Event()
        self._progress = {}
        self._progress_lock = threading.Lock()
        self._running = set()

    def set_work(self, work: Work, kind: Optional[str] = None) -> None:
        """The work of every task, or only of the tasks of ``kind`` (a ``MigrationTask.KIND``)."""
        if kind is None:
            self._work = work
        else:
            self._works[kind] = work

    # lifecycle of the runner -------------------------------------------------------------------------------

    def start(self) -> None:
        self._shutdown.clear()
        self._executor = ThreadPoolExecutor(max_workers=self.config.workers, thread_name_prefix="dcs-task")
        self._recover()

    def shutdown(self) -> None:
        """Stop accepting work; running tasks see should_stop() and stay working for the next start."""
        self._shutdown.set()
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _recover(self) -> None:
        for task in stopping_tasks(self.storage):
            self._finish(task.id)
        for task in working_tasks(self.storage):
            if self.config.on_restart == "fail":
                self._finish(task.id, "The emulator restarted while the task was running.")
                continue
            task.log("WARN", "The emulator restarted while the task was running; the task runs again.")
            self.submit(task.id)

    # requests from the API ---------------------------------------------------------------------------------

    def submit(self, task_id: str) -> None:
        if self._executor is not None:
            self._executor.submit(self._run, task_id)

    def request_stop(self, task_id: str) -> None:
        with self._stops_lock:
            self._stops.add(task_id)

    def stop_requested(self, task_id: str) -> bool:
        if self._shutdown.is_set():
            return True
        with self._stops_lock:
            return task_id in self._stops

    def record_progress(self, task_id: str, values: dict) -> None:
        with self._progress_lock:
            self._progress.setdefault(task_id, {}).update(values)

    def stats(self, task: dict) -> dict:
        """Live progress while the task runs, the stored one afterwards."""
        with self._progress_lock:
            live = dict(self._progress.get(task["id"], {}))
        stats = dict(task["stats"])
        stats.update(live)
        return stats

    def reset(self) -> None:
        """Forget everything (admin reset): running tasks are told to stop, their outcome is dropped."""
        with self._stops_lock:
            self._stops = set(self._running)
        with self._progress_lock:
            self._progress.clear()

    # running a task ----------------------------------------------------------------------------------------

    def _run(self, task_id: str) -> None:
        task = load_task(self.storage, task_id)
        if task is not None and not task.deleted and task.status in task.STOPPING:
            # stopped while it waited for a worker: the stop still ends it, as any stop does
            task.log("INFO", "The task was stopped before it started; the target is unchanged.")
            self._finish(task_id)
            return
        if task is None or not task.needs_work():
            return
        with self._stops_lock:
            self._running.add(task_id)
        try:
            self._run_work(task)
        finally:
            with self._stops_lock:
                self._running.discard(task_id)

    def _run_work(self, task: MigrationTask) -> None:
        task_id = task.id
        started = time.monotonic()
        self.storage.update_task(task_id, started_ts=time.time())
        ctx = TaskContext(self, task.row)
        failure = ""
        try:
            refusal = task.start_failure()
            if refusal:
                raise TaskFailed(refusal)
            ctx.log("INFO", "Task started.")
            self._works.get(task.KIND, self._work)(task.row, ctx)
            self._wait_min_duration(ctx, started)
        except TaskFailed as exc:
            failure = str(exc) or "The task failed."
        except Exception:  # pylint: disable=broad-except  # a broken work function must not leave a task hanging
            LOG.exception("task %s: work raised an unexpected error", task_id)
            failure = "Internal error of the emulator while running the task."
        if self._shutdown.is_set():
            return  # left working on purpose: resumed (or failed) on the next start
        self._finish(task_id, failure)

    def _wait_min_duration(self, ctx: TaskContext, started: float) -> None:
        while not ctx.should_stop():
            task = self.storage.get_task(ctx.task_id)
            duration = self.default_duration if task is None or task["duration"] is None else task["duration"]
            remaining = duration - (time.monotonic() - started)
            if remaining <= 0:
                return
            time.sleep(min(0.02, remaining))

    def _finish(self, task_id: str, failure: str = "") -> None:
        """Forget the task's stop request and live progress, and let the task take its final status."""
        with self._stops_lock:
            self._stops.discard(task_id)
        with self._progress_lock:
            progress = self._progress.pop(task_id, {})
        task = load_task(self.storage, task_id)
        if task is not None:
            task.finish(failure, progress, time.time(), self.config.fidelity.failed_status)
