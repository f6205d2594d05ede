"""Reading untrusted workbooks in persistent worker processes, each capped in memory
(``RLIMIT_AS``) and every file capped in time, so that a parser failure nobody foresaw — a
native abort, an allocation of hundreds of GB, a loop — refuses that file instead of killing
``baocao serve`` or hanging ``baocao check``. The workers also read several files at once.

``read.preflight`` and the package's limits refuse the known attacks before a sheet is parsed;
this is the second wall. Limits (documented in the README): ``MEMORY_LIMIT`` bytes of address space
per worker, ``TIME_LIMIT`` seconds per file, ``workers()`` processes.
"""
from __future__ import annotations

import atexit
import concurrent.futures as cf
import math
import multiprocessing as mp
import os
import threading
import time
from pathlib import Path

from ..problems import make

MEMORY_LIMIT = int(os.environ.get("BAOCAO_READ_MEMORY_MB", "2048")) * 2**20
TIME_LIMIT = float(os.environ.get("BAOCAO_READ_SECONDS", "60"))

_pool: cf.ProcessPoolExecutor | None = None
_lock = threading.Lock()
# Objects a command's workers take from the memory they were forked with, instead of a copy
# pickled with every job (the catalogue: 23 jobs, 23 copies). Held here for good, so that an
# id is never reused for another object; ``_pool_inherits``: those the current pool has.
_inherited: dict = {}
_pool_inherits: frozenset = frozenset()
_SERVER = False   # set by the web server: its pools always come from a forkserver


def workers() -> int:
    """How many reader processes a pool has: the CPUs, between 2 and 4."""
    return max(2, min(4, os.cpu_count() or 2))


def _limit_worker() -> None:
    try:
        # deferred on purpose: the module exists on Unix only
        import resource  # noqa: PLC0415
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not on Linux
        pass


def _get_pool() -> cf.ProcessPoolExecutor:
    global _pool, _pool_inherits
    with _lock:
        if _pool is None:
            # A command forks its workers from itself while it has one thread (fast: the reader is
            # already loaded). A threaded process — the web server — forks them from a forkserver,
            # a clean single-threaded process with the reader loaded: a fork of a threaded
            # process can inherit a lock another thread holds and hang.
            methods = mp.get_all_start_methods()
            if threading.active_count() == 1 and not _SERVER and "fork" in methods:
                ctx = mp.get_context("fork")
                _preload()  # loaded once here, not once per worker after the fork
                _pool_inherits = frozenset(_inherited)
            elif "forkserver" in methods:
                _pool_inherits = frozenset()
                ctx = mp.get_context("forkserver")
                ctx.set_forkserver_preload(["generator.workbooks.read", "generator.catalogue"])
            else:  # pragma: no cover - not on Linux
                ctx = None
            _pool = cf.ProcessPoolExecutor(max_workers=workers(), mp_context=ctx, initializer=_limit_worker)
            atexit.register(shutdown)
        return _pool


def _preload() -> None:
    # a worker's warm-up: these imports are the point (the parent never loads them)
    import lxml.etree  # noqa: F401, PLC0415

    from . import grid, read  # noqa: F401, PLC0415


def serving() -> None:
    """Called by the web application: every pool from now on is forked from a forkserver."""
    global _SERVER
    _SERVER = True


def ready(*inherit) -> None:
    """Start the workers now and wait for them (before the caller starts a thread of its own).
    ``inherit``: objects the jobs will name (the catalogue), which workers forked now find in
    their own memory rather than receive pickled with each job. They must not change later."""
    with _lock:
        if _pool is None and not _SERVER and threading.active_count() == 1:   # about to fork
            for obj in inherit:
                _inherited[id(obj)] = obj
    _get_pool().submit(abs, 0).result(timeout=TIME_LIMIT)


class _Inherited:
    """Stands for an object the worker already holds (see ``ready``)."""
    __slots__ = ("key",)

    def __init__(self, key: int):
        self.key = key

    def __reduce__(self):
        return _Inherited, (self.key,)


def _call(fn, *args):
    """In a worker: ``fn(*args)`` with each inherited object put back in its place."""
    return fn(*(_inherited[a.key] if isinstance(a, _Inherited) else a for a in args))


def _submit(pool, fn, args: tuple):
    if any(id(a) in _pool_inherits for a in args):
        return pool.submit(_call, fn, *(_Inherited(id(a)) if id(a) in _pool_inherits else a for a in args))
    return pool.submit(fn, *args)


def shutdown() -> None:
    """Stop the workers (at exit: before the interpreter tears the pool's threads down)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def stop_now() -> None:
    """Stop the workers at once (the server was told to stop: SIGTERM from systemd); a file
    being read is abandoned, never left running in an orphaned process."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        _discard(pool)


def _discard(pool: cf.ProcessPoolExecutor) -> None:
    """Throw a broken or stuck pool away (its processes killed); the next call starts a new one."""
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    for proc in list(getattr(pool, "_processes", {}).values()):
        try:
            proc.kill()
        except Exception:  # noqa: BLE001 - already gone
            pass
    pool.shutdown(wait=False, cancel_futures=True)


def refused(path: Path, why: str):
    """A read's result when the sandbox stopped it (``why``: out of memory or time, a crash):
    (None, [an ``unreadable`` error naming the file])."""
    return None, [make("unreadable", dict(file=Path(path).name), why=why)]


def run_many(fn, jobs: list[tuple], names: list[Path], done=None) -> list:
    """``[fn(*job) for job in jobs]`` in the workers, in order. A job whose worker dies or
    runs past the time limit gives ``refused(...)``. A crash takes its whole pool down, so
    the jobs caught in it are run again one at a time: only the file that crashes is refused.
    ``done(i, n)``: told when the first i of the n results are in hand."""
    results: list = [None] * len(jobs)
    pool = _get_pool()
    isolate, broken = [], False
    # every file gets TIME_LIMIT once it runs; waiting in the queue is on top of that, but
    # the whole batch is bounded: a stuck file never makes the others wait forever
    deadline = time.monotonic() + TIME_LIMIT * math.ceil(max(len(jobs), 1) / workers())
    try:
        futures = {i: _submit(pool, fn, job) for i, job in enumerate(jobs)}
    except cf.process.BrokenProcessPool:
        futures, isolate, broken = {}, list(range(len(jobs))), True
    for i, fut in futures.items():
        try:
            results[i] = fut.result(timeout=max(deadline - time.monotonic(), 0.01))
        except cf.TimeoutError:
            results[i] = refused(names[i], f"đọc quá {TIME_LIMIT:g} giây")
            broken = True
        except cf.process.BrokenProcessPool:
            isolate.append(i)
            broken = True
        except MemoryError:
            results[i] = refused(names[i], f"cần quá {MEMORY_LIMIT // 2**20} MB bộ nhớ")
        if done is not None and not isolate:
            done(i + 1, len(jobs))
    if broken:
        _discard(pool)
    for i in isolate:
        pool = _get_pool()
        try:
            results[i] = _submit(pool, fn, jobs[i]).result(timeout=TIME_LIMIT)
        except cf.TimeoutError:
            results[i] = refused(names[i], f"đọc quá {TIME_LIMIT:g} giây")
            _discard(pool)
        except cf.process.BrokenProcessPool:
            results[i] = refused(names[i], f"chương trình đọc tệp dừng đột ngột, có thể vì cần quá "
                                 f"{MEMORY_LIMIT // 2**20} MB bộ nhớ")
            _discard(pool)
        except MemoryError:
            results[i] = refused(names[i], f"cần quá {MEMORY_LIMIT // 2**20} MB bộ nhớ")
    if done is not None and isolate:
        done(len(jobs), len(jobs))
    return results


def elsewhere(fn, *args):
    """``fn(*args)`` started in a worker while the caller goes on (a build writes its annex
    workbook there while it renders the DOCX); ``.result()`` of what is returned gives the
    value, computed here instead if no worker can take it."""
    pool = _get_pool()
    try:
        future = pool.submit(fn, *args)
    except (cf.process.BrokenProcessPool, RuntimeError):
        future = None
    return _Pending(pool, future, fn, args)


class _Pending:
    def __init__(self, pool, future, fn, args):
        self.pool, self.future, self.fn, self.args = pool, future, fn, args

    def result(self):
        if self.future is not None:
            try:
                return self.future.result(timeout=TIME_LIMIT)
            except (cf.TimeoutError, cf.process.BrokenProcessPool, MemoryError):
                pass
        _discard(self.pool)   # a pool that failed the job is not handed the next one
        return self.fn(*self.args)


def run_one(fn, job: tuple, name: Path):
    """``fn(*job)`` in a bounded worker (``run_many`` of one job); ``name``: the file, for a refusal."""
    return run_many(fn, [job], [name])[0]


def read_workbooks(jobs: list[tuple], done=None) -> list:
    """``read_workbook(path, catalogue, period, department)`` for each job, bounded."""
    # deferred on purpose: the parent never parses a workbook (lxml loads in the workers)
    from .read import read_workbook  # noqa: PLC0415
    return run_many(read_workbook, jobs, [Path(j[0]) for j in jobs], done)


def read_workbook_bounded(path, cat, period, department: str):
    """``read_workbook`` of one file in a bounded worker: (WorkbookData | None, problems)."""
    return read_workbooks([(Path(path), cat, period, department)])[0]
