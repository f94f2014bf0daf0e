"""The data converter of every Temporal client and worker of the service.

Payloads are the SDK's JSON ("json/plain"), written faster and read faster:

- Written by orjson with sorted keys: the same JSON values as the SDK's encoder (which converts
  every dataclass with `dataclasses.asdict`, then encodes in Python: about 200 µs for a transition's
  input, against 3 µs), but UTF-8 where the SDK escapes every non-ASCII character. A value orjson
  does not encode as the SDK does (a set, a dict with other than string keys, an integer past 64
  bits, a Pydantic model) is left to the SDK's encoder. (NaN, which JSON cannot write, orjson
  writes as null and the SDK as NaN: the service's floats are thresholds and quorums, never NaN.) Histories replay the same whichever wrote
  them: a payload is decoded, never compared (tests/workflows/test_replay.py).
- Read with the SDK's decoder, with each dataclass's type hints resolved once: the SDK resolves them
  (`typing.get_type_hints`, which evaluates every postponed annotation of the class again) each time
  it decodes one, for every nested dataclass of every activity input, result and Update.
"""

from __future__ import annotations

import dataclasses
import typing
from functools import lru_cache
from typing import Any

import orjson
from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    JSONTypeConverter,
    value_to_type,
)


@lru_cache(maxsize=512)
def _fields(cls: type) -> tuple[tuple[dataclasses.Field[Any], ...], dict[str, Any]]:
    return dataclasses.fields(cls), typing.get_type_hints(cls)


class CachedDataclassHints(JSONTypeConverter):
    """Decode a dataclass exactly as the SDK's `value_to_type` does, with its hints resolved once."""

    def to_typed_value(self, hint: type, value: Any) -> Any:
        if not (isinstance(hint, type) and dataclasses.is_dataclass(hint) and isinstance(value, dict)):
            return JSONTypeConverter.Unhandled
        fields, hints = _fields(hint)
        init_values: dict[str, Any] = {}
        other_values: dict[str, Any] = {}
        for field in fields:
            if field.name not in value:
                continue  # a missing required field fails in the constructor, as with the SDK
            try:
                converted = value_to_type(hints[field.name], value[field.name], [self])
            except Exception as err:
                raise TypeError(f"Failed converting field {field.name} on dataclass {hint}") from err
            (init_values if field.init else other_values)[field.name] = converted
        obj = hint(**init_values)
        for name, field_value in other_values.items():
            object.__setattr__(obj, name, field_value)
        return obj


class _JSONPayloadConverter(JSONPlainPayloadConverter):
    def __init__(self) -> None:
        super().__init__(custom_type_converters=[CachedDataclassHints()])

    def to_payload(self, value: Any) -> Payload | None:
        try:
            data = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return super().to_payload(value)
        return Payload(metadata={"encoding": self.encoding.encode()}, data=data)


class PayloadConverter(CompositePayloadConverter):
    def __init__(self) -> None:
        super().__init__(
            *(
                _JSONPayloadConverter() if isinstance(c, JSONPlainPayloadConverter) else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


DATA_CONVERTER = dataclasses.replace(DataConverter.default, payload_converter_class=PayloadConverter)
