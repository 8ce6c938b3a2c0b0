"""Atomic file writes, safe file names, folder locks and file hashes.

Every output file is written to a temporary file in the same folder and then moved into
place with ``os.replace`` (atomic on POSIX and Windows), so a crash or an interrupt never
leaves a half-written file under its final name. Temporary files are named
``.<name>.<random>.tmp``: hidden, and never mistaken for a finished file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from .errors import InputError, Problem

_HASH_CHUNK_BYTES = 1 << 20
#: The longest file name (in bytes) common file systems accept (ext4, APFS, NTFS).
MAX_NAME_BYTES = 255
LOCK_FILE = ".lock"


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


NEW_FILE_MODE = _new_file_mode()


@contextlib.contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` if the block succeeds,
    with the permissions a new file gets here (the umask's, not the temporary file's 0600).

    The temporary file is removed if the block raises.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, NEW_FILE_MODE)
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def remove_temporary_files(folder: Path | str, name: str = "*") -> list[Path]:
    """Remove the temporary files ``atomic_path`` left in ``folder`` for ``name`` (a glob
    pattern; default any file) when its process was killed mid-write; the removed paths.

    Only call it while no other process writes there (e.g. holding a ``FolderLock``).
    """
    removed = sorted(Path(folder).glob(f".{name}.*.tmp"))
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def write_text(path: Path | str, text: str) -> None:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: Path | str, data: Any) -> None:
    """Write indented JSON atomically."""
    write_text(path, json.dumps(data, indent=2, default=str) + "\n")


def save_arrays(path: Path | str, **arrays: np.ndarray) -> None:
    """Save named numpy arrays as one ``.npz`` atomically (read back with
    ``np.load(path, allow_pickle=False)``)."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)


def sha256_file(path: Path | str) -> str:
    """The SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_HASH_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def plain(value: Any) -> Any:
    """A JSON- and YAML-ready copy of ``value`` (arrays to lists, dates to ISO text)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def child_path(folder: Path | str, name: str) -> Path:
    """The file ``name`` directly inside ``folder``.

    Raises:
        ValueError: ``name`` could land elsewhere or is no file name (empty, ``.``, ``..``,
            a separator, a drive, a NUL byte, or longer than ``MAX_NAME_BYTES``).
    """
    folder = Path(folder)
    separators = {s for s in (os.sep, os.altsep, "/") if s}
    if (not isinstance(name, str) or name in ("", ".", "..") or "\x00" in name
            or any(s in name for s in separators)
            or len(os.fsencode(name)) > MAX_NAME_BYTES
            or Path(os.path.normpath(folder / name)).parent != Path(os.path.normpath(folder))):
        shown = repr(name) if not isinstance(name, str) or len(name) <= 60 else \
            repr(name[:60]) + "..."
        raise ValueError(f"{shown} is not a file name that stays in {folder}")
    return folder / name


class FolderBusyError(RuntimeError):
    """Another process holds a folder's lock (``pid``: its process id, if known)."""

    def __init__(self, folder: Path, pid: int | None):
        self.folder, self.pid = folder, pid
        super().__init__(f"{folder} is being written by another run "
                         f"(pid {pid if pid is not None else 'unknown'})")


class FolderLock:
    """An exclusive lock on a folder while a process writes it: ``folder/.lock``, holding
    the writer's pid.

    The lock is an ``flock`` on that file (a byte-range lock on Windows), which the
    operating system releases when its process ends however it ends, so a lock left by a
    killed process never blocks a later one. The file is removed on release.

    Raises (on entering):
        FolderBusyError: another process holds the lock.
    """

    def __init__(self, folder: Path | str):
        self.path = Path(folder) / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock and write this process's pid in it.

        Raises:
            FolderBusyError: another process holds it.
        """
        while self._fd is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, NEW_FILE_MODE)
            if not _try_lock(fd):
                pid = _read_pid(fd)
                os.close(fd)
                raise FolderBusyError(self.path.parent, pid)
            if _is_current(fd, self.path):
                self._fd = fd
            else:  # its holder removed the file between our open and our lock: retry
                os.close(fd)
        os.ftruncate(self._fd, 0)
        os.write(self._fd, f"{os.getpid()}\n".encode())

    def release(self) -> None:
        """Remove the lock file and release the lock (nothing if not held)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):  # Windows cannot remove an open file
            self.path.unlink(missing_ok=True)
        os.close(self._fd)  # releases the lock
        self._fd = None

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.release()


@contextlib.contextmanager
def writing(folder: Path | str, option: str) -> Iterator[None]:
    """Hold ``folder``'s ``FolderLock`` while writing it.

    Raises:
        InputError: another process is writing it (naming ``option``, the command-line
            option that chose the folder); nothing has been written.
    """
    lock = FolderLock(folder)
    try:
        lock.acquire()
    except FolderBusyError as exc:
        raise InputError(Problem(option, "", str(exc))) from None
    try:
        yield
    finally:
        lock.release()


def _try_lock(fd: int) -> bool:
    """Take an exclusive lock on an open file without waiting; whether it was free."""
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _is_current(fd: int, path: Path) -> bool:
    """Whether the open file ``fd`` is still the file at ``path``."""
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


def _read_pid(fd: int) -> int | None:
    try:
        return int(os.pread(fd, 32, 0).decode().strip())
    except (OSError, ValueError, AttributeError):  # AttributeError: no pread on Windows
        return None
