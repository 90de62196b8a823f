"""The ``grader`` command, also ``python -m grader``.

``grader check`` goes to the warm process when there is one (see :mod:`grader.warm`): it has
imported pytest, NumPy and the engine already. Everything else, and ``check`` without a warm
process, runs the command line here. A ``check`` run here starts a warm process once it has
answered (starting one before would slow the check down), and ends without tearing its
interpreter down.
"""

import sys


def main() -> None:
    if sys.argv[1:2] != ["check"]:
        from grader.cli import main as cli_main

        cli_main(prog_name="grader")
        return
    from grader.warm.handover import exit_status, hand_over, start_warm_process

    status, start_at = hand_over(sys.argv[1:])
    if status is None:
        from grader.cli import main as cli_main

        try:
            cli_main(prog_name="grader")
        except SystemExit as stop:
            status = exit_status(stop)
        if start_at is not None:
            start_warm_process(start_at)
    end_now(status)


def end_now(status: int) -> None:
    """End this process with ``status`` once its exit handlers have run and its output is out,
    without the interpreter's teardown: with pytest and NumPy loaded, that cost a check 30 to
    50 ms, a third of ``python -c "import numpy"``."""
    import atexit
    import contextlib
    import os

    atexit._run_exitfuncs()  # what exit runs: spare workers and zygotes stopped
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe, as exit would ignore
            stream.flush()
    os._exit(status)


if __name__ == "__main__":
    main()
