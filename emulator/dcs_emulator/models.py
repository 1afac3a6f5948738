# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Migration tasks: their statuses and transitions, the backend the routes call, and the API's shapes of them.

The split follows moto (``models.py`` + ``responses.py``): routes parse a request, call ``TaskBackend`` and
serialise with the public functions at the end of this module (``task_detail``, ``task_list_item``, ...), which
a test kit may also call to build canned API answers. The runner asks a task to move (``finish``); nothing
outside this module writes a task status or names one.

Backup import lifecycle: create -> ``MIGRATING`` -> ``SUCCESS`` | ``FAILED`` or ``MIGRATION_FAILED`` (the
fidelity point ``failed_status``; ``error_message`` + an ERROR log entry); a SUCCESS becomes ``RELEASED`` (with
``released_at``) once its migration ECS is released, ``fidelity.release_after_seconds`` later; stop ->
``TERMINATING`` -> ``TERMINATED``; delete -> ``DELETED`` (kept for show, dropped from the list).
The readings the documents leave open (time formats, list order, error codes...) come from ``fidelity``.
A task still working when the emulator stopped is run again on start-up (``tasks.on_restart: resume``) or
fails with the reason (``tasks.on_restart: fail``); a stopping task ends stopped on start-up.

Another kind of task is one more ``MigrationTask`` subclass (its statuses, ``TRANSITIONS``, ``WORKING`` and
``STOPPING``, a ``new()`` building its row) registered in ``KINDS``, plus a backend method creating it.
"""

from __future__ import annotations

import hmac
import time
import uuid
from typing import NamedTuple, Optional

from dcs_emulator import errors
from dcs_emulator.fidelity import Fidelity
from dcs_emulator.instances import spec_code
from dcs_emulator.timeutil import iso, render

MIGRATING = "MIGRATING"
SUCCESS = "SUCCESS"
FAILED = "FAILED"
MIGRATION_FAILED = "MIGRATION_FAILED"
RELEASED = "RELEASED"
FINISHED = (SUCCESS, FAILED, MIGRATION_FAILED, RELEASED)  # stop_finished: the statuses a task ends in by itself
TERMINATING = "TERMINATING"
TERMINATED = "TERMINATED"
DELETED = "DELETED"
# Online migration (OTC's show page): RUNNING = created, waiting for its configuration.
RUNNING = "RUNNING"
FULLMIGRATING = "FULLMIGRATING"
INCRMIGRATING = "INCRMIGRATING"

LOG_LEVELS = ("INFO", "WARN", "ERROR", "DEBUG")
STATS_FIELDS = ("full_migration_progress", "offset", "source_dbsize", "target_dbsize", "target_input_kbps", "target_ops")


class Transition(NamedTuple):
    """An allowed move: from any of ``sources`` to ``target``."""

    sources: tuple
    target: str


class InvalidTransition(Exception):
    """The task is not in a status the event may leave; the backend answers it with the service's error."""

    def __init__(self, task: "MigrationTask", event: str):
        super().__init__("%s cannot %s a task in status %s" % (task.KIND, event, task.status))
        self.task = task
        self.event = event


class MigrationTask:
    """One stored migration task (``row`` is its storage row). Each kind of task is a subclass declaring:

    ``KIND``         the value of the row's ``kind`` column;
    ``TRANSITIONS``  event -> Transition; the events ``succeed``, ``fail``, ``stopped``, ``stop`` and ``delete``
                     are the ones the runner and the backend use;
    ``WORKING``      statuses in which the runner runs the kind's work (and resumes it after a restart);
    ``STOPPING``     statuses that end (event ``stopped``) once the work has returned;
    ``STOP_DONE``    statuses in which a stop request is answered as accepted without moving the task.
    """

    KIND = ""
    TRANSITIONS: dict = {}
    WORKING: tuple = ()
    STOPPING: tuple = ()
    STOP_DONE: tuple = ()

    def __init__(self, row: dict, storage=None):
        self.row = row
        self._storage = storage

    @property
    def id(self) -> str:  # pylint: disable=invalid-name  # the API's own name
        return self.row["id"]

    @property
    def status(self) -> str:
        return self.row["status"]

    @property
    def deleted(self) -> bool:
        return bool(self.row["deleted"])

    def belongs_to(self, project_id: str) -> bool:
        return self.row["project_id"] == project_id

    def is_running(self) -> bool:
        """What the stats call reports as ``is_migrating``."""
        return self.status in self.WORKING + self.STOPPING

    def needs_work(self) -> bool:
        return not self.deleted and self.status in self.WORKING

    def start_failure(self) -> str:
        """Why the work must not even start (the task then fails with this message), or an empty string."""
        return ""

    def reload(self) -> None:
        self.row = self._storage.get_task(self.id)

    def log(self, level: str, message: str, now: Optional[float] = None) -> None:
        self._storage.add_log(self.id, iso(time.time() if now is None else now), level, message)

    def _move(self, event: str, now: float, **fields) -> bool:
        """Apply ``event`` if the stored task is still in one of its sources (compare and set); True if it moved."""
        sources, target = self.TRANSITIONS[event]
        fields.update(status=target, updated_at=iso(now))
        moved = self._storage.update_task(self.id, only_if_status=sources, **fields)
        if moved:
            self.row.update(fields)
        return moved

    # events ------------------------------------------------------------------------------------------------

    def stop(self, now: float) -> bool:
        """Ask a working task to stop: True if this call moved it; a task already stopping or stopped stays as it
        is; any other status raises InvalidTransition."""
        if self._move("stop", now):
            return True
        self.reload()
        if self.status not in self.STOP_DONE:
            raise InvalidTransition(self, "stop")
        return False

    def delete(self, now: float) -> None:
        self._move("delete", now, deleted=1)

    def finish(self, failure: str, progress: dict, now: float, failed_status: str = FAILED) -> None:
        """The work has returned (``failure`` is empty when it succeeded): move to the final status it leads to,
        ``failed_status`` for a failure.

        A stop that arrived meanwhile wins; a deleted task only keeps its last progress.
        """
        stats = dict(self.row["stats"], **progress)
        if self.deleted:
            self._storage.update_task(self.id, finished_ts=now, stats=stats)
            return
        while self.row is not None and self.status in self.WORKING + self.STOPPING:
            event = "stopped" if self.status in self.STOPPING else self._outcome_event(failure, failed_status)
            final_stats = dict(stats, full_migration_progress="100.00") if event == "succeed" else stats
            message = failure if event in FAIL_EVENTS.values() else ""
            if self._move(event, now, error_message=message, finished_ts=now, stats=final_stats):
                if message:
                    self.log("ERROR", message, now)
                else:
                    self.log("INFO", "Task finished: %s." % self.status, now)
                return
            self.reload()

    def _outcome_event(self, failure: str, failed_status: str = FAILED) -> str:
        """The event that ends a task whose work returned, ``failure`` empty when it succeeded."""
        return FAIL_EVENTS[failed_status] if failure else "succeed"

    def release_if_due(self, now: float, delay: float) -> None:
        """A task whose kind releases a helper VM (event ``release``) takes its released status ``delay``
        seconds after it finished; ``released_at`` is that moment, not the moment someone looked."""
        release = self.TRANSITIONS.get("release")
        finished = self.row.get("finished_ts")
        if release is None or self.deleted or self.status not in release.sources or finished is None:
            return
        if now < finished + delay:
            return
        released_at = iso(finished + delay)
        # not _move: releasing the helper VM does not change when the task completed (updated_at)
        if self._storage.update_task(self.id, only_if_status=release.sources, status=release.target,
                                     released_at=released_at):
            self.row.update(status=release.target, released_at=released_at)
            self.log("INFO", "The migration ECS was released.", finished + delay)
        else:
            self.reload()

    def api_fields(self) -> dict:
        """Fields of the show and list answers that this kind fills itself (see ``task_detail``)."""
        return {}


# The event that ends a failed task, by the failed status the emulator shows (fidelity point failed_status).
FAIL_EVENTS = {FAILED: "fail", MIGRATION_FAILED: "fail_migration"}


class BackupImportTask(MigrationTask):
    """A backup import (``POST /v2/{project_id}/migration-task``): the work imports the backup files."""

    KIND = "backup_import"
    TRANSITIONS = {
        "succeed": Transition((MIGRATING,), SUCCESS),
        "fail": Transition((MIGRATING,), FAILED),
        "fail_migration": Transition((MIGRATING,), MIGRATION_FAILED),
        "release": Transition((SUCCESS,), RELEASED),
        "stop": Transition((MIGRATING,), TERMINATING),
        "stopped": Transition((TERMINATING,), TERMINATED),
        "delete": Transition((MIGRATING, SUCCESS, FAILED, MIGRATION_FAILED, RELEASED, TERMINATING, TERMINATED),
                             DELETED),
    }
    # Fields a backup import accepts but cannot use (online-migration fields, values the service decides
    # itself): the task log says so, rather than dropping them silently. Field -> why it has no effect.
    NO_EFFECT = (
        ("network_type", "the network between a source and a target Redis is an online-migration setting"),
        ("source_instance", "a backup import reads the backup files, not a source Redis"),
        ("target_instance.db", "the backup's keys keep the database numbers they have in the backup"),
        ("target_instance.proxy_multi_db", "the instance's own multi-DB setting applies"),
        ("target_instance.ip", "the instance's own address is used"),
        ("target_instance.port", "the instance's own address is used"),
        ("target_instance.addrs", "the instance's own address is used"),
        ("target_instance.task_status", "a task status is set by the service, not by a request"),
    )
    WORKING = (MIGRATING,)
    STOPPING = (TERMINATING,)
    STOP_DONE = (TERMINATING, TERMINATED)

    def start_failure(self) -> str:
        # A wrong password shows when the work connects to the instance: the task is created, then fails.
        if not self.row["password_ok"]:
            return "Failed to authenticate to the target instance: invalid password."
        return ""

    @classmethod
    def new(cls, project_id: str, request: dict, password_ok: bool, now: float, task_id: Optional[str] = None,
            storage=None):
        """A task not stored yet, from a validated create body (``request``, passwords removed)."""
        files = request["backup_files"]
        return cls({
            "id": task_id or uuid.uuid4().hex, "kind": cls.KIND, "project_id": project_id,
            "name": request["task_name"], "description": request["description"], "status": MIGRATING,
            "migration_type": request["migration_type"], "migration_method": request["migration_method"],
            "target_instance_id": request["target_instance"]["id"],
            "data_source": files.get("bucket_name") or files.get("backup_id", ""), "request": request,
            "password_ok": password_ok, "error_message": "", "created_at": iso(now), "updated_at": iso(now),
            "created_ts": now, "deleted": False, "stats": {}, "released_at": "",
        }, storage)

    def no_effect_notes(self) -> list:
        """One log message per field of the request that this kind accepted but cannot use."""
        request = self.row["request"]
        notes = []
        for field, why in self.NO_EFFECT:
            parent, _dot, child = field.rpartition(".")
            holder = request.get(parent, {}) if parent else request
            if child in holder:
                notes.append("%s has no effect on a backup import: %s." % (field, why))
        return notes


class OnlineMigrationTask(MigrationTask):
    """An online migration (``POST /v2/{project_id}/migration/instance``, then configured with
    ``POST /v2/{project_id}/migration/{task_id}/task``): the work replicates from the source as a replica.

    created -> ``RUNNING`` (waiting for its configuration); configure -> ``FULLMIGRATING`` (snapshot loaded into
    the target) -> ``SUCCESS`` (full_amount_migration) or ``INCRMIGRATING`` (incremental_migration: the
    replication stream is applied until stopped) ; a full resync after a reconnection goes back to
    ``FULLMIGRATING``; stop -> ``TERMINATING`` -> ``TERMINATED``; a failure (or a broken source connection with
    ``resume_mode: manual``) -> ``FAILED``; restart of a FAILED or TERMINATED task resumes it (``INCRMIGRATING``
    when the replication position is known, else ``FULLMIGRATING``).
    """

    KIND = "online_migration"
    CONFIGURABLE = (RUNNING, SUCCESS, FAILED, TERMINATED)
    RESTARTABLE = (FAILED, TERMINATED)
    TRANSITIONS = {
        "configure": Transition(CONFIGURABLE, FULLMIGRATING),
        "steady": Transition((FULLMIGRATING,), INCRMIGRATING),
        "resync": Transition((INCRMIGRATING,), FULLMIGRATING),
        "restart": Transition(RESTARTABLE, FULLMIGRATING),
        "resume": Transition(RESTARTABLE, INCRMIGRATING),
        "succeed": Transition((FULLMIGRATING,), SUCCESS),
        "fail": Transition((FULLMIGRATING, INCRMIGRATING), FAILED),
        "stop": Transition((FULLMIGRATING, INCRMIGRATING), TERMINATING),
        "stopped": Transition((TERMINATING,), TERMINATED),
        "delete": Transition((RUNNING, FULLMIGRATING, INCRMIGRATING, SUCCESS, FAILED, TERMINATING, TERMINATED),
                             DELETED),
    }
    WORKING = (FULLMIGRATING, INCRMIGRATING)
    STOPPING = (TERMINATING,)
    STOP_DONE = (TERMINATING, TERMINATED)

    @classmethod
    def new(cls, project_id: str, request: dict, now: float, storage=None):
        """A task not stored yet, from a validated create body (name, description, vpc_id, subnet_id,
        security_group_id)."""
        return cls({
            "id": uuid.uuid4().hex, "kind": cls.KIND, "project_id": project_id, "name": request["name"],
            "description": request["description"], "status": RUNNING, "migration_type": "online_migration",
            "migration_method": "", "target_instance_id": "", "data_source": "", "request": request,
            "password_ok": True, "error_message": "", "created_at": iso(now), "updated_at": iso(now),
            "created_ts": now, "deleted": False, "stats": {},
        }, storage)

    @property
    def config(self) -> dict:
        """The configuration (SetOnlineMigrationTaskBody without passwords), empty before the configure call."""
        return self.row["request"].get("config") or {}

    @property
    def position(self) -> Optional[tuple]:
        """(replication ID, offset applied to the target) of the last replication, or None."""
        stats = self.row["stats"]
        return (stats["repl_id"], int(stats["repl_offset"])) if stats.get("repl_id") else None

    def configure(self, config: dict, password_ok: bool, now: float) -> bool:
        """Store the configuration and start (again) with a full synchronisation; False if the status does not
        allow it."""
        request = dict(self.row["request"], config=config)
        target = config["target_instance"]
        return self._move("configure", now, request=request, password_ok=int(password_ok), error_message="",
                          migration_method=config["migration_method"], stats={},
                          target_instance_id=target.get("id") or "",
                          data_source=config["source_instance"].get("addrs") or config["source_instance"].get("id", ""))

    def restart(self, now: float) -> bool:
        """Run a stopped or failed task again: from its last replication position when it has one."""
        resumable = self.position is not None and self.config.get("migration_method") == "incremental_migration"
        return self._move("resume" if resumable else "restart", now, error_message="")

    def set_resume_mode(self, mode: str, now: float) -> None:
        self.row["request"] = dict(self.row["request"], config=dict(self.config, resume_mode=mode))
        self._storage.update_task(self.id, request=self.row["request"], updated_at=iso(now))

    def enter(self, event: str, now: float) -> bool:
        """The work's own moves (``steady``, ``resync``); False when the task left the source status meanwhile."""
        return self._move(event, now)

    @property
    def position_db(self) -> int:
        """The database the replication stream had selected at ``position``."""
        return int(self.row["stats"].get("repl_db", 0))

    def save_position(self, repl_id: str, offset: int, db: int) -> None:
        self.row["stats"] = dict(self.row["stats"], repl_id=repl_id, repl_offset=str(offset), repl_db=db)
        self._storage.update_task(self.id, stats=self.row["stats"])

    def _outcome_event(self, failure: str, failed_status: str = FAILED) -> str:
        # Only a full migration ends by itself; an incremental one that returns without a stop has failed.
        # The failed_status point is the backup import's (its show page); an online task fails as FAILED.
        return "succeed" if not failure and self.status == FULLMIGRATING else "fail"

    def api_fields(self) -> dict:
        """What show and list say of an online task beyond the shared fields."""
        config = self.config
        request = self.row["request"]
        return {
            "migration_method": config.get("migration_method", ""), "resume_mode": config.get("resume_mode", ""),
            "bandwidth_limit_mb": config.get("bandwidth_limit_mb", ""), "network_type": "VPC",
            "tenant_vpc_id": request.get("vpc_id", ""), "tenant_subnet_id": request.get("subnet_id", ""),
            "tenant_security_group_id": request.get("security_group_id", ""), "backup_files": None,
            "source_instance": dict(config.get("source_instance") or {}),
            "target_instance": dict(config.get("target_instance") or {}),
        }


KINDS = {kind.KIND: kind for kind in (BackupImportTask, OnlineMigrationTask)}


def task_from_row(row: Optional[dict], storage=None) -> Optional[MigrationTask]:
    return KINDS[row["kind"]](row, storage) if row is not None else None


def _statuses(attribute: str) -> list:
    return sorted({status for kind in KINDS.values() for status in getattr(kind, attribute)})


def load_task(storage, task_id: str) -> Optional[MigrationTask]:
    return task_from_row(storage.get_task(task_id), storage)


def stopping_tasks(storage) -> list:
    return [task_from_row(row, storage) for row in storage.tasks_in_status(_statuses("STOPPING"))]


def working_tasks(storage) -> list:
    return [task_from_row(row, storage) for row in storage.tasks_in_status(_statuses("WORKING"))]


# the backend -----------------------------------------------------------------------------------------------


def each_task(task_ids: list, operation) -> list:
    """A batch call: ``operation(task_id)`` for each ID; (task ID, the ApiError it raised or None) per ID, one
    failure not stopping the others."""
    results = []
    for task_id in task_ids:
        try:
            operation(task_id)
            results.append((task_id, None))
        except errors.ApiError as exc:
            results.append((task_id, exc))
    return results


class TaskBackend:
    """The migration-task operations of the API, one method each (moto's backend).

    ``runner`` runs the tasks' work: ``submit(task_id)`` and ``request_stop(task_id)``.
    """

    def __init__(self, storage, instances, runner, fidelity: Optional[Fidelity] = None):
        self.storage = storage
        self.instances = instances
        self.runner = runner
        self.fidelity = fidelity or runner.config.fidelity
        # Passwords of the create requests, for a show that echoes them (fidelity point show_passwords):
        # in memory only, never in the database or a log; gone after a restart.
        self._passwords = {}

    def get(self, project_id: str, task_id: str, allow_deleted: bool = True) -> MigrationTask:
        """The project's task, else DCS.4133. A deleted task still answers show, as the service may."""
        task = self._find(project_id, task_id, allow_deleted)
        if task is None:
            raise errors.task_not_found(task_id)
        return task

    def _find(self, project_id: str, task_id: str, allow_deleted: bool = False) -> Optional[MigrationTask]:
        task = load_task(self.storage, task_id)
        if task is None or not task.belongs_to(project_id) or (task.deleted and not allow_deleted):
            return None
        task.release_if_due(time.time(), self.fidelity.release_after_seconds)
        return task

    def passwords_of(self, task: MigrationTask) -> dict:
        """{"target_instance": ..., "source_instance": ...} as the create request sent them, when the show
        echoes passwords; else empty."""
        if self.fidelity.show_passwords != "echo":
            return {}
        return self._passwords.get(task.id, {})

    def target_of(self, task: MigrationTask) -> Optional[dict]:
        """The task's target instance as the instance calls show it (status resolved), or None."""
        return self.instances.get(task.row["target_instance_id"])

    def create_backup_import(self, project_id: str, request: dict, password, source_password=None) -> MigrationTask:
        password_ok = self._check_target(project_id, request, password)
        task = BackupImportTask.new(project_id, request, password_ok, time.time(), storage=self.storage)
        self.storage.insert_task(task.row)
        sent = {"target_instance": password, "source_instance": source_password}
        self._passwords[task.id] = {key: value for key, value in sent.items() if isinstance(value, str)}
        task.log("INFO", "Backup import task %s created." % task.row["name"])
        for note in task.no_effect_notes():
            task.log("INFO", note)
        self.runner.submit(task.id)
        return task

    def _check_target(self, project_id: str, request: dict, password) -> bool:
        """Instance checks of create; returns whether the given password opens the instance."""
        files = request["backup_files"]
        password_ok = self.check_instance(project_id, request["target_instance"]["id"], password)
        if files["file_source"] == "backup_record" and self.instances.find_backup(project_id, files["backup_id"]) is None:
            raise errors.invalid_field("backup_files.backup_id")
        return password_ok

    def check_instance(self, project_id: str, instance_id: str, password) -> bool:
        """The instance must exist in the project and run (else the service's error); returns whether
        ``password`` opens it."""
        instance = self.instances.get(instance_id, project_id)
        if instance is None:
            raise errors.instance_not_found(instance_id)
        if instance["status"] != "RUNNING":
            raise errors.instance_not_running(instance_id, instance["status"])
        expected = instance.get("password")
        if not expected:
            return True
        return isinstance(password, str) and hmac.compare_digest(password.encode("utf-8"), expected.encode("utf-8"))

    def list(self, project_id: str, name: Optional[str], offset: int, limit: int) -> tuple:
        """(count, tasks) of the live tasks; the name filter and the order are fidelity points."""
        count, rows = self.storage.list_tasks(project_id, name, offset, limit,
                                              exact=self.fidelity.name_filter == "exact",
                                              newest_first=self.fidelity.list_order == "newest_first")
        tasks = [task_from_row(row, self.storage) for row in rows]
        now = time.time()
        for task in tasks:
            task.release_if_due(now, self.fidelity.release_after_seconds)
        return count, tasks

    def delete(self, project_id: str, task_ids: list) -> list:
        """All or nothing. An unknown or deleted ID is ignored (the vendor's page) or fails the call with
        DCS.4133; a working task is deleted (and stopped) or refused with DCS.4957: fidelity points."""
        tasks = []
        for task_id in task_ids:
            task = self._find(project_id, task_id)
            if task is None:
                if self.fidelity.delete_unknown_ids == "DCS.4133":
                    raise errors.task_not_found(task_id)
                continue
            if self.fidelity.delete_running == "refuse" and task.is_running():
                raise errors.task_state_conflict()
            tasks.append(task)
        now = time.time()
        for task in tasks:
            task.delete(now)
            self.runner.request_stop(task.id)
        return task_ids

    def stop(self, project_id: str, task_id: str) -> MigrationTask:
        task = self.get(project_id, task_id, allow_deleted=False)
        try:
            moved = task.stop(time.time())
        except InvalidTransition:
            # the point covers a finished task; a task that has not started (an online task waiting for its
            # configuration) is refused as before
            if self.fidelity.stop_finished == "DCS.4957" and task.status in FINISHED:
                raise errors.task_state_conflict() from None
            sources = " or ".join(task.TRANSITIONS["stop"].sources)
            raise errors.operation_not_allowed("The task %s is %s; only a %s task can be stopped."
                                               % (task_id, task.status, sources)) from None
        if moved:
            self.runner.request_stop(task_id)
            task.log("INFO", "Stop requested.")
            task.reload()
        return task

    def batch_stop(self, project_id: str, task_ids: list) -> list:
        """(task ID, the ApiError or None) per ID: a failed stop does not stop the others."""
        return each_task(task_ids, lambda task_id: self.stop(project_id, task_id))

    def stats(self, project_id: str, task_id: str) -> tuple:
        """(task, its progress): live while the work runs, the stored one afterwards."""
        task = self.get(project_id, task_id)
        return task, self.runner.stats(task.row)

    def logs(self, project_id: str, task_id: str, level: Optional[str], offset: int, limit: int) -> tuple:
        """(count, entries) of the task's log, oldest first."""
        self.get(project_id, task_id)
        return self.storage.list_logs(task_id, level, offset, limit)


# the API's shapes ------------------------------------------------------------------------------------------
# Each takes the Fidelity whose readings it shows (the documented one when not given).

DOCUMENTED = Fidelity()


def _target_view(task: MigrationTask, instance: Optional[dict], password: Optional[str] = None) -> dict:
    target = dict(task.row["request"].get("target_instance")
                  or _kind_fields(task, ("target_instance",)).get("target_instance") or {})
    if instance is not None:
        target.setdefault("name", instance["name"])
        target["ip"] = str(instance["ip"])
        target["port"] = str(instance["port"])
        target["addrs"] = "%s:%s" % (instance["ip"], instance["port"])
    if password is not None:
        target["password"] = password
    return target


def _source_view(task: MigrationTask, password: Optional[str] = None) -> Optional[dict]:
    """The source_instance as the request sent it (a backup import has none unless one was sent)."""
    source = task.row["request"].get("source_instance")
    if source is None:
        return None
    source = dict(source)
    if password is not None:
        source["password"] = password
    return source


def _backup_files_view(backup_files: Optional[dict], fidelity: Fidelity) -> Optional[dict]:
    """The backup files as sent; the backup record ID flat (SDK model) or nested (Terraform's reading)."""
    if backup_files is None:  # a kind without backup files (online migration)
        return None
    view = dict(backup_files)
    if fidelity.backup_id == "nested" and "backup_id" in view:
        view["backup_record"] = {"backup_id": view.pop("backup_id")}
    return view


def task_detail(task: MigrationTask, instance: Optional[dict] = None, fidelity: Fidelity = DOCUMENTED,
                passwords: Optional[dict] = None) -> dict:
    """The show and stop answer (ShowMigrationTaskResponse: no ``error_message``). ``instance``: the target as
    show-instance sees it (``name``, ``ip``, ``port``), or None; ``passwords``: what ``passwords_of`` gives,
    echoed as the vendor's example does."""
    row = task.row
    request = row["request"]
    passwords = passwords or {}
    return {
        "task_id": row["id"], "task_name": row["name"], "description": row["description"],
        "status": row["status"], "migration_type": row["migration_type"],
        "migration_method": row["migration_method"], "ecs_tenant_private_ip": "",
        "backup_files": _backup_files_view(request.get("backup_files"), fidelity),
        "network_type": request.get("network_type"),
        "source_instance": _source_view(task, passwords.get("source_instance")),
        "target_instance": _target_view(task, instance, passwords.get("target_instance")),
        "created_at": render(row["created_at"], fidelity.show_created_at),
        "updated_at": render(row["updated_at"], fidelity.show_updated_at),
        "released_at": render(row.get("released_at"), fidelity.show_released_at),
        "version": "", "resume_mode": "auto", "supported_features": [], "tenant_vpc_id": "", "tenant_subnet_id": "",
        "tenant_security_group_id": "", "bandwidth_limit_mb": "",
        # EXCHANGING while IP addresses are switched, which a backup import never does: not a copy of status
        "task_status": None,
        **_kind_fields(task, ("migration_method", "resume_mode", "bandwidth_limit_mb", "network_type", "tenant_vpc_id",
                              "tenant_subnet_id", "tenant_security_group_id", "backup_files", "source_instance")),
    }


def task_list_item(task: MigrationTask, instance: Optional[dict] = None, fidelity: Fidelity = DOCUMENTED) -> dict:
    """One element of the list answer (MigrationTaskList, 25 fields); ``instance`` as for ``task_detail`` plus
    its ``status`` and ``max_memory``. A backup import has no source instance: its fields are empty."""
    row = task.row
    target = _target_view(task, instance)
    return {
        "task_id": row["id"], "task_name": row["name"], "status": row["status"],
        "migration_type": row["migration_type"], "migration_method": row["migration_method"],
        "ecs_tenant_private_ip": "", "data_source": row["data_source"], "source_instance_name": "",
        "source_instance_id": "", "target_instance_addrs": target.get("addrs", ""),
        "target_instance_name": target.get("name", ""), "target_instance_id": row["target_instance_id"],
        "created_at": render(row["created_at"], fidelity.list_created_at), "description": row["description"],
        "source_instance_status": "", "target_instance_status": instance["status"] if instance else "",
        "source_instance_subnet_id": "", "target_instance_subnet_id": "", "source_instance_spec_code": "",
        "target_instance_spec_code": spec_code(instance) if instance else "",
        "error_message": row["error_message"] or None,
        "released_at": render(row.get("released_at"), fidelity.list_released_at),
        "version": "", "resume_mode": "auto", "supported_features": [],
        **_kind_fields(task, ("migration_method", "resume_mode")),
        **_source_list_fields(task),
    }


def _kind_fields(task: MigrationTask, names: tuple) -> dict:
    """The fields a kind of task answers itself (``api_fields``), among ``names``."""
    fields = task.api_fields()
    return {name: fields[name] for name in names if name in fields}


def _source_list_fields(task: MigrationTask) -> dict:
    source = _kind_fields(task, ("source_instance",)).get("source_instance")
    return {"source_instance_id": source.get("id", ""), "data_source": task.row["data_source"]} if source else {}


def create_answer(task: MigrationTask) -> dict:
    """The create answer (CreateMigrationTaskResponse)."""
    return {"id": task.id, "name": task.row["name"], "status": task.status, "error": ""}


def batch_stop_result(task_id: str, error: Optional[errors.ApiError] = None) -> dict:
    """One element of the batch-stop answer."""
    if error is None:
        return {"result": "success", "task_id": task_id, "error_msg": "", "error_code": ""}
    return {"result": "failed", "task_id": task_id, "error_msg": error.message, "error_code": error.code}


def _number(text: str):
    """A stats value as the example writes it: ``"100.00"`` -> 100, ``"12.5"`` -> 12.5."""
    value = float(text)
    return int(value) if value.is_integer() else value


def task_stats(task: MigrationTask, stats: dict, fidelity: Fidelity = DOCUMENTED) -> dict:
    """The stats answer (ShowMigrationTaskStatsResponse): strings as the field table and the SDK model declare
    them, or JSON numbers as the example shows; ``is_migrating`` a real JSON boolean."""
    result = {name: str(stats.get(name, "0")) for name in STATS_FIELDS}
    if fidelity.stats_values == "number":
        result = {name: _number(value) for name, value in result.items()}
    result["is_migrating"] = task.is_running()
    return result


def log_entry(entry: dict, fidelity: Fidelity = DOCUMENTED) -> dict:
    """One element of the logs answer (MigrationLog)."""
    view = {key: entry[key] for key in ("created_at", "log_level", "message", "log_code", "keyword")}
    view["created_at"] = render(entry["created_at"], fidelity.logs_created_at)
    return view
