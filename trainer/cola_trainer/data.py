"""CoLA data: the TSV reader, the seeded stratified split, and finding (or downloading) the files."""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .args import flag
from .models import ID2LABEL
from .protocol import TrainerError, log

TRAIN_FILE = "in_domain_train.tsv"
HOLDOUT_FILE = "out_of_domain_dev.tsv"
COLA_URL = "https://nyu-mll.github.io/CoLA/cola_public_1.1.zip"
# SHA-256 of the official raw files (cola_public/raw/ inside the release zip).
SHA256 = {
    TRAIN_FILE: "f320a10f92d3bce6b29152fde322a362eac39238e50d8de0c8815457fdf4fc12",
    HOLDOUT_FILE: "201b9c57b2a20f1282242eec0ed8995729e3be19c29a46c047b3727338836c05",
}
# The release's NLTK-tokenized copies of the same files (the tutorials' variant; the test suites read both).
TOKENIZED_SHA256 = {
    TRAIN_FILE: "6b79f1dee9e885c73d47f1657e2776f44b587c0cfba2cafdcdc6f05a7acbc160",
    HOLDOUT_FILE: "c726f804e97a2be70464e384ac9795b91c42b3959c3ada177cef31afcf9aaa3e",
}
DATA_HINT = f"pass a folder holding in_domain_train.tsv and out_of_domain_dev.tsv with {flag('data_dir')} DIR, or set COLA_DIR"


@dataclass(frozen=True)
class Example:
    source: str
    label: int
    sentence: str
    line: int
    # Where the error is, for rows made from prose (corrupt.py): (-1, -1) for a clean sentence, else the edit's
    # [start, end) in `sentence`. None when unknown (CoLA). Only the tokens head (token_head.py) reads it.
    error_span: tuple[int, int] | None = None


def read_tsv(path: str | os.PathLike) -> list[Example]:
    """Four tab-separated columns, no header; quotes are literal characters, so no csv quoting rules apply."""
    path = Path(path)
    if not path.is_file():
        raise TrainerError("data_missing", f"CoLA file not found: {path}", hint=DATA_HINT, file=path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise TrainerError("data_malformed", f"{path.name} line {line} is not UTF-8 text ({e.reason} at byte {e.start})",
                           file=path, line=line) from e
    examples = []
    # Rows end at "\n" (CRLF tolerated). Not str.splitlines(): it also splits at U+2028, U+0085, form feeds
    # and lone CRs, which can sit inside a sentence and would misreport that row as malformed.
    rows = text.split("\n")
    if rows and rows[-1] == "":
        rows.pop()
    for number, raw in enumerate(rows, start=1):
        raw = raw.removesuffix("\r")
        if not raw.strip():
            continue  # blank lines (trailing ones, typically) carry no row
        cols = raw.split("\t")
        where = f"{path.name} line {number}"
        if len(cols) != 4:
            raise TrainerError("data_malformed", f"{where}: expected 4 tab-separated columns "
                               f"(source, label, original mark, sentence), found {len(cols)}", file=path, line=number)
        source, label, _mark, sentence = cols
        if label not in ("0", "1"):
            raise TrainerError("data_malformed", f"{where}: label must be 0 or 1, found {label!r}", file=path, line=number)
        sentence = sentence.strip()
        if not sentence:
            raise TrainerError("data_malformed", f"{where}: the sentence column is empty", file=path, line=number)
        examples.append(Example(source, int(label), sentence, number))
    if not examples:
        raise TrainerError("data_malformed", f"{path} holds no rows", file=path)
    return examples


def stratified_split(examples: list[Example], fraction: float, seed: int) -> tuple[list[Example], list[Example]]:
    """Seeded split that keeps the label ratio in both parts: per label, a permutation from
    numpy's PCG64(seed) and the first round(fraction * n_label) go to validation."""
    rng = np.random.Generator(np.random.PCG64(seed))
    labels = np.array([e.label for e in examples])
    val_idx: list[int] = []
    for label in (0, 1):
        idx = np.flatnonzero(labels == label)
        idx = idx[rng.permutation(len(idx))]
        val_idx.extend(idx[: int(round(fraction * len(idx)))].tolist())
    val_set = set(val_idx)
    train = [e for i, e in enumerate(examples) if i not in val_set]
    val = [examples[i] for i in sorted(val_set)]
    return train, val


def data_fingerprint(folder: Path) -> dict[str, str]:
    """SHA-256 of the two files a run reads: a checkpoint resumes only on the same data."""
    return {name: _sha256(folder / name) for name in (TRAIN_FILE, HOLDOUT_FILE)}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cache_root() -> Path:
    """The per-machine cache of downloads (CoLA here, offline encoders in encoder_fetch.py)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cola-bert"


def cache_dir() -> Path:
    if os.environ.get("COLA_CACHE_DIR"):
        return Path(os.environ["COLA_CACHE_DIR"])
    return cache_root() / "cola_public_1.1"


def _has_files(folder: Path) -> bool:
    return all((folder / name).is_file() for name in SHA256)


def _fetch_release(url: str, timeout: float) -> zipfile.ZipFile:
    log(f"downloading CoLA from {url}")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            blob = response.read()
    except OSError as e:
        raise TrainerError("data_missing", f"CoLA is not available locally and the download from {url} failed: {e}",
                           hint=DATA_HINT) from e
    try:
        return zipfile.ZipFile(io.BytesIO(blob))
    except zipfile.BadZipFile as e:
        raise TrainerError("data_missing", f"the download from {url} is not a zip file", hint=DATA_HINT) from e


def _extract_checked(archive: zipfile.ZipFile, url: str, variant: str, sums: dict[str, str], into: Path) -> None:
    """`<variant>/<name>` of the zip into `into/<name>`, each checked against its SHA-256."""
    members = {Path(n).name: n for n in archive.namelist() if Path(n).parent.name == variant and Path(n).name in sums}
    into.mkdir(parents=True, exist_ok=True)
    for name, want in sums.items():
        if name not in members:
            raise TrainerError("data_missing", f"the CoLA zip from {url} has no {variant}/{name}", hint=DATA_HINT)
        out = into / name
        out.write_bytes(archive.read(members[name]))
        got = _sha256(out)
        if got != want:
            raise TrainerError("data_missing", f"checksum mismatch for {variant}/{name} from {url}: SHA-256 {got}, expected {want}",
                               hint=DATA_HINT, file=name)


def _into_place(target: Path, fill) -> Path:
    """Builds a folder in a staging folder beside `target` (via `fill(staging)`), then renames it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".cola-download-", dir=target.parent))
    try:
        fill(staging)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log(f"CoLA saved to {target}")
    return target


def download(target: Path, url: str | None = None, timeout: float = 30.0) -> Path:
    """Fetch the official release zip, extract the two raw files, check their SHA-256, move them into place."""
    url = url or os.environ.get("COLA_DOWNLOAD_URL") or COLA_URL
    archive = _fetch_release(url, timeout)
    return _into_place(target, lambda staging: _extract_checked(archive, url, "raw", SHA256, staging))


def fetch_release(target: Path, url: str | None = None, timeout: float = 60.0) -> Path:
    """`target/raw` and `target/tokenized` from the official release, checked by SHA-256: what the test suites
    read (`npm test` on a machine without a CoLA copy). Kept when already complete."""
    if all((target / "raw" / n).is_file() for n in SHA256) and all((target / "tokenized" / n).is_file() for n in TOKENIZED_SHA256):
        return target
    url = url or os.environ.get("COLA_DOWNLOAD_URL") or COLA_URL
    archive = _fetch_release(url, timeout)

    def fill(staging: Path) -> None:
        _extract_checked(archive, url, "raw", SHA256, staging / "raw")
        _extract_checked(archive, url, "tokenized", TOKENIZED_SHA256, staging / "tokenized")

    return _into_place(target, fill)


def resolve_data_dir(data_dir: str | None, allow_download: bool = True) -> Path:
    """--data-dir, then $COLA_DIR, then the cache, then the official download into the cache."""
    for origin, value in (("--data-dir", data_dir), ("COLA_DIR", os.environ.get("COLA_DIR"))):
        if value:
            folder = Path(value).expanduser()
            if not folder.is_dir():
                raise TrainerError("data_missing", f"{origin} points to {folder}, which is not a folder", hint=DATA_HINT, file=folder)
            for name in SHA256:
                if not (folder / name).is_file():
                    raise TrainerError("data_missing", f"{origin} folder {folder} has no {name}", hint=DATA_HINT, file=folder / name)
            return folder.resolve()
    cached = cache_dir()
    if _has_files(cached):
        return cached
    if not allow_download:
        raise TrainerError("data_missing", "CoLA was not found (no --data-dir, no COLA_DIR, empty cache)", hint=DATA_HINT)
    return download(cached)


@dataclass
class ColaData:
    folder: Path
    train: list[Example]
    validation: list[Example]
    holdout: list[Example]


def load_cola(folder: Path, fraction: float, seed: int, max_train: int | None, max_eval: int | None) -> ColaData:
    full = read_tsv(folder / TRAIN_FILE)
    holdout = read_tsv(folder / HOLDOUT_FILE)
    train, val = stratified_split(full, fraction, seed)
    if not train or not val:
        counts = {label: sum(e.label == label for e in full) for label in (0, 1)}
        raise TrainerError("data_malformed", f"{TRAIN_FILE} has {len(full)} rows ({counts[0]} labelled 0, {counts[1]} labelled 1): "
                           f"too few for a {1 - fraction:.0%}/{fraction:.0%} train/validation split (validation {len(val)}, "
                           f"training {len(train)})", hint=_split_hint(max(counts.values())), file=folder / TRAIN_FILE)
    return ColaData(folder, subsample(train, max_train, seed), subsample(val, max_eval, seed + 1),
                    subsample(holdout, max_eval, seed + 2))


def single_class_warnings(splits: dict[str, list[Example]]) -> list[str]:
    """MCC needs both labels in the truth: on a split with one label it is 0 whatever the model predicts, and a
    model trained on one label learns to give that answer to every sentence. Such data is legal, so this warns."""
    warnings = []
    for name, rows in splits.items():
        labels = {e.label for e in rows}
        if len(labels) != 1:
            continue
        label = ID2LABEL[labels.pop()]
        every = f"every {name} row ({len(rows)}) is labelled {label}"
        if name == "training":
            warnings.append(f"{every}: the model can only learn to call every sentence {label} (a degenerate model) "
                            "and its MCC will be 0; train on data with both labels")
        else:
            warnings.append(f"{every}: MCC on the {name} rows is 0 whatever the model predicts"
                            + (", so they cannot pick the best epoch" if name == "validation" else ""))
    return warnings


def _split_hint(largest_class: int) -> str:
    """What makes the split work. Validation takes round(fraction * n) rows of each label, and the fraction stays
    below 0.5, so only a label with at least 2 rows can give it one: from a fraction just above 0.5 / n."""
    if largest_class < 2:
        return "use the full CoLA file: the split needs at least 2 rows with the same label"
    fraction = (50 // largest_class) / 100 + 0.01
    return f"use the full CoLA file, or {flag('validation_fraction')} {fraction:.2f} (or more, below 0.5) to give validation a row"


def subsample(examples: list[Example], limit: int | None, seed: int) -> list[Example]:
    """A seeded random subset in file order (the files are grouped by source, so a prefix would be biased)."""
    if not limit or limit >= len(examples):
        return examples
    rng = np.random.Generator(np.random.PCG64(seed))
    keep = np.sort(rng.choice(len(examples), size=limit, replace=False))
    return [examples[i] for i in keep]
