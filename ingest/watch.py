"""A folder to watch: ``python -m ingest --watch DIR [--once]`` (cli.md, issue 13).

Every export that appears in DIR (where the one-stop system's downloads are saved) is loaded
once, through the same ``ingest.service.load`` as a file named on the command line:
- once per file content (SHA-256): a second copy of the same export, under any name, is
  skipped; the database refuses an already loaded file anyway;
- a file still being written (its size or modification time changing) waits until it has
  stayed the same for ``settle`` seconds; browsers' partial downloads (.crdownload, .part …),
  Excel's lock files (~$…) and hidden files are never read;
- every result is one line, printed and appended to the log file (DIR/nhat-ky-nap.log unless
  another is given);
- a bad file never stops the watch: a refused file is logged and skipped, and not tried again
  until its content changes; a busy or unreachable database is logged and the file is tried
  again at the next scan.
What was processed is kept beside the log file (``.nhat-ky-nap.log.json``), so a scheduled
``--once`` run picks up only what is new.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ingest import service
from ingest.model import IngestError
from kpi import config
from kpi import db as kdb
from kpi import format as fmt

LOG_NAME = "nhat-ky-nap.log"
PARTIAL_SUFFIXES = (".crdownload", ".part", ".partial", ".download", ".tmp", ".temp", ".opdownload")


@dataclass
class Summary:
    loaded: int = 0
    duplicates: int = 0
    refused: int = 0
    skipped: int = 0  # same content as a file processed before
    waiting: int = 0  # still being written at the end of a --once run
    errors: int = 0  # database busy or unreachable: tried again next time

    @property
    def exit_code(self) -> int:
        return 1 if self.refused or self.errors else 0


@dataclass
class Watcher:
    engine: object
    folder: Path
    load_options: dict = field(default_factory=dict)  # unit, kind, period, allow_rejects, uploaded_by
    log_path: Path | None = None
    settle: float = 3.0
    out: object = None  # where lines are printed (stdout)

    def __post_init__(self):
        self.folder = Path(self.folder)
        self.log_path = Path(self.log_path) if self.log_path else self.folder / LOG_NAME
        self.state_path = self.log_path.with_name(f".{self.log_path.name}.json")
        self.out = self.out or sys.stdout
        self.state = self._read_state()
        self._seen: dict[str, tuple[int, int, float]] = {}  # name -> (size, mtime_ns, since)

    # --- state -----------------------------------------------------------------------------

    def _read_state(self) -> dict:
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            state = {}
        state.setdefault("files", {})  # name -> {"size", "mtime_ns", "sha256"}
        state.setdefault("contents", {})  # sha256 -> {"file", "result", "at"}
        return state

    def _write_state(self) -> None:
        tmp = self.state_path.with_name(self.state_path.name + ".tmp")
        tmp.write_text(json.dumps(self.state, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.state_path)

    # --- the folder ------------------------------------------------------------------------

    def _candidates(self) -> list[Path]:
        own = {self.log_path.resolve(), self.state_path.resolve()}
        found = []
        for p in self.folder.iterdir():
            name = p.name
            if name.startswith((".", "~$")) or name.lower().endswith(PARTIAL_SUFFIXES):
                continue
            try:
                if not p.is_file() or p.resolve() in own:
                    continue
            except OSError:
                continue
            found.append(p)
        return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name))

    def _new_files(self) -> list[tuple[Path, int, int]]:
        """Files not processed in their present form: (path, size, mtime_ns)."""
        out = []
        for p in self._candidates():
            try:
                st = p.stat()
            except OSError:
                continue
            done = self.state["files"].get(p.name)
            if done and done["size"] == st.st_size and done["mtime_ns"] == st.st_mtime_ns:
                continue
            out.append((p, st.st_size, st.st_mtime_ns))
        return out

    def _stable(self, files: list[tuple[Path, int, int]]) -> tuple[list[Path], list[Path]]:
        """Split into files unchanged for ``settle`` seconds and files still being written."""
        now, wall = time.monotonic(), time.time()
        ready, busy = [], []
        for p, size, mtime in files:
            seen = self._seen.get(p.name)
            if seen is None or seen[:2] != (size, mtime):
                # Unchanged since before the settle time: no need to watch it first.
                since = now - max(0.0, wall - mtime / 1e9)
                self._seen[p.name] = seen = (size, mtime, since)
            (ready if now - seen[2] >= self.settle else busy).append(p)
        return ready, busy

    # --- one scan --------------------------------------------------------------------------

    def scan(self, summary: Summary, *, wait: float = 0.0) -> list[Path]:
        """Process every file that is new and no longer being written. With ``wait``, keep
        looking for up to that many seconds while files are still being written. Returns
        the files still being written."""
        deadline = time.monotonic() + wait
        while True:
            ready, busy = self._stable(self._new_files())
            for p in ready:
                self._process(p, summary)
            if not busy or time.monotonic() >= deadline:
                return busy
            time.sleep(max(0.05, min(self.settle / 2, deadline - time.monotonic())))

    def _process(self, path: Path, summary: Summary) -> None:
        try:
            st = path.stat()
            data = path.read_bytes()
        except OSError as exc:
            self.log(f"{path.name}: không đọc được tệp ({exc.strerror or exc}); sẽ thử lại lần quét sau.")
            summary.errors += 1
            return
        if st.st_size != len(data):
            return  # changed while being read: next scan
        sha = hashlib.sha256(data).hexdigest()
        record = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha}
        before = self.state["contents"].get(sha)
        if before:
            self.log(f"{path.name}: bỏ qua — cùng nội dung với tệp {before['file']} đã xử lý lúc "
                     f"{before['at']} ({before['result']}).")
            summary.skipped += 1
            self.state["files"][path.name] = record
            self._write_state()
            return
        try:
            result = service.load(self.engine, data, filename=path.name, **self.load_options)
        except IngestError as exc:
            summary.refused += 1
            outcome = "không nạp"
            self.log(f"{path.name}: KHÔNG NẠP — {_one_line(str(exc))} Tệp này không làm thay đổi cơ sở "
                     "dữ liệu và sẽ không được thử lại cho đến khi nội dung của nó thay đổi.")
        except (kdb.DatabaseBusy, kdb.DatabaseUnavailable) as exc:
            summary.errors += 1
            self.log(f"{path.name}: CHƯA NẠP — {_one_line(str(exc))} Sẽ thử lại lần quét sau.")
            return
        else:
            if result.status == "duplicate":
                summary.duplicates += 1
                outcome = "đã nạp trước đó"
            else:
                summary.loaded += 1
                outcome = "đã nạp"
            line = result.summary_line()
            if result.warnings:
                line += " · Cảnh báo: " + " | ".join(_one_line(w) for w in result.warnings)
            self.log(line)
        self.state["files"][path.name] = record
        self.state["contents"][sha] = {"file": path.name, "result": outcome, "at": fmt.datetime(config.now())}
        self._write_state()

    def log(self, line: str) -> None:
        stamped = f"{config.now():%d/%m/%Y %H:%M:%S} {line}"
        print(stamped, file=self.out, flush=True)
        with open(self.log_path, "a", encoding="utf-8") as fh:
            fh.write(stamped + "\n")


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def run(engine, folder: Path, *, once: bool, interval: float, settle: float, max_wait: float,
        log_path: Path | None, load_options: dict, out=None) -> int:
    """The watch loop of ``python -m ingest --watch``; returns the exit code."""
    w = Watcher(engine, folder, load_options, log_path, settle, out)
    try:
        with open(w.log_path, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        print(f"Lỗi: không ghi được tệp nhật ký {w.log_path} ({exc.strerror or exc}). Hãy chọn một tệp "
              "ghi được bằng --log.", file=sys.stderr)
        return 1
    summary = Summary()
    if once:
        busy = w.scan(summary, wait=max(max_wait, settle * 1.5))
        for p in busy:
            w.log(f"{p.name}: đang được ghi (kích thước còn thay đổi); sẽ xử lý ở lần chạy sau.")
        summary.waiting = len(busy)
        w.log(
            f"Thư mục {folder}: nạp {fmt.integer(summary.loaded)} tệp, đã nạp trước đó "
            f"{fmt.integer(summary.duplicates)}, không nạp {fmt.integer(summary.refused)}, "
            f"bỏ qua {fmt.integer(summary.skipped)} tệp trùng nội dung"
            + (f", {fmt.integer(summary.waiting)} tệp đang được ghi" if summary.waiting else "")
            + (f", {fmt.integer(summary.errors)} tệp chưa nạp được vì lỗi cơ sở dữ liệu" if summary.errors else "")
            + "."
        )
        return summary.exit_code
    w.log(f"Bắt đầu theo dõi thư mục {folder} (quét mỗi {fmt.number(interval, 0)} giây; Ctrl+C để dừng).")
    try:
        while True:
            w.scan(summary)
            time.sleep(interval)
    except KeyboardInterrupt:
        w.log(f"Dừng theo dõi thư mục {folder}.")
    return 0
