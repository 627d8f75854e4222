"""The fine-tuning run: data, model, the loop, checkpoints, cancel/resume, evaluation, export."""
from __future__ import annotations

import contextlib
import datetime as _dt
import inspect
import json
import math
import os
import pickle
import random
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from . import batching
from .args import RunArguments, TrainingArguments, default_learning_rate, flag
from .cancel import CancelFlag
from .data import ColaData, Example, data_fingerprint, load_cola, resolve_data_dir, single_class_warnings
from .diskspace import no_space, out_of_space, require_space
from .encoder_fetch import FetchCancelled
from .environment import choose_device, choose_precision, cpu_name, cpu_threads, library_versions, training_threads
from .export import MODEL_MARKER, check_replaceable, check_writable, export_model_folder, remove_stale_temporaries, replace_dir
from .feedback import Feedback, load_feedback
from .metrics import accuracy, confusion, mcc_from_confusion
from .models import ModelChoice, folder_head, freeze_lower_layers, keep_lower_layers, load_model_and_tokenizer, resolve_model
from .prose_data import CLEAN
from .protocol import Protocol, TrainerError, log
from .quality import ProseData, calibrate, load_prose, prose_epoch_fields, selection_score
from .quality import report as quality_report
from .token_head import IGNORE, TOKEN_LOSS_WEIGHT, TokenErrorClassifier, token_labels, token_loss

EXIT_CANCELLED = 130
# 2: loadable with torch.load(weights_only=True), tensors, numbers, strings and containers only. Format 1 pickled
# numpy objects and needed a full unpickle, which runs whatever code a crafted state.pt names.
CHECKPOINT_FORMAT = 2
EVAL_BATCH = 128
# Arguments that change the result; a checkpoint only resumes a run with the same values.
RESUME_KEYS = ("model", "max_length", "head", "keep_layers", "freeze_layers", "validation_fraction", "max_train", "max_eval",
               "data_mix", "prose_ratio", "corruption_weights", "prose_val", "epochs", "batch_size",
               "learning_rate", "head_lr_scale", "weight_decay", "warmup_ratio", "max_grad_norm", "seed", "precision", "feedback_weight")


# ---------------------------------------------------------------------------------------------- distributed
@dataclass
class Dist:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    local_world_size: int = 1

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.enabled:
            torch.distributed.barrier()


def init_distributed(device_request: str) -> Dist:
    """torchrun sets WORLD_SIZE/RANK/LOCAL_RANK; NCCL on CUDA, gloo on CPU."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Dist()
    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(world)))
    use_cuda = device_request != "cpu" and torch.cuda.is_available()
    if use_cuda:
        torch.cuda.set_device(local)
    torch.distributed.init_process_group(backend="nccl" if use_cuda else "gloo")
    return Dist(rank, world, local, local_world)


# ---------------------------------------------------------------------------------------------- state
@dataclass
class RunState:
    global_step: int = 0
    epoch: int = 0                # epochs fully done
    batch_in_epoch: int = 0       # batches done in the current epoch
    epoch_loss_sum: float = 0.0
    epoch_loss_count: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    best: dict[str, Any] | None = None
    training_seconds: float = 0.0


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


def rng_state(device: torch.device) -> dict[str, Any]:
    """Every RNG's state as tensors, numbers and tuples only: what a weights-only checkpoint load accepts
    (numpy's own state tuple holds an ndarray, which it refuses)."""
    kind, keys, pos, has_gauss, cached_gaussian = np.random.get_state()
    state = {"python": random.getstate(),
             "numpy": {"kind": str(kind), "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                       "has_gauss": int(has_gauss), "cached_gaussian": float(cached_gaussian)},
             "torch": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def set_rng_state(state: dict[str, Any], device: torch.device) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    n = state["numpy"]
    np.random.set_state((n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached_gaussian"]))
    torch.set_rng_state(state["torch"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


def head_parameter_ids(model: torch.nn.Module) -> set[int]:
    """The parameters outside the pretrained encoder: the tokens head's scorer, or a sequence classifier's head
    (BERT's `classifier`, MPNet's `classifier.dense` and `classifier.out_proj`); BERT's pretrained pooler is
    part of the encoder."""
    from .token_head import TokenErrorClassifier
    model = unwrap(model)
    encoder = model.encoder if isinstance(model, TokenErrorClassifier) else getattr(model, "base_model", model)
    inside = {id(p) for p in encoder.parameters()}
    return {id(p) for p in model.parameters() if id(p) not in inside}


def param_groups(model: torch.nn.Module, weight_decay: float, lr: float | None = None,
                 head_lr_scale: float = 1.0) -> list[dict[str, Any]]:
    """Decay every weight except biases and normalisation weights. The key is 'weight_decay' — the
    chapter's 'weight_decay_rate' is an unknown key that torch's AdamW silently ignores. With head_lr_scale != 1
    the head's parameters get their own groups at lr * head_lr_scale; the encoder's groups come first, so
    group 0 carries the rate the step events report."""
    head = head_parameter_ids(model) if head_lr_scale != 1.0 else set()
    groups: dict[tuple[bool, bool], list[torch.nn.Parameter]] = {(h, d): [] for h in (False, True) for d in (True, False)}
    norm_types = (torch.nn.LayerNorm, torch.nn.GroupNorm, torch.nn.BatchNorm1d)
    for module in model.modules():
        for name, param in module.named_parameters(recurse=False):
            if not param.requires_grad:
                continue
            is_norm = isinstance(module, norm_types) or "layernorm" in type(module).__name__.lower()
            groups[(id(param) in head, not (name == "bias" or is_norm))].append(param)
    if head and lr is None:
        raise ValueError("param_groups: head_lr_scale needs the base lr")
    out = []
    for (in_head, decay), ps in groups.items():
        if ps or not in_head:
            group: dict[str, Any] = {"params": ps, "weight_decay": weight_decay if decay else 0.0}
            if lr is not None:
                group["lr"] = lr * (head_lr_scale if in_head else 1.0)
            out.append(group)
    return out


def make_optimizer(model: torch.nn.Module, lr: float, weight_decay: float, device: torch.device,
                   head_lr_scale: float = 1.0) -> torch.optim.Optimizer:
    groups = param_groups(model, weight_decay, lr, head_lr_scale)
    try:
        return torch.optim.AdamW(groups, lr=lr, fused=True)
    except (RuntimeError, TypeError, ValueError) as e:  # fused kernels are missing for some devices/builds
        log(f"fused AdamW unavailable on {device.type} ({e}); using the foreach implementation")
        return torch.optim.AdamW(groups, lr=lr)


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    return model.module if hasattr(model, "module") else model


def run_id_for(model_name: str) -> str:
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^a-z0-9]+", "-", Path(model_name.rstrip("/")).name.lower()).strip("-") or "model"
    return f"cola-{slug}-{stamp}"


# ---------------------------------------------------------------------------------------------- checkpoints
def checkpoint_dir(out: Path) -> Path:
    return out.with_name(out.name + ".checkpoint")


CHECKPOINT_MARKER = "state.pt"


def fingerprint(args: RunArguments, precision: str, data: dict[str, str]) -> dict[str, Any]:
    """What must match for a resume to give an uninterrupted run's result: the arguments and the data files' contents."""
    flat = {**args.as_dict()["model"], **args.as_dict()["data"], **args.as_dict()["training"], "precision": precision}
    return {**{k: flat[k] for k in RESUME_KEYS}, "data_sha256": data}


CHECKPOINT_KEYS = ("format", "args", "fingerprint", "model", "optimizer", "scheduler", "scaler", "state", "best_weights", "rng")
# Beyond the tensors' bytes: the zip container's per-tensor records and the pickled numbers (RNG states, history).
CHECKPOINT_OVERHEAD_BYTES = 256 << 10


def tensor_bytes(value: Any) -> int:
    """Bytes of the tensors inside nested dicts, lists and tuples: the bulk of a checkpoint file."""
    if isinstance(value, torch.Tensor):
        return value.numel() * value.element_size()
    if isinstance(value, dict):
        return sum(tensor_bytes(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(tensor_bytes(v) for v in value)
    return 0


def _checkpoint_hint() -> str:
    return (f"free some space there, or choose an {flag('output_dir')} on another disk (the checkpoint is written beside it); "
            f"{flag('no_checkpoint')} trains without checkpoints")


def weights_only_safe(value: Any) -> Any:
    """numpy scalars and arrays (a metric in the history, say) as Python numbers and tensors: the weights-only
    loader refuses numpy objects, so one of them would make the checkpoint unreadable at --resume."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, dict):
        return {k: weights_only_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(weights_only_safe(v) for v in value)
    return value


def save_checkpoint(path: Path, payload: dict[str, Any], rank_rng: list[dict[str, Any]]) -> None:
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    content = weights_only_safe({**payload, "rng": rank_rng})
    needed = tensor_bytes(content) + CHECKPOINT_OVERHEAD_BYTES
    require_space(path.parent, needed, "save the checkpoint", _checkpoint_hint())
    try:
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        # Through our own file object, not a path: torch's C++ file writer reports a full disk only as "unexpected
        # pos" (no errno), and the traceback keeps it, and so the deleted file's space, open until the process exits.
        with open(tmp / CHECKPOINT_MARKER, "wb") as f:
            torch.save(content, f)
        (tmp / "args.json").write_text(json.dumps({"args": payload["args"], "step": payload["state"]["global_step"],
                                                   "epoch": payload["state"]["epoch"]}, indent=2), encoding="utf-8")
    except (OSError, RuntimeError) as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if out_of_space(e):
            raise no_space(path.parent, needed, "save the checkpoint", _checkpoint_hint()) from e
        raise
    replace_dir(tmp, path, CHECKPOINT_MARKER, "cola-bert checkpoint folder")


def _unpickler_complaint(error: Exception) -> str:
    """What torch's weights-only loader refused, without its advice to load with weights_only=False."""
    text = str(error)
    named = re.search(r"GLOBAL ([\w.]+)", text)
    if named:
        return f"it refers to {named.group(1)}"
    detail = text.partition("WeightsUnpickler error:")[2].strip() or text.strip()
    return detail.splitlines()[0] if detail else type(error).__name__


def load_checkpoint(path: Path) -> dict[str, Any]:
    file = path / CHECKPOINT_MARKER
    restart = f"delete {path} and run without --resume"
    if not file.is_file():
        raise TrainerError("checkpoint_invalid", f"no checkpoint to resume from at {path}",
                           hint="run without --resume to start over, or pass the --output-dir of the interrupted run")
    try:
        # weights_only: a checkpoint folder can come from anywhere (a cloned repository ships one as easily as a
        # model), and a full unpickle runs any code the file names, before any check of ours could look at it.
        data = torch.load(file, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        raise TrainerError("checkpoint_invalid", f"{file} was not loaded: {_unpickler_complaint(e)}, and a checkpoint holds only "
                           "tensors, numbers and strings (loading other Python objects can run code)",
                           hint=f"a checkpoint of an older cola-bert (format 1) or of another program cannot be resumed: {restart}") from e
    except Exception as e:
        raise TrainerError("checkpoint_invalid", f"cannot read checkpoint {file}: {_unpickler_complaint(e)}", hint=restart) from e
    if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise TrainerError("checkpoint_invalid", f"{file} has checkpoint format {found!r}, expected {CHECKPOINT_FORMAT}", hint=restart)
    missing = [k for k in CHECKPOINT_KEYS if k not in data]
    if missing:
        raise TrainerError("checkpoint_invalid", f"{file} lacks {', '.join(missing)}", hint=restart)
    return data


# ---------------------------------------------------------------------------------------------- evaluation
@dataclass
class Encoded:
    ids: list[list[int]]
    labels: np.ndarray
    lengths: np.ndarray
    # Per-token targets of the tokens head (token_head.token_labels); None per row without a known error position.
    token_labels: list[list[int] | None] | None = None


def encode(tokenizer, examples: list[Example], max_length: int, with_token_labels: bool = False) -> Encoded:
    enc = tokenizer([e.sentence for e in examples], truncation=True, max_length=max_length,
                    return_offsets_mapping=with_token_labels)
    ids = enc["input_ids"]
    token_targets = None
    if with_token_labels:
        token_targets = [token_labels(offsets, e.error_span) for offsets, e in zip(enc["offset_mapping"], examples, strict=True)]
    return Encoded(ids, np.array([e.label for e in examples], dtype=np.int64), np.array([len(x) for x in ids], dtype=np.int64),
                   token_targets)


def autocast_for(device: torch.device, precision: str):
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16 if precision == "bf16" else torch.float16)


def batch_loss(model: torch.nn.Module, collate: batching.Collator, data: Encoded, idx: np.ndarray, device: torch.device,
               precision: str) -> torch.Tensor:
    """Cross-entropy of one training batch (rows `idx` of `data`), forward pass under autocast."""
    batch = collate([data.ids[i] for i in idx], data.labels[idx].tolist())
    batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
    labels = batch.pop("labels")
    with autocast_for(device, precision):
        out = model(**batch)
    loss = F.cross_entropy(out.logits.float(), labels)
    if data.token_labels is not None and getattr(out, "token_logits", None) is not None:
        targets = torch.full(batch["input_ids"].shape, IGNORE, dtype=torch.long)
        for row, i in enumerate(idx):
            if data.token_labels[i] is not None:
                targets[row, :len(data.token_labels[i])] = torch.tensor(data.token_labels[i], dtype=torch.long)
        loss = loss + TOKEN_LOSS_WEIGHT * token_loss(out.token_logits, targets.to(device, non_blocking=True))
    return loss


@torch.no_grad()
def evaluate(model: torch.nn.Module, data: Encoded, collate: batching.Collator, device: torch.device, precision: str,
             should_stop: Callable[[], bool] | None = None) -> dict[str, Any]:
    """Loss, accuracy, MCC and confusion over `data`; raises Cancelled between batches once `should_stop()` holds
    (a large model's validation on a CPU takes long enough for a cancel to wait on it)."""
    was_training = model.training
    model.eval()
    order = np.argsort(-data.lengths, kind="stable")
    preds = np.zeros(len(order), dtype=np.int64)
    all_logits = np.zeros((len(order), 2), dtype=np.float32)
    loss_sum = 0.0
    for start in range(0, len(order), EVAL_BATCH):
        if should_stop is not None and should_stop():
            model.train(was_training)
            raise Cancelled
        idx = order[start:start + EVAL_BATCH]
        batch = collate([data.ids[i] for i in idx], data.labels[idx].tolist())
        batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
        labels = batch.pop("labels")
        with autocast_for(device, precision):
            logits = model(**batch).logits
        logits = logits.float()
        loss_sum += float(F.cross_entropy(logits, labels, reduction="sum"))
        all_logits[idx] = logits.cpu().numpy()
        preds[idx] = all_logits[idx].argmax(-1)
    model.train(was_training)
    c = confusion(data.labels, preds)
    return {"loss": loss_sum / max(1, len(order)), "accuracy": accuracy(data.labels, preds), "mcc": mcc_from_confusion(c),
            "confusion": c, "n": int(len(order)), "logits": all_logits}


# ---------------------------------------------------------------------------------------------- the run
class Cancelled(Exception):
    pass


# Autocast trains on fp32 master weights, and those are what the ONNX export gets; scoring them under bf16 autocast
# gave a holdout MCC 0.0064 away from model.onnx's (issue 16). So the holdout runs in fp32 and describes the exported
# model.
EXPORTED_PRECISION = "fp32"


def scoring_precision(device: torch.device, precision: str) -> str:
    """Precision of the calibration and prose-test scoring after training. On a CPU that trains in bf16, bf16: the
    ~8,000 prose sentences took 424 CPU-s in fp32 against ~150 in bf16 for the base encoder, most of the demo's
    budget, and the editor runs the int8 file, whose scores differ from fp32's more than bf16's do (docs/trainer.md).
    Elsewhere fp32, like the holdout."""
    return "bf16" if device.type == "cpu" and precision == "bf16" else EXPORTED_PRECISION


def _model_inputs(model: torch.nn.Module, tokenizer) -> list[str]:
    params = inspect.signature(model.encoder.forward if isinstance(model, TokenErrorClassifier) else model.forward).parameters
    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in params and "token_type_ids" in getattr(tokenizer, "model_input_names", ["token_type_ids"]):
        names.append("token_type_ids")
    return names


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return cpu_name()


@dataclass
class _Clock:
    """`start`: when train() began (every elapsed_s). A session is this process's share of the training: a resume
    adds the `earlier` sessions' seconds, and `eval_seconds` (validation) is left out of samples/s and the ETA."""
    start: float
    session_start: float = 0.0
    earlier: float = 0.0
    eval_seconds: float = 0.0

    def begin_session(self, earlier: float) -> None:
        self.session_start, self.earlier = time.monotonic(), earlier

    def training_seconds(self) -> float:
        return self.earlier + (time.monotonic() - self.session_start)


@dataclass
class _Output:
    choice: ModelChoice
    out: Path  # the model folder; its run id is its name, its checkpoint sits beside it

    @property
    def checkpoint(self) -> Path:
        return checkpoint_dir(self.out)


@dataclass
class _Data:
    folder: Path
    cola: ColaData
    prose: ProseData
    taught: Feedback | None  # --feedback FILE (feedback.py)
    sha256: dict[str, str]  # every data file's digest: part of the resume fingerprint


@dataclass
class _Encodings:
    train: Encoded  # CoLA's training rows, then prose's, then the feedback's
    validation: Encoded
    holdout: Encoded
    prose_validation: Encoded
    prose_test: Encoded
    prose_calibration: Encoded | None  # scored once, after training (quality.CALIBRATION_PROSE); None without prose in the mix


@dataclass
class _Net:
    model: torch.nn.Module
    tokenizer: Any
    inputs: list[str]  # the exported ONNX inputs
    collate: batching.Collator
    enc: _Encodings
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    scaler: torch.amp.GradScaler | None  # fp16 only
    steps_per_epoch: int
    total_steps: int
    warmup_steps: int
    train_model: torch.nn.Module  # `model`, or its DistributedDataParallel wrapper


@dataclass
class _Run:
    """What the phases of one run share. The phases before the loop build it; the loop changes only `state`,
    `best_weights`, `last_checkpoint` and `agreed_cancel`."""
    args: RunArguments
    proto: Protocol
    cancel: CancelFlag
    dist: Dist
    clock: _Clock
    device: torch.device
    precision: str
    output: _Output
    data: _Data
    net: _Net
    state: RunState = field(default_factory=RunState)
    best_weights: dict[str, torch.Tensor] | None = None  # the best-validation epoch's, on the CPU
    # That epoch's CoLA validation logits in the training precision: a CoLA-only calibration reuses them when it
    # scores in that precision too (not kept in checkpoints: a resumed run scores them again).
    best_cola_val_logits: np.ndarray | None = None
    last_checkpoint: str | None = None
    agreed_cancel: bool = False  # under DDP: whether any rank was asked to cancel, as of the last step
    step_delay: float = 0.0  # seconds after each step: COLA_TRAINER_STEP_DELAY, a test hook (_begin_session)

    def stop_requested(self) -> bool:
        # Under DDP every rank must stop at the same step, so only the value all ranks agreed on counts.
        return self.agreed_cancel if self.dist.enabled else self.cancel.is_set()

    @property
    def best_epoch(self) -> int:
        return self.state.best["epoch"] if self.state.best else self.args.training.epochs


def train(args: RunArguments, proto: Protocol, cancel: CancelFlag, dist: Dist) -> int:
    """One fine-tuning run, phase by phase. Returns the exit code: 0 (trained), EXIT_CANCELLED."""
    clock = _Clock(start=time.monotonic())
    device, precision = _prepare_device(args.training, dist)
    output = _resolve_output(args, proto, cancel, dist)
    if output is None:  # cancelled while fetching the encoder
        return EXIT_CANCELLED
    data = _load_data(args, dist)
    net = _build_model(args, device, precision, dist, output.choice, data)
    run = _Run(args, proto, cancel, dist, clock, device, precision, output, data, net)
    _restore(run)
    _distribute(run)
    _announce(run)
    reporter = _begin_session(run)
    try:
        for epoch in range(run.state.epoch, args.training.epochs):
            epoch_started = time.monotonic()
            _train_epoch(run, epoch, reporter)
            _validate_epoch(run, epoch, epoch_started)
            if not args.training.no_checkpoint:
                run.last_checkpoint = _checkpoint(run)
            if run.stop_requested() and epoch + 1 < args.training.epochs:
                raise Cancelled
    except Cancelled:
        return _cancelled(run, reporter)
    return _finish(run)


# ---------------------------------------------------------------------------------------------- before training
def _prepare_device(targs: TrainingArguments, dist: Dist) -> tuple[torch.device, str]:
    device_kind = choose_device(targs.device)
    device = torch.device(f"cuda:{dist.local_rank}" if device_kind == "cuda" and dist.enabled else device_kind)
    precision = choose_precision(targs.precision, device_kind)
    if device.type == "cpu":
        threads = training_threads(dist.local_world_size)
        torch.set_num_threads(threads)
        log(f"CPU threads: {threads} of {cpu_threads()} (1-minute load average {os.getloadavg()[0]:.1f}; "
            f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'default')})")
    else:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    return device, precision


def _resolve_output(args: RunArguments, proto: Protocol, cancel: CancelFlag, dist: Dist) -> _Output | None:
    """The model to start from and the folders to write, refused before any training when unusable; None when the
    encoder's download was cancelled."""
    choice = _choose_model(args, proto, cancel)
    if choice is None:
        return None
    out = _output_folder(args.training, choice, dist)
    _refuse_unusable_folders(args.training, out, dist)
    return _Output(choice, out)


def _choose_model(args: RunArguments, proto: Protocol, cancel: CancelFlag) -> ModelChoice | None:
    targs = args.training
    try:
        choice = resolve_model(args.model.model, progress=lambda **fields: proto.emit("fetch", **fields), should_stop=cancel.is_set)
    except FetchCancelled:
        log("cancelled while fetching the encoder; nothing was cached")
        proto.emit("cancelled", step=0, checkpoint=None)
        return None
    if targs.learning_rate is None:  # resolved before anything records it: checkpoints, events, metadata
        targs.learning_rate = default_learning_rate(choice.base_model)
        log(f"learning rate {targs.learning_rate:g} (the default for {choice.base_model}; --learning-rate overrides it)")
    if args.model.head == "auto":  # resolved before anything records it, like the learning rate
        own = folder_head(choice.resolved)
        args.model.head = own or "sentence"
        source = "the model folder's own" if own else "the default"
        log(f"head {args.model.head} ({source}; --head overrides it)")
    if choice.requested == "auto" and choice.base_model != "bert-base-uncased":
        log(f"model 'auto' resolved to {choice.resolved}")
    return choice


def _output_folder(targs: TrainingArguments, choice: ModelChoice, dist: Dist) -> Path:
    """--output-dir; else, with --resume, the newest interrupted run in models/; else a new models/<run id>. Rank 0
    decides (the default name holds a timestamp); the other ranks take its answer."""
    if targs.output_dir:
        out = Path(targs.output_dir).expanduser().resolve()
    elif targs.resume:
        candidates = sorted(Path("models").glob("*.checkpoint"), key=lambda p: p.stat().st_mtime)
        if not candidates:
            raise TrainerError("checkpoint_invalid", "--resume without --output-dir: no models/*.checkpoint found",
                               hint="pass --output-dir of the interrupted run")
        out = candidates[-1].with_name(candidates[-1].name[: -len(".checkpoint")]).resolve()
    else:
        out = (Path("models") / run_id_for(choice.base_model)).resolve()
    if dist.enabled:
        shared = [str(out)]
        torch.distributed.broadcast_object_list(shared, src=0)
        out = Path(shared[0])
    return out


def _refuse_unusable_folders(targs: TrainingArguments, out: Path, dist: Dist) -> None:
    ckpt_path = checkpoint_dir(out)
    if targs.resume and not (ckpt_path / CHECKPOINT_MARKER).is_file():
        if (out / MODEL_MARKER).is_file():  # the checkpoint is removed once the model is exported
            raise TrainerError("checkpoint_invalid", f"nothing to resume: the run finished and its model is in {out}",
                               hint="use that model; a run without --resume trains again and replaces it")
        raise TrainerError("checkpoint_invalid", f"no checkpoint to resume from at {ckpt_path}",
                           hint="run without --resume to start over, or pass the --output-dir of the interrupted run")
    if dist.main:  # before any training: a run must not end by refusing (or deleting) the user's folder
        if not targs.no_export:
            check_replaceable(out, MODEL_MARKER, "cola-bert model folder")
        if not targs.no_checkpoint:
            check_replaceable(ckpt_path, CHECKPOINT_MARKER, "cola-bert checkpoint folder")
        check_writable(out)
        remove_stale_temporaries(out)


def _load_data(args: RunArguments, dist: Dist) -> _Data:
    """CoLA (rank 0 downloads it first if needed), the prose sets, the writer's feedback, and their digests."""
    if dist.main:
        folder = resolve_data_dir(args.data.data_dir)
    dist.barrier()
    if not dist.main:
        folder = resolve_data_dir(args.data.data_dir, allow_download=False)
    seed = args.training.seed
    cola: ColaData = load_cola(folder, args.data.validation_fraction, seed, args.data.max_train, args.data.max_eval)
    prose = load_prose(args.data, len(cola.train), seed)
    taught = load_feedback(args.data, args.model.model, args.model.max_length)  # --feedback FILE (feedback.py), else None
    sha256 = {**data_fingerprint(folder), "prose": prose.sha256, **(taught.fingerprint if taught else {})}
    log(f"data from {folder}: train {len(cola.train)}, validation {len(cola.validation)}, holdout {len(cola.holdout)} "
        "(stratified seeded split of in_domain_train.tsv; holdout = out_of_domain_dev.tsv)")
    return _Data(folder, cola, prose, taught, sha256)


def _build_model(args: RunArguments, device: torch.device, precision: str, dist: Dist, choice: ModelChoice, data: _Data) -> _Net:
    """Model, tokenizer, collator, the encoded sets, optimizer, learning-rate schedule and (fp16) gradient scaler."""
    targs = args.training
    seed_everything(targs.seed)  # before the model: the new classifier head is initialised from it
    model, tokenizer = load_model_and_tokenizer(choice, args.model.head)
    inputs = _model_inputs(model, tokenizer)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    on_gpu = device.type == "cuda"
    collate = batching.Collator(pad_id, "token_type_ids" in inputs, multiple_of=16 if on_gpu else 1,
                                max_width=getattr(model.config, "max_position_embeddings", None), pin=on_gpu)
    enc = _encode_sets(args, tokenizer, data)
    log(f"mean tokens per training sentence: {enc.train.lengths.mean():.1f} (max {enc.train.lengths.max()}); "
        "batches are padded to their own longest sentence")
    dropped = keep_lower_layers(model, args.model.keep_layers)
    if dropped:
        log(f"kept the lowest {args.model.keep_layers} transformer layers, dropped the {dropped} above them")
    frozen = freeze_lower_layers(model, args.model.freeze_layers)
    if frozen:
        log(f"froze the embeddings and the lowest {args.model.freeze_layers} layers: {frozen:,} of "
            f"{sum(p.numel() for p in model.parameters()):,} parameters")
    model.to(device)
    optimizer = make_optimizer(model, targs.learning_rate, targs.weight_decay, device, targs.head_lr_scale)
    steps_per_epoch = batching.steps_per_epoch(len(enc.train.ids), targs.batch_size, dist.world_size)
    if steps_per_epoch < 1 or len(enc.train.ids) < dist.world_size:
        raise TrainerError("bad_arguments", f"only {len(enc.train.ids)} training rows: too few for one step on "
                                            f"{dist.world_size} process(es)")
    total_steps = steps_per_epoch * targs.epochs
    warmup_steps = int(math.ceil(targs.warmup_ratio * total_steps))
    from transformers import get_linear_schedule_with_warmup
    scheduler = get_linear_schedule_with_warmup(optimizer, warmup_steps, total_steps)
    scaler = torch.amp.GradScaler("cuda") if precision == "fp16" else None
    return _Net(model, tokenizer, inputs, collate, enc, optimizer, scheduler, scaler, steps_per_epoch, total_steps, warmup_steps,
                train_model=model)


def _encode_sets(args: RunArguments, tokenizer, data: _Data) -> _Encodings:
    max_length, prose, taught = args.model.max_length, data.prose, data.taught
    train_rows = data.cola.train + prose.train.examples + (taught.training_examples if taught else [])
    train_enc = encode(tokenizer, train_rows, max_length, with_token_labels=args.model.head == "tokens")
    prose_val_enc = encode(tokenizer, prose.validation.examples, max_length)
    prose_test_enc = encode(tokenizer, prose.test.examples, max_length)
    return _Encodings(train=train_enc, validation=encode(tokenizer, data.cola.validation, max_length),
                      holdout=encode(tokenizer, data.cola.holdout, max_length),
                      prose_validation=prose_val_enc, prose_test=prose_test_enc,
                      prose_calibration=encode(tokenizer, prose.calibration.examples, max_length) if prose.calibration.examples else None)


def _restore(run: _Run) -> None:
    """--resume: model, optimizer, schedule, scaler, loop state and RNGs from the checkpoint, refused when it was
    made with other arguments or data."""
    if not run.args.training.resume:
        return
    ckpt_path, net, dist = run.output.checkpoint, run.net, run.dist
    saved = load_checkpoint(ckpt_path)
    _refuse_another_runs_checkpoint(saved["fingerprint"], fingerprint(run.args, run.precision, run.data.sha256), run.data)
    net.model.load_state_dict(saved["model"])
    net.optimizer.load_state_dict(saved["optimizer"])
    net.scheduler.load_state_dict(saved["scheduler"])
    if net.scaler is not None and saved.get("scaler"):
        net.scaler.load_state_dict(saved["scaler"])
    run.state = RunState(**saved["state"])
    run.best_weights = saved.get("best_weights")
    rngs = saved["rng"]
    if len(rngs) != dist.world_size:
        log(f"WARNING: checkpoint written by {len(rngs)} process(es), resuming with {dist.world_size}: "
            "the data sharding and dropout differ from an uninterrupted run")
    set_rng_state(rngs[dist.rank % len(rngs)], run.device)
    run.last_checkpoint = str(ckpt_path)
    log(f"resumed from {ckpt_path} at step {run.state.global_step} (epoch {run.state.epoch + 1}, batch {run.state.batch_in_epoch})")


def _refuse_another_runs_checkpoint(saved: dict[str, Any], want: dict[str, Any], data: _Data) -> None:
    if saved == want:
        return
    diffs = [f"{k}: checkpoint {saved.get(k)!r}, now {want[k]!r}" for k in want if k != "data_sha256" and saved.get(k) != want[k]]
    if saved.get("data_sha256") != data.sha256:
        changed = [k for k in data.sha256 if saved.get("data_sha256", {}).get(k) != data.sha256[k]]
        diffs.append(f"these data files differ from the ones the checkpoint was trained on: {', '.join(changed)} (in {data.folder})")
    raise TrainerError("checkpoint_invalid", "the checkpoint was made with other arguments (" + "; ".join(diffs) + ")",
                       hint="resume with the same arguments, or start over without --resume")


def _distribute(run: _Run) -> None:
    if run.dist.enabled:
        run.net.train_model = torch.nn.parallel.DistributedDataParallel(
            run.net.model, device_ids=[run.dist.local_rank] if run.device.type == "cuda" else None)


def _announce(run: _Run) -> None:
    """The started event, then a warning for every set that holds one class only."""
    args, net, enc, cola = run.args, run.net, run.net.enc, run.data.cola
    targs = args.training
    run.proto.emit("started", run_id=run.output.out.name, model=run.output.choice.requested, model_resolved=run.output.choice.resolved,
                   parameters=sum(p.numel() for p in net.model.parameters()), device=run.device.type,
                   device_name=_device_name(run.device), precision=run.precision, world_size=run.dist.world_size,
                   train_size=len(enc.train.ids), validation_size=len(enc.validation.ids), holdout_size=len(enc.holdout.ids),
                   epochs=targs.epochs, batch_size=targs.batch_size, learning_rate=targs.learning_rate,
                   head_lr_scale=targs.head_lr_scale, warmup_steps=net.warmup_steps, max_length=args.model.max_length,
                   steps_per_epoch=net.steps_per_epoch,
                   total_steps=net.total_steps, start_step=run.state.global_step, seed=targs.seed, output_dir=str(run.output.out))
    for message in single_class_warnings({"training": cola.train + run.data.prose.train.examples, "validation": cola.validation,
                                          "holdout": cola.holdout}):
        log(f"WARNING: {message}")
        run.proto.emit("warning", code="single_class", message=message)


# ---------------------------------------------------------------------------------------------- the loop
class StepReporter:
    """Step events, one step late: reading a step's loss (.item()) waits for the device, so it is read once the next
    step is queued and a GPU never stalls on it. Adds each loss to the epoch's sum (its train_loss)."""

    def __init__(self, proto: Protocol, state: RunState, clock: _Clock, total_steps: int):
        self._proto, self._state, self._clock, self._total_steps = proto, state, clock, total_steps
        self._pending: tuple | None = None
        self._session_steps = 0
        self._session_samples = 0

    def step_done(self, step: int, epoch_no: int, loss: torch.Tensor, grad_norm: torch.Tensor | None, lr: float, samples: int) -> None:
        """Takes a finished step (loss and norm still on the device) and reports the one before it."""
        self._session_steps += 1
        self._session_samples += samples
        self.flush()
        self._pending = (step, epoch_no, loss, grad_norm, lr, self._session_samples)

    def flush(self) -> None:
        if self._pending is None:
            return
        step, epoch_no, loss_t, norm_t, lr, samples_done = self._pending
        self._pending = None
        loss = float(loss_t)
        if not math.isfinite(loss):
            raise TrainerError("internal", f"the training loss became {loss} at step {step}",
                               hint="lower --learning-rate, or use --precision fp32")
        self._state.epoch_loss_sum += loss
        self._state.epoch_loss_count += 1
        now = time.monotonic()
        spent = max(1e-9, now - self._clock.session_start - self._clock.eval_seconds)
        per_step = spent / max(1, self._session_steps)
        event = {"epoch": epoch_no, "step": step, "total_steps": self._total_steps, "loss": loss, "lr": lr,
                 "samples_per_second": samples_done / spent, "elapsed_s": now - self._clock.start,
                 "eta_s": per_step * (self._total_steps - step)}
        if norm_t is not None:
            norm = float(norm_t)
            if math.isfinite(norm):
                event["grad_norm"] = norm
        self._proto.emit("step", **event)


def _begin_session(run: _Run) -> StepReporter:
    run.clock.begin_session(earlier=run.state.training_seconds)
    # Test hook: a pause after every step lets tests cancel a tiny model mid-epoch. No effect on results.
    run.step_delay = float(os.environ.get("COLA_TRAINER_STEP_DELAY", "0") or 0)
    run.net.train_model.train()
    return StepReporter(run.proto, run.state, run.clock, run.net.total_steps)


def _train_epoch(run: _Run, epoch: int, reporter: StepReporter) -> None:
    """The epoch's batches from state.batch_in_epoch on (0 unless resumed mid-epoch); raises Cancelled before a step."""
    targs, dist, state = run.args.training, run.dist, run.state
    batches = batching.epoch_batches(run.net.enc.train.lengths, targs.batch_size, targs.seed, epoch, dist.world_size)
    for b in range(state.batch_in_epoch, len(batches)):
        if run.stop_requested():
            raise Cancelled
        loss, grad_norm, lr = _train_step(run, batching.shard(batches[b], dist.rank, dist.world_size))
        state.global_step += 1
        state.batch_in_epoch = b + 1
        reporter.step_done(state.global_step, epoch + 1, loss, grad_norm, lr, len(batches[b]))
        if run.step_delay:
            time.sleep(run.step_delay)
    reporter.flush()


def _train_step(run: _Run, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor | None, float]:
    """One optimizer step on training rows `idx`. Returns the loss (the mean over ranks) and the gradient norm, both
    unread on the device, and the learning rate the step used."""
    net, max_grad_norm = run.net, run.args.training.max_grad_norm
    loss = batch_loss(net.train_model, net.collate, net.enc.train, idx, run.device, run.precision)
    if net.scaler is not None:
        net.scaler.scale(loss).backward()
        net.scaler.unscale_(net.optimizer)
    else:
        loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(net.model.parameters(), max_grad_norm) if max_grad_norm > 0 else None
    if net.scaler is not None:
        net.scaler.step(net.optimizer)
        net.scaler.update()
    else:
        net.optimizer.step()
    lr = net.scheduler.get_last_lr()[0]
    net.scheduler.step()
    net.optimizer.zero_grad(set_to_none=True)
    loss_t = _agree_across_ranks(run, loss.detach())
    return loss_t, None if norm is None else norm.detach(), lr


def _agree_across_ranks(run: _Run, loss: torch.Tensor) -> torch.Tensor:
    """Under DDP, one collective carries the mean loss and whether any rank was asked to cancel."""
    if not run.dist.enabled:
        return loss
    packed = torch.stack([loss.float(), torch.tensor(float(run.cancel.is_set()), device=run.device)])
    torch.distributed.all_reduce(packed)
    mean_loss = packed[0] / run.dist.world_size
    run.agreed_cancel = float(packed[1]) > 0
    if run.agreed_cancel and not run.cancel.is_set():
        run.cancel.set("another process")
    return mean_loss


def _validate_epoch(run: _Run, epoch: int, epoch_started: float) -> None:
    """Validation after epoch `epoch` (0-based): the evaluation event and log line, the best weights so far, the
    history row; then the state says the epoch is done."""
    targs, state, net, prose = run.args.training, run.state, run.net, run.data.prose
    eval_started = time.monotonic()
    # A cancel stops validation too, except after the last epoch (then the run finishes with a model)
    # and under DDP (ranks agree on stopping only at training steps).
    stop_validation = None if run.dist.enabled or epoch + 1 == targs.epochs else run.cancel.is_set
    val = evaluate(net.model, net.enc.validation, net.collate, run.device, run.precision, stop_validation)
    prose_fields = prose_epoch_fields(prose.validation, evaluate(net.model, net.enc.prose_validation, net.collate, run.device,
                                                                  run.precision, stop_validation)["logits"])
    train_loss = state.epoch_loss_sum / max(1, state.epoch_loss_count)
    score = selection_score(val["mcc"], prose_fields["prose_val_mcc"] if prose.in_mix else None)
    is_best = state.best is None or score > state.best.get("score", state.best["mcc"])
    if is_best:
        state.best = {"epoch": epoch + 1, "mcc": val["mcc"], "accuracy": val["accuracy"], "loss": val["loss"], "score": score}
        run.best_weights = {k: v.detach().to("cpu", copy=True) for k, v in net.model.state_dict().items()}
        run.best_cola_val_logits = val["logits"]
    state.history.append({"epoch": epoch + 1, "train_loss": train_loss, "val_loss": val["loss"],
                          "val_accuracy": val["accuracy"], "val_mcc": val["mcc"], **prose_fields})
    run.proto.emit("evaluation", epoch=epoch + 1, step=state.global_step, train_loss=train_loss, val_loss=val["loss"],
                   val_accuracy=val["accuracy"], val_mcc=val["mcc"], confusion=val["confusion"], best=is_best, **prose_fields,
                   epoch_seconds=time.monotonic() - epoch_started, elapsed_s=time.monotonic() - run.clock.start)
    log(f"epoch {epoch + 1}/{targs.epochs}: train loss {train_loss:.4f}, validation loss {val['loss']:.4f}, "
        f"accuracy {val['accuracy']:.4f}, MCC {val['mcc']:.4f}; prose validation MCC {prose_fields['prose_val_mcc']:.4f}, "
        f"clean flagged {prose_fields['prose_val_clean_flagged']:.1%}{' (best so far)' if is_best else ''}")
    state.epoch, state.batch_in_epoch = epoch + 1, 0
    state.epoch_loss_sum, state.epoch_loss_count = 0.0, 0
    run.clock.eval_seconds += time.monotonic() - eval_started


def _checkpoint(run: _Run) -> str:
    """Writes the resumable checkpoint (rank 0, with every rank's RNG state) and returns its path."""
    dist, net, ckpt_path = run.dist, run.net, run.output.checkpoint
    run.state.training_seconds = run.clock.training_seconds()
    rng_all = [rng_state(run.device)]
    if dist.enabled:
        gathered: list[Any] = [None] * dist.world_size
        torch.distributed.all_gather_object(gathered, rng_all[0])
        rng_all = gathered
    if dist.main:
        save_checkpoint(ckpt_path, {
            "format": CHECKPOINT_FORMAT, "args": run.args.as_dict(), "fingerprint": fingerprint(run.args, run.precision, run.data.sha256),
            "model": net.model.state_dict(), "optimizer": net.optimizer.state_dict(), "scheduler": net.scheduler.state_dict(),
            "scaler": net.scaler.state_dict() if net.scaler is not None else None,
            "state": run.state.__dict__, "best_weights": run.best_weights,
        }, rng_all)
        run.proto.emit("checkpoint", epoch=run.state.epoch, step=run.state.global_step, path=str(ckpt_path))
    dist.barrier()
    return str(ckpt_path)


def _cancelled(run: _Run, reporter: StepReporter) -> int:
    """Reports the last step, checkpoints progress the last checkpoint lacks, and says where it is."""
    reporter.flush()
    state = run.state
    if state.global_step > 0 and not run.args.training.no_checkpoint and (run.last_checkpoint is None or state.batch_in_epoch > 0):
        run.last_checkpoint = _checkpoint(run)
    run.proto.emit("cancelled", step=state.global_step, checkpoint=run.last_checkpoint)
    return EXIT_CANCELLED


# ---------------------------------------------------------------------------------------------- after training
def _finish(run: _Run) -> int:
    """With the best epoch's weights: holdout, calibration and quality, then (rank 0) the model folder and done."""
    if run.cancel.is_set():
        log("training is complete: finishing the holdout evaluation and the export, so the run ends with a model")
    run.state.training_seconds = run.clock.training_seconds()
    if run.best_weights is not None:
        run.net.model.load_state_dict(run.best_weights)
    hold = _holdout(run)
    calibration, quality = _quality(run, hold)
    if run.dist.main:
        _export(run, hold, calibration, quality)
    run.dist.barrier()
    return 0


def _holdout(run: _Run) -> dict[str, Any]:
    hold = evaluate(run.net.model, run.net.enc.holdout, run.net.collate, run.device, EXPORTED_PRECISION)
    run.proto.emit("holdout", n=hold["n"], mcc=hold["mcc"], accuracy=hold["accuracy"], loss=hold["loss"], best_epoch=run.best_epoch,
                   confusion=hold["confusion"])
    log(f"holdout ({hold['n']} sentences, epoch {run.best_epoch} weights): MCC {hold['mcc']:.4f}, accuracy {hold['accuracy']:.4f}")
    return hold


def _quality(run: _Run, hold: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Calibration on the validation logits, then the held-out report (prose test, CoLA holdout, feedback) with it."""
    net, data = run.net, run.data
    precision = scoring_precision(run.device, run.precision)

    def logits(enc: Encoded) -> np.ndarray:
        return evaluate(net.model, enc, net.collate, run.device, precision)["logits"]

    prose_cal = net.enc.prose_calibration
    # CoLA's validation logits calibrate only a CoLA-only run; the best epoch's serve when the precisions match.
    if data.prose.in_mix:
        cola_val_logits = np.zeros((0, 2), dtype=np.float32)
    elif run.best_cola_val_logits is not None and precision == run.precision:
        cola_val_logits = run.best_cola_val_logits
    else:
        cola_val_logits = logits(net.enc.validation)
    calibration = calibrate(data.prose, data.cola.validation, cola_val_logits,
                            logits(prose_cal) if prose_cal is not None else np.zeros((0, 2), dtype=np.float32))
    calibration["scored_in"] = precision
    quality = quality_report(data.prose, calibration, logits(net.enc.prose_test), data.cola.holdout, hold["logits"],
                             run.args.data.data_mix)
    if data.taught:  # accuracy on the feedback sentences, exported weights with their calibration (feedback.py)
        quality["feedback"] = data.taught.report(logits(encode(net.tokenizer, data.taught.examples, run.args.model.max_length)),
                                                 calibration)
    run.proto.emit("quality", calibration=calibration, **quality)
    pt = quality["prose_test"]
    log(f"calibration ({calibration['method']}): temperature {calibration['temperature']:.3f}, bias {calibration['bias']:+.3f}, "
        f"threshold {calibration['threshold']:.3f} "
        f"(validation ECE {calibration['ece_before']:.4f} -> {calibration['ece_after']:.4f})")
    log(f"prose test documents ({pt['n_clean']} clean + {pt['n_corrupted']} corrupted): clean flagged {pt['clean_flagged']:.1%}, "
        f"detection MCC {pt['mcc']:.4f}, ECE {pt['ece']:.4f}; per type: "
        + ", ".join(f"{t} {m['mcc']:.2f}" for t, m in pt["per_type"].items()))
    return calibration, quality


def _export(run: _Run, hold: dict[str, Any], calibration: dict[str, Any], quality: dict[str, Any]) -> None:
    """The model folder (unless --no-export; its checkpoint is then removed), and the done event."""
    out, cola = run.output.out, run.data.cola
    metadata = _metadata(run, hold, calibration, quality)
    if not run.args.training.no_export:
        exported = export_model_folder(run.net.model, run.net.tokenizer, out, run.net.inputs, metadata,
                                       int8=not run.args.training.no_int8, holdout=[(e.sentence, e.label) for e in cola.holdout])
        shutil.rmtree(run.output.checkpoint, ignore_errors=True)
        run.proto.emit("exported", **exported)
    run.proto.emit("done", output_dir=str(out), holdout_mcc=hold["mcc"], elapsed_s=time.monotonic() - run.clock.start)


def _metadata(run: _Run, hold: dict[str, Any], calibration: dict[str, Any], quality: dict[str, Any]) -> dict[str, Any]:
    """cola-bert.json's content beside what export.py adds (docs/architecture.md, protocol/modelFolder.schema.json)."""
    args, state, enc, prose = run.args, run.state, run.net.enc, run.data.prose
    return {
        "base_model": run.output.choice.base_model, "model_resolved": run.output.choice.resolved, "labels": ["unacceptable", "acceptable"],
        "max_length": args.model.max_length, "head": args.model.head, "hyperparameters": args.hyperparameters(),
        "best_epoch": run.best_epoch,
        "metrics": {"validation": {k: state.best[k] for k in ("mcc", "accuracy", "loss")} if state.best else None,
                    "holdout": {k: hold[k] for k in ("n", "mcc", "accuracy", "confusion")},
                    "epochs": state.history},
        "device": run.device.type, "device_name": _device_name(run.device), "precision": run.precision,
        "world_size": run.dist.world_size, "training_seconds": round(state.training_seconds, 3),
        "versions": library_versions(),
        "data": {"folder": str(run.data.folder), "train": len(enc.train.ids), "validation": len(enc.validation.ids),
                 "holdout": len(enc.holdout.ids), "split": "stratified by label, seeded", "mix": args.data.data_mix,
                 "prose_train": len(prose.train), "prose_ratio": args.data.prose_ratio if prose.in_mix else None,
                 "corruption_weights": args.data.corruption_weights if prose.in_mix else None,
                 "prose_train_types": dict(sorted(Counter(t for t in prose.train.error_types if t != CLEAN).items())),
                 "prose_validation": len(prose.validation), "prose_calibration": len(prose.calibration), "prose_test": len(prose.test),
                 "prose_split": "by document, fixed seed (trainer/cola_trainer/prose_corpus.py)"},
        "calibration": calibration,
        "quality": quality,
    }
