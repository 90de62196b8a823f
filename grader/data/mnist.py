"""MNIST as NumPy arrays, from the first source that has it.

1. A folder holding the four standard IDX files, given as an argument or by ``GRADER_MNIST_DIR``.
2. The user cache (``<cache>/mnist``), filled by :func:`download_mnist` (``grader data download
   mnist``): the full set, 60,000 training and 10,000 test digits.
3. The MNIST test set shipped inside this package (``mnist-t10k/``, with its attribution): 10,000
   real digits split 8,000 / 2,000, so that an offline machine with nothing but the grader
   installed still grades on real digits.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import math
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from grader.data import PACKAGED_DIR

if TYPE_CHECKING:
    from rich.progress import Progress

MNIST_DIR_ENV = "GRADER_MNIST_DIR"
CACHE_DIR_ENV = "GRADER_CACHE_DIR"

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

# SHA-256 of the files as published by LeCun, Cortes and Burges; every mirror serves them unchanged.
SHA256: Mapping[str, str] = MappingProxyType(
    {
        TRAIN_IMAGES: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        TRAIN_LABELS: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        TEST_IMAGES: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        TEST_LABELS: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    }
)

# Tried in order. The original site comes last: it often refuses anonymous downloads nowadays.
DEFAULT_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

# IDX data type codes (third byte of the magic number) and their big-endian NumPy types.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

_NPZ = "mnist.npz"

# The packaged digits: the standard test files, verified against SHA256 before use, and how
# they are split. The split is part of the grading procedure: the thresholds of the checks
# that train on it are calibrated on exactly this split (solutions/ex06/CALIBRATION.md).
PACKAGED_SOURCE = "mnist-t10k"
PACKAGED_TRAIN = 8000  # training digits; the other 2,000 are the test set
PACKAGED_SHUFFLE_SEED = 0


class MnistUnavailable(RuntimeError):
    """No source holds usable MNIST; the message says how to provide it."""


class DownloadError(RuntimeError):
    """download_mnist() could not fetch a verified copy of a file."""


@dataclass(frozen=True, eq=False)  # eq=False: comparing arrays with == has no single truth value
class Mnist:
    """MNIST split into train and test sets.

    The arrays are made read-only, so code under test cannot alter data shared between checks.
    """

    x_train: np.ndarray  # uint8 (N, 28, 28)
    t_train: np.ndarray  # int64 (N,)
    x_test: np.ndarray  # uint8 (M, 28, 28)
    t_test: np.ndarray  # int64 (M,)
    source: str  # "mnist" (the standard 60k/10k files) or "mnist-t10k" (the packaged 8k/2k)
    origin: str  # where it was read from, for reports

    def __post_init__(self) -> None:
        splits = (("train", self.x_train, self.t_train), ("test", self.x_test, self.t_test))
        for split, x, t in splits:
            if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28):
                raise ValueError(
                    f"{self.origin}: {split} images are {x.dtype} {x.shape}, "
                    "expected uint8 (N, 28, 28)"
                )
            if t.dtype != np.int64 or t.shape != x.shape[:1]:
                raise ValueError(
                    f"{self.origin}: {split} labels are {t.dtype} {t.shape}, "
                    f"expected int64 ({len(x)},)"
                )
            if t.size and (t.min() < 0 or t.max() > 9):
                raise ValueError(f"{self.origin}: {split} labels fall outside 0..9")
            x.setflags(write=False)
            t.setflags(write=False)


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file, gzip-compressed or not, checking its header against its size.

    A corrupt or cut-off file must fail here with a clear message rather than later as a
    strangely shaped array. Returns a writable array in native byte order.
    """
    path = Path(path)
    return parse_idx(path.read_bytes(), str(path))


def parse_idx(raw: bytes, path: str) -> np.ndarray:
    """The array an IDX file's bytes (gzip-compressed or not) hold; path names it in errors."""
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{path}: corrupt or truncated gzip data ({exc})") from exc
    if len(raw) < 4 or raw[:2] != b"\0\0":
        magic = f"0x{raw[:4].hex()}" if raw else "missing: empty file"
        raise ValueError(f"{path}: not an IDX file (bad magic number {magic})")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        raise ValueError(f"{path}: unknown IDX data type code 0x{code:02x}")
    if ndim == 0:
        raise ValueError(f"{path}: IDX header declares no dimensions")
    offset = 4 + 4 * ndim
    if len(raw) < offset:
        raise ValueError(f"{path}: truncated IDX header")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[code])
    expected, found = math.prod(shape) * dtype.itemsize, len(raw) - offset
    if found != expected:
        problem = "truncated" if found < expected else "longer than its header says"
        raise ValueError(
            f"{path}: IDX data {problem}: shape {shape} needs {expected} bytes, found {found}"
        )
    return np.frombuffer(raw, dtype, offset=offset).reshape(shape).astype(dtype.newbyteorder("="))


def mnist_cache_dir(cache_dir: str | Path | None = None) -> Path:
    """Folder of the cached files: <cache>/mnist, where <cache> is cache_dir if given, else
    $GRADER_CACHE_DIR, else $XDG_CACHE_HOME/grader, else ~/.cache/grader."""
    if cache_dir is None:
        xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        cache_dir = os.environ.get(CACHE_DIR_ENV) or Path(xdg) / "grader"
    return Path(cache_dir).expanduser() / "mnist"


def load_mnist(folder: str | Path | None = None) -> Mnist:
    """Load MNIST from the first source that has it (see the module docstring).

    A folder named explicitly, by argument or by GRADER_MNIST_DIR, must hold the files: silently
    falling back to another source would grade against data the user did not choose.
    """
    named_by = "folder"
    if folder is None and os.environ.get(MNIST_DIR_ENV):
        folder, named_by = os.environ[MNIST_DIR_ENV], f"{MNIST_DIR_ENV} folder"
    cache = mnist_cache_dir()
    if folder is not None:
        folder = Path(folder).expanduser()
        paths, missing = _idx_paths(folder)
        if missing:
            raise MnistUnavailable(
                f"MNIST {named_by} {folder} lacks {', '.join(missing)}.\n{_how_to_provide(cache)}"
            )
        return _from_idx(paths, str(folder))
    paths, missing = _idx_paths(cache)
    if not missing:
        return _from_cache(cache, paths)
    return load_packaged_mnist()


def load_packaged_mnist() -> Mnist:
    """The 10,000 digits shipped with the grader, split 8,000 / 2,000 (source "mnist-t10k").

    Read and verified once per process: the arrays are read-only, so every caller can share them.
    """
    return _from_package(PACKAGED_DIR)


@functools.cache
def _from_package(folder: Path) -> Mnist:
    """Read the packaged files, check their SHA-256, split them after a fixed shuffle.

    The bytes that are hashed are the bytes that are parsed: a damaged or replaced file never
    becomes grading data.
    """
    arrays = []
    for name in (TEST_IMAGES, TEST_LABELS):
        path = folder / name
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise MnistUnavailable(
                f"The MNIST digits shipped with the grader are missing ({exc}): reinstall the "
                f"grader, or provide the full set.\n{_how_to_provide(mnist_cache_dir())}"
            ) from exc
        digest = hashlib.sha256(raw).hexdigest()
        if digest != SHA256[name]:
            raise MnistUnavailable(
                f"{path} is damaged: its SHA-256 is {digest}, the published file's is "
                f"{SHA256[name]}. Reinstall the grader, or provide the full set.\n"
                f"{_how_to_provide(mnist_cache_dir())}"
            )
        arrays.append(parse_idx(raw, str(path)))
    images, labels = arrays[0], arrays[1].astype(np.int64)
    order = np.random.default_rng(PACKAGED_SHUFFLE_SEED).permutation(len(images))
    train, test = order[:PACKAGED_TRAIN], order[PACKAGED_TRAIN:]
    return Mnist(
        x_train=images[train],
        t_train=labels[train],
        x_test=images[test],
        t_test=labels[test],
        source=PACKAGED_SOURCE,
        origin=str(folder),
    )


def _how_to_provide(cache: Path) -> str:
    return (
        "Provide the full MNIST in one of two ways:\n"
        f"  1. put the four IDX files ({', '.join(FILES)}) in a folder and pass it, "
        f"or set {MNIST_DIR_ENV} to it;\n"
        f"  2. download them into the cache ({cache}) with `grader data download mnist` "
        "(or grader.data.mnist.download_mnist())."
    )


def _idx_paths(folder: Path) -> tuple[dict[str, Path], list[str]]:
    """Find each standard file in folder, also under its gunzipped name; list the missing ones."""
    found: dict[str, Path] = {}
    missing: list[str] = []
    for name in FILES:
        for candidate in (folder / name, folder / name.removesuffix(".gz")):
            if candidate.is_file():
                found[name] = candidate
                break
        else:
            missing.append(name)
    return found, missing


def _from_idx(paths: Mapping[str, Path], origin: str) -> Mnist:
    return Mnist(
        x_train=read_idx(paths[TRAIN_IMAGES]),
        t_train=read_idx(paths[TRAIN_LABELS]).astype(np.int64),
        x_test=read_idx(paths[TEST_IMAGES]),
        t_test=read_idx(paths[TEST_LABELS]).astype(np.int64),
        source="mnist",
        origin=origin,
    )


def _from_cache(folder: Path, paths: Mapping[str, Path]) -> Mnist:
    """Read the cache through an .npz copy, which loads about ten times faster than the .gz files.

    The copy records the size and mtime of the files it was made from and is rebuilt when they
    change, e.g. after a new download.
    """
    stats = [paths[name].stat() for name in FILES]
    stamp = np.array([[s.st_size, s.st_mtime_ns] for s in stats], dtype=np.int64)
    npz = folder / _NPZ
    try:
        with np.load(npz) as z:
            if np.array_equal(z["stamp"], stamp):
                return Mnist(
                    x_train=z["x_train"],
                    t_train=z["t_train"],
                    x_test=z["x_test"],
                    t_test=z["t_test"],
                    source="mnist",
                    origin=str(folder),
                )
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile):
        pass  # no usable copy yet: rebuild it below
    mnist = _from_idx(paths, str(folder))
    try:
        with _atomic_write(npz) as f:
            np.savez(
                f,
                stamp=stamp,
                x_train=mnist.x_train,
                t_train=mnist.t_train,
                x_test=mnist.x_test,
                t_test=mnist.t_test,
            )
    except OSError:
        pass  # a read-only or full cache only costs speed
    return mnist


def download_mnist(
    cache_dir: str | Path | None = None,
    mirrors: Sequence[str] = DEFAULT_MIRRORS,
    progress: bool = True,
    checksums: Mapping[str, str] = SHA256,
    timeout: float = 30.0,
) -> Path:
    """Download the four MNIST files into the cache and return the folder that holds them.

    cache_dir means the same as GRADER_CACHE_DIR (the files go to <cache_dir>/mnist). Files
    already there with the right checksum are kept, so a rerun fetches only what is missing.
    Each file is verified before it is put in place, so a failure never leaves a corrupt cache.
    Raises DownloadError saying why each mirror failed.
    """
    # imported here: grading only loads data, and these cost a cold start tens of milliseconds
    from http.client import HTTPException

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    folder = mnist_cache_dir(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), disable=not progress) as bar:
        for name in FILES:
            dest = folder / name
            if dest.is_file() and _sha256(dest) == checksums[name]:
                continue
            reasons = []
            for mirror in mirrors:
                url = f"{mirror.rstrip('/')}/{name}"
                try:
                    _fetch(url, dest, checksums[name], timeout, bar)
                    break
                except (OSError, HTTPException, DownloadError) as exc:
                    reasons.append(f"{url}: {exc}")
            else:
                why = "every mirror failed:\n  " + "\n  ".join(reasons) if reasons else "no mirror"
                raise DownloadError(f"could not download {name}; {why}")
    return folder


def _fetch(url: str, dest: Path, sha256: str, timeout: float, bar: Progress) -> None:
    import urllib.request

    with urllib.request.urlopen(url, timeout=timeout) as response, _atomic_write(dest) as out:
        length = response.headers.get("Content-Length", "")
        expected = int(length) if length.isdigit() else None
        task = bar.add_task(dest.name, total=expected)
        digest = hashlib.sha256()
        received = 0
        while chunk := response.read(1 << 16):
            out.write(chunk)
            digest.update(chunk)
            received += len(chunk)
            bar.advance(task, len(chunk))
        if expected is not None and received < expected:
            raise DownloadError(f"truncated transfer: received {received} of {expected} bytes")
        if digest.hexdigest() != sha256:
            raise DownloadError(
                f"checksum mismatch: expected SHA-256 {sha256}, got {digest.hexdigest()}"
            )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def _atomic_write(dest: Path) -> Iterator[BinaryIO]:
    """Yield a temporary file beside dest that replaces dest only if the block succeeds.

    Readers never see a half-written or unverified file.
    """
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; workers running as another user must read it
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
