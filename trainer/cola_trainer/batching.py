"""Length-grouped batches with dynamic padding.

CoLA sentences are ~12 tokens on average; padding every batch to 128 (the chapter) wastes ~90% of the
compute. Each epoch's order is a pure function of (seed, epoch): shuffle all indices, cut them into
chunks of ~50 batches, sort each chunk by length, cut it into batches, shuffle the batch order.
Because it depends on nothing else, a resumed run rebuilds exactly the same order and skips the
batches already done. Under DDP every global batch is split across ranks (rank r takes every
world_size-th example), so all ranks run the same number of steps.
"""
from __future__ import annotations

import numpy as np
import torch

CHUNK_BATCHES = 50


def epoch_batches(lengths: np.ndarray, batch_size: int, seed: int, epoch: int, world_size: int = 1) -> list[np.ndarray]:
    n = len(lengths)
    rng = np.random.Generator(np.random.PCG64([seed, epoch]))
    order = rng.permutation(n)
    chunk = batch_size * CHUNK_BATCHES
    batches: list[np.ndarray] = []
    for start in range(0, n, chunk):
        part = order[start:start + chunk]
        part = part[np.argsort(-lengths[part], kind="stable")]
        batches.extend(part[i:i + batch_size] for i in range(0, len(part), batch_size))
    # A tail batch smaller than the number of ranks would leave a rank without data: fold it into its neighbour.
    if len(batches) > 1 and len(batches[-1]) < world_size:
        tail = batches.pop()
        batches[-1] = np.concatenate([batches[-1], tail])
    return [batches[i] for i in rng.permutation(len(batches))]


def shard(batch: np.ndarray, rank: int, world_size: int) -> np.ndarray:
    return batch[rank::world_size]


def steps_per_epoch(n: int, batch_size: int, world_size: int = 1) -> int:
    """Number of batches epoch_batches yields (the same for every epoch)."""
    return len(epoch_batches(np.zeros(n, dtype=np.int64), batch_size, 0, 0, world_size))


class Collator:
    """Pads a list of token-id lists to the longest in the batch (not to max_length)."""

    def __init__(self, pad_id: int, with_token_types: bool):
        self.pad_id = pad_id
        self.with_token_types = with_token_types

    def __call__(self, ids: list[list[int]], labels: list[int] | None = None) -> dict[str, torch.Tensor]:
        width = max(len(x) for x in ids)
        input_ids = torch.full((len(ids), width), self.pad_id, dtype=torch.long)
        attention = torch.zeros((len(ids), width), dtype=torch.long)
        for row, seq in enumerate(ids):
            input_ids[row, :len(seq)] = torch.tensor(seq, dtype=torch.long)
            attention[row, :len(seq)] = 1
        batch = {"input_ids": input_ids, "attention_mask": attention}
        if self.with_token_types:
            batch["token_type_ids"] = torch.zeros_like(input_ids)
        if labels is not None:
            batch["labels"] = torch.tensor(labels, dtype=torch.long)
        return batch
