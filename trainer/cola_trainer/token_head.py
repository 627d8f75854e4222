"""The `tokens` head (--head tokens): an error score per token, and the sentence's score is its highest one.

Why: an injected error is local ("the the", "a apple", "they was"), and a [CLS] classifier has to learn
where to look from one bit per sentence. Here every token says how wrong it looks; a sentence is as wrong as
its worst token (multiple-instance learning). CoLA rows, whose errors have no position, train only that
sentence score; prose rows know where the error is (corrupt.py keeps the edit's span), so their tokens are
taught directly: the edited tokens are errors, all other tokens of the clean and corrupted sentence are not.
[CLS] takes part in the max but never gets a token label, so it is free to carry what no single word shows
(CoLA's island and binding violations).

The output keeps the folder's contract: `logits` [batch, 2] = [sentence error score, 0], so softmax gives
P(unacceptable) = sigmoid(score), and the TypeScript inference path, calibration and the holdout all work
unchanged; `token_logits` [batch, tokens] is there for training and attribution.

Saved as the encoder's own save_pretrained folder plus token_head.safetensors, so the folder still loads as
a plain encoder anywhere, and as this model with --head tokens."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from transformers.utils import ModelOutput

HEAD_FILE = "token_head.safetensors"
IGNORE = -100
# A padded position must lose every max: large, but inside bf16's range.
PAD_SCORE = -1.0e4
# Token loss weight next to the sentence loss (docs/trainer.md, "The tokens head").
TOKEN_LOSS_WEIGHT = 1.0
# About 1 labelled token in 40 is an error (one edit in a corrupted sentence, none in its clean twin). Unweighted,
# the loss is won by calling every token fine: a first run left "code code" and "down down" at P(error) < 0.05
# while [CLS] carried the whole sentence score. Each error token counts this many times.
POSITIVE_WEIGHT = 10.0


@dataclass
class TokenHeadOutput(ModelOutput):
    logits: torch.Tensor | None = None
    token_logits: torch.Tensor | None = None


class TokenErrorClassifier(torch.nn.Module):
    def __init__(self, encoder: torch.nn.Module):
        super().__init__()
        self.encoder = encoder
        self.config = encoder.config
        hidden = int(encoder.config.hidden_size)
        self.dropout = torch.nn.Dropout(float(getattr(encoder.config, "hidden_dropout_prob", 0.1) or 0.1))
        self.scorer = torch.nn.Linear(hidden, 1)
        # Start a little below zero, so a fresh head calls sentences acceptable (the common case) and the
        # first steps do not push every token's score around.
        torch.nn.init.normal_(self.scorer.weight, std=0.02)
        torch.nn.init.constant_(self.scorer.bias, -2.0)

    @property
    def accepts_token_types(self) -> bool:
        import inspect
        return "token_type_ids" in inspect.signature(self.encoder.forward).parameters

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor | None = None) -> TokenHeadOutput:
        kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        hidden = self.encoder(**kwargs).last_hidden_state
        scores = self.scorer(self.dropout(hidden)).squeeze(-1)
        scores = scores.masked_fill(attention_mask == 0, PAD_SCORE)
        sentence = scores.max(dim=1).values
        return TokenHeadOutput(logits=torch.stack([sentence, torch.zeros_like(sentence)], dim=-1), token_logits=scores)

    def save_pretrained(self, folder: str | Path) -> None:
        from safetensors.torch import save_file
        self.encoder.save_pretrained(folder)
        save_file({k: v.detach().cpu().contiguous() for k, v in self.scorer.state_dict().items()}, str(Path(folder) / HEAD_FILE))

    def load_head(self, folder: str | Path) -> bool:
        """Restores the scorer of an earlier tokens-head run; False when the folder has none (a fresh head)."""
        from safetensors.torch import load_file
        path = Path(folder) / HEAD_FILE
        if not path.is_file():
            return False
        self.scorer.load_state_dict(load_file(str(path)))
        return True


def token_labels(offsets: list[tuple[int, int]], error_span: tuple[int, int] | None) -> list[int] | None:
    """Per-token targets from a fast tokenizer's offsets: None when the row's error position is unknown (CoLA),
    IGNORE for special tokens, 1 for the tokens of the edit, 0 for the others. `error_span` (-1, -1) marks a clean
    sentence; an empty span (a dropped word) marks the tokens on both sides of the gap."""
    if error_span is None:
        return None
    start, end = error_span
    out = []
    for a, b in offsets:
        if a == b:
            out.append(IGNORE)
        elif start < 0:
            out.append(0)
        elif start < end:
            out.append(1 if a < end and b > start else 0)
        else:
            out.append(0)
    if 0 <= start == end:
        real = [i for i, (a, b) in enumerate(offsets) if a != b]
        before = [i for i in real if offsets[i][1] <= start]
        after = [i for i in real if offsets[i][0] >= start]
        for i in (before[-1:] + after[:1]):
            out[i] = 1
    return out


def token_loss(token_logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy over the labelled tokens (IGNORE elsewhere); 0 when the batch has none."""
    mask = labels != IGNORE
    if not bool(mask.any()):
        return token_logits.sum() * 0.0
    return F.binary_cross_entropy_with_logits(token_logits[mask].float(), labels[mask].float(),
                                              pos_weight=torch.tensor(POSITIVE_WEIGHT, device=token_logits.device))
