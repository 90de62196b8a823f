#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
STUDENT_USER="${GRADER_STUDENT_USER:-grader-student}"
# GRADER_SKIP_INSTALL=1: $ROOT/venv already holds the grader and its dependencies
if [ -z "${GRADER_SKIP_INSTALL:-}" ]; then
    apt-get update -qq && apt-get install -y -qq python3 python3-pip python3-venv >/dev/null
    python3 -m venv "$ROOT/venv"
    "$ROOT/venv/bin/pip" install -q "$ROOT/source"
fi
# Student code runs as this user (see run_autograder): no home, no login, no other groups.
id -u "$STUDENT_USER" >/dev/null 2>&1 || useradd --system --user-group --no-create-home \
    --home-dir /nonexistent --shell /usr/sbin/nologin "$STUDENT_USER"
# It reads the installed grader and NumPy, and never changes them: the grader imports them as root.
chmod -R u+rwX,go+rX,go-w "$ROOT/venv"
