"""Tests for grader.data.mnist, offline: IDX files are generated here and served from 127.0.0.1;
the digits shipped with the package are read where they are installed."""

from __future__ import annotations

import functools
import gzip
import hashlib
import shutil
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from grader.cli import main as grader_main
from grader.data import mnist
from grader.data.mnist import (
    FILES,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    DownloadError,
    MnistUnavailable,
    download_mnist,
    load_mnist,
    load_packaged_mnist,
    read_idx,
)
from grader.worker import bubblewrap
from grader.worker.bubblewrap import BubblewrapLauncher
from grader.worker.limits import Limits
from grader.worker.preloaded import PreloadedLauncher
from grader.worker.worker import Worker

REPO = Path(__file__).resolve().parent.parent

_IDX_CODES = {
    np.dtype(np.uint8): 0x08,
    np.dtype(np.int8): 0x09,
    np.dtype(np.int16): 0x0B,
    np.dtype(np.int32): 0x0C,
    np.dtype(np.float32): 0x0D,
    np.dtype(np.float64): 0x0E,
}


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, _IDX_CODES[array.dtype], array.ndim])
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path: Path, array: np.ndarray) -> Path:
    """Write array as an IDX file, gzip-compressed when path ends in .gz."""
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def make_split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n, dtype=np.uint8)


def write_mnist(folder: Path, n_train: int = 12, n_test: int = 5, seed: int = 0) -> dict:
    """Write the four standard files of a tiny MNIST into folder; return the arrays written."""
    folder.mkdir(parents=True, exist_ok=True)
    x_train, t_train = make_split(n_train, seed)
    x_test, t_test = make_split(n_test, seed + 1)
    arrays = {
        TRAIN_IMAGES: x_train,
        TRAIN_LABELS: t_train,
        TEST_IMAGES: x_test,
        TEST_LABELS: t_test,
    }
    for name, array in arrays.items():
        write_idx(folder / name, array)
    return arrays


def assert_matches(data: mnist.Mnist, arrays: dict) -> None:
    np.testing.assert_array_equal(data.x_train, arrays[TRAIN_IMAGES])
    np.testing.assert_array_equal(data.t_train, arrays[TRAIN_LABELS])
    np.testing.assert_array_equal(data.x_test, arrays[TEST_IMAGES])
    np.testing.assert_array_equal(data.t_test, arrays[TEST_LABELS])
    assert data.x_train.dtype == data.x_test.dtype == np.uint8
    assert data.t_train.dtype == data.t_test.dtype == np.int64


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Empty cache and no GRADER_MNIST_DIR, unless a test provides them."""
    monkeypatch.delenv(mnist.MNIST_DIR_ENV, raising=False)
    monkeypatch.setenv(mnist.CACHE_DIR_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache" / "mnist"


# read_idx


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize(
    "array",
    [
        np.arange(24, dtype=np.uint8).reshape(2, 3, 4),
        np.array([7, 2, 1, 0], dtype=np.uint8),
        np.arange(-6, 6, dtype=np.int8).reshape(3, 4),
        np.arange(-3, 3, dtype=np.int16),
        np.array([[1, -70000], [2**31 - 1, 0]], dtype=np.int32),
        np.linspace(-1, 1, 10, dtype=np.float32).reshape(2, 5),
        np.array([np.pi, -np.e], dtype=np.float64),
    ],
)
def test_read_idx_round_trip(tmp_path: Path, array: np.ndarray, suffix: str) -> None:
    result = read_idx(write_idx(tmp_path / f"a.idx{suffix}", array))
    assert result.dtype == array.dtype and result.dtype.isnative
    np.testing.assert_array_equal(result, array)
    result[...] = 0  # writable


def test_read_idx_rejects_bad_magic(tmp_path: Path) -> None:
    path = tmp_path / "bad"
    path.write_bytes(b"\x01\x02" + idx_bytes(np.zeros(4, np.uint8))[2:])
    with pytest.raises(ValueError, match="bad magic number"):
        read_idx(path)


def test_read_idx_rejects_unknown_type_code(tmp_path: Path) -> None:
    path = tmp_path / "bad"
    path.write_bytes(b"\x00\x00\x07\x01" + struct.pack(">I", 1) + b"\x00")
    with pytest.raises(ValueError, match="data type code 0x07"):
        read_idx(path)


@pytest.mark.parametrize("data", [b"", b"\x00\x00", b"\x00\x00\x08\x03\x00\x00\x00\x02"])
def test_read_idx_rejects_short_header(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "short"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=r"magic|header"):
        read_idx(path)


def test_read_idx_rejects_truncated_data(tmp_path: Path) -> None:
    path = tmp_path / "cut"
    path.write_bytes(idx_bytes(np.zeros((3, 28, 28), np.uint8))[:-10])
    with pytest.raises(ValueError, match="truncated"):
        read_idx(path)


def test_read_idx_rejects_trailing_bytes(tmp_path: Path) -> None:
    path = tmp_path / "long"
    path.write_bytes(idx_bytes(np.zeros(5, np.uint8)) + b"\x00")
    with pytest.raises(ValueError, match="longer than its header"):
        read_idx(path)


def test_read_idx_rejects_truncated_gzip(tmp_path: Path) -> None:
    path = tmp_path / "cut.gz"
    compressed = gzip.compress(idx_bytes(np.arange(1000, dtype=np.int32)))
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(ValueError, match="gzip"):
        read_idx(path)


# load_mnist from the standard files


def test_load_from_folder_argument(tmp_path: Path) -> None:
    arrays = write_mnist(tmp_path / "data")
    data = load_mnist(tmp_path / "data")
    assert_matches(data, arrays)
    assert (data.source, data.origin) == ("mnist", str(tmp_path / "data"))
    assert not data.x_train.flags.writeable and not data.t_test.flags.writeable


def test_load_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arrays = write_mnist(tmp_path / "data")
    monkeypatch.setenv(mnist.MNIST_DIR_ENV, str(tmp_path / "data"))
    data = load_mnist()
    assert_matches(data, arrays)
    assert data.origin == str(tmp_path / "data")


def test_load_accepts_gunzipped_files(tmp_path: Path) -> None:
    arrays = write_mnist(tmp_path / "data")
    for name in FILES:
        gz = tmp_path / "data" / name
        gz.with_suffix("").write_bytes(gzip.decompress(gz.read_bytes()))
        gz.unlink()
    assert_matches(load_mnist(tmp_path / "data"), arrays)


def test_load_rejects_images_of_wrong_size(tmp_path: Path) -> None:
    write_mnist(tmp_path / "data")
    write_idx(tmp_path / "data" / TEST_IMAGES, np.zeros((5, 8, 8), np.uint8))
    with pytest.raises(ValueError, match=r"test images .*expected uint8 \(N, 28, 28\)"):
        load_mnist(tmp_path / "data")


def test_load_rejects_label_count_mismatch(tmp_path: Path) -> None:
    write_mnist(tmp_path / "data")
    write_idx(tmp_path / "data" / TRAIN_LABELS, np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match="train labels"):
        load_mnist(tmp_path / "data")


# precedence of the sources


def test_folder_argument_beats_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_mnist(tmp_path / "arg", n_train=3)
    write_mnist(tmp_path / "env", n_train=4)
    monkeypatch.setenv(mnist.MNIST_DIR_ENV, str(tmp_path / "env"))
    assert len(load_mnist(tmp_path / "arg").x_train) == 3


def test_env_beats_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated: Path) -> None:
    write_mnist(isolated, n_train=3)
    write_mnist(tmp_path / "env", n_train=4)
    monkeypatch.setenv(mnist.MNIST_DIR_ENV, str(tmp_path / "env"))
    assert len(load_mnist().x_train) == 4


def test_cache_beats_packaged(isolated: Path) -> None:
    arrays = write_mnist(isolated)
    data = load_mnist()
    assert_matches(data, arrays)
    assert (data.source, data.origin) == ("mnist", str(isolated))


def test_partial_cache_falls_back_to_packaged(isolated: Path) -> None:
    write_mnist(isolated)
    (isolated / TRAIN_IMAGES).unlink()
    assert load_mnist() is load_packaged_mnist()


@pytest.mark.parametrize("by_env", [False, True])
def test_named_folder_missing_files_does_not_fall_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated: Path, by_env: bool
) -> None:
    write_mnist(isolated)
    write_mnist(tmp_path / "data")
    (tmp_path / "data" / TEST_LABELS).unlink()
    if by_env:
        monkeypatch.setenv(mnist.MNIST_DIR_ENV, str(tmp_path / "data"))
    with pytest.raises(MnistUnavailable, match=f"lacks {TEST_LABELS}"):
        load_mnist(None if by_env else tmp_path / "data")


def test_unavailable_explains_how_to_provide_the_full_set(tmp_path: Path, isolated: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(MnistUnavailable) as info:
        load_mnist(tmp_path / "empty")
    message = str(info.value)
    assert mnist.MNIST_DIR_ENV in message and all(name in message for name in FILES)
    assert "grader data download mnist" in message and str(isolated) in message


def test_cache_dir_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert mnist.mnist_cache_dir(tmp_path / "x") == tmp_path / "x" / "mnist"
    assert mnist.mnist_cache_dir() == tmp_path / "cache" / "mnist"
    monkeypatch.delenv(mnist.CACHE_DIR_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert mnist.mnist_cache_dir() == tmp_path / "xdg" / "grader" / "mnist"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert mnist.mnist_cache_dir() == tmp_path / "home" / ".cache" / "grader" / "mnist"


# the .npz copy of the cache


def test_cache_keeps_npz_copy_and_rebuilds_it_when_files_change(isolated: Path) -> None:
    first = write_mnist(isolated, seed=0)
    assert_matches(load_mnist(), first)
    assert (isolated / mnist._NPZ).is_file()
    (isolated / TRAIN_IMAGES).unlink()  # the copy alone must not count as the cache
    assert load_mnist().source == "mnist-t10k"
    second = write_mnist(isolated, seed=5)
    data = load_mnist()
    assert_matches(data, second)
    assert not data.x_train.flags.writeable
    assert_matches(load_mnist(), second)  # now from the rebuilt copy


def test_corrupt_npz_copy_is_rebuilt(isolated: Path) -> None:
    arrays = write_mnist(isolated)
    (isolated / mnist._NPZ).write_bytes(b"PK\x03\x04 not a zip")
    assert_matches(load_mnist(), arrays)
    assert_matches(load_mnist(), arrays)


# the digits shipped with the package


def packaged_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The packaged files as published, read without the loader."""
    images = read_idx(mnist.PACKAGED_DIR / TEST_IMAGES)
    return images, read_idx(mnist.PACKAGED_DIR / TEST_LABELS).astype(np.int64)


def test_packaged_digits_are_the_default(isolated: Path) -> None:
    data = load_mnist()
    assert (data.source, data.origin) == ("mnist-t10k", str(mnist.PACKAGED_DIR))
    assert data.x_train.shape == (8000, 28, 28) and data.x_test.shape == (2000, 28, 28)
    assert data.x_train.dtype == data.x_test.dtype == np.uint8
    assert data.t_train.dtype == data.t_test.dtype == np.int64
    assert not data.x_train.flags.writeable and not data.t_test.flags.writeable
    # real digits: every class well represented on both sides, ink on a dark background
    assert np.bincount(data.t_train, minlength=10).min() > 600
    assert np.bincount(data.t_test, minlength=10).min() > 150
    assert data.x_test.max() == 255 and np.median(data.x_test) == 0


def test_packaged_split_is_the_calibrated_one() -> None:
    """8,000 / 2,000 after a default_rng(0) shuffle: the ex06 thresholds are calibrated on it."""
    images, labels = packaged_arrays()
    order = np.random.default_rng(0).permutation(10_000)
    data = load_packaged_mnist()
    np.testing.assert_array_equal(data.x_train, images[order[:8000]])
    np.testing.assert_array_equal(data.t_train, labels[order[:8000]])
    np.testing.assert_array_equal(data.x_test, images[order[8000:]])
    np.testing.assert_array_equal(data.t_test, labels[order[8000:]])
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]  # the published test set


def test_packaged_digits_are_read_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_packaged_mnist()

    def no_second_read(*args: object) -> None:
        raise AssertionError("the packaged digits were read and verified again")

    monkeypatch.setattr(mnist, "parse_idx", no_second_read)
    monkeypatch.setattr(mnist.hashlib, "sha256", no_second_read)
    assert load_packaged_mnist() is first
    assert load_mnist() is first


def test_packaged_files_carry_their_sums_and_attribution() -> None:
    listed = dict(line.split()[::-1] for line in
                  (mnist.PACKAGED_DIR / "SHA256SUMS").read_text().splitlines())
    assert listed == {name: mnist.SHA256[name] for name in (TEST_IMAGES, TEST_LABELS)}
    for name, digest in listed.items():
        assert hashlib.sha256((mnist.PACKAGED_DIR / name).read_bytes()).hexdigest() == digest
    readme = (mnist.PACKAGED_DIR / "README.md").read_text()
    for credit in ("LeCun", "Cortes", "Burges", "CC BY-SA 3.0",
                   "https://creativecommons.org/licenses/by-sa/3.0/"):
        assert credit in readme


@pytest.mark.parametrize("pyproject", ["pyproject.toml", "grader/release_templates/pyproject.toml"])
def test_packaged_files_are_installed_with_the_package(pyproject: str) -> None:
    """A wheel (the release bundle's and Gradescope's install) takes only declared data."""
    import tomllib

    config = tomllib.loads((REPO / pyproject).read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["grader"]
    package = REPO / "grader"
    for path in mnist.PACKAGED_DIR.iterdir():
        relative = path.relative_to(package)
        assert any(relative.match(pattern) for pattern in patterns), relative


def damaged_copy(tmp_path: Path, name: str, body: bytes | None) -> Path:
    """A copy of the packaged folder with one file replaced (None: removed)."""
    folder = tmp_path / "mnist-t10k"
    shutil.copytree(mnist.PACKAGED_DIR, folder)
    if body is None:
        (folder / name).unlink()
    else:
        (folder / name).write_bytes(body)
    return folder


def test_packaged_file_replaced_by_other_digits_is_refused(tmp_path: Path) -> None:
    """A well-formed file with other content: only the checksum can tell."""
    _, labels = packaged_arrays()
    relabelled = gzip.compress(idx_bytes(((labels + 1) % 10).astype(np.uint8)))
    folder = damaged_copy(tmp_path, TEST_LABELS, relabelled)
    with pytest.raises(MnistUnavailable, match=r"damaged: its SHA-256 is [0-9a-f]{64}") as info:
        mnist._from_package(folder)
    assert "Reinstall the grader" in str(info.value) and "grader data download mnist" in str(
        info.value)


def test_packaged_file_missing_is_refused(tmp_path: Path) -> None:
    folder = damaged_copy(tmp_path, TEST_IMAGES, None)
    with pytest.raises(MnistUnavailable, match="shipped with the grader are missing"):
        mnist._from_package(folder)


LOOK_AT_PACKAGED = '''
import os
from grader.data import mnist
def look():
    folder = str(mnist.PACKAGED_DIR)
    try:
        with open(os.path.join(folder, "note-for-the-next-student"), "w") as f:
            f.write("hello")
        wrote = True
    except OSError:
        wrote = False
    return [folder, sorted(os.listdir(folder)), wrote]
'''


@pytest.mark.skipif(bubblewrap.problem() is not None, reason="needs a working bubblewrap sandbox")
@pytest.mark.parametrize("preloaded", [False, True], ids=["started", "forked"])
def test_packaged_digits_stay_out_of_the_sandbox(preloaded: bool) -> None:
    """The checks read the digits in the grader and send arrays over; student code, which
    could look its test labels up there, finds an empty folder it cannot write to."""
    launcher = BubblewrapLauncher()
    if preloaded:
        launcher = PreloadedLauncher(launcher)
    statements = [{"label": "look.py", "line": 1, "source": LOOK_AT_PACKAGED}]
    try:
        with Worker(statements, Limits(call_seconds=20, load_seconds=20), launcher) as worker:
            folder, listing, wrote = worker.request("call", target="look", args=[], kwargs={})
    finally:
        if preloaded:
            launcher.close()
    assert folder.endswith("grader/data/mnist-t10k")
    assert (listing, wrote) == ([], False)
    assert TEST_LABELS in {p.name for p in mnist.PACKAGED_DIR.iterdir()}  # there, outside


# download_mnist against a local server


@dataclass
class Mirror:
    url: str
    files: dict[str, bytes]
    cut: set[str] = field(default_factory=set)  # names whose transfer stops halfway


@pytest.fixture
def mirror() -> Iterator[Mirror]:
    """An HTTP server on 127.0.0.1 serving tiny MNIST files under /mnist/."""
    arrays = {
        TRAIN_IMAGES: make_split(6, 0)[0],
        TRAIN_LABELS: make_split(6, 0)[1],
        TEST_IMAGES: make_split(3, 1)[0],
        TEST_LABELS: make_split(3, 1)[1],
    }
    files = {name: gzip.compress(idx_bytes(a)) for name, a in arrays.items()}
    cut: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = self.path.removeprefix("/mnist/")
            if name not in files:
                self.send_error(404)
                return
            body = files[name]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            # a cut transfer announces the whole body, sends half of it and closes
            self.wfile.write(body[: len(body) // 2] if name in cut else body)
            self.close_connection = True

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Mirror(f"http://127.0.0.1:{server.server_address[1]}/mnist/", files, cut)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def dead_url() -> str:
    """A URL on 127.0.0.1 whose port nothing listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def sums(files: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(body).hexdigest() for name, body in files.items()}


def cached_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_fills_the_cache(tmp_path: Path, mirror: Mirror, dead_url: str) -> None:
    folder = download_mnist(tmp_path / "c", mirrors=[mirror.url], checksums=sums(mirror.files))
    assert folder == tmp_path / "c" / "mnist"
    assert cached_files(folder) == sorted(FILES)
    for name, body in mirror.files.items():
        assert (folder / name).read_bytes() == body
    # a rerun keeps the verified files and needs no network
    again = download_mnist(
        tmp_path / "c", mirrors=[dead_url], progress=False, checksums=sums(mirror.files)
    )
    assert again == folder


def test_downloaded_cache_is_loaded(mirror: Mirror, isolated: Path) -> None:
    download_mnist(mirrors=[mirror.url], progress=False, checksums=sums(mirror.files))
    data = load_mnist()
    assert (data.source, data.origin) == ("mnist", str(isolated))
    np.testing.assert_array_equal(data.x_test, read_idx(isolated / TEST_IMAGES))


def test_download_checksum_mismatch_leaves_nothing(tmp_path: Path, mirror: Mirror) -> None:
    wrong = sums(mirror.files) | {TRAIN_IMAGES: "0" * 64}
    with pytest.raises(DownloadError, match="checksum mismatch") as info:
        download_mnist(tmp_path / "c", mirrors=[mirror.url], progress=False, checksums=wrong)
    assert TRAIN_IMAGES in str(info.value) and mirror.url in str(info.value)
    assert cached_files(tmp_path / "c" / "mnist") == []


def test_download_cut_off_transfer_leaves_nothing(tmp_path: Path, mirror: Mirror) -> None:
    mirror.cut.add(TRAIN_IMAGES)
    with pytest.raises(DownloadError, match="truncated transfer"):
        download_mnist(
            tmp_path / "c", mirrors=[mirror.url], progress=False, checksums=sums(mirror.files)
        )
    assert cached_files(tmp_path / "c" / "mnist") == []


def test_download_replaces_a_corrupt_cached_file(tmp_path: Path, mirror: Mirror) -> None:
    folder = tmp_path / "c" / "mnist"
    folder.mkdir(parents=True)
    (folder / TEST_LABELS).write_bytes(b"garbage")
    download_mnist(
        tmp_path / "c", mirrors=[mirror.url], progress=False, checksums=sums(mirror.files)
    )
    assert (folder / TEST_LABELS).read_bytes() == mirror.files[TEST_LABELS]


def test_download_falls_back_to_next_mirror(tmp_path: Path, mirror: Mirror, dead_url: str) -> None:
    folder = download_mnist(
        tmp_path / "c", mirrors=[dead_url, mirror.url], progress=False, checksums=sums(mirror.files)
    )
    assert cached_files(folder) == sorted(FILES)


def test_download_reports_every_failed_mirror(
    tmp_path: Path, mirror: Mirror, dead_url: str
) -> None:
    del mirror.files[TRAIN_IMAGES]  # the server answers 404
    with pytest.raises(DownloadError) as info:
        download_mnist(
            tmp_path / "c",
            mirrors=[dead_url, mirror.url],
            progress=False,
            checksums=sums(mirror.files) | {TRAIN_IMAGES: "0" * 64},
            timeout=5,
        )
    message = str(info.value)
    assert "every mirror failed" in message
    assert f"{dead_url}{TRAIN_IMAGES}" in message and "refused" in message.lower()
    assert f"{mirror.url}{TRAIN_IMAGES}" in message and "404" in message
    assert cached_files(tmp_path / "c" / "mnist") == []


# the command line


@pytest.mark.parametrize("reachable", [True, False])
def test_data_download_command(
    mirror: Mirror, dead_url: str, isolated: Path, monkeypatch: pytest.MonkeyPatch,
    reachable: bool
) -> None:
    """`grader data download mnist` against the local server, or none: 0, or 1 and why."""
    monkeypatch.setattr(mnist, "download_mnist", functools.partial(
        download_mnist, mirrors=[mirror.url if reachable else dead_url],
        checksums=sums(mirror.files), progress=False, timeout=5))
    run = CliRunner().invoke(grader_main, ["data", "download", "mnist"])
    if reachable:
        assert run.exit_code == 0, run.output
        assert "MNIST is ready in" in run.output and cached_files(isolated) == sorted(FILES)
        assert load_mnist().source == "mnist"
    else:
        assert run.exit_code == 1, run.output
        assert f"could not download {TRAIN_IMAGES}" in run.output
        assert "refused" in run.output.lower() and cached_files(isolated) == []
