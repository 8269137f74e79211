"""A bounded pool of worker threads for CPU-bound work (screening batches, imports, report
building), so that the event loop keeps answering other requests while it runs.

At most ``workers`` jobs run at once and at most ``queue`` more wait; past that a caller gets
:class:`~pallmall.core.errors.Unavailable` (503 with ``Retry-After``) at once instead of piling
up work the node cannot finish.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from pallmall.core.errors import Unavailable

P = ParamSpec("P")
T = TypeVar("T")


class WorkerPool:
    """``await pool.run(fn, *args)`` runs ``fn`` in one of ``workers`` threads."""

    def __init__(self, workers: int, queue: int | None = None) -> None:
        self.workers = workers
        self.capacity = workers + (queue if queue is not None else 4 * workers)
        self._executor: ThreadPoolExecutor | None = None  # made on first use, again after shutdown
        self._busy = 0

    @property
    def busy(self) -> int:
        """Jobs running or waiting."""
        return self._busy

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` in a worker thread and return its result.

        Raises:
            Unavailable: ``workers + queue`` jobs are running or waiting already.
        """
        if self._busy >= self.capacity:
            raise Unavailable("the node is busy with other long jobs; try again shortly", 5)
        self._busy += 1  # only the event loop's thread touches the counter
        try:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.workers, "pallmall-worker")
            job = functools.partial(fn, *args, **kwargs)
            return await asyncio.get_running_loop().run_in_executor(self._executor, job)
        finally:
            self._busy -= 1

    def shutdown(self) -> None:
        """Wait for running jobs and stop the threads (a later :meth:`run` starts new ones)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
