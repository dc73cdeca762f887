"""Where a sweep's points run: in this process, in local worker processes, or on a Dask
cluster. All three offer the same small interface to the runner:

- ``slots()``: how many points to keep in flight (local: the worker count; Dask: the threads
  of the workers connected now, at least 1), so that a point is ``running`` in the store only
  while a worker has it;
- ``submit(fn, *args) -> handle``; ``wait(handles) -> the finished handles`` (at least one);
  ``result(handle)`` (the value, or raises what the call raised);
- ``restart()`` after ``WorkerLost``; ``close(cancel)``; ``describe()`` (one line).

A local worker process that dies (killed, out of memory, a crash in compiled code) makes
``result`` raise ``WorkerLost`` for every point it had in flight; the runner then finds the
culprit by running those points one at a time. On Dask, the scheduler retries a point whose
worker died on other workers and reports ``KilledWorker`` when it keeps killing them.
"""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal

from eventsim.errors import ConfigError


STOP_GRACE_S = 5.0   # seconds a stopped worker process gets to unwind before it is terminated


class WorkerLost(RuntimeError):
    """The worker process running a point exited before returning its outcome."""


class _Finished:
    """The handle of a call that already ran (hashable by identity, like a future)."""

    def __init__(self, value):
        self.value = value

    def done(self) -> bool:
        return True


class InProcess:
    """Points run one at a time in this process (``workers = 1``): no start-up cost, shared
    compiled code; a crash of a point stops the sweep."""

    def slots(self) -> int:
        return 1

    def submit(self, fn, *args):
        return _Finished(fn(*args))

    def wait(self, handles):
        return list(handles)

    def result(self, handle):
        return handle.value

    def restart(self) -> None:
        pass

    def close(self, cancel: bool = False) -> None:
        pass

    def describe(self) -> str:
        return "this process (workers = 1)"


class LocalPool:
    """``workers`` local processes (``concurrent.futures.ProcessPoolExecutor``, started with
    ``spawn``: fresh interpreters, safe with threads and the same on every platform)."""

    def __init__(self, workers: int):
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ConfigError(f"workers must be an integer >= 1, got {workers!r}")
        self.workers = workers
        self.pool = self._new_pool()

    def _new_pool(self):
        return cf.ProcessPoolExecutor(self.workers,
                                      mp_context=multiprocessing.get_context("spawn"))

    def slots(self) -> int:
        return self.workers

    def submit(self, fn, *args):
        try:
            return self.pool.submit(fn, *args)
        except cf.process.BrokenProcessPool as e:  # broke since the last wait: lost as well
            future = cf.Future()
            future.set_exception(e)
            return future

    def wait(self, handles):
        done, _ = cf.wait(handles, return_when=cf.FIRST_COMPLETED)
        return list(done)

    def result(self, handle):
        try:
            return handle.result()
        except cf.process.BrokenProcessPool as e:
            raise WorkerLost("the worker process exited while running this point (killed, out "
                             "of memory, or a crash in compiled code)") from e

    def restart(self) -> None:
        self.close(cancel=True)
        self.pool = self._new_pool()

    def close(self, cancel: bool = False) -> None:
        if not cancel:
            self.pool.shutdown(wait=True)
            return
        # ProcessPoolExecutor has no public way to stop the points in flight (before Python
        # 3.14): interrupt the pool's own processes, by their handles, so that they unwind as
        # on Ctrl-C (their finalizers run); terminate those still running after a grace time.
        procs = list((getattr(self.pool, "_processes", None) or {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                if os.name == "nt":  # no SIGINT for another process there
                    p.terminate()
                else:
                    try:
                        os.kill(p.pid, signal.SIGINT)
                    except ProcessLookupError:  # it exited since is_alive(): nothing to stop
                        pass
        for p in procs:
            p.join(STOP_GRACE_S)
            if p.is_alive():
                p.terminate()
                p.join(STOP_GRACE_S)
        self.pool.shutdown(wait=True)  # the pool's threads and queues, now its workers are gone

    def describe(self) -> str:
        return f"{self.workers} local worker processes"


class DaskCluster:
    """A Dask cluster reached through its scheduler (``tcp://HOST:PORT``) with
    ``dask.distributed.Client``. Every worker needs eventsim installed; run directories are
    written by the workers under the sweep directory's path, so on several machines that path
    should be on a shared file system. Start workers with ``--nthreads 1`` (one point per
    process: scenarios draw their plots with matplotlib, which is not thread-safe) and as many
    ``--nworkers`` as cores."""

    def __init__(self, address: str, timeout_s: float = 20.0):
        try:
            from distributed import Client
        except ImportError:
            raise ConfigError("--scheduler needs dask.distributed: pip install "
                              "'eventsim[dask]'") from None
        self.address = address
        self.pending = set()
        try:
            self.client = Client(address, timeout=timeout_s, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as e:
            raise ConfigError(f"--scheduler {address}: cannot connect to a Dask scheduler "
                              f"({type(e).__name__}: {e})") from None

    def _workers(self) -> dict:
        """The scheduler's workers (all of them: recent versions list 5 unless asked)."""
        import inspect
        if "n_workers" in inspect.signature(self.client.scheduler_info).parameters:
            return self.client.scheduler_info(n_workers=-1)["workers"]
        return self.client.scheduler_info()["workers"]

    def slots(self) -> int:
        return max(1, sum(w.get("nthreads", 1) for w in self._workers().values()))

    def submit(self, fn, *args):
        future = self.client.submit(fn, *args, pure=False)
        self.pending.add(future)
        return future

    def wait(self, handles):
        from distributed import wait
        with self.client.as_current():  # wait() finds its client this way, not as a default
            done, _ = wait(handles, return_when="FIRST_COMPLETED")
        return list(done)

    def result(self, handle):
        self.pending.discard(handle)
        return handle.result()

    def restart(self) -> None:
        pass

    def close(self, cancel: bool = False) -> None:
        if cancel and self.pending:
            self.client.cancel(list(self.pending))
        self.pending.clear()
        self.client.close()

    def describe(self) -> str:
        workers = self._workers()
        threads = sum(w.get("nthreads", 1) for w in workers.values())
        return f"Dask cluster at {self.address} ({len(workers)} workers, {threads} threads)"


def make_executor(scheduler: str | None, workers: int):
    """The executor for a sweep: a Dask cluster when ``scheduler`` is given, else ``workers``
    local processes (1: this process)."""
    if scheduler:
        return DaskCluster(scheduler)
    if workers == 1:
        return InProcess()
    return LocalPool(workers)
