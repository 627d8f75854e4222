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
    """Pads a list of token-id lists to the longest in the batch (not to max_length).

    On a GPU the step time hardly depends on 12 or 16 tokens, but every new tensor shape costs a kernel
    choice (and a lazy kernel load) the first time it is seen: 43 distinct CoLA lengths made our first epoch
    on an H100 3.5x slower than the others. `multiple_of` rounds the width up (16 there: 3 shapes), and
    `pin` puts the batch in page-locked memory so that the copy to the GPU does not wait for the GPU."""

    def __init__(self, pad_id: int, with_token_types: bool, multiple_of: int = 1, max_width: int | None = None,
                 pin: bool = False):
        self.pad_id = pad_id
        self.with_token_types = with_token_types
        self.multiple_of = max(1, multiple_of)
        self.max_width = max_width
        self.pin = pin

    def __call__(self, ids: list[list[int]], labels: list[int] | None = None) -> dict[str, torch.Tensor]:
        longest = max(len(x) for x in ids)
        width = -(-longest // self.multiple_of) * self.multiple_of
        if self.max_width is not None:
            width = max(longest, min(width, self.max_width))
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
        if self.pin:
            batch = {k: v.pin_memory() for k, v in batch.items()}
        return batch
