"""The prose corpus: well-edited Markdown turned into training sentences through `cola-bert sentences`
(the checker's own extraction), filtered to sentences worth learning from, split by document.

The generated file (data/prose-sentences.jsonl.gz) is committed, so users without the shared copy of
the documents train on it too; `python -m cola_trainer.prose_corpus` (npm run corpus:prose) rebuilds it
and trainer/tests/test_prose_corpus.py fails when the committed file no longer matches a rebuild."""
from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .protocol import TrainerError

REPO = Path(__file__).resolve().parents[2]
CORPUS_PATH = Path(__file__).with_name("data") / "prose-sentences.jsonl.gz"
DEFAULT_PROSE_DIR = REPO.parent / "shared" / "datasets" / "prose"
# Fixed, not --seed: the held-out documents must be the same for every run, so that runs with different
# seeds are compared on the same test documents and no run ever trains on another run's test documents.
SPLIT_SEED = 11
SPLIT_FRACTIONS = {"validation": 0.1, "test": 0.1}

MIN_WORDS, MAX_WORDS = 6, 50
MAX_MASKS = 2
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
MASK = re.compile(r"(?<![\w])X(?![\w])")
# Characters and shapes that mark code, grammar productions, paths or markup rather than prose.
CODE_LIKE = re.compile(r"[{}<>=|\\_#@$^~`*]|::|->|\w\(|\(\)|\[\w*\]|https?:|www\.|\.py\b|--\w|\w/\w+/")
ENDS_LIKE_SENTENCE = re.compile(r"[.!?][\"”’')]*$")


@dataclass(frozen=True)
class ProseSentence:
    doc: str        # path relative to the prose folder, e.g. "peps/pep-0008.md"
    source: str     # "peps" or "opensource-guide"
    split: str      # "train", "validation" or "test" (by document)
    line: int       # 1-based first line in the document
    text: str


def learnable(text: str) -> bool:
    """A complete, prose-like sentence: what a clean example for 'acceptable' should look like.
    Headings and tables are already left out by the extraction; this drops list fragments and lead-ins
    ("For example:"), code-like lines and sentences that are mostly masked code."""
    words = WORD.findall(text)
    masks = len(MASK.findall(text))
    if not MIN_WORDS <= len(words) - masks <= MAX_WORDS or masks > MAX_MASKS:
        return False
    if not (text[0].isupper() and text[0] != "X") or not ENDS_LIKE_SENTENCE.search(text):
        return False
    if CODE_LIKE.search(text):
        return False
    letters = sum(c.isalpha() or c.isspace() for c in text)
    return letters / len(text) >= 0.9


def assign_splits(docs: list[str]) -> dict[str, str]:
    """Per source (the top folder), a seeded permutation of its documents: the first 10% validation, the
    next 10% test (at least two documents each, so the 13 Open Source Guides have more than one held-out voice), the rest training."""
    by_source: dict[str, list[str]] = {}
    for d in sorted(docs):
        by_source.setdefault(d.split("/", 1)[0], []).append(d)
    split: dict[str, str] = {}
    for i, (_source, names) in enumerate(sorted(by_source.items())):
        rng = np.random.Generator(np.random.PCG64([SPLIT_SEED, i]))
        order = [names[j] for j in rng.permutation(len(names))]
        n_val = max(2, round(SPLIT_FRACTIONS["validation"] * len(names)))
        n_test = max(2, round(SPLIT_FRACTIONS["test"] * len(names)))
        for k, name in enumerate(order):
            split[name] = "validation" if k < n_val else "test" if k < n_val + n_test else "train"
    return split


def cli_command() -> list[str]:
    """`cola-bert sentences` from the sources when tsx is installed (never a stale bundle), else the bundle."""
    node = shutil.which("node")
    if node is None:
        raise TrainerError("dependency_missing", "node is not on PATH; the prose corpus is extracted by `cola-bert sentences`",
                           hint="install Node.js >= 20.19 and run npm ci")
    if (REPO / "node_modules" / "tsx").is_dir():
        return [node, "--import", "tsx", str(REPO / "src" / "cli.ts")]
    if (REPO / "dist" / "cli.js").is_file():
        return [node, str(REPO / "dist" / "cli.js")]
    raise TrainerError("dependency_missing", "neither node_modules/tsx nor dist/cli.js exists", hint="run npm ci (or npm run build)")


def extract(prose_dir: Path) -> list[dict]:
    folders = sorted(p for p in prose_dir.iterdir() if p.is_dir())
    if not folders:
        raise TrainerError("data_missing", f"{prose_dir} holds no source folders", file=prose_dir)
    proc = subprocess.run([*cli_command(), "sentences", "--json", *map(str, folders)], cwd=REPO, capture_output=True,
                          text=True, encoding="utf-8")
    if proc.returncode != 0:
        raise TrainerError("internal", f"cola-bert sentences failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return [json.loads(line) for line in proc.stdout.splitlines()]


def build(prose_dir: Path) -> list[ProseSentence]:
    rows = extract(prose_dir)
    docs = sorted({Path(r["file"]).resolve().relative_to(prose_dir.resolve()).as_posix() for r in rows})
    split = assign_splits(docs)
    seen: set[str] = set()
    out: list[ProseSentence] = []
    for r in rows:
        doc = Path(r["file"]).resolve().relative_to(prose_dir.resolve()).as_posix()
        text = r["text"]
        # Each text once in the whole corpus (boilerplate like the PEP copyright line repeats hundreds of
        # times): a repeated sentence would outweigh the rest and could sit in both training and test documents.
        if text in seen or not learnable(text):
            continue
        seen.add(text)
        out.append(ProseSentence(doc, doc.split("/", 1)[0], split[doc], r["range"]["start"]["line"] + 1, text))
    return out


def serialize(sentences: list[ProseSentence]) -> bytes:
    """Gzip with no timestamp or name in the header, so the same corpus gives the same bytes."""
    raw = "".join(json.dumps({"doc": s.doc, "source": s.source, "split": s.split, "line": s.line, "text": s.text},
                             ensure_ascii=False) + "\n" for s in sentences).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as f:
        f.write(raw)
    return buf.getvalue()


def write(sentences: list[ProseSentence], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(serialize(sentences))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path = CORPUS_PATH) -> list[ProseSentence]:
    if not path.is_file():
        raise TrainerError("data_missing", f"the prose corpus {path} is missing",
                           hint="it ships with the trainer; rebuild it with npm run corpus:prose", file=path)
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [ProseSentence(**json.loads(line)) for line in f]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cola_trainer.prose_corpus",
                                     description="Rebuild the committed prose corpus from the Markdown documents.")
    parser.add_argument("--prose-dir", default=str(DEFAULT_PROSE_DIR), help="folder of source folders (default: ../shared/datasets/prose)")
    parser.add_argument("--out", default=str(CORPUS_PATH), help="output .jsonl.gz (default: the committed corpus)")
    a = parser.parse_args(argv)
    sentences = build(Path(a.prose_dir))
    write(sentences, Path(a.out))
    counts: dict[tuple[str, str], list[int]] = {}
    for s in sentences:
        c = counts.setdefault((s.source, s.split), [0, 0])
        c[0] += 1
    docs: dict[tuple[str, str], set[str]] = {}
    for s in sentences:
        docs.setdefault((s.source, s.split), set()).add(s.doc)
    for key in sorted(counts):
        print(f"{key[0]:>18} {key[1]:>10}: {counts[key][0]:6d} sentences from {len(docs[key]):3d} documents", file=sys.stderr)
    print(f"wrote {a.out}: {len(sentences)} sentences, {Path(a.out).stat().st_size} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
