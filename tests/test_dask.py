"""Grading on a Dask cluster (grader/cluster.py): the gradebook of a local run, whatever fails.

Clusters are LocalClusters of worker processes on 127.0.0.1, configured as ``--dask local:N``
configures its own (grader.cluster.local_cluster). Durations on the shared 2-core machine, under
load: the mixed class with hostile submissions 11-16 s (two runs of the command), the killed
worker 5-7 s (plus 4-9 s for the class and its local gradebook, once), the killed client 6 s,
the poison submission 6 s, the rest under 3 s each; about 55 s in all.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

import dask  # noqa: E402
from conftest import TOY_SOLUTION, make_toy_course, write_notebook  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402
from test_exploits import CASES, POINTS, Listener, World, build_course, submit  # noqa: E402

from grader import cluster  # noqa: E402
from grader.batch import Job, entries, grade_class, gradebook_csv  # noqa: E402
from grader.course import Course  # noqa: E402
from grader.load.bounded import UnreadableSubmission  # noqa: E402
from grader.load.locate import opened  # noqa: E402
from grader.load.program import read_program  # noqa: E402
from grader.output import OutputFolder  # noqa: E402

if not sys.platform.startswith("linux"):
    pytest.skip("grading needs the Linux sandbox", allow_module_level=True)

SLOW = TOY_SOLUTION + "\nimport time\n\ndef apply(f, x):\n    time.sleep(0.6)\n    return f(x)\n"
BUGGY = TOY_SOLUTION.replace("a - a.max(axis=-1, keepdims=True)", "a")
EXPLOITS = ("fake_results_exit.py", "os_exit_import.py", "kill_call.py",
            "write_results_everywhere.py", "monkeypatch_everything.py", "conftest_and_numpy",
            "ndarray_subclass.py", "read_secrets.py", "read_proc_env.py", "network.py",
            "forged_reply.py", "output_flood.py", "threads_left_running.py", "infinite_loop.py",
            "scratch_writer.py", "scratch_reader.py")
POISON_PRELOAD = '''
"""Takes its Dask worker down whenever the worker starts grading the student `poison`: the
fault of a grader that a submission crashes (no submission can reach the Dask worker)."""
import os
import signal

import grader.cluster


def dask_setup(worker):
    grade = grader.cluster.grade
    if getattr(grade, "poisoned", False):  # Dask may load a preload twice
        return

    def poisoned(exercise, entry, **options):
        if options.get("student") == "poison":
            os.kill(os.getpid(), signal.SIGKILL)
        return grade(exercise, entry, **options)

    poisoned.poisoned = True
    grader.cluster.grade = poisoned
'''


def grader(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def rows(out: Path) -> list[list[str]]:
    """The gradebook of ``out``: as the command wrote it, or as it would from the results."""
    path = out / "gradebook.csv"
    text = path.read_text() if path.exists() else gradebook_csv(OutputFolder(out).results())
    return list(csv.reader(io.StringIO(text)))


def checks_of(out: Path) -> dict[str, list[tuple]]:
    """Each student's checks as graded, without the timings (the only thing allowed to vary)."""
    return {r.student: [(c.id, c.status, c.points, c.fault, c.hint_key) for c in r.checks]
            for r in OutputFolder(out).results()}


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[list[str]]]:
    """The toy course, a class (slow honest ones, then the usual mix of kinds) and the
    gradebook `--workers 2` gives it."""
    base = tmp_path_factory.mktemp("toy")
    course = make_toy_course(base / "course")
    subs = base / "subs"
    subs.mkdir()
    for i in range(10):
        (subs / f"slow{i:02d}.py").write_text(SLOW)
    (subs / "buggy.py").write_text(BUGGY)
    write_notebook(subs / "notebook.ipynb", [("markdown", "# work"), ("code", BUGGY)])
    (subs / "broken.ipynb").write_text("{ broken")
    (subs / "folder").mkdir()
    (subs / "folder" / "exT.py").write_text(TOY_SOLUTION)
    run = grader("grade", "exT", str(subs), "--out", str(base / "local"), "--workers", "2",
                 cwd=course)
    assert run.returncode == 0, run.stderr
    return course, subs, rows(base / "local")


@pytest.fixture(scope="module")
def shared_cluster() -> LocalCluster:
    with cluster.local_cluster(2) as local:
        yield local


# -- without --dask, nothing changes --------------------------------------------------------------

PLAIN_GRADE = """
import sys
from grader.cli import main
try:
    main(sys.argv[1:])
except SystemExit as done:
    assert done.code == 0, done.code
print(sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed")))
"""


def test_plain_grade_never_imports_dask(tmp_path: Path) -> None:
    course = make_toy_course(tmp_path / "course")
    (tmp_path / "alice.py").write_text(TOY_SOLUTION)
    run = subprocess.run([sys.executable, "-c", PLAIN_GRADE, "grade", "exT",
                          str(tmp_path / "alice.py"), "--out", str(tmp_path / "out"),
                          "--workers", "1"], cwd=course, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"
    assert rows(tmp_path / "out")[1][:3] == ["alice", "9", "9"]


# -- what travels ------------------------------------------------------------------------------

def read_like_the_grader(entry: Path) -> str:
    """What grading an entry starts from: the program read, or the reason it cannot be."""
    try:
        with opened(entry, "exT") as source:
            return f"{source.name}: {read_program(source).to_wire()}"
    except UnreadableSubmission as exc:
        return f"unreadable: {exc}"


def test_packed_entries_read_as_the_originals(tmp_path: Path) -> None:
    """Whatever the entry, the worker's copy is read exactly as the original is here, though
    only what grading reads travels (one file of a folder, nothing past a reader's cap)."""
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "plain.py").write_text(TOY_SOLUTION)
    (subs / "huge.py").write_text("x = 1\n" * 400_000)  # past the 2 MB a module may have
    (subs / "notes.txt").write_text("not a submission")
    write_notebook(subs / "nb.ipynb", [("code", BUGGY), ("code", "print(1)")])
    picked = subs / "picked"
    (picked / "data").mkdir(parents=True)
    (picked / "exT.ipynb").write_text((subs / "nb.ipynb").read_text())
    (picked / "helper.py").write_text("import os\n")
    (picked / "data" / "big.bin").write_bytes(os.urandom(1_000_000))
    several = subs / "several"
    several.mkdir()
    for name in ("a.py", "b.py", "c.py"):
        (several / name).write_text(TOY_SOLUTION)
    (subs / "empty").mkdir()
    (subs / "link.py").symlink_to(subs / "plain.py")
    archive = subs / "zipped.zip"
    import zipfile

    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("zipped/exT.py", TOY_SOLUTION)
    for index, entry in enumerate(sorted(subs.iterdir())):
        payload = cluster.pack_entry(entry, "exT")
        worker = tmp_path / f"worker{index}"
        worker.mkdir()
        copy = cluster.unpack_entry(payload, worker)
        assert read_like_the_grader(copy) == read_like_the_grader(entry), entry.name
        sent = sum(map(len, payload["files"].values()))
        if entry.name == "picked":
            assert list(payload["files"]) == ["exT.ipynb"]
        if entry.name == "huge.py":
            assert sent == 2 * 1024**2 + 1
    assert "holds several files" in read_like_the_grader(several)


def test_unsafe_names_in_a_payload_are_refused(tmp_path: Path) -> None:
    for payload in ({"name": "..", "kind": "file", "files": {"..": b""}},
                    {"name": "x", "kind": "folder", "files": {"../escape.py": b""}}):
        with pytest.raises(ValueError, match="not a plain file name"):
            cluster.unpack_entry(payload, tmp_path)
    assert not (tmp_path.parent / "escape.py").exists()


def test_a_worker_with_another_course_or_grader_refuses(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster, "_exercises", {})
    exercise = Course(make_toy_course(tmp_path / "course")).exercise("exT")
    files = cluster.CourseFiles.of(exercise)
    assert not any("variants" in name for name in files.files)
    run = {"exercise": "exT", "digest": files.digest, "grader": cluster.grader_digest(),
           "allow_unsandboxed": False, "lang": "en", "limits": None}
    payload = {"name": "alice.py", "kind": "file", "files": {"alice.py": b""}}
    installed = make_toy_course(tmp_path / "installed")
    hidden = installed / "solutions/exT/checks/test_hidden.py"
    hidden.write_text(hidden.read_text().replace("points(3)", "points(4)"))
    altered = {**files.files, "solutions/exT/solution.py": b"def softmax(a):\n    return a\n"}
    for course, why in ((str(installed), "its course at .* differs from the client's in exT"),
                        (str(tmp_path / "nowhere"), "no exercise 'exT'"),
                        (altered, "the exercise's files arrived altered")):
        with pytest.raises(cluster.WorkerRefused, match=f"refuses to grade: {why}"):
            cluster.grade_on_worker(course, run, "alice", payload)
    with pytest.raises(cluster.WorkerRefused, match="its grader package differs"):
        cluster.grade_on_worker(files.files, {**run, "grader": "0" * 64}, "alice", payload)


# -- the command -------------------------------------------------------------------------------

def test_unreachable_scheduler_and_bad_addresses_fail_at_once(tmp_path: Path) -> None:
    course = make_toy_course(tmp_path / "course")
    (tmp_path / "alice.py").write_text(TOY_SOLUTION)
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    run = grader("grade", "exT", str(tmp_path / "alice.py"), "--out", str(tmp_path / "out"),
                 "--dask", f"tcp://127.0.0.1:{port}", cwd=course)
    assert run.returncode == 2, run.stderr
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: Connection refused" \
        in " ".join(run.stderr.split())
    assert time.monotonic() - started < cluster.CONNECT_SECONDS + 60  # no retrying until then
    assert not (tmp_path / "out" / "alice").exists()
    for address in ("local:0", "local:two"):
        run = grader("grade", "exT", str(tmp_path / "alice.py"), "--out",
                     str(tmp_path / "out"), "--dask", address, cwd=course)
        assert run.returncode == 2 and "local:N needs a number of workers" in run.stderr
    run = grader("grade", "exT", str(tmp_path / "alice.py"), "--out", str(tmp_path / "out"),
                 "--worker-course", str(course), cwd=course)
    assert run.returncode == 2 and "--worker-course goes with --dask" in run.stderr


@pytest.mark.slow
def test_the_dask_gradebook_equals_the_local_one_with_hostile_submissions(
        tmp_path: Path) -> None:
    """`--dask local:2` and `--workers 2` on the same class: ordinary, broken and hostile
    submissions (the exploit corpus), a folder, a zip. Every exploit earns its honest points
    on the cluster too, and none reaches the network."""
    course = build_course(tmp_path / "course").root
    subs = tmp_path / "subs"
    subs.mkdir()
    listener = Listener()
    world = World(Course(course).exercise("exT"), course, subs, tmp_path / "out", tmp_path,
                  listener, None, "no secret")
    world.replacements = {"__COURSE__": str(course), "__SUBMISSIONS__": str(subs),
                          "__OUT__": str(tmp_path), "__CWD__": str(course),
                          "__REPO__": str(Path(__file__).parent.parent),
                          "__PORT__": str(listener.port)}
    solution = (course / "solutions/exT/solution.py").read_text()
    try:
        for name in EXPLOITS:
            submit(world, name)
        submit(world, "honest.py", source=solution)
        submit(world, "broken.py", source=solution + "\ndef add(a, b)\n")
        write_notebook(subs / "notebook.ipynb", [("code", solution), ("code", "add(1, 2)")])
        import zipfile

        with zipfile.ZipFile(subs / "zipped.zip", "w") as zf:
            zf.writestr("zipped/exT.py", solution)
        local = grader("grade", "exT", str(subs), "--out", str(tmp_path / "local"),
                       "--workers", "2", cwd=course)
        assert local.returncode == 0, local.stderr
        remote = grader("grade", "exT", str(subs), "--out", str(tmp_path / "dask"),
                        "--dask", "local:2", cwd=course)
        assert remote.returncode == 0, remote.stderr
    finally:
        listener.close()
    assert rows(tmp_path / "dask") == rows(tmp_path / "local")
    graded = checks_of(tmp_path / "dask")
    assert graded == checks_of(tmp_path / "local")
    assert len(graded) == len(EXPLOITS) + 4
    for name, (passes, _) in CASES.items():
        if name in EXPLOITS:
            passed = {c[0] for c in graded[Path(name).stem] if c[1] == "passed"}
            assert passed == set(passes), name
    assert [c[2] for c in graded["honest"]] == [POINTS[c[0]] for c in graded["honest"]]
    assert listener.connections == 0
    sandboxes = {json.loads(p.read_text())["sandbox"]
                 for p in (tmp_path / "dask").glob("*/grading.json")}
    assert sandboxes == {"bubblewrap"}


def test_a_worker_without_a_sandbox_refuses_unless_allowed(tmp_path: Path) -> None:
    """No bubblewrap on the workers' PATH and no user to run students as: the run stops with
    the worker's reason; with --allow-unsandboxed it grades, and the results say how."""
    course = make_toy_course(tmp_path / "course")
    (tmp_path / "alice.py").write_text(TOY_SOLUTION)
    env = {**os.environ, "PATH": str(tmp_path), "GRADER_BUNDLED_BWRAP": "0",
           "GRADER_STUDENT_USER": "no-such-user-here"}
    command = ("grade", "exT", str(tmp_path / "alice.py"), "--out", str(tmp_path / "out"),
               "--dask", "local:1")
    refused = grader(*command, cwd=course, env=env)
    assert refused.returncode == 2, refused.stderr
    text = " ".join(refused.stderr.split())
    assert "refuses to grade: cannot isolate student code on this machine" in text
    assert "--allow-unsandboxed" in text
    assert not (tmp_path / "out" / "alice").exists()
    allowed = grader(*command, "--allow-unsandboxed", cwd=course, env=env)
    assert allowed.returncode == 0, allowed.stderr
    result = json.loads((tmp_path / "out" / "alice" / "grading.json").read_text())
    assert result["sandbox"] == "rlimits-only" and result["score"] == 9


def test_a_course_installed_on_the_workers_is_checked_then_used(tmp_path: Path) -> None:
    """--worker-course: nothing of the exercise is sent; the workers' copy grades while it
    matches the client's, and a worker whose copy differs refuses."""
    course = make_toy_course(tmp_path / "course")
    installed = tmp_path / "installed"
    shutil.copytree(course, installed)
    (tmp_path / "alice.py").write_text(BUGGY)
    command = ("grade", "exT", str(tmp_path / "alice.py"), "--dask", "local:1",
               "--worker-course", str(installed))
    same = grader(*command, "--out", str(tmp_path / "same"), cwd=course)
    assert same.returncode == 0, same.stderr
    assert rows(tmp_path / "same")[1][:3] == ["alice", "4", "9"]
    hidden = installed / "solutions/exT/checks/test_hidden.py"
    hidden.write_text(hidden.read_text() + "\n# edited on the workers only\n")
    differs = grader(*command, "--out", str(tmp_path / "differs"), cwd=course)
    assert differs.returncode == 2, differs.stderr
    assert f"its course at {installed} differs from the client's in exT" \
        in " ".join(differs.stderr.split())
    assert not (tmp_path / "differs" / "alice").exists()


def test_a_worker_that_cannot_run_the_task_stops_the_run(tmp_path: Path) -> None:
    """A worker whose own disk is full fails every task: the run stops with the reason instead
    of filling the gradebook with errors that a rerun would keep."""
    course = make_toy_course(tmp_path / "course")
    (tmp_path / "alice.py").write_text(TOY_SOLUTION)
    preload = tmp_path / "full_disk.py"
    preload.write_text("import errno\nimport os\n\nimport grader.cluster\n\n\n"
                       "def full(payload, folder):\n"
                       "    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))\n\n\n"
                       "def dask_setup(worker):\n    grader.cluster.unpack_entry = full\n")
    exercise = Course(course).exercise("exT")
    with cluster.local_cluster(1, preload=[str(preload)]) as broken, \
            pytest.raises(cluster.ClusterError, match="could not run the grading task "
                          r"\(OSError: \[Errno 28\] No space left on device\)"):
        grade_class(exercise, entries(exercise, tmp_path / "alice.py"), tmp_path / "out",
                    runner=cluster.DaskRunner(broken.scheduler_address))
    assert not OutputFolder(tmp_path / "out").results()


# -- faults --------------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_worker_killed_mid_submission_changes_nothing(shared_cluster: LocalCluster, toy: tuple,
                                                        tmp_path: Path) -> None:
    course, subs, expected = toy
    exercise = Course(course).exercise("exT")
    jobs = entries(exercise, subs)
    killed: list[tuple[str, list[Job]]] = []
    with Client(shared_cluster) as client:
        before = client.run(os.getpid)

        def kill_a_busy_worker(_result: object) -> None:
            busy = {w: [k for k in keys if isinstance(k, tuple)]
                    for w, keys in client.processing().items()}
            busy = {w: keys for w, keys in busy.items() if keys}
            if killed or not busy:
                return
            address, keys = sorted(busy.items())[0]
            os.kill(before[address], signal.SIGKILL)
            killed.append((address, [jobs[key[1]] for key in keys]))

        grade_class(exercise, jobs, tmp_path / "dask", on_result=kill_a_busy_worker,
                    runner=cluster.DaskRunner(shared_cluster.scheduler_address))
        client.wait_for_workers(2, timeout=120)
        after = client.run(os.getpid)
    assert killed, "no worker was busy"
    assert set(after.values()) != set(before.values()), "the killed worker came back"
    assert rows(tmp_path / "dask") == expected
    results = {r.student: r for r in OutputFolder(tmp_path / "dask").results()}
    for job in killed[0][1]:  # graded again elsewhere, as if nothing happened
        assert not results[job.student].errored and results[job.student].checks


@pytest.mark.slow
def test_resume_after_the_client_is_killed(shared_cluster: LocalCluster, toy: tuple,
                                           tmp_path: Path) -> None:
    course, subs, expected = toy
    out = tmp_path / "dask"
    command = [sys.executable, "-m", "grader", "grade", "exT", str(subs), "--out", str(out),
               "--dask", shared_cluster.scheduler_address]
    first = subprocess.Popen(command, cwd=course, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while len(list(out.glob("*/grading.json"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.kill()
    first.communicate()
    halfway = len(list(out.glob("*/grading.json")))
    assert 4 <= halfway < len(expected) - 1  # the header is a row
    for path in out.glob("*/*.json"):
        json.loads(path.read_text())  # nothing half-written
    second = subprocess.run(command, cwd=course, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    assert f"({halfway} already graded)" in second.stdout
    assert rows(out) == expected
    assert not list(out.rglob(".*.tmp"))


@pytest.mark.slow
def test_a_submission_that_takes_its_worker_down_is_marked_and_the_run_finishes(
        toy: tuple, tmp_path: Path) -> None:
    """`poison` kills every Dask worker that starts it. After allowed-failures + 1 tries (1 + 1
    here) Dask gives up on it: it is marked as an error, every other student is graded."""
    course, class_subs, expected = toy
    subs = tmp_path / "subs"
    shutil.copytree(class_subs, subs)
    (subs / "poison.py").write_text(TOY_SOLUTION)
    preload = tmp_path / "poison_preload.py"
    preload.write_text(POISON_PRELOAD)
    exercise = Course(course).exercise("exT")
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
            cluster.local_cluster(2, preload=[str(preload)]) as poisoned:
        grade_class(exercise, entries(exercise, subs), tmp_path / "dask",
                    runner=cluster.DaskRunner(poisoned.scheduler_address))
    graded = rows(tmp_path / "dask")
    poison = next(row for row in graded if row[0] == "poison")
    assert poison[1:3] == ["0", "0"] and poison[-1] == "grader_error"
    assert [row for row in graded if row[0] != "poison"] == expected
    error = next(r for r in OutputFolder(tmp_path / "dask").results()
                 if r.student == "poison").error
    assert "the Dask worker grading it died 2 times" in error
    assert "allowed-failures is 1" in error
