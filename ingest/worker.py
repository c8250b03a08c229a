"""Reading a file in a child process, so that no file can take the server down (access.md
"Uploads", issue 12).

    from ingest.worker import parse_in_worker, detect_kind_in_worker
    parsed = parse_in_worker(data, "Danh sach ho so.xlsx", kind="auto", progress=bar.progress)

``parse_in_worker`` takes the arguments of ``ingest.reader.parse_file`` and gives its result
(a ParsedFile, or IngestError with the reader's Vietnamese message). The parse runs in a
child process started from a fork server (``multiprocessing`` 'forkserver' context, whose
server imported the reader once; 'spawn' where there is no fork server) — never a fork of the
multi-threaded Streamlit server. The child's address space is capped (RLIMIT_AS), its time
is limited, and what it writes to stderr (a Rust reader's panic, a C library's abort) goes to
a file the parent reads for the log. A child that crashes (segfault, abort "memory allocation
… failed", exit 134), runs out of memory, fails unexpectedly or runs out of time is a refused
file with a message that says so; the parent goes on. Progress travels back through the
pipe and the ``progress`` callback is called in the caller's thread.

Limits: ``memory_mb`` / ``timeout_s`` keyword arguments, else the environment variables
``CCHC_PARSE_MEMORY_MB`` (default 4096) and ``CCHC_PARSE_TIMEOUT_S`` (default 600).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import pickle
import signal
import sys
import tempfile
import threading
import time
import traceback
import types
from pathlib import Path
from typing import Any, Callable

from ingest.model import IngestError, MappingNeeded

log = logging.getLogger(__name__)

DEFAULT_MEMORY_MB = 4096  # address space (not resident memory) of the child: a 1M-row, 180 MB CSV (bench/)
DEFAULT_TIMEOUT_S = 600
_ENV_PREFIXES = ("CCHC_", "STREAMLIT_")  # settings the reader reads from the environment
# Imported once by the fork server, so that each child starts with them loaded (a module the
# platform lacks is skipped).
_PRELOAD = ["ingest.reader", "ingest.files", "pyarrow.csv", "pyarrow.compute", "python_calamine",
            "openpyxl", "xlrd", "lxml.etree", "charset_normalizer", "msoffcrypto", "olefile",
            "pandas.io.parsers"]
_lock = threading.Lock()
_context = None


def parse_in_worker(source, filename: str | None = None, *, memory_mb: float | None = None,
                    timeout_s: float | None = None, _child_hook: str | None = None, **kwargs):
    """``ingest.reader.parse_file(source, filename, **kwargs)`` in a contained child."""
    return _run("parse_file", source, filename, kwargs, memory_mb, timeout_s, _child_hook)


def detect_kind_in_worker(source, filename: str | None = None, *, memory_mb: float | None = None,
                          timeout_s: float | None = None, _child_hook: str | None = None, **kwargs):
    """``ingest.reader.detect_kind(source, filename, **kwargs)`` in a contained child."""
    return _run("detect_kind", source, filename, kwargs, memory_mb, timeout_s, _child_hook)


# ---------------------------------------------------------------------------------------
# Parent
# ---------------------------------------------------------------------------------------
def _ctx():
    global _context
    with _lock:
        if _context is None:
            if "forkserver" in mp.get_all_start_methods():
                _context = mp.get_context("forkserver")
                _context.set_forkserver_preload(_PRELOAD)
            else:
                _context = mp.get_context("spawn")
        return _context


# What the command line's fork server imports: the CSV path (a workbook's reader is imported
# by the child that needs it), so that the server is ready by the time the database is open.
CLI_PRELOAD = ["ingest.reader", "ingest.files", "pyarrow.csv", "pyarrow.compute", "python_calamine"]


def warm_up(preload: list[str] | None = None) -> None:
    """Start the fork server now (it imports the readers in its own process), so that the
    first parse does not wait for it: the command line calls this before it opens the
    database, and both happen at once on two cores. ``preload``: the modules the server
    imports (default: every reader, as for the upload page)."""
    ctx = _ctx()
    if ctx.get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver

    if preload is not None:
        ctx.set_forkserver_preload(preload)

    with _main_hidden():
        forkserver.ensure_running()


def _limits(memory_mb, timeout_s) -> tuple[float, float]:
    def env(name, default):
        try:
            return float(os.environ.get(name, "") or default)
        except ValueError:
            return float(default)

    memory = float(memory_mb) if memory_mb else env("CCHC_PARSE_MEMORY_MB", DEFAULT_MEMORY_MB)
    timeout = float(timeout_s) if timeout_s else env("CCHC_PARSE_TIMEOUT_S", DEFAULT_TIMEOUT_S)
    return memory, timeout


def _run(func: str, source, filename, kwargs: dict[str, Any], memory_mb, timeout_s, hook):
    from ingest import files

    progress: Callable[[float], None] | None = kwargs.pop("progress", None)
    memory, timeout = _limits(memory_mb, timeout_s)
    src = files.open_source(source, filename)  # missing, a folder, too large: said here
    name = src.name
    if func == "parse_file" and kwargs.get("today") is None:
        kwargs["today"] = files.today_default()
    with tempfile.TemporaryDirectory(prefix="cchc-parse-", dir=_scratch_dir(src.size)) as tmp:
        path = src.path
        if path is None:
            path = Path(tmp) / "upload"
            path.write_bytes(src.data)
        errlog = Path(tmp) / "stderr.txt"
        job = {
            "arrow": str(Path(tmp) / "frame.arrow"),
            "func": func, "path": str(Path(path).resolve()), "name": name, "kwargs": kwargs,
            "memory": int(memory * (1 << 20)), "stderr": str(errlog),
            "progress": progress is not None, "hook": hook,
            "env": {k: v for k, v in os.environ.items() if k.startswith(_ENV_PREFIXES)},
        }
        ctx = _ctx()
        _import_meanwhile("pyarrow")  # the result comes back as Arrow
        receive, send = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_child_main, args=(send, job), daemon=True,
                            name=f"cchc-parse {name}")
        _start(child)
        send.close()
        try:
            outcome = _wait(child, receive, progress, timeout)
        finally:
            receive.close()
            if child.is_alive():
                child.kill()
            child.join(5)
        if outcome is None:  # the child died without a word
            outcome = ("died", child.exitcode)
        return _result(outcome, name, memory, timeout, errlog)


SHM = Path("/dev/shm")


def _scratch_dir(size: int) -> str | None:
    """Where the child writes the rows it read (an Arrow file about the size of the upload)
    for the parent to map: shared memory when it has room for it several times over (no
    disk write and read back: a 1M-row file's rows come back 0,2 s sooner), else the
    system's temporary folder. (A workbook's rows can take several times its size; the
    largest a workbook may unpack to is 1 GB, access.md "Uploads".)"""
    try:
        if SHM.is_dir() and os.access(SHM, os.W_OK):
            st = os.statvfs(SHM)
            if st.f_bavail * st.f_frsize > 8 * size + (1 << 30):
                return str(SHM)
    except OSError:
        pass
    return None


def _import_meanwhile(module: str) -> None:
    """Import ``module`` in a thread while this one waits for the child (the wait releases
    the GIL), so that reading the result does not pay for it afterwards."""
    if module in sys.modules:
        return
    import importlib

    threading.Thread(target=importlib.import_module, args=(module,), daemon=True,
                     name=f"cchc-import-{module}").start()


def _start(child) -> None:
    """Start the child without it re-running the parent's main script: a spawned or
    fork-server child imports ``__main__`` by path (Streamlit's launcher, a user's script),
    so the parent's ``__main__`` is hidden behind a bare module while the child starts."""
    with _main_hidden():
        child.start()


@contextlib.contextmanager
def _main_hidden():
    """The parent's ``__main__`` replaced by a bare module (under the lock) for the duration."""
    with _lock:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if main is not None:
                sys.modules["__main__"] = main


def _wait(child, receive, progress, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            child.kill()
            return ("timeout", None)
        try:
            ready = receive.poll(min(remaining, 0.25))
            if ready:
                message = receive.recv()
            elif not child.is_alive():
                if receive.poll(0):
                    continue
                return None
            else:
                continue
        except (EOFError, OSError):
            return None
        except Exception as exc:  # noqa: BLE001 - a result the parent can't unpickle
            return ("failed", f"{type(exc).__name__}: {exc}")
        kind, value = message
        if kind == "progress":
            if progress is not None:
                progress(value)
            continue
        return message


def _stderr_tail(errlog: Path, limit: int = 4000) -> str:
    try:
        data = errlog.read_bytes()
    except OSError:
        return ""
    return data[-limit:].decode("utf-8", "replace")


def _stopped(name: str, why: str) -> IngestError:
    return IngestError(
        f"Tệp “{name}” làm trình đọc dừng bất thường ({why}), tệp bị từ chối; hãy mở tệp "
        "bằng Excel, lưu lại dạng .xlsx rồi tải lên lại. Nếu vẫn không được, hãy xuất lại "
        "tệp từ hệ thống một cửa điện tử."
    )


def _result(outcome, name: str, memory: float, timeout: float, errlog: Path):
    kind, value = outcome
    if kind == "ok":
        return _unpack(value)
    if kind == "refused":
        raise IngestError(value)
    if kind == "mapping":
        message, parsed, missing = value
        raise MappingNeeded(message, _unpack(parsed), missing)
    tail = _stderr_tail(errlog)
    if kind == "memory":
        log.warning("parse of %r exceeded %d MB; child stderr: %s", name, memory, tail)
        raise _stopped(name, f"việc đọc cần quá {_mb_text(memory)} MB bộ nhớ")
    if kind == "timeout":
        log.warning("parse of %r ran past %s s; child stopped", name, timeout)
        raise IngestError(
            f"Tệp “{name}” đọc quá {int(timeout)} giây nên trình đọc đã bị dừng, tệp bị từ chối. "
            "Nếu tệp rất lớn, hãy xuất từng kỳ ngắn hơn (ví dụ từng tháng); nếu không, hãy mở "
            "tệp bằng Excel, lưu lại dạng .xlsx rồi tải lên lại."
        )
    if kind == "failed":
        log.error("parse of %r failed unexpectedly:\n%s\nchild stderr: %s", name, value, tail)
        raise _stopped(name, "lỗi không lường trước khi đọc tệp")
    code = value
    log.error("parse of %r: child exited with %s; stderr: %s", name, code, tail)
    raise _stopped(name, _exit_reason(code, tail))


def _mb_text(memory: float) -> str:
    return f"{int(memory):,}".replace(",", ".")


def _exit_reason(code: int | None, tail: str) -> str:
    if code is not None and code < 0:
        sig = -code
        if sig == signal.SIGSEGV:
            return "lỗi truy cập bộ nhớ"
        if sig == signal.SIGABRT:
            if "memory allocation" in tail or "alloc" in tail:
                return "tệp đòi cấp phát quá nhiều bộ nhớ"
            return "trình đọc bị hủy giữa chừng"
        if sig == signal.SIGKILL:
            return "tiến trình đọc bị hệ thống dừng, thường do thiếu bộ nhớ"
        return f"tín hiệu {sig}"
    if code == 134:
        return "tệp đòi cấp phát quá nhiều bộ nhớ" if "alloc" in tail else "trình đọc bị hủy giữa chừng"
    return f"mã thoát {code}"


# ---------------------------------------------------------------------------------------
# The result on its way back: text columns travel as Arrow arrays (a pickled object column
# costs a Python object per cell each way)
# ---------------------------------------------------------------------------------------
def _pack(result, arrow_path: str | None = None):
    from ingest.model import ParsedFile

    if not isinstance(result, ParsedFile):
        return result
    table = result.__dict__.get("_table")
    if table is not None:
        # Held as Arrow: written as an Arrow IPC file the parent maps into memory (no copy
        # through the pipe, no pickling of the rows), else pickled as its buffers.
        if arrow_path is None:
            return result
        import pyarrow as pa

        with pa.OSFile(arrow_path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        result.__dict__["_table"] = None
        return ("arrow", result, arrow_path)
    import dataclasses

    import pyarrow as pa

    frame = result.frame
    packed = {}
    for col in frame.columns:
        if frame[col].dtype == object:
            try:  # str and None only; anything else (NaN, pd.NA, numbers) stays as it is
                packed[col] = pa.array(frame[col].to_numpy(), type=pa.large_string())
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                continue
    if not packed:
        return result
    rest = frame.drop(columns=list(packed))
    return ("packed", dataclasses.replace(result, frame=rest), packed, list(frame.columns))


def _can_map() -> bool:
    """Can the parent map the child's Arrow file and still remove it (POSIX: yes)?"""
    return os.name == "posix"


def _unpack(value):
    if isinstance(value, tuple) and value and value[0] == "arrow":
        import pyarrow as pa

        _, result, path = value
        if _can_map():
            # Memory-mapped: the rows stay valid after the temporary file is removed.
            result.frame = pa.ipc.open_file(pa.memory_map(path, "r")).read_all()
        else:  # Windows cannot remove a mapped file: read it into memory, then close it
            with pa.OSFile(path, "rb") as fh:
                result.frame = pa.ipc.open_file(fh).read_all()
        return result
    if not (isinstance(value, tuple) and value and value[0] == "packed"):
        return value
    import pandas as pd

    _, result, packed, order = value
    frame = result.frame
    for col, arr in packed.items():
        frame[col] = pd.Series(arr.to_numpy(zero_copy_only=False), dtype=object, index=frame.index)
    result.frame = frame[order]
    return result


# ---------------------------------------------------------------------------------------
# Child
# ---------------------------------------------------------------------------------------
def _child_main(send, job: dict) -> None:
    """Runs in the child: cap memory, route stderr to the log file, parse, send back."""
    try:
        fd = os.open(job["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 2)
        os.close(fd)
    except OSError:
        pass
    for key in [k for k in os.environ if k.startswith(_ENV_PREFIXES)]:
        if key not in job["env"]:
            del os.environ[key]
    os.environ.update(job["env"])
    os.environ["RUST_BACKTRACE"] = "0"
    cap = job["memory"]
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, ValueError, OSError):  # no RLIMIT_AS here (Windows): the time limit holds
        pass
    try:
        _child_hooks(job.get("hook"))
        from ingest import reader

        kwargs = dict(job["kwargs"])
        if job["progress"]:
            kwargs["progress"] = lambda f: send.send(("progress", f))
        result = getattr(reader, job["func"])(job["path"], job["name"], **kwargs)
        send.send_bytes(pickle.dumps(("ok", _pack(result, job.get("arrow"))), protocol=pickle.HIGHEST_PROTOCOL))
    except MappingNeeded as exc:  # what was read travels back: the page offers the mapping
        send.send_bytes(pickle.dumps(("mapping", (str(exc), _pack(exc.parsed), exc.missing)),
                                     protocol=pickle.HIGHEST_PROTOCOL))
    except IngestError as exc:
        send.send(("refused", str(exc)))
    except MemoryError:
        _send_quietly(send, ("memory", None))
    except BaseException as exc:  # noqa: BLE001 - the parent turns it into a refusal
        if type(exc).__name__ == "ArrowMemoryError" or "bad_alloc" in str(exc):
            _send_quietly(send, ("memory", None))
        else:
            _send_quietly(send, ("failed", traceback.format_exc()))
    finally:
        send.close()


def _send_quietly(send, message) -> None:
    try:
        send.send(message)
    except Exception:  # noqa: BLE001 - no memory left even for that: the exit code speaks
        pass


def _child_hooks(hook: str | None) -> None:
    """Tests only: "module:function" called in the child before the parse (to make the
    child abort, overrun its memory or sleep)."""
    if not hook:
        return
    import importlib

    module, _, func = hook.partition(":")
    getattr(importlib.import_module(module), func)()
