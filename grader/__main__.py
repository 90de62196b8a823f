"""The ``grader`` command, also ``python -m grader``.

``grader check`` goes to the warm process when there is one (see :mod:`grader.warm`): it has
imported pytest, NumPy and the engine already. Everything else, and ``check`` without a warm
process, runs the command line here; a ``check`` that found none starts one once it is done,
so that starting it does not slow the check down.
"""

import sys


def main() -> None:
    start_at = None
    if sys.argv[1:2] == ["check"]:
        from grader.warm.handover import hand_over

        status, start_at = hand_over(sys.argv[1:])
        if status is not None:
            sys.exit(status)
    from grader.cli import main as cli_main

    try:
        cli_main(prog_name="grader")
    finally:
        if start_at is not None:
            from grader.warm.handover import start_warm_process

            start_warm_process(start_at)


if __name__ == "__main__":
    main()
