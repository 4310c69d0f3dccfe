"""Errors the command line turns into one line on stderr and an exit status.

Exit statuses: 0 success; 1 verification failed or the simulation failed; 2 bad input or
usage; 130 interrupted.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UserError(Exception):
    """Bad input: a one-line message naming the file and what is wrong (exit 2)."""

    exit_code = EXIT_USAGE


class VerificationError(Exception):
    """A log did not verify, or two runs differ where they must not (exit 1)."""

    exit_code = EXIT_FAILED


class RunFailed(Exception):
    """The work could not be finished for a reason other than its input, such as a worker
    process that died: one line, exit 1."""

    exit_code = EXIT_FAILED


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the choice closest to ``word``, or ``""`` if none is
    close (difflib's ratio of at least 0.6)."""
    close = difflib.get_close_matches(word, sorted(set(choices)), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
