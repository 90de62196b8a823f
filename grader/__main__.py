"""The ``grader`` command, also ``python -m grader``.

``grader check`` goes to the warm process when there is one (see :mod:`grader.warm`): it has
imported pytest, NumPy and the engine already. Everything else, and ``check`` without a warm
process, runs the command line here.
"""

import sys


def main() -> None:
    if sys.argv[1:2] == ["check"]:
        from grader.warm.client import run_served

        status = run_served(sys.argv[1:])
        if status is not None:
            sys.exit(status)
    from grader.cli import main as cli_main

    cli_main(prog_name="grader")


if __name__ == "__main__":
    main()
