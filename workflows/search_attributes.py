"""thidua's custom search attributes: what the Temporal UI can filter nominations and plans by.

The one definition of their names and types. The workflows set them, the gateway sets them when
it starts a workflow, the dev and test servers register them from here, and a test checks that the
deploy files (deploy/temporal/namespace.sh) register the same. A server without them refuses a
workflow that sets them, so they must be registered wherever the worker runs (docs/deploy.md).
"""

from __future__ import annotations

from typing import Any

from temporalio.common import SearchAttributeIndexedValueType, SearchAttributeKey, SearchAttributePair

# A nomination's proposing unit (its id, as text), its award form's code, and its status
# (in_progress, returned, awarded, rejected, withdrawn: the NominationState's status).
UNIT = SearchAttributeKey.for_keyword("ThiduaUnit")
AWARD_FORM = SearchAttributeKey.for_keyword("ThiduaAwardForm")
STATUS = SearchAttributeKey.for_keyword("ThiduaStatus")
# A plan's code.
PLAN = SearchAttributeKey.for_keyword("ThiduaPlan")

ALL: tuple[SearchAttributeKey[Any], ...] = (UNIT, AWARD_FORM, STATUS, PLAN)

# The names Temporal's command line (`--search-attribute Name=Type`, `--type`) gives the types used here.
CLI_TYPE_NAMES = {
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.INT: "Int",
}


def type_name(key: SearchAttributeKey[Any]) -> str:
    return CLI_TYPE_NAMES[key.indexed_value_type]


def dev_server_flags() -> list[str]:
    """`temporal server start-dev` flags that register every attribute."""
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={type_name(key)}"]
    return flags


def nomination_attributes(unit_id: int, award_form: str | None, status: str) -> list[SearchAttributePair[Any]]:
    """What a nomination's workflow carries; the award form only when its input has it (an input made
    by the previous release has not)."""
    pairs: list[SearchAttributePair[Any]] = [SearchAttributePair(UNIT, str(unit_id))]
    if award_form:
        pairs.append(SearchAttributePair(AWARD_FORM, award_form))
    return [*pairs, SearchAttributePair(STATUS, status)]


def plan_attributes(plan_id: str) -> list[SearchAttributePair[Any]]:
    return [SearchAttributePair(PLAN, plan_id)]
