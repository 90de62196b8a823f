"""Code similarity across a class: who handed in whose code, discounting the stub and the book.

Every submission is reduced to the code grading keeps (definitions, via the loader), tokenised
with identifiers and literals replaced by placeholders (:mod:`.extract`), fingerprinted and
compared pair by pair with copydetect's winnowing (:mod:`.compare`), grouped into clusters
(:mod:`.cluster`) and written as a CSV, an index page and a page per flagged pair
(:mod:`.render`). :func:`.analysis.analyse` runs the whole job.

copydetect is an optional extra: :func:`require_copydetect` says how to install it.
"""

from __future__ import annotations

#: Defaults of the command line (kept here: importing them must not import NumPy).
DEFAULT_THRESHOLD = 0.7
DEFAULT_MIN_TOKENS = 100
INSTALL_HINT = ('code similarity needs the optional package copydetect: '
                'python -m pip install "grader[similarity]" '
                '(in a checkout: python -m pip install -e ".[similarity]")')


class LibraryMissing(Exception):
    """copydetect, the fingerprinting library, is not installed."""


def require_copydetect() -> None:
    """Raise :class:`LibraryMissing` with the install command when copydetect is absent."""
    try:
        import copydetect  # noqa: F401
    except ImportError as exc:
        raise LibraryMissing(INSTALL_HINT) from exc
