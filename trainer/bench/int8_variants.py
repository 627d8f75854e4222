"""How int8 variants of an exported model compare with its fp32 model.onnx on the CoLA holdout: MCC when the
holdout is run in batches of 32 in three orders (document order, length-sorted, shuffled), how far one
sentence's P(acceptable) moves between those orders, label agreement with fp32, and single-thread speed on
length-sorted batches of training sentences. Dynamic quantization (what the export ships) scales activations
per batch, so its scores depend on batch neighbours; static QDQ and MatMulNBits do not. docs/benchmarks.md
holds a run and what was chosen.

    python trainer/bench/int8_variants.py [--model models/all-minilm-l6-v2-cola] [--data-dir DIR] [--sentences 1968]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TRAINER = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TRAINER))

from cola_trainer.data import Example, load_cola  # noqa: E402
from cola_trainer.export import fp32_matmuls  # noqa: E402
from cola_trainer.metrics import mcc  # noqa: E402

BATCH = 32


def main() -> None:
    root = TRAINER.parent
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=str(root / "models" / "all-minilm-l6-v2-cola"))
    p.add_argument("--data-dir", default=os.environ.get("COLA_DIR", str(root.parent / "shared" / "datasets" / "cola" / "raw")))
    p.add_argument("--sentences", type=int, default=1968, help="training sentences timed per variant")
    p.add_argument("--reps", type=int, default=3)
    a = p.parse_args()

    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer
    from onnxruntime.quantization.shape_inference import quant_pre_process
    from tokenizers import Tokenizer

    model = Path(a.model)
    data = load_cola(Path(a.data_dir), 0.1, 42, None, None)
    tokenizer = Tokenizer.from_file(str(model / "tokenizer.json"))
    pad_id = tokenizer.token_to_id("[PAD]") or 0

    def feeds(examples: list[Example]) -> dict[str, np.ndarray]:
        encoded = [tokenizer.encode(e.sentence).ids for e in examples]
        width = max(len(ids) for ids in encoded)
        ids = np.array([x + [pad_id] * (width - len(x)) for x in encoded], dtype=np.int64)
        mask = np.array([[1] * len(x) + [0] * (width - len(x)) for x in encoded], dtype=np.int64)
        return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}

    class Calibration(CalibrationDataReader):
        def __init__(self, examples: list[Example]):
            self.batches = iter([feeds(examples[i:i + BATCH]) for i in range(0, len(examples), BATCH)])

        def get_next(self):
            return next(self.batches, None)

    tmp = Path(tempfile.mkdtemp(prefix="int8-variants-"))
    fp32 = model / "model.onnx"
    variants: dict[str, Path] = {"fp32": fp32}
    if (model / "model.int8.onnx").exists():
        variants["dynamic (shipped)"] = model / "model.int8.onnx"
    pre = tmp / "pre.onnx"
    quant_pre_process(str(fp32), str(pre), skip_symbolic_shape=True)
    keep = fp32_matmuls(fp32)
    calibration = data.train[:1024]
    for name, extra in {
        "static QDQ, MinMax, FFN outputs fp32": dict(calibrate_method=CalibrationMethod.MinMax, nodes_to_exclude=keep),
        "static QDQ, moving-average MinMax, FFN outputs fp32": dict(calibrate_method=CalibrationMethod.MinMax, nodes_to_exclude=keep,
                                                                   extra_options={"CalibMovingAverage": True}),
        "static QDQ, MinMax, all MatMuls": dict(calibrate_method=CalibrationMethod.MinMax),
    }.items():
        target = tmp / f"{len(variants)}.onnx"
        quantize_static(str(pre), str(target), Calibration(calibration), quant_format=QuantFormat.QDQ, per_channel=True,
                        reduce_range=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        op_types_to_quantize=["MatMul"], **extra)
        variants[name] = target
    for block, level in ((128, 4), (32, 0)):
        quantizer = MatMulNBitsQuantizer(onnx.load(str(fp32)), bits=8, block_size=block, is_symmetric=True, accuracy_level=level)
        quantizer.process()
        target = tmp / f"{len(variants)}.onnx"
        quantizer.model.save_model_to_file(str(target), True)
        variants[f"MatMulNBits 8-bit, block {block}, accuracy level {level}"] = target

    holdout = data.holdout
    labels = np.array([e.label for e in holdout])
    lengths = [len(tokenizer.encode(e.sentence).ids) for e in holdout]
    orders = {
        "document order": np.arange(len(holdout)),
        "length-sorted": np.argsort(lengths, kind="stable"),
        "shuffled": np.random.default_rng(0).permutation(len(holdout)),
    }
    timed = sorted(data.train[::max(1, len(data.train) // a.sentences)][:a.sentences], key=lambda e: len(tokenizer.encode(e.sentence).ids))
    timed_batches = [feeds(timed[i:i + BATCH]) for i in range(0, len(timed), BATCH)]
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1

    print(f"model {model}; holdout {len(holdout)} sentences in batches of {BATCH}; speed: "
          f"{len(timed)} length-sorted training sentences, 1 thread, {a.reps} reps")
    print("| variant | holdout MCC: document order / length-sorted / shuffled | max |ΔP| of one sentence between orders "
          "| agreement with fp32 (document order) | sentences/s (median; all reps) |")
    print("| --- | --- | ---: | ---: | ---: |")
    reference = None
    for name, path in variants.items():
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        by_order = {}
        for order_name, order in orders.items():
            p = np.zeros(len(holdout))
            for i in range(0, len(order), BATCH):
                rows = order[i:i + BATCH]
                logits = session.run(None, feeds([holdout[j] for j in rows]))[0]
                e = np.exp(logits - logits.max(1, keepdims=True))
                p[rows] = e[:, 1] / e.sum(1)
            by_order[order_name] = p
        mccs = [mcc(labels, p >= 0.5) for p in by_order.values()]
        spread = max(float(np.abs(by_order["document order"] - p).max()) for p in by_order.values())
        doc = by_order["document order"]
        if reference is None:
            reference = doc
        agreement = float(np.mean((doc >= 0.5) == (reference >= 0.5)))
        for b in timed_batches[:3]:
            session.run(None, b)
        rates = []
        for _ in range(a.reps):
            t0 = time.perf_counter()
            for b in timed_batches:
                session.run(None, b)
            rates.append(len(timed) / (time.perf_counter() - t0))
        print(f"| {name} | {' / '.join(f'{m:.4f}' for m in mccs)} | {spread:.2f} | {agreement:.1%} | "
              f"{sorted(rates)[len(rates) // 2]:.0f} ({', '.join(f'{r:.0f}' for r in rates)}) |", flush=True)


if __name__ == "__main__":
    main()
