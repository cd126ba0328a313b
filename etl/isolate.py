"""Read a ledger in a worker process with a memory and a time limit.

The checks in etl.files refuse the hostile files we know of; this is the second line
for the ones nobody foresaw. A 4.7 KB .xlsx can make calamine allocate a dense grid of
512 GiB, and Rust aborts the whole process when an allocation fails: in a worker that
kills the worker, never the Streamlit server with every session in it. The worker is a
fresh interpreter (`python -m etl.isolate`), not a fork of a threaded server; it is kept
warm and reused, and replaced after it dies.

Protocol on the worker's stdin/stdout: 8-byte length, then a pickle; request
(memory_bytes, fn, args, kwargs), reply ("ok", result) or ("error", kind, detail).

Polars frames in a reply do not go through pickle: the worker writes each as an
uncompressed Arrow IPC file in `spool` (a private 0700 directory of the caller's, one
per worker, named on its command line) and the pickle holds only its file name; the caller memory-maps the file and
unlinks it at once (the mapping outlives the name), and empties the spool after every
call however it ended, so a worker killed mid-write leaves nothing behind; the spool
goes with the worker, and a worker whose caller was killed removes it when stdin closes. Arrow keeps
every dtype as it was (Decimal(18,4), Date, Int32...). Pickling the 84 MB frame of a
200,000-row ledger cost 0.57 s to pack, 0.28 s to unpack and a pipe transfer; writing it
as IPC costs ~0.05 s and mapping it ~0 (numbers in read_isolated's docstring).
"""

from __future__ import annotations

import atexit
import io
import logging
import os
import pickle
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback

MB = 1024 * 1024
# Generous for real ledgers: a warm worker reading 200,000-row files peaks at ~0.65 GB RSS
# in ~1.0 GB of address space (VmHWM / VmPeak over three reads in a row).
MEMORY_LIMIT_BYTES = int(os.environ.get("ETL_READ_MEMORY_MB", "2048")) * MB
TIME_LIMIT_S = float(os.environ.get("ETL_READ_TIMEOUT_S", "120"))
MAX_IDLE_WORKERS = 2
# reads at once, each in its own worker: bounds the memory hostile uploads can claim together
MAX_WORKERS = int(os.environ.get("ETL_READ_WORKERS", "2"))
# ETL_READ_INPROCESS=1: read_isolated reads in the calling process, without any limit.
# Meant for debugging only (a debugger or profiler sees the reader; a test can patch it).
INPROCESS_ENV = "ETL_READ_INPROCESS"
ADVICE = "文件可能含有大量空白格式或隐藏内容，请另存为新文件后再上传"

log = logging.getLogger(__name__)


def memory_text(limit: int) -> str:
    return f"{limit / 1024**3:g} GB" if limit >= 1024**3 else f"{limit / MB:g} MB"


def memory_message(name: str, limit: int) -> str:
    return f"读取「{name}」时占用内存超过上限（{memory_text(limit)}），已停止；{ADVICE}"


def time_message(name: str, limit: float) -> str:
    return f"读取「{name}」用时超过上限（{limit:g} 秒），已停止；{ADVICE}"


def crash_message(name: str) -> str:
    return f"读取「{name}」时读取程序意外退出，已停止；文件可能已损坏，请用 Excel/WPS 另存为新文件后再上传"


def error_message(name: str) -> str:
    return f"读取「{name}」时出错，已停止；请用 Excel/WPS 另存为新文件后再上传，如仍出错请联系管理员"


class WorkerFailed(Exception):
    """The worker died, ran out of memory or time; str(e) is the Chinese reason."""


class _Worker:
    """One `python -m etl.isolate` process; its stderr goes to a file read after a crash."""

    def __init__(self):
        self.stderr = tempfile.TemporaryFile()
        self.spool = tempfile.mkdtemp(prefix="etl-read-")  # 0700: the frames of its replies
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p or os.getcwd() for p in sys.path)}
        # glibc gives each reading thread a 64 MB arena it never unmaps; RLIMIT_AS counts
        # them: with the default, a warm worker kept ~2 GB of address space after one
        # 200,000-row read and the next read hit the 2 GB limit. Two arenas: ~1.2 GB.
        env.setdefault("MALLOC_ARENA_MAX", "2")
        # polars' jemalloc keeps the address space it once mapped unless told not to:
        # with retain:false a worker peaked at 1.03 GB after three 200k reads, 1.39 GB without
        env.setdefault("_RJEM_MALLOC_CONF", "retain:false")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "etl.isolate", self.spool],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, env=env,
        )

    def call(self, name: str, memory: int, timeout: float, fn, args, kwargs):
        request = pickle.dumps((memory, fn, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        deadline = time.monotonic() + timeout
        self.stderr_mark = self.stderr.seek(0, os.SEEK_END)  # what this read writes starts here
        try:
            self.process.stdin.write(len(request).to_bytes(8, "little") + request)
            self.process.stdin.flush()
            size = int.from_bytes(self._read(8, deadline, name, memory, timeout), "little")
            reply = _FrameUnpickler(io.BytesIO(self._read(size, deadline, name, memory, timeout)), self.spool).load()
        except BrokenPipeError:
            raise self._died(name, memory) from None
        finally:
            _empty(self.spool)  # frames not read (an error, a timeout, a death mid-write) go too
        if reply[0] == "ok":
            return reply[1]
        _, kind, detail = reply
        if kind == "memory":
            log.info("reading %s ran out of memory in the worker:\n%s", name, detail)
            raise WorkerFailed(memory_message(name, memory))
        log.error("reading %s failed in the worker:\n%s", name, detail)
        raise WorkerFailed(error_message(name))

    def _read(self, n: int, deadline: float, name: str, memory: int, timeout: float) -> bytes:
        fd = self.process.stdout.fileno()
        chunks, got = [], 0
        while got < n:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.stop()
                log.info("reading %s took more than %g s; the worker was killed", name, timeout)
                raise WorkerFailed(time_message(name, timeout))
            chunk = os.read(fd, min(n - got, 1 << 20))
            if not chunk:
                raise self._died(name, memory)
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _died(self, name: str, memory: int) -> WorkerFailed:
        self.process.wait()
        self.stderr.seek(self.stderr_mark)
        detail = self.stderr.read(8000).decode("utf-8", "replace")  # the cause comes first, then a backtrace
        self.stop()
        # Rust aborts with "memory allocation of N bytes failed" when the limit refuses it:
        # expected of hostile files, so not an error of ours; any other death is
        if "memory allocation of" in detail or "MemoryError" in detail:
            log.info("the worker reading %s ran out of memory:\n%s", name, detail)
            return WorkerFailed(memory_message(name, memory))
        log.error("the worker reading %s died (exit %s):\n%s", name, self.process.returncode, detail)
        return WorkerFailed(crash_message(name))

    def alive(self) -> bool:
        return self.process.poll() is None

    def address_space(self) -> int | None:
        """Bytes of address space the worker holds now (Linux), what the next read starts from."""
        try:
            with open(f"/proc/{self.process.pid}/status") as status:
                for line in status:
                    if line.startswith("VmSize:"):
                        return int(line.split()[1]) * 1024
        except (OSError, ValueError):
            pass
        return None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            try:
                pipe.close()
            except OSError:
                pass  # the dead worker's end is gone; nothing is left to flush
        self.stderr.close()
        shutil.rmtree(self.spool, ignore_errors=True)


def _empty(spool: str) -> None:
    try:
        names = os.listdir(spool)
    except FileNotFoundError:
        return
    for entry in names:
        try:
            os.unlink(os.path.join(spool, entry))
        except FileNotFoundError:
            pass


class _FramePickler(pickle.Pickler):
    """The worker's reply pickler: each polars frame becomes an Arrow IPC file in the spool."""

    def __init__(self, file, spool: str):
        import polars as pl

        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.spool = spool
        self.frame_type = pl.DataFrame
        self.frames = 0

    def persistent_id(self, obj):
        if type(obj) is self.frame_type:
            self.frames += 1
            name = f"{os.getpid()}-{self.frames}.arrow"
            obj.write_ipc(os.path.join(self.spool, name), compression="uncompressed")
            return ("frame", name)
        return None


class _FrameUnpickler(pickle.Unpickler):
    """The caller's reply unpickler: maps each frame's IPC file and unlinks it."""

    def __init__(self, file, spool: str):
        super().__init__(file)
        self.spool = spool

    def persistent_load(self, pid):
        import polars as pl

        kind, name = pid
        if kind != "frame" or os.sep in name or name.startswith("."):
            raise pickle.UnpicklingError(f"unknown reference {pid!r}")
        path = os.path.join(self.spool, name)
        try:
            if os.name != "posix":
                return pl.read_ipc(path)  # a mapped file could not be unlinked
            import pyarrow as pa
            import pyarrow.ipc

            # mapped, not copied: the pages stay with the frame after the name is gone
            with pa.memory_map(path) as source:
                return pl.from_arrow(pa.ipc.open_file(source).read_all())
        finally:
            os.unlink(path)


_idle: list[_Worker] = []
_lock = threading.Lock()
_slots = threading.BoundedSemaphore(MAX_WORKERS)


@atexit.register
def _stop_idle() -> None:
    """Idle workers would exit with our stdin anyway; this also removes their spools."""
    with _lock:
        while _idle:
            _idle.pop().stop()


def _take() -> _Worker:
    with _lock:
        while _idle:
            worker = _idle.pop()
            if worker.alive():
                return worker
            worker.stop()
    return _Worker()


def _give_back(worker: _Worker) -> None:
    with _lock:
        if len(_idle) < MAX_IDLE_WORKERS:
            _idle.append(worker)
            return
    worker.stop()


def warm_up() -> None:
    """Start a worker now, so the first upload does not wait for its imports (~1 s)."""
    _give_back(_take())


def run_isolated(name: str, fn, *args, memory: int | None = None, timeout: float | None = None, **kwargs):
    """fn(*args, **kwargs) in a worker; raises WorkerFailed (Chinese, naming `name`) when
    the worker exceeds `memory` bytes or `timeout` seconds, or dies. Waits while
    MAX_WORKERS reads are running; the wait does not count against `timeout`."""
    memory = MEMORY_LIMIT_BYTES if memory is None else memory
    timeout = TIME_LIMIT_S if timeout is None else timeout
    with _slots:
        return _run(name, fn, args, kwargs, memory, timeout)


def _run(name: str, fn, args, kwargs, memory: int, timeout: float):
    worker = _take()
    try:
        result = worker.call(name, memory, timeout, fn, args, kwargs)
    except WorkerFailed:
        # a worker that survived a Python error in fn is kept; a dead one is replaced now
        _give_back(worker if worker.alive() else _Worker())
        raise
    except BaseException:
        worker.stop()  # e.g. an unpicklable request: the worker may hold half of it
        raise
    held = worker.address_space()
    if held is not None and held > memory * 3 // 4:
        # what its allocators keep counts against the next read's limit: a fresh one instead
        log.info("retiring a worker that holds %d MB of address space", held // MB)
        worker.stop()
        worker = _Worker()
    _give_back(worker)
    return result


def read_isolated(name: str, data: bytes, *, reader=None, memory: int | None = None, timeout: float | None = None, **options):
    """etl.read.read_ledger(name, data=data, display_name=name, **options) in a worker; a
    file that exhausts the limits comes back as a Ledger with one error saying so.

    What the worker costs, 200,000-row ledger (19.5 MB .xlsx, a 77 MB rows frame),
    `python -m benchmarks.isolated_read`, median of 5 interleaved runs on 2 shared cores:
    with the frame pickled, in-process 3.55 s / isolated 4.57 s (+29%); with the frame as
    an Arrow IPC file, 3.85 s / 4.08 s (+6%). The frame alone: pickle 0.49-0.61 s to pack
    and 0.25-0.42 s to unpack (123 MB through the pipe); IPC 0.11-0.24 s to write and
    0.003-0.09 s to map."""
    from .read import Ledger, read_ledger

    kind = options.pop("kind", None)
    if os.environ.get(INPROCESS_ENV) == "1":
        # for debugging (pdb, profilers, a patched reader in a test): no limits at all
        return (reader or read_ledger)(name, kind, data=data, display_name=name, **options)
    try:
        return run_isolated(
            name, reader or read_ledger, name, kind, memory=memory, timeout=timeout, data=data, display_name=name, **options
        )
    except WorkerFailed as failed:
        return Ledger.refused(name, data, kind, str(failed))


def _serve(spool: str) -> None:
    """The worker's loop: one request at a time until stdin closes, then the spool goes
    (the caller removes it too, unless it was killed)."""
    import resource

    from base.reference import load_reference
    from etl.read import read_ledger  # noqa: F401 — imported once here, not per request

    load_reference()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a print() in the reader must not corrupt the replies
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    while True:
        head = stdin.read(8)
        if len(head) < 8:
            shutil.rmtree(spool, ignore_errors=True)
            return
        memory, fn, args, kwargs = pickle.loads(stdin.read(int.from_bytes(head, "little")))
        resource.setrlimit(resource.RLIMIT_AS, (memory, hard))
        try:
            reply = ("ok", fn(*args, **kwargs))
        except MemoryError:
            reply = ("error", "memory", traceback.format_exc())
        except Exception:
            reply = ("error", "exception", traceback.format_exc())
        finally:
            resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
        buffer = io.BytesIO()
        try:
            _FramePickler(buffer, spool).dump(reply)
        except Exception:  # e.g. the disk is full: the caller empties the spool
            buffer = io.BytesIO()
            pickle.dump(("error", "exception", traceback.format_exc()), buffer, protocol=pickle.HIGHEST_PROTOCOL)
        out = buffer.getvalue()
        stdout.write(len(out).to_bytes(8, "little") + out)
        stdout.flush()


if __name__ == "__main__":
    _serve(sys.argv[1])
