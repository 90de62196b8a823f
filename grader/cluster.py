"""Grade a class on a Dask cluster: ``grader grade EX SUBMISSIONS --out DIR --dask ADDRESS``.

This process, the client, reads each submission and sends its bytes with its task, so the
workers need no shared filesystem; results come back here and are written as a local run
writes them (:func:`grader.batch.grade_class`: atomically, resumable, the same files). The
exercise's files travel once, as a task every grading task depends on (Dask computes it again
if the worker holding it is lost); with ``--worker-course PATH`` they are not sent and each
worker grades with its own copy at PATH. Either way a worker whose exercise files or grader
package differ from the client's (by digest) refuses, and the run stops with its reason.

On a worker, :func:`grade_on_worker` runs :func:`grader.grading.grade` one submission at a
time per process (pytest and the preloaded process are per process; Dask's other threads only
wait), with the launcher of a local run (:func:`~grader.worker.policy.launcher_for`, workers
forked from a zygote): student code runs only in that sandbox, never in the Dask worker's
process. A worker without a sandbox refuses unless the command allows it.

Faults are left to Dask: a task whose worker dies is run again elsewhere; one whose workers die
more than ``distributed.scheduler.allowed-failures`` times (default 3) comes back as
KilledWorker, that submission is marked as an error and the run goes on.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import NoReturn

import dask
from distributed import Client, Future, KilledWorker, LocalCluster, as_completed, get_worker
from distributed.client import FutureCancelledError
from distributed.comm import parse_address, parse_host_port

import grader
from grader.batch import Job, RunnerError, crashed
from grader.course import Course, CourseError, Exercise
from grader.grading import grade
from grader.load.bounded import MB, UnreadableSubmission
from grader.load.locate import ZIP_MAX_BYTES, pick_source, regular_files
from grader.load.program import MAX_NOTEBOOK_BYTES, MAX_SOURCE_BYTES
from grader.results import SubmissionResult
from grader.worker.launchers import Launcher
from grader.worker.limits import Limits
from grader.worker.policy import IsolationUnavailable, launcher_for

LOCAL = "local:"
DEFAULT_PORT = 8786
CONNECT_SECONDS = 10.0
# Tasks in flight: more than twice the worker threads, so that the scheduler keeps the rest
# queued and hands each worker one task at a time (see LOCAL_CONFIG); and a bound on the
# submissions' bytes the scheduler holds at once.
TASKS_PER_THREAD = 4
MIN_TASKS = 16
FLIGHT_BYTES = 256 * MB
THREADS_REFRESH_SECONDS = 5.0
COURSE_MAX_BYTES = 256 * MB
# ``local:N``. One task per worker at a time: when a worker dies, only the submission it was
# grading counts the death towards allowed-failures, never one that merely waited behind it.
# Workers forked from this process, which has imported the grader: 0.2 s to start two, not 1.5.
# No statistical profiler (a sample of every thread's stack each 10 ms: measured, 4.7 instead of
# 4.4 CPU seconds for 60 ex03 submissions), and the event loop checked each second, not each 20 ms.
LOCAL_CONFIG = {"distributed.scheduler.worker-saturation": 1.0,
                "distributed.worker.multiprocessing-method": "fork",
                "distributed.worker.profile.enabled": False,
                "distributed.admin.tick.interval": "1s"}
# Where the readers stop: a submission is sent up to one byte past, so that the worker's reader
# refuses it with the same message as a local run.
READ_CAPS = {".py": MAX_SOURCE_BYTES, ".ipynb": MAX_NOTEBOOK_BYTES, ".zip": ZIP_MAX_BYTES}
VALIDATION_ONLY = ("variants", "variants.toml")  # solutions/EX/: read by `grader validate` only
GRADER_SUFFIXES = (".py", ".toml", ".ini", ".j2")
RAISED = "grading failed"  # the key of a task's value when grade() raised


class ClusterError(RunnerError):
    """The cluster cannot grade this run (unreachable, a worker refuses, the scheduler went)."""


class WorkerRefused(Exception):
    """Raised by a worker that will not grade: its course, grader or sandbox is not the run's."""


# -- what travels: the exercise once, each submission with its task -------------------------------

def _digest(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{len(files[name])}\0".encode())
        digest.update(files[name])
    return digest.hexdigest()


def _tree(folder: Path, skip: tuple[str, ...] = (),
          suffixes: tuple[str, ...] | None = None) -> dict[str, bytes]:
    """The files under ``folder`` by relative path (only ``suffixes``, if given); hidden ones,
    caches and the top-level names in ``skip`` left out."""
    files = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if (relative.parts[0] in skip or path.suffix == ".pyc"
                or (suffixes is not None and path.suffix not in suffixes)
                or any(p.startswith(".") or p == "__pycache__" for p in relative.parts)):
            continue
        if path.is_file():
            files[relative.as_posix()] = path.read_bytes()
    return files


@functools.cache
def grader_digest() -> str:
    """The grader package's code and data (what a wheel installs, whatever else lies in a
    checkout): a worker with other code would grade differently."""
    return _digest(_tree(Path(grader.__file__).resolve().parent, suffixes=GRADER_SUFFIXES))


@dataclass(frozen=True)
class CourseFiles:
    """The files of one exercise that grading reads, by path from the course root."""

    name: str
    files: dict[str, bytes]
    digest: str

    @classmethod
    def of(cls, exercise: Exercise) -> CourseFiles:
        files = {f"assignments/{exercise.name}/{path}": data
                 for path, data in _tree(exercise.assignment_dir).items()}
        if exercise.solution_dir is not None:
            files |= {f"solutions/{exercise.name}/{path}": data
                      for path, data in _tree(exercise.solution_dir, VALIDATION_ONLY).items()}
        return cls(exercise.name, files, _digest(files))


def pack_entry(entry: Path, exercise: str) -> dict:
    """What a worker needs to grade ``entry`` as it is graded here: its name and kind, and the
    bytes of the file grading reads (up to where the reader stops anyway).

    Of a folder, only the file :func:`~grader.load.locate.pick_source` picks; when it picks
    none, the names of its files (empty), from which the worker's pick fails alike.
    """
    if entry.is_symlink():
        return {"name": entry.name, "kind": "link", "files": {}}
    if entry.is_dir():
        try:
            source = pick_source(entry, exercise)
        except UnreadableSubmission:
            return {"name": entry.name, "kind": "folder",
                    "files": {p.relative_to(entry).as_posix(): b"" for p in regular_files(entry)}}
        return {"name": entry.name, "kind": "folder",
                "files": {source.relative_to(entry).as_posix(): _head(source)}}
    return {"name": entry.name, "kind": "file", "files": {entry.name: _head(entry)}}


def _head(path: Path) -> bytes:
    """The file's bytes up to one past its reader's cap; none where no reader reads it."""
    cap = READ_CAPS.get(path.suffix)
    if cap is None:
        return b""
    with open(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as file:
        return file.read(cap + 1)


def unpack_entry(payload: dict, folder: Path) -> Path:
    """Write a packed entry into ``folder``; the path to grade."""
    entry = folder / _plain_name(payload["name"])
    if payload["kind"] == "link":
        entry.symlink_to(folder / "nothing")
    elif payload["kind"] == "file":
        entry.write_bytes(payload["files"][payload["name"]])
    else:
        _write_files(entry, payload["files"])
    return entry


def _write_files(root: Path, files: dict[str, bytes]) -> None:
    """Files by relative path under ``root``; a path that would leave it is refused."""
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        target = root.joinpath(*map(_plain_name, PurePosixPath(name).parts))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _plain_name(name: str) -> str:
    if name in ("", ".", "..") or "/" in name or "\0" in name:
        raise ValueError(f"not a plain file name: {name!r}")
    return name


# -- the worker's side ----------------------------------------------------------------------------

_grading = threading.Lock()  # one submission at a time per worker process
_exercises: dict[tuple[str, str], tuple[Exercise, Path | None]] = {}
_launchers: dict[tuple[bool, Path | None], Launcher] = {}


def grade_on_worker(course: dict[str, bytes] | str, run: dict, student: str,
                    payload: dict) -> dict:
    """The Dask task: grade one packed submission here; its results as a dict.

    ``course`` is the exercise's files (from the course task) or, with ``--worker-course``,
    the course folder on this worker.
    """
    with _grading:
        if grader_digest() != run["grader"]:
            _refuse("its grader package differs from the client's (install the same version)")
        exercise, installed = _exercise_here(course, run["exercise"], run["digest"])
        launcher = _launcher_here(run["allow_unsandboxed"], installed)
        limits = Limits(**run["limits"]) if run["limits"] else None
        with tempfile.TemporaryDirectory(dir=_private_folder()) as scratch:
            entry = unpack_entry(payload, Path(scratch))
            try:
                return grade(exercise, entry, student=student, launcher=launcher,
                             limits=limits, lang=run["lang"]).to_dict()
            except Exception as exc:  # a value, as a local run records it (and Dask loses
                return {RAISED: f"{type(exc).__name__}: {exc}"}  # an exception it cannot pickle)


def _refuse(reason: str) -> NoReturn:
    try:
        name = get_worker().address
    except ValueError:
        name = f"process {os.getpid()}"
    raise WorkerRefused(f"the Dask worker {name} refuses to grade: {reason}")


@functools.cache
def _private_folder() -> Path:
    """This process's folder (mode 0700) in the worker's local directory, which Dask removes
    when the worker goes. The sandbox never sees it."""
    try:
        parent = get_worker().local_directory
    except ValueError:
        parent = None
    return Path(tempfile.mkdtemp(prefix="grader-", dir=parent))


def _exercise_here(course: dict[str, bytes] | str, name: str,
                   digest: str) -> tuple[Exercise, Path | None]:
    """The run's exercise on this worker, and the installed course folder it came from."""
    key = (course if isinstance(course, str) else "", digest)
    if key not in _exercises:
        if isinstance(course, str):
            try:
                exercise = Course(Path(course)).exercise(name)
            except CourseError as exc:
                _refuse(str(exc))
            if CourseFiles.of(exercise).digest != digest:
                _refuse(f"its course at {course} differs from the client's in {name}")
            _exercises[key] = exercise, Path(course).resolve()
        else:
            if _digest(course) != digest:
                _refuse("the exercise's files arrived altered")
            root = _private_folder() / f"course-{digest[:16]}"
            _write_files(root, course)
            _exercises[key] = Course(root).exercise(name), None
    return _exercises[key]


def _launcher_here(allow_unsandboxed: bool, installed: Path | None) -> Launcher:
    """The launcher of a local ``grader grade``, keeping this process's folder and the
    installed course out of the sandbox's view; the worker refuses where there is none."""
    key = (allow_unsandboxed, installed)
    if key not in _launchers:
        hide = (_private_folder(), *([installed] if installed else []))
        try:
            _launchers[key] = launcher_for("grade", hide=hide,
                                           allow_unsandboxed=allow_unsandboxed)
        except IsolationUnavailable as exc:
            _refuse(str(exc))
    return _launchers[key]


def _forget_parent_state() -> None:
    """A forked process (a worker of ``local:N``) grades with a folder and launchers of its
    own, whatever its parent had."""
    global _grading
    _grading = threading.Lock()
    _exercises.clear()
    _launchers.clear()
    _private_folder.cache_clear()


os.register_at_fork(after_in_child=_forget_parent_state)


# -- the client's side ----------------------------------------------------------------------------

def local_workers(address: str) -> int | None:
    """N of ``local:N``; None for a scheduler's address."""
    if not address.startswith(LOCAL):
        return None
    count = address[len(LOCAL):]
    if not count.isdigit() or int(count) < 1:
        raise ClusterError(f"--dask {address}: local:N needs a number of workers, N >= 1")
    return int(count)


@contextlib.contextmanager
def local_cluster(workers: int, **settings: object) -> Iterator[LocalCluster]:
    """A LocalCluster of ``workers`` one-thread processes on 127.0.0.1, as ``local:N`` has it
    (LOCAL_CONFIG holds while it runs: a worker that dies is forked again). Its HTTP server
    takes a free port on 127.0.0.1: Dask's default, 8787, may be another cluster's."""
    with dask.config.set(LOCAL_CONFIG):
        try:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                   silence_logs=logging.CRITICAL, **settings)
        except (OSError, RuntimeError) as exc:
            raise ClusterError(f"could not start a local Dask cluster: {exc}") from None
        with cluster:
            yield cluster


@contextlib.contextmanager
def connected(address: str) -> Iterator[Client]:
    """A client of the scheduler at ``address``, or of a LocalCluster on 127.0.0.1 for
    ``local:N`` (N worker processes of one thread, stopped on exit)."""
    workers = local_workers(address)
    if workers is not None:
        with local_cluster(workers) as cluster, Client(cluster, set_as_default=False) as client:
            yield client
        return
    _reachable(address)
    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot connect to the Dask scheduler at {address}: {exc}") from None
    with client:
        yield client


def _reachable(address: str) -> None:
    """Fail at once on a refused or unresolvable TCP address (Dask retries until its timeout)."""
    scheme, location = parse_address(address)
    if scheme not in ("tcp", "tls"):
        return
    host, port = parse_host_port(location, DEFAULT_PORT)
    try:
        socket.create_connection((host, port), timeout=CONNECT_SECONDS).close()
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {reason}") from None


def _course_files(files: dict[str, bytes]) -> dict[str, bytes]:
    """The course task: its value is the exercise's files, kept by the scheduler's task."""
    return files


class DaskRunner:
    """A :class:`grader.batch.JobRunner` on a Dask cluster (see the module docstring).

    ``warn`` receives what the instructor should know about the cluster (workers of several
    threads, no workers yet).
    """

    def __init__(self, address: str, *, allow_unsandboxed: bool = False,
                 worker_course: str | None = None,
                 warn: Callable[[str], None] = lambda text: None) -> None:
        local_workers(address)
        self.address = address
        self.allow_unsandboxed = allow_unsandboxed
        self.worker_course = worker_course
        self.warn = warn

    def __call__(self, exercise: Exercise, jobs: list[Job],
                 options: dict) -> Iterator[SubmissionResult]:
        if options.get("launcher") is not None:
            raise ValueError("on a cluster each worker chooses its launcher")
        course = CourseFiles.of(exercise)
        if self.worker_course is None and sum(map(len, course.files.values())) > COURSE_MAX_BYTES:
            raise ClusterError(f"{exercise.name}'s files exceed {COURSE_MAX_BYTES // MB} MB: "
                               "install the course on the workers and pass --worker-course")
        limits = options.get("limits")
        run = {"exercise": exercise.name, "digest": course.digest, "grader": grader_digest(),
               "allow_unsandboxed": self.allow_unsandboxed, "lang": options.get("lang", "en"),
               "limits": asdict(limits) if limits else None}
        if not jobs:
            return
        with connected(self.address) as client:
            self._look_at_workers(client)
            token = uuid.uuid4().hex[:12]
            source = self.worker_course or client.submit(
                _course_files, course.files, key=f"grader-course-{token}", pure=False)
            yield from _Flight(client, exercise, run, source, f"grade-{token}").results(jobs)

    def _look_at_workers(self, client: Client) -> None:
        workers = client.scheduler_info()["workers"]
        if not workers:
            self.warn(f"the Dask cluster at {self.address} has no workers yet: grading starts "
                      "when they join")
        threaded = sorted(a for a, w in workers.items() if w["nthreads"] > 1)
        if threaded:
            self.warn(f"{len(threaded)} Dask workers have several threads (e.g. {threaded[0]}); "
                      "each grades one submission at a time: start them with --nthreads 1 "
                      "and one process per core (--nworkers)")


class _Flight:
    """The tasks of one run: submitted a window at a time, collected as they complete."""

    def __init__(self, client: Client, exercise: Exercise, run: dict,
                 source: Future | str, group: str) -> None:
        self.client = client
        self.exercise = exercise
        self.run = run
        self.source = source
        self.group = group
        self.running: dict[Future, tuple[Job, int]] = {}
        self.completed = as_completed(loop=client.loop)
        self.bytes = 0
        self._threads = 0
        self._threads_at = -THREADS_REFRESH_SECONDS

    def results(self, jobs: list[Job]) -> Iterator[SubmissionResult]:
        waiting = list(reversed(list(enumerate(jobs))))
        unreadable: list[SubmissionResult] = []
        while waiting or self.running or unreadable:
            while waiting and (not self.running or self._room()):
                index, job = waiting.pop()
                try:
                    payload = pack_entry(job.entry, self.exercise.name)
                except OSError as exc:
                    unreadable.append(crashed(self.exercise, job, f"cannot read it: {exc}"))
                    continue
                self._submit(index, job, payload)
            while unreadable:
                yield unreadable.pop()
            if self.running:
                yield self._collect(next(self.completed))

    def _room(self) -> bool:
        if time.monotonic() - self._threads_at > THREADS_REFRESH_SECONDS:
            workers = self.client.scheduler_info()["workers"].values()
            self._threads = sum(w["nthreads"] for w in workers)
            self._threads_at = time.monotonic()
        limit = max(MIN_TASKS, TASKS_PER_THREAD * self._threads)
        return len(self.running) < limit and self.bytes < FLIGHT_BYTES

    def _submit(self, index: int, job: Job, payload: dict) -> None:
        size = sum(map(len, payload["files"].values()))
        future = self.client.submit(grade_on_worker, self.source, self.run, job.student,
                                    payload, key=(self.group, index), pure=False)
        self.running[future] = (job, size)
        self.bytes += size
        self.completed.add(future)

    def _collect(self, future: Future) -> SubmissionResult:
        job, size = self.running.pop(future)
        self.bytes -= size
        try:
            value = future.result()
            if RAISED in value:
                return crashed(self.exercise, job, value[RAISED])
            return SubmissionResult.from_dict(value)
        except WorkerRefused as exc:
            raise ClusterError(str(exc)) from None
        except KilledWorker as exc:
            return crashed(self.exercise, job, f"the Dask worker grading it died "
                           f"{exc.allowed_failures + 1} times (the cluster's "
                           "distributed.scheduler.allowed-failures is "
                           f"{exc.allowed_failures})")
        except FutureCancelledError:
            raise ClusterError("the Dask scheduler dropped the run (lost or restarted); run the "
                               "command again to grade the rest") from None
        except Exception as exc:  # grade()'s own come back as values: this is the cluster's
            raise ClusterError(f"a Dask worker could not run the grading task "
                               f"({type(exc).__name__}: {exc})") from None
        finally:
            future.release()
