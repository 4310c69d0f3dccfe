"""Errors the command line turns into one line on stderr and an exit status.

Exit statuses: 0 success; 1 verification failed or the simulation failed; 2 bad input or
usage; 130 interrupted.
"""

from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UserError(Exception):
    """Bad input: a one-line message naming the file and what is wrong (exit 2)."""

    exit_code = EXIT_USAGE


class VerificationError(Exception):
    """A log did not verify, or two runs differ where they must not (exit 1)."""

    exit_code = EXIT_FAILED
