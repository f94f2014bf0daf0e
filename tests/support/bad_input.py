"""Helpers of the bad-input tests: the fields an OpenAPI document says a request takes, a value put
at one of them, a check that an answer's detail is Vietnamese, and a digest of every table (to show
that refused requests stored nothing)."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers every table in SQLModel.metadata)

# Letters only Vietnamese uses among the languages an answer could be in (a, e, o... with their marks, đ).
_VIETNAMESE = re.compile("[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE)
# The framework's own English messages, which must never reach a client.
_ENGLISH = re.compile(r"\b(field required|error|invalid|value is not|input should)\b", re.IGNORECASE)


def is_vietnamese(detail: object) -> bool:
    return isinstance(detail, str) and bool(_VIETNAMESE.search(detail)) and not _ENGLISH.search(detail)


@dataclass(frozen=True)
class Leaf:
    """One place in a JSON body: the keys and indices leading to it; `key` when the place is the
    name of an entry of a mapping (the entry at `path`), not its value."""

    path: tuple[str | int, ...]
    type: str  # "string" | "integer" | "number" | "boolean"
    key: bool = False

    def __str__(self) -> str:
        where = ".".join(str(p) for p in self.path) or "(body)"
        return f"{where} (name)" if self.key else where


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def _types(document: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-null alternatives of a schema (Optional[X] is anyOf [X, null])."""
    schema = resolve(document, schema)
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if alternatives:
        out = []
        for alt in alternatives:
            out += _types(document, alt)
        return out
    return [] if schema.get("type") == "null" else [schema]


def leaves(
    document: dict[str, Any], schema: dict[str, Any], sample: Any, path: tuple[str | int, ...] = ()
) -> list[Leaf]:
    """Every scalar place of `sample` that `schema` describes, and every name of a mapping's entry.

    The sample must hold every field the schema has (a hostile value then replaces a valid one,
    so that only the hostile value can make the request fail); `missing` lists the ones it lacks.
    """
    out: list[Leaf] = []
    for alt in _types(document, schema):
        kind = alt.get("type")
        if kind == "object" or "properties" in alt:
            if not isinstance(sample, dict):
                continue
            props = alt.get("properties", {})
            for name, sub in props.items():
                if name in sample:
                    out += leaves(document, sub, sample[name], (*path, name))
            extra = alt.get("additionalProperties")
            if extra:
                sub = extra if isinstance(extra, dict) else {"type": "string"}
                for name, value in sample.items():
                    if name in props:
                        continue
                    out.append(Leaf((*path, name), "string", key=True))
                    # A free-form entry takes text or a number alike: its number is a "number".
                    if isinstance(value, str):
                        out.append(Leaf((*path, name), "string"))
                    elif isinstance(value, int | float) and not isinstance(value, bool):
                        out.append(Leaf((*path, name), "number"))
                    elif isinstance(value, dict | list):
                        out += leaves(document, sub, value, (*path, name))
        elif kind == "array":
            if isinstance(sample, list) and sample:
                out += leaves(document, alt.get("items", {}), sample[0], (*path, 0))
        elif kind in ("string", "integer", "number", "boolean"):
            if (kind == "string" and isinstance(sample, str)) or (
                kind in ("integer", "number") and isinstance(sample, int) and not isinstance(sample, bool)
            ):
                out.append(Leaf(path, kind))
    return list(dict.fromkeys(out))


def missing(
    document: dict[str, Any], schema: dict[str, Any], sample: Any, path: tuple[str | int, ...] = ()
) -> list[str]:
    """Fields of the schema the sample lacks (each nested object and array's first item included)."""
    out: list[str] = []
    for alt in _types(document, schema):
        if alt.get("type") == "object" or "properties" in alt:
            if not isinstance(sample, dict):
                continue
            for name, sub in alt.get("properties", {}).items():
                where = (*path, name)
                if name not in sample or sample[name] is None:
                    out.append(".".join(str(p) for p in where))
                else:
                    out += missing(document, sub, sample[name], where)
        elif alt.get("type") == "array":
            if not isinstance(sample, list) or not sample:
                out.append(".".join(str(p) for p in path) + "[0]")
            else:
                out += missing(document, alt.get("items", {}), sample[0], (*path, 0))
    return out


def put(body: Any, leaf: Leaf, value: Any) -> Any:
    """A copy of `body` with `value` at the leaf (or, for a name, the entry renamed to `value`)."""
    copied = copy.deepcopy(body)
    *parents, last = leaf.path
    target = copied
    for step in parents:
        target = target[step]
    if leaf.key:
        target[value] = target.pop(last)
    else:
        target[last] = value
    return copied


async def table_digest(engine: AsyncEngine) -> dict[str, tuple[int, str]]:
    """Row count and an md5 of the rows of every table of the application."""
    out: dict[str, tuple[int, str]] = {}
    async with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            row = (
                await conn.execute(
                    text(
                        f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{table.name}\" t"
                    )
                )
            ).one()
            out[table.name] = (int(row[0]), str(row[1]))
    return out
