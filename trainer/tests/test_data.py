import hashlib
import zipfile
from pathlib import Path

import pytest

from cola_trainer import data
from cola_trainer.protocol import TrainerError


def write(tmp_path: Path, text: str, name: str = "in_domain_train.tsv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> TrainerError:
    with pytest.raises(TrainerError) as info:
        data.read_tsv(path)
    return info.value


def test_reads_four_columns_and_keeps_quotes_literal(tmp_path):
    path = write(tmp_path, 'src\t1\t\t"Quoted" words, and a lone " quote.\nsrc\t0\t*\tHim saw I.\n')
    rows = data.read_tsv(path)
    assert [(r.label, r.sentence, r.line) for r in rows] == [
        (1, '"Quoted" words, and a lone " quote.', 1), (0, "Him saw I.", 2)]


def test_tolerates_missing_final_newline_and_trailing_blank_line(tmp_path):
    assert len(data.read_tsv(write(tmp_path, "a\t1\t\tOne.\na\t0\t*\tTwo."))) == 2
    assert len(data.read_tsv(write(tmp_path, "a\t1\t\tOne.\n\n"))) == 1


@pytest.mark.parametrize("text,line,fragment", [
    ("a\t1\t\tFine.\na\t1\tOnly three columns\n", 2, "expected 4 tab-separated columns"),
    ("a\t1\t\tFine.\na\t1\t\tFive\tcolumns\n", 2, "found 5"),
    ("a\t2\t\tBad label.\n", 1, "label must be 0 or 1"),
    ("a\tyes\t\tBad label.\n", 1, "label must be 0 or 1"),
    ("a\t1\t\tFine.\na\t1\t\tFine.\na\t0\t*\t   \n", 3, "sentence column is empty"),
])
def test_malformed_rows_name_file_and_line(tmp_path, text, line, fragment):
    err = error_of(write(tmp_path, text))
    assert err.code == "data_malformed"
    assert err.line == line
    assert err.file.endswith("in_domain_train.tsv")
    assert fragment in err.message
    assert f"line {line}" in err.message


def test_missing_file_and_empty_file(tmp_path):
    err = error_of(tmp_path / "nope.tsv")
    assert err.code == "data_missing" and "--data" in err.hint
    assert error_of(write(tmp_path, "\n")).code == "data_malformed"


def test_not_utf8(tmp_path):
    path = tmp_path / "in_domain_train.tsv"
    path.write_bytes(b"a\t1\t\tCaf\xe9.\n")
    assert error_of(path).code == "data_malformed"


def test_real_cola_files(cola):
    train = data.read_tsv(cola / data.TRAIN_FILE)
    holdout = data.read_tsv(cola / data.HOLDOUT_FILE)
    assert (len(train), sum(e.label for e in train)) == (8551, 6023)
    assert (len(holdout), sum(e.label for e in holdout)) == (516, 354)


def test_checksums_are_those_of_the_shared_official_copy(cola):
    for name, digest in data.SHA256.items():
        assert hashlib.sha256((cola / name).read_bytes()).hexdigest() == digest


def test_split_is_stratified_seeded_and_disjoint(cola):
    rows = data.read_tsv(cola / data.TRAIN_FILE)
    train, val = data.stratified_split(rows, 0.1, 42)
    assert len(train) + len(val) == len(rows)
    assert {e.line for e in train}.isdisjoint({e.line for e in val})
    assert len(val) == round(0.1 * 2528) + round(0.1 * 6023)
    assert sum(e.label == 0 for e in val) == round(0.1 * 2528)
    again_train, again_val = data.stratified_split(rows, 0.1, 42)
    assert [e.line for e in again_val] == [e.line for e in val]
    _, other_val = data.stratified_split(rows, 0.1, 43)
    assert [e.line for e in other_val] != [e.line for e in val]


def test_subsample_is_seeded_and_not_a_prefix(cola):
    rows = data.read_tsv(cola / data.TRAIN_FILE)
    sample = data.subsample(rows, 100, 1)
    assert len(sample) == 100 and sample == data.subsample(rows, 100, 1)
    assert [e.line for e in sample] != list(range(1, 101))
    assert data.subsample(rows, None, 1) is rows


def test_resolve_order_data_dir_then_env_then_cache(tmp_path, monkeypatch, cola):
    monkeypatch.setenv("COLA_DIR", str(cola))
    assert data.resolve_data_dir(None) == cola.resolve()
    with pytest.raises(TrainerError) as info:
        data.resolve_data_dir(str(tmp_path))
    assert info.value.code == "data_missing" and "in_domain_train.tsv" in info.value.message
    monkeypatch.delenv("COLA_DIR")
    monkeypatch.setenv("COLA_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(TrainerError) as info:
        data.resolve_data_dir(None, allow_download=False)
    assert info.value.code == "data_missing"


def _zip(tmp_path: Path, cola: Path, corrupt: bool = False) -> str:
    archive = tmp_path / "cola_public_1.1.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("cola_public/README", "CoLA")
        for name in data.SHA256:
            blob = (cola / name).read_bytes()
            z.writestr(f"cola_public/raw/{name}", blob + (b"x" if corrupt else b""))
            z.writestr(f"cola_public/tokenized/{name}", b"not these")
    return archive.as_uri()


def test_download_extracts_raw_files_and_checks_sha256(tmp_path, monkeypatch, cola):
    monkeypatch.delenv("COLA_DIR", raising=False)
    monkeypatch.setenv("COLA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COLA_DOWNLOAD_URL", _zip(tmp_path, cola))
    folder = data.resolve_data_dir(None)
    assert folder == tmp_path / "cache"
    assert (folder / data.TRAIN_FILE).read_bytes() == (cola / data.TRAIN_FILE).read_bytes()
    # Second call: served from the cache (no download even with a broken URL).
    monkeypatch.setenv("COLA_DOWNLOAD_URL", (tmp_path / "missing.zip").as_uri())
    assert data.resolve_data_dir(None) == folder


def test_download_rejects_wrong_checksum_and_failed_download(tmp_path, monkeypatch, cola):
    monkeypatch.delenv("COLA_DIR", raising=False)
    monkeypatch.setenv("COLA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COLA_DOWNLOAD_URL", _zip(tmp_path, cola, corrupt=True))
    with pytest.raises(TrainerError) as info:
        data.resolve_data_dir(None)
    assert info.value.code == "data_missing" and "checksum mismatch" in info.value.message
    assert not (tmp_path / "cache").exists()
    monkeypatch.setenv("COLA_DOWNLOAD_URL", (tmp_path / "missing.zip").as_uri())
    with pytest.raises(TrainerError) as info:
        data.resolve_data_dir(None)
    assert info.value.code == "data_missing" and "--data" in info.value.hint


def test_rows_end_at_newlines_only(tmp_path):
    # U+2028, U+0085, form feeds and lone CRs may sit inside a sentence: str.splitlines() would cut the row there.
    text = "a\t1\t\tOne\u2028two.\r\na\t0\t*\tThree\x0cfour\u0085five.\na\t1\t\tSix\rseven.\n"
    rows = data.read_tsv(write(tmp_path, text))
    assert [(r.line, r.sentence) for r in rows] == [(1, "One\u2028two."), (2, "Three\x0cfour\u0085five."), (3, "Six\rseven.")]
    err = error_of(write(tmp_path, "a\t1\t\tOne\u2028two.\na\t1\tbad\n"))
    assert err.line == 2 and "line 2" in err.message


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "in_domain_train.tsv"
    path.write_bytes(b"a\t1\t\tFine.\na\t1\t\tAlso fine.\na\t1\t\tCaf\xe9.\n")
    err = error_of(path)
    assert err.code == "data_malformed" and err.line == 3 and "line 3 is not UTF-8" in err.message


def test_too_few_rows_for_the_split_is_a_clear_error(tmp_path):
    write(tmp_path, "a\t1\t\tOne.\na\t0\t*\tTwo.\na\t1\t\tThree.\n")
    write(tmp_path, "a\t1\t\tFine.\n", name="out_of_domain_dev.tsv")
    with pytest.raises(TrainerError) as info:
        data.load_cola(tmp_path, 0.1, 42, None, None)
    assert info.value.code == "data_malformed"
    assert "3 rows (1 labelled 0, 2 labelled 1): too few for a 90%/10% train/validation split" in info.value.message


def _flags_in(text: str) -> list[str]:
    import re
    return re.findall(r"--[a-z][a-z-]*", text)


@pytest.mark.parametrize("rows, fixable", [("a\t1\t\tOne.\n", False), ("a\t1\t\tOne.\na\t0\t*\tTwo.\na\t1\t\tThree.\n", True)])
def test_too_few_rows_hint_names_real_flags_with_a_value_that_works(tmp_path, rows, fixable):
    """The hint names only flags the trainer's parser (which the TypeScript CLI mirrors) accepts, and only advice that
    works: a larger validation fraction cannot help a file without 2 rows of one label."""
    import re

    from cola_trainer.args import build_parser
    write(tmp_path, rows)
    write(tmp_path, "a\t1\t\tFine.\n", name="out_of_domain_dev.tsv")
    with pytest.raises(TrainerError) as info:
        data.load_cola(tmp_path, 0.1, 42, None, None)
    hint = info.value.hint
    known = build_parser()._option_string_actions
    assert all(f in known for f in _flags_in(hint) + _flags_in(data.DATA_HINT)), (hint, data.DATA_HINT)
    assert ("--validation-fraction" in hint) == fixable, hint
    suggested = re.search(r"--validation-fraction (0\.\d+)", hint)
    assert bool(suggested) == fixable, hint
    if suggested:
        cola = data.load_cola(tmp_path, float(suggested.group(1)), 42, None, None)
        assert cola.train and cola.validation


def test_fetch_release_extracts_raw_and_tokenized_with_checksums(tmp_path, monkeypatch, cola):
    archive = tmp_path / "release.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for variant in ("raw", "tokenized"):
            for name in data.SHA256:
                z.writestr(f"cola_public/{variant}/{name}", (cola.parent / variant / name).read_bytes())
    target = tmp_path / "cola"
    assert data.fetch_release(target, archive.as_uri()) == target
    for variant in ("raw", "tokenized"):
        for name in data.SHA256:
            assert (target / variant / name).read_bytes() == (cola.parent / variant / name).read_bytes()
    # Complete already: no download (a broken URL is never touched).
    assert data.fetch_release(target, (tmp_path / "missing.zip").as_uri()) == target
    # A tokenized file that is not the release's is refused, and nothing is left half-written.
    with zipfile.ZipFile(archive, "w") as z:
        for name in data.SHA256:
            z.writestr(f"cola_public/raw/{name}", (cola / name).read_bytes())
            z.writestr(f"cola_public/tokenized/{name}", b"not these")
    with pytest.raises(TrainerError) as info:
        data.fetch_release(tmp_path / "other", archive.as_uri())
    assert "checksum mismatch for tokenized/" in info.value.message
    assert not (tmp_path / "other").exists()
