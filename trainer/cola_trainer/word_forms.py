"""word_forms.txt.gz: the inflections the editor's suggestions swap between (issue 12 §2; read by
src/core/wordForms.ts). TypeScript has no morphology library worth trusting, so the forms come from lemminflect,
the library corrupt.py makes the held-out errors with, and travel in the model folder.

The vocabulary is lemminflect's whole lexicon of lower-case nouns, verbs and adjectives (about 28,000 lemmas):
it is small (about 0.3 MB gzipped), it is every word lemminflect can name a lemma for (corrupt.py inflects
only those), and it covers the held-out prose (trainer/bench/word_forms_coverage.py measures it). Words
outside it (names, jargon) get no inflection candidates; lemminflect's out-of-vocabulary rules would have to
guess the part of speech, and a wrong guess only adds candidates the model then rejects.

Format, one line per lemma and part of speech, tab-separated, sorted:
    N  NN NNS                          e.g. "N\tfile\tfiles"
    V  VB VBZ VBD VBN VBG VBP          e.g. "V\tbe\tis\twas/were\tbeen\tbeing\tam/are"
    A  JJ JJR JJS                      e.g. "A\tbig\tbigger\tbiggest"
alternative spellings of one tag joined by "/", an empty column where lemminflect has no form; groups whose
forms are all one word (N data data) and forms of two words are left out. Lines starting with "#" are comments; the first names the
format and the source. gzip's header has no time or name, so the same lemminflect gives the same bytes.

`python -m cola_trainer word-forms FOLDER...` adds the file to model folders exported before it existed."""
from __future__ import annotations

import gzip
import json
import os
import re
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

from .protocol import TrainerError, log

FILE = "word_forms.txt.gz"
FORMAT = 1
COLUMNS = {"N": ("NN", "NNS"), "V": ("VB", "VBZ", "VBD", "VBN", "VBG", "VBP"), "A": ("JJ", "JJR", "JJS")}
_UPOS = {"N": "NOUN", "V": "VERB", "A": "ADJ"}
# Lower-case words only: capitalized lemmas are names (lemminflect's proper nouns), whose plurals a writer
# rarely means.
_WORD = re.compile(r"[a-z]+(?:['-][a-z]+)*")
MODEL_MARKER = "cola-bert.json"


def _lexicon() -> list[str]:
    from lemminflect import Inflections
    try:
        lemmas = Inflections()._getInflDict().keys()  # noqa: SLF001 - lemminflect has no public list of its lemmas
    except AttributeError as e:
        raise TrainerError("internal", f"lemminflect {version('lemminflect')} has no _getInflDict(); word_forms.py "
                           "reads its lexicon through it", hint="install lemminflect 0.2.3") from e
    return sorted(lemma for lemma in lemmas if _WORD.fullmatch(lemma))


def groups() -> list[tuple[str, tuple[str, ...]]]:
    """(part of speech, one "/"-joined column per tag of COLUMNS) for every lemma with more than one form."""
    from lemminflect import getAllInflections, getInflection
    out = []
    for lemma in _lexicon():
        for pos, tags in COLUMNS.items():
            if not getAllInflections(lemma, _UPOS[pos]):
                continue
            # getInflection, as corrupt.py asks: the lexicon leaves out a tag whose form is another tag's (a regular
            # verb's VBN is its VBD), and getInflection falls back to that tag. Forms of two words ("book shelves")
            # are no single-word edit.
            columns = tuple("/".join(f for f in getInflection(lemma, tag, inflect_oov=False) or () if _WORD.fullmatch(f))
                            for tag in tags)
            distinct = {f for c in columns for f in c.split("/") if f}
            if len(distinct) > 1:
                out.append((pos, columns))
    return out


def render(rows: list[tuple[str, tuple[str, ...]]]) -> bytes:
    header = (f"# cola-bert word forms {FORMAT}, from lemminflect {version('lemminflect')}: "
              + "; ".join(f"{pos} {' '.join(tags)}" for pos, tags in COLUMNS.items()) + "\n")
    text = header + "".join(f"{pos}\t" + "\t".join(cols) + "\n" for pos, cols in rows)
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def _write_atomically(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would make the folder less shareable than its other files
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_word_forms(folder: Path) -> dict[str, Any]:
    """Writes FILE into `folder`; returns the block cola-bert.json records as "word_forms"."""
    rows = groups()
    data = render(rows)
    _write_atomically(folder / FILE, data)
    return {"file": FILE, "format": FORMAT, "source": f"lemminflect {version('lemminflect')}", "groups": len(rows),
            "bytes": len(data)}


def add_to_folder(folder: Path) -> dict[str, Any]:
    """Adds FILE to a model folder exported without it and records it in its cola-bert.json (both written to a
    temporary file and renamed, so an interruption leaves the folder as it was or complete)."""
    marker = folder / MODEL_MARKER
    if not marker.is_file():
        raise TrainerError("bad_arguments", f"{folder} is not a cola-bert model folder (no {MODEL_MARKER} in it)",
                           hint="pass the folder the trainer exported, the one holding model.onnx and cola-bert.json")
    try:
        meta = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise TrainerError("bad_arguments", f"cannot read {marker}: {e}", hint="re-export the model folder") from e
    if not isinstance(meta, dict):
        raise TrainerError("bad_arguments", f"{marker} is not a JSON object", hint="re-export the model folder")
    try:
        block = write_word_forms(folder)
        meta["word_forms"] = block
        _write_atomically(marker, (json.dumps(meta, indent=2) + "\n").encode("utf-8"))
    except OSError as e:
        raise TrainerError("bad_arguments", f"cannot write into {folder}: {e.strerror or e}",
                           hint="check that the folder is writable and the disk has space") from e
    return block


def main(argv: list[str]) -> int:
    """`python -m cola_trainer word-forms FOLDER...`: nothing on stdout (like fetch-cola), one log line per folder."""
    if not argv or any(a.startswith("-") for a in argv):
        raise TrainerError("bad_arguments", "usage: python -m cola_trainer word-forms FOLDER...",
                           hint="FOLDER: a model folder the trainer exported (it holds cola-bert.json)")
    for name in argv:
        block = add_to_folder(Path(name))
        log(f"wrote {Path(name) / FILE}: {block['groups']} lemma groups, {block['bytes']:,} bytes ({block['source']})")
    return 0
