"""The data converter of every Temporal client and worker of the service.

Payloads are the SDK's own JSON, byte for byte: histories written before or after this converter
replay the same. Only decoding is faster: the SDK resolves a dataclass's type hints
(`typing.get_type_hints`, which evaluates every postponed annotation of the class again) each time
it decodes one, for every nested dataclass of every activity input, result and Update. A transition's
input holds a dozen of them; the hints of a class never change, so they are resolved once here.
"""

from __future__ import annotations

import dataclasses
import typing
from functools import lru_cache
from typing import Any

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


class PayloadConverter(CompositePayloadConverter):
    def __init__(self) -> None:
        super().__init__(
            *(
                _JSONPayloadConverter() if isinstance(c, JSONPlainPayloadConverter) else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


DATA_CONVERTER = dataclasses.replace(DataConverter.default, payload_converter_class=PayloadConverter)
