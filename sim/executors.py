"""Where the jobs of ``run``, ``calibrate`` and ``sensitivity`` run: in this process, in
the project's local process pool, or on a Dask cluster (``--executor dask``).

``open_executor("dask")`` starts a local Dask cluster of ``jobs`` worker processes (one
thread each) and shuts it down at the end; with an ``address`` it connects to a running
scheduler and closes only its own connection. Every job carries its own seed, so results
are the same, bit for bit, whatever the executor and the number of workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import platform
import signal
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

from .errors import InputError, Problem
from .manifest import caremarket_version

log = logging.getLogger(__name__)

EXECUTORS = ("local", "dask")
#: Seconds to wait for a Dask scheduler to answer before giving up.
CONNECT_TIMEOUT_S = 10
INSTALL_DASK = 'pip install "caremarket[dask]"'
#: A local cluster's scheduler: no dashboard, and its small web server on any free port
#: (not 8787, which another cluster may hold).
NO_DASHBOARD = {"dashboard": False, "dashboard_address": ":0"}
#: What a Dask worker must share with this machine for its results to be identical.
ENVIRONMENT_KEYS = ("caremarket", "python", "numpy")


class DaskExecutor(Executor):
    """Dask's ``concurrent.futures`` executor on one client, saying where it runs."""

    def __init__(self, client: Any, description: str):
        self.client = client
        self.description = description
        self._executor = client.get_executor(pure=False)  # a job submitted twice runs twice

    def submit(self, fn, /, *args, **kwargs) -> Future:
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._executor.shutdown(wait=wait)


@contextlib.contextmanager
def open_executor(kind: str = "local", address: str | None = None,
                  jobs: int = 1) -> Iterator[Executor | None]:
    """The executor for a command's jobs.

    Args:
        kind: ``local`` (yields None: the project's process pool with ``jobs`` workers,
            or this process when ``jobs`` is 1) or ``dask``.
        address: a Dask scheduler (``tcp://HOST:PORT``); None starts a local cluster.
        jobs: worker processes of a local cluster (ignored with an address).

    Raises:
        InputError: a bad kind, an address without Dask, Dask not installed, a scheduler
            that does not answer or workers that differ from this machine.
    """
    _check(kind, address)
    if kind == "local":
        yield None
        return
    distributed = _import_distributed()
    with _quiet_logs(), _client(distributed, address, jobs) as (client, description):
        _check_workers(client, *(("--address", address) if address else ("--executor", kind)))
        yield DaskExecutor(client, description)


def describe_executor(executor: Executor | None, jobs: int) -> str:
    """Where jobs run, for manifests and messages."""
    if isinstance(executor, DaskExecutor):
        return executor.description
    if executor is None:
        return "serial" if jobs == 1 else f"local process pool of {jobs} workers"
    return type(executor).__name__


def dask_setup(_worker: Any) -> None:
    """Dask's preload hook, in each worker of a local cluster: leave Ctrl-C to the
    command, which shuts the cluster down (the workers would die with a traceback)."""
    with contextlib.suppress(ValueError):  # only possible in the main thread
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def worker_environment() -> dict[str, str]:
    """What must match between this machine and a worker (run on each worker)."""
    import numpy

    return {"caremarket": caremarket_version(),
            "python": ".".join(platform.python_version_tuple()[:2]),
            "numpy": numpy.__version__}


def _check(kind: str, address: str | None) -> None:
    if kind not in EXECUTORS:
        raise InputError(Problem("--executor", "", f"must be one of {', '.join(EXECUTORS)}, "
                                 f"got {kind!r}"))
    if address is not None and kind != "dask":
        raise InputError(Problem("--address", address, "a scheduler address needs "
                                 "--executor dask"))


def _import_distributed() -> Any:
    try:
        return importlib.import_module("distributed")
    except ImportError:
        raise InputError(Problem("--executor", "dask", "Dask is not installed; install it "
                                 f"with: {INSTALL_DASK}")) from None


@contextlib.contextmanager
def _quiet_logs() -> Iterator[None]:
    """Silence Dask's own loggers: start-up, shutdown and lost-connection chatter (what
    goes wrong in a job reaches us as its exception)."""
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextlib.contextmanager
def _client(distributed: Any, address: str | None, jobs: int) -> Iterator[tuple[Any, str]]:
    """A client of a new local cluster (shut down at the end) or of ``address``."""
    if address is None:
        with distributed.LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                      silence_logs=logging.CRITICAL, preload=[__name__],
                                      scheduler_kwargs=NO_DASHBOARD) as cluster, \
                distributed.Client(cluster, set_as_default=False) as client:
            yield client, f"local Dask cluster of {jobs} worker processes"
        return
    _probe(address)
    with distributed.Client(address, timeout=CONNECT_TIMEOUT_S,
                            set_as_default=False) as client:
        yield client, f"Dask scheduler {address}"


def _probe(address: str) -> None:
    """Check that a scheduler answers at ``address`` before making a client.

    (A ``Client`` that fails to connect leaves a traceback behind when collected.)
    """
    from distributed.comm import connect
    from distributed.security import Security

    async def knock() -> None:
        comm = await connect(address, timeout=CONNECT_TIMEOUT_S,
                             **Security().get_connection_args("client"))
        await comm.close()

    try:  # in a thread of its own: this one may already run an event loop (Jupyter)
        with ThreadPoolExecutor(max_workers=1) as thread:
            thread.submit(asyncio.run, knock()).result()
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(Problem("--address", address, f"no Dask scheduler answers there "
                                 f"({exc}); give the address the scheduler printed, e.g. "
                                 "tcp://HOST:8786")) from None


def _check_workers(client: Any, option: str, value: str) -> None:
    """Refuse workers that cannot run the jobs identically (another caremarket, Python or
    numpy, or none installed); problems name ``option``."""
    here = worker_environment()
    found = client.run(worker_environment, on_error="return")
    if not found:
        log.warning("no Dask workers yet (%s %s): the jobs wait until some join", option, value)
    wrong = [f"{worker}: {_difference(env, here)}" for worker, env in sorted(found.items())
             if env != here]
    if wrong:
        raise InputError(Problem(option, value, "workers must have the same caremarket, "
                                 f"Python and numpy as this machine ({_plain(here)}); "
                                 + "; ".join(wrong)))


def _difference(env: Any, here: dict[str, str]) -> str:
    if isinstance(env, BaseException):
        return f"cannot run caremarket ({type(env).__name__}: {env})"
    return ", ".join(f"{key} {env.get(key)}" for key in ENVIRONMENT_KEYS
                     if env.get(key) != here[key])


def _plain(env: dict[str, str]) -> str:
    return ", ".join(f"{key} {env[key]}" for key in ENVIRONMENT_KEYS)
