import numpy as np
import pytest

from cola_trainer import batching


def lengths(n, seed=0):
    return np.random.default_rng(seed).integers(5, 60, n)


@pytest.mark.parametrize("n,batch,world", [(7696, 32, 1), (1000, 32, 2), (33, 32, 2), (65, 32, 3), (5, 2, 1)])
def test_every_example_once_per_epoch_and_step_count(n, batch, world):
    lens = lengths(n)
    batches = batching.epoch_batches(lens, batch, seed=42, epoch=0, world_size=world)
    assert sorted(np.concatenate(batches).tolist()) == list(range(n))
    assert len(batches) == batching.steps_per_epoch(n, batch, world)
    assert all(len(b) >= world for b in batches)
    for b in batches:  # shards of one global batch are disjoint and cover it
        parts = [batching.shard(b, r, world) for r in range(world)]
        assert sorted(np.concatenate(parts).tolist()) == sorted(b.tolist())


def test_order_is_a_function_of_seed_and_epoch():
    lens = lengths(2000)
    a = batching.epoch_batches(lens, 32, 42, 1)
    b = batching.epoch_batches(lens, 32, 42, 1)
    c = batching.epoch_batches(lens, 32, 42, 2)
    assert all((x == y).all() for x, y in zip(a, b, strict=True))
    assert any(len(x) != len(y) or (x != y).any() for x, y in zip(a, c, strict=False))


def test_length_grouping_cuts_padding():
    lens = lengths(7696)
    grouped = batching.epoch_batches(lens, 32, 42, 0)
    padded = sum(len(b) * lens[b].max() for b in grouped)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(lens))
    plain = sum(len(order[i:i + 32]) * lens[order[i:i + 32]].max() for i in range(0, len(lens), 32))
    assert padded < 0.75 * plain
    # Batches are not simply sorted globally: the order of batch lengths is shuffled.
    maxima = [lens[b].max() for b in grouped]
    assert maxima != sorted(maxima) and maxima != sorted(maxima, reverse=True)


def test_collator_pads_to_longest_in_batch():
    collate = batching.Collator(pad_id=0, with_token_types=True)
    batch = collate([[101, 7, 102], [101, 102]], [1, 0])
    assert batch["input_ids"].tolist() == [[101, 7, 102], [101, 102, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 1, 0]]
    assert batch["token_type_ids"].sum() == 0 and batch["labels"].tolist() == [1, 0]
    assert "token_type_ids" not in batching.Collator(0, False)([[1]])


def test_collator_rounds_the_width_up_but_not_past_the_limit():
    collate = batching.Collator(pad_id=0, with_token_types=False, multiple_of=16, max_width=20)
    assert collate([[1, 2, 3]])["input_ids"].shape == (1, 16)
    assert collate([[1] * 17])["input_ids"].shape == (1, 20)       # 32 would pass the position limit
    assert collate([[1] * 17])["attention_mask"].sum() == 17
    assert batching.Collator(0, False, multiple_of=8)([[1] * 9])["input_ids"].shape == (1, 16)
