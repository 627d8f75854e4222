"""`python -m cola_trainer describe-args`: the training arguments of args.py as JSON, for the TypeScript side.

The extension, the `cola-bert train` CLI and the panel read names, types, defaults, bounds, help and the
model-dependent defaults from the generated protocol/trainArgs.generated.ts instead of keeping copies, so a new
dataclass field in args.py reaches all of them by regenerating (`npm run gen:train-args`); a test fails while
the committed file is stale."""
from __future__ import annotations

import dataclasses
import json
from typing import Any, get_type_hints

from .args import BOUND_KEYS, DEFAULT_HUB_MODEL, GROUPS, OFFLINE_ALIAS, ModelDependentDefault
from .generated_module import describe_main
from .offline_encoders import OFFLINE_ENCODERS

_TYPES = {str: "string", int: "int", float: "float", bool: "bool",
          str | None: "string", int | None: "int", float | None: "float"}
_JSON_BOUNDS = {"minimum": "minimum", "exclusive_minimum": "exclusiveMinimum", "maximum": "maximum",
                "exclusive_maximum": "exclusiveMaximum"}


def _describe_field(group: str, f: dataclasses.Field, kind: Any) -> dict[str, Any]:
    if kind not in _TYPES:
        raise TypeError(f"describe-args cannot describe {f.name}: {kind!r} (use str, int, float, bool or Optional of one)")
    meta = f.metadata
    out: dict[str, Any] = {"name": f.name, "flag": "--" + f.name.replace("_", "-"), "group": group, "type": _TYPES[kind],
                           "default": f.default, "help": meta["help"]}
    if "metavar" in meta:
        out["metavar"] = meta["metavar"]
    if "choices" in meta:
        out["choices"] = list(meta["choices"])
    if "example" in meta:
        out["example"] = meta["example"]
    for key in BOUND_KEYS:
        if key in meta:
            out[_JSON_BOUNDS[key]] = meta[key]
    by_model = meta.get("default_by_model")
    if isinstance(by_model, ModelDependentDefault):
        out["modelDefault"] = {"fallback": by_model.fallback, "byModel": dict(by_model.by_model)}
    return out


def describe() -> dict[str, Any]:
    args = []
    for group, cls in GROUPS:
        hints = get_type_hints(cls)
        args.extend(_describe_field(group, f, hints[f.name]) for f in dataclasses.fields(cls))
    return {"autoModel": DEFAULT_HUB_MODEL, "offlineModel": OFFLINE_ALIAS, "offlineModels": list(OFFLINE_ENCODERS), "args": args}


def render_typescript(description: dict[str, Any]) -> str:
    body = json.dumps(description, indent=2, ensure_ascii=False)
    return ("// Generated from trainer/cola_trainer/args.py by `npm run gen:train-args`\n"
            "// (python -m cola_trainer describe-args --typescript FILE). Do not edit: change args.py and regenerate.\n"
            f"export const TRAIN_ARGS = {body} as const;\n")


def main(argv: list[str]) -> int:
    return describe_main(argv, "describe-args", describe, render_typescript)
