"""Output files: one policy for where the program may write, one writer for how.

**Where** (:func:`check_outputs`): every output path is resolved (symbolic links followed)
and compared, by real path and by device and inode, with every input of the command and
with every other output; any overlap is refused (exit 2) before anything is played. An
output that exists must be a regular file: character devices, FIFOs, sockets and
directories are refused rather than replaced, and ``-`` is refused too (the program never
writes a result to standard output in place of a file; give a file name). A link to a
regular file writes the file it points to.

**How** (:class:`AtomicFile`, :func:`atomic_write`): a file is written to a temporary
``NAME.XXXXXXXX.partial`` created exclusively in the same folder (``O_CREAT|O_EXCL|
O_NOFOLLOW``, a fresh name each time, so a planted file or link is never followed or
overwritten), flushed with ``fsync`` and renamed onto ``NAME``; on failure only that
temporary, checked to be still the file this process created, is removed. A killed run
leaves at most its own ``.partial`` file, never a half-written ``NAME``.

**Concurrent writers** (:func:`lock_output`): a command holds an exclusive ``flock`` on
``NAME.lock`` (beside the file or the batch folder) from the moment its outputs are
checked until it exits; a second process aiming at the same output fails at once with
exit 2 instead of interleaving with the first. The lock file is removed on release.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from wargame.errors import UserError

PARTIAL = ".partial"
"""Suffix of the temporary file an output is written to before it is renamed."""
LOCK = ".lock"
"""Suffix of the lock file held beside an output while a command writes it."""
STDOUT = "-"


def cannot_write(path: str | Path, exc: OSError) -> UserError:
    return UserError(f"{path}: cannot write: {exc.strerror or exc}")


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _stat(path: Path, given: str | Path) -> os.stat_result | None:
    """``os.stat`` (links followed) or None if nothing is there; other errors are one line."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ENOTDIR:
            raise UserError(f"{given}: a part of the path is not a directory") from None
        if exc.errno == errno.ELOOP:
            raise UserError(f"{given}: a loop of symbolic links") from None
        raise UserError(f"{given}: {exc.strerror or exc}") from None


def real_path(path: str | Path) -> Path:
    """The path with every symbolic link resolved (as far as it exists)."""
    return Path(os.path.realpath(path))


def resolve_output(path: str | Path) -> Path:
    """The real file an output path names, checked: a regular file or nothing yet, in an
    existing writable directory (exit 2 otherwise). Nothing is created."""
    given = str(path)
    if given == STDOUT:
        raise UserError(
            "-: writing to standard output is not supported; give a file name (then read it)"
        )
    if not given:
        raise UserError("an output file name is empty")
    p = Path(path)
    st = _stat(p, given)
    real = real_path(p)
    if st is not None and not stat.S_ISREG(st.st_mode):
        what = _kind(st.st_mode)
        if stat.S_ISDIR(st.st_mode):
            raise UserError(f"{given}: is a directory, not a file")
        raise UserError(f"{given}: is {what}; wargame writes only regular files")
    try:
        os.lstat(p)
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise UserError(f"{given}: the file name is too long") from None
    if st is None and p.is_symlink():
        raise UserError(f"{given}: is a symbolic link to {os.readlink(p)}, which does not exist")
    parent = real.parent
    pst = _stat(parent, parent)
    if pst is None:
        raise UserError(f"{given}: directory {p.parent} does not exist")
    if not stat.S_ISDIR(pst.st_mode):
        raise UserError(f"{given}: {p.parent} is not a directory")
    if len(real.name.encode("utf-8", "surrogateescape")) + 16 > _name_max(parent):
        raise UserError(f"{given}: the file name is too long")
    if st is not None and not os.access(real, os.W_OK):
        raise UserError(f"{given}: not writable")
    return real


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return 255


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def check_outputs(
    outputs: Sequence[tuple[str, str | Path]],
    inputs: Iterable[tuple[str, str | Path]] = (),
    *,
    lock: bool = True,
) -> list[Path]:
    """Check a command's outputs (``(option, path)``) before any work: each a regular file
    or nothing yet, writable, none the same file as an input (``(what, path)``) or as
    another output; then take each output's lock (see :func:`lock_output`). Returns the
    real paths, in order."""
    ins = []
    for what, path in inputs:
        ins.append((what, str(path), real_path(path), _identity(Path(path))))
    seen: list[tuple[str, str, Path, tuple[int, int] | None]] = []
    reals = []
    for opt, path in outputs:
        real = resolve_output(path)
        ident = _identity(real)
        for what, given, rin, iid in ins:
            if real == rin or (ident is not None and ident == iid):
                raise UserError(f"{path}: {opt} is the {what} {given}; refusing to overwrite it")
        for other, _, rout, oid in seen:
            if real == rout or (ident is not None and ident == oid):
                raise UserError(f"{path}: given to both {other} and {opt}")
        seen.append((opt, str(path), real, ident))
        reals.append(real)
    for (_, path), real in zip(outputs, reals, strict=True):
        _probe(real, path)
    if lock:
        for (_, path), real in zip(outputs, reals, strict=True):
            lock_output(real, path)
    return reals


def check_output_path(path: str | Path, inputs: Iterable[tuple[str, str | Path]] = ()) -> Path:
    """:func:`check_outputs` for one output file; its real path."""
    return check_outputs([("output", path)], inputs)[0]


def _probe(real: Path, given: str | Path) -> None:
    """Create and remove a temporary beside ``real``: permissions, read-only file systems,
    full disks of inodes and over-long names are found before a campaign is played."""
    try:
        f = AtomicFile(real, given=given)
    except UserError as exc:
        raise UserError(str(exc).replace("cannot write", "not writable")) from None
    f.discard()


# --------------------------------------------------------------------------- the writer

_UMASK: int | None = None
_LIVE: set[Path] = set()
"""The temporaries this process has open (never taken for a killed run's)."""


def _file_mode() -> int:
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0o022)
        os.umask(_UMASK)
    return 0o666 & ~_UMASK


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class AtomicFile:
    """An output file written whole or not at all.

    Opens a fresh temporary ``NAME.XXXXXXXX.partial`` beside the real ``path`` (exclusive
    creation, links never followed); :meth:`commit` syncs it and renames it onto the file,
    :meth:`discard` removes it if it is still the file this object created.
    """

    def __init__(
        self, path: str | Path, *, text: bool = True, given: str | Path | None = None
    ) -> None:
        self.given = str(given if given is not None else path)
        self.path = real_path(path)
        try:
            fd, tmp = tempfile.mkstemp(
                dir=self.path.parent, prefix=self.path.name + ".", suffix=PARTIAL
            )
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                raise UserError(f"{self.given}: the file name is too long") from None
            raise cannot_write(self.given, exc) from None
        self.tmp = Path(tmp)
        _LIVE.add(self.tmp)
        st = os.fstat(fd)
        self._ident = (st.st_dev, st.st_ino)
        with contextlib.suppress(OSError):
            os.fchmod(fd, _file_mode())
        self.fh: IO[Any] | None = (
            os.fdopen(fd, "w", encoding="utf-8", newline="") if text else os.fdopen(fd, "wb")
        )

    @property
    def open(self) -> bool:
        return self.fh is not None

    def write(self, data: str | bytes) -> None:
        assert self.fh is not None
        try:
            self.fh.write(data)
        except OSError as exc:
            self.discard()
            raise cannot_write(self.given, exc) from None

    def flush(self) -> None:
        assert self.fh is not None
        try:
            self.fh.flush()
        except OSError as exc:
            self.discard()
            raise cannot_write(self.given, exc) from None

    def commit(self) -> Path:
        """Sync and rename onto the file (the rename is atomic); the file's path."""
        from wargame.interrupts import deferred

        if self.fh is None:
            raise UserError(f"{self.given}: already closed")
        with deferred():
            try:
                self.fh.flush()
                os.fsync(self.fh.fileno())
                self.fh.close()
                self.fh = None
                if not self._ours():
                    raise OSError(errno.ESTALE, "its temporary file was replaced")
                os.replace(self.tmp, self.path)
                _LIVE.discard(self.tmp)
            except OSError as exc:
                self.discard()
                raise cannot_write(self.given, exc) from None
        _fsync_dir(self.path.parent)
        remove_stale_temporaries(self.path)
        return self.path

    def _ours(self) -> bool:
        try:
            st = os.lstat(self.tmp)
        except OSError:
            return False
        return stat.S_ISREG(st.st_mode) and (st.st_dev, st.st_ino) == self._ident

    def discard(self) -> None:
        """Remove the temporary (only if it is still ours); never raises."""
        fh, self.fh = self.fh, None
        if fh is not None:
            with contextlib.suppress(OSError, ValueError):
                fh.close()
        if self._ours():
            with contextlib.suppress(OSError):
                os.unlink(self.tmp)
        _LIVE.discard(self.tmp)

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, typ: object, exc: object, tb: object) -> None:
        if typ is None and self.fh is not None:
            self.commit()
        else:
            self.discard()


def atomic_write(path: str | Path, text: str | bytes) -> Path:
    """Write a file so that it is either complete or absent (see :class:`AtomicFile`)."""
    f = AtomicFile(path, text=isinstance(text, str))
    try:
        f.write(text)
        return f.commit()
    except BaseException:
        f.discard()
        raise


# --------------------------------------------------------------------------- locks

_LOCKS: dict[Path, int] = {}


def lock_path(real: Path) -> Path:
    return real.with_name(real.name + LOCK)


def lock_output(path: str | Path, given: str | Path | None = None) -> None:
    """Hold an exclusive lock on ``NAME.lock`` beside the output until :func:`release_locks`
    (or exit); exit 2 at once if another process holds it."""
    real = real_path(path)
    if real in _LOCKS:
        return
    lp = lock_path(real)
    shown = given if given is not None else path
    for _ in range(10):
        try:
            fd = os.open(lp, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise UserError(f"{shown}: cannot take the lock {lp}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise UserError(
                f"{shown}: another process is writing it (it holds {lp}); wait for it or "
                f"choose another output"
            ) from None
        st = os.fstat(fd)
        if _identity(lp) == (st.st_dev, st.st_ino) and stat.S_ISREG(st.st_mode):
            _LOCKS[real] = fd
            return
        os.close(fd)  # removed by its last holder between our open and flock: try again
    raise UserError(f"{shown}: cannot take the lock {lp}")


def remove_stale_temporaries(real: Path) -> list[Path]:
    """Remove the temporaries ``NAME.XXXXXXXX.partial`` that killed runs left beside
    ``real`` — only while this process holds the lock of the file or of its folder (so no
    other writer is alive), and only regular files of this user with one link."""
    if real not in _LOCKS and real.parent not in _LOCKS:
        return []
    removed = []
    pattern = re.compile(re.escape(real.name) + r"\.[A-Za-z0-9_]{8}" + re.escape(PARTIAL))
    with contextlib.suppress(OSError):
        for entry in os.scandir(real.parent):
            if not pattern.fullmatch(entry.name) or Path(entry.path) in _LIVE:
                continue
            with contextlib.suppress(OSError):
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and st.st_nlink == 1:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def release_locks() -> None:
    """Release (and remove) every lock this process holds."""
    for real, fd in list(_LOCKS.items()):
        lp = lock_path(real)
        st = os.fstat(fd)
        if _identity(lp) == (st.st_dev, st.st_ino):
            with contextlib.suppress(OSError):
                os.unlink(lp)
        os.close(fd)
        del _LOCKS[real]


def close_locks_in_child() -> None:
    """In a forked worker: forget the parent's locks (without releasing them)."""
    _LOCKS.clear()
