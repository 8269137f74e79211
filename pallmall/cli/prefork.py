"""``pallmall serve --workers N``: the app's code imported and the matcher's reference data
loaded once, in the supervisor, and the workers forked from it (pre-fork, as gunicorn's
``--preload``), so that no worker imports or loads them again.

uvicorn's own supervisor (:class:`uvicorn.supervisors.Multiprocess`: health checks, a dead
worker replaced, ``SIGHUP`` to restart every worker, ``SIGTTIN``/``SIGTTOU`` to add or
remove one) is kept; only the way it starts a worker changes, from ``spawn`` (a fresh
interpreter that imports everything again: about 3 s of CPU per worker before it could
answer, issue 16) to ``fork``. The workers share the supervisor's pages copy-on-write
(the code, rigour's tables); each still builds its own app, database engine and threads
after the fork, so nothing that holds a connection or a thread crosses it.

What the supervisor holds at the fork MUST NOT include a thread or an open database
connection: :func:`serve_forked` disposes the engine the migrations check used, and the
reference data is loaded in the main thread.

A restart (``SIGHUP``) forks the new workers from the same supervisor: they run the code
the supervisor imported at start, not code changed on disk since; restart the supervisor
itself to run new code.
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
from collections.abc import Callable
from multiprocessing.context import ForkProcess
from socket import socket
from unittest import mock

from uvicorn import Config
from uvicorn._subprocess import subprocess_started
from uvicorn.supervisors import multiprocess

from pallmall.core.deferred import DeferredModule
from pallmall.core.settings import Settings
from pallmall.screening.person_names import open_person_table
from pallmall.screening.screener import load_reference_data
from pallmall.wiring import screening_index_root

_FORK = multiprocessing.get_context("fork")
APP = DeferredModule("pallmall.cli.asgi")
"""The app's code, imported by :func:`preload` (the supervisor of one worker never does)."""


def serve_workers(settings: Settings, config: Config) -> None:
    """Preload, then serve ``config.workers`` forked workers (:func:`serve_forked`): with
    rigour's person-name tagger only when ``settings`` ask to preload it and the workers
    will find no stored person-name table to read instead."""
    tagger = open_person_table(screening_index_root(settings)) is None
    preload(settings.preload_person_names and tagger)
    serve_forked(config)


def preload(person_names: bool) -> None:
    """Import the app's code and load the matcher's reference data into this process, so
    that every process forked from it starts with both (``person_names``: rigour's
    person-name tables too, shared by the workers instead of one copy each). Then freeze
    the objects made so far out of the cyclic collector's reach: a full collection would
    otherwise touch them in every worker, copying the shared pages one by one."""
    APP.load()  # the app's code: what each worker would import
    load_reference_data(person_names)
    gc.freeze()


def _worker(config: Config, target: Callable[..., None], sockets: list[socket]) -> None:
    # The supervisor's signal handlers (uvicorn queues SIGINT, SIGTERM, SIGHUP... for its
    # loop) came over with the fork: a worker's signals are its own, as in a spawned one.
    for sig in multiprocess.SIGNALS:
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    subprocess_started(config, target, sockets, stdin_fileno=None)  # stdin: inherited


def forked_worker(
    config: Config, target: Callable[..., None], sockets: list[socket]
) -> ForkProcess:
    """A worker process (not started) that runs ``target(sockets=sockets)`` in a fork of
    this process: what :func:`uvicorn._subprocess.get_subprocess` makes with ``spawn``."""
    return _FORK.Process(
        target=_worker, kwargs={"config": config, "target": target, "sockets": sockets}
    )


def serve_forked(config: Config) -> None:
    """Run ``config.workers`` workers of ``config``'s app under uvicorn's supervisor, each
    forked from this process (call :func:`preload` first). Returns when the supervisor
    stops (``SIGINT``/``SIGTERM``)."""
    sock = config.bind_socket()
    # uvicorn names no hook for the start method: its supervisor asks this module-level
    # function for every worker it starts (at start, on a restart, to replace a dead one)
    with mock.patch.object(multiprocess, "get_subprocess", forked_worker):
        multiprocess.Multiprocess(config, sockets=[sock]).run()
