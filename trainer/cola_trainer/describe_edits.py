"""`python -m cola_trainer describe-edits --typescript FILE`: corrupt.py's closed word classes as the
TypeScript module the editor's suggestions read (src/core/editClasses.generated.ts, `npm run gen:edit-classes`).

The pronoun cases, determiner numbers and preposition swaps that make the held-out errors are the pairs
the suggestions undo, so they have one definition, corrupt.py; trainer/tests/test_describe_edits.py fails
while the committed module is stale."""
from __future__ import annotations

import json
from typing import Any

from . import corrupt
from .generated_module import describe_main


def _both_ways(pairs: dict[str, str]) -> list[list[str]]:
    return sorted({tuple(sorted((a.lower(), b.lower()))) for a, b in pairs.items()})


def describe() -> dict[str, Any]:
    swaps: dict[str, set[str]] = {}
    # A fix goes back the way an error came: "in" written for "on" is fixed by "on", so each preposition's
    # candidates are its own swaps and the prepositions whose swaps include it.
    for source, targets in corrupt.PREPOSITION_SWAPS.items():
        for target in targets:
            swaps.setdefault(source, set()).add(target)
            swaps.setdefault(target, set()).add(source)
    determiners = {**{k: v for k, v in corrupt.SINGULAR_DETS.items() if v}, **{k: v for k, v in corrupt.PLURAL_DETS.items() if v}}
    return {
        "pronounCase": [list(p) for p in _both_ways({**corrupt.SUBJECT_TO_OBJECT, **corrupt.OBJECT_TO_SUBJECT})],
        "determinerNumber": [list(p) for p in _both_ways(determiners)],
        "prepositionSwaps": {k: sorted(v) for k, v in sorted(swaps.items())},
    }


def render_typescript(description: dict[str, Any]) -> str:
    body = json.dumps(description, indent=2, ensure_ascii=False)
    return ("// Generated from trainer/cola_trainer/corrupt.py by `npm run gen:edit-classes`\n"
            "// (python -m cola_trainer describe-edits --typescript FILE). Do not edit: change corrupt.py and regenerate.\n"
            f"export const EDIT_CLASSES = {body} as const;\n")


def main(argv: list[str]) -> int:
    return describe_main(argv, "describe-edits", describe, render_typescript)
