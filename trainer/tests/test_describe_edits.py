"""src/core/editClasses.generated.ts: corrupt.py's closed word classes, for the suggestions to undo."""
from pathlib import Path

from cola_trainer import corrupt
from cola_trainer.describe_edits import describe, render_typescript

GENERATED = Path(__file__).resolve().parents[2] / "src" / "core" / "editClasses.generated.ts"


def test_the_committed_typescript_module_is_up_to_date():
    assert GENERATED.read_text(encoding="utf-8") == render_typescript(describe()), \
        "src/core/editClasses.generated.ts is stale: run `npm run gen:edit-classes`"


def test_every_swap_corrupt_py_makes_can_be_swapped_back():
    d = describe()
    for source, targets in corrupt.PREPOSITION_SWAPS.items():
        for target in targets:
            assert source in d["prepositionSwaps"][target], (source, target)
    pairs = {tuple(p) for p in d["pronounCase"]} | {tuple(p) for p in d["determinerNumber"]}
    for subject, obj in corrupt.SUBJECT_TO_OBJECT.items():
        assert tuple(sorted((subject, obj))) in pairs
    assert ("these", "this") in pairs and ("that", "those") in pairs
