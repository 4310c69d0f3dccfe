"""Output files: checked before a run, written whole or not at all.

Every file the program writes goes through :func:`atomic_write` (a temporary ``PATH.partial``
renamed onto ``PATH``), so a killed or failed run never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from wargame.errors import UserError

PARTIAL = ".partial"
"""Suffix of the temporary file an output is written to before it is renamed."""


def cannot_write(path: Path, exc: OSError) -> UserError:
    return UserError(f"{path}: cannot write: {exc.strerror or exc}")


def check_output_path(path: str | Path) -> Path:
    """Fail early (exit 2) if an output file cannot be created; leaves nothing behind.

    Tries to create and remove ``PATH.partial``, so permissions, read-only file systems and
    special folders are all caught before a campaign is played.
    """
    p = Path(path)
    parent = p.parent
    if p.is_dir():
        raise UserError(f"{p}: is a directory, not a file")
    if not parent.exists():
        raise UserError(f"{p}: directory {parent} does not exist")
    if not parent.is_dir():
        raise UserError(f"{p}: {parent} is not a directory")
    if p.exists() and not os.access(p, os.W_OK):
        raise UserError(f"{p}: not writable")
    tmp = p.with_name(p.name + PARTIAL)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return p  # a stale partial file from a killed run: it will be overwritten
    except OSError as exc:
        raise UserError(f"{p}: not writable ({exc.strerror or exc})") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        tmp.unlink()
    return p


def atomic_write(path: Path, text: str | bytes) -> None:
    """Write a file so that it is either complete or absent (temp file + rename)."""
    tmp = path.with_name(path.name + PARTIAL)
    try:
        with open(tmp, "wb") as fh:
            fh.write(text.encode("utf-8") if isinstance(text, str) else text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise cannot_write(path, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
