"""Slot-evidence re-ranking: the tool whose required parameters the request states wins the head."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentfn.router import RoutePlan
from agentfn.router.dataflow import tool_io
from agentfn.router.text import ToolRecord
from agentfn.slots import SlotRouter, slot_evidence


def _spec(name: str, description: str, params: dict[str, dict[str, Any]], required: list[str]) -> dict[str, Any]:
    return {"name": name, "description": description,
            "parameters": {"type": "object", "properties": params, "required": required}}


CANCEL = _spec("cancel_reservation", "Cancel the whole reservation.",
               {"reservation_id": {"type": "string", "description": "The reservation ID, such as '8JX2WO'."}},
               ["reservation_id"])
USER = _spec("get_user_details", "Get the details of a user.",
             {"user_id": {"type": "string", "description": "The user ID, such as 'sara_doe_496'."}}, ["user_id"])
BY_EMAIL = _spec("find_user_id_by_email", "Find user id by email.",
                 {"email": {"type": "string", "description": "The email of the user."}}, ["email"])
NOTE = _spec("add_note", "Add a note.", {"text": {"type": "string", "description": "The note."}}, ["text"])
NOW = _spec("current_time", "The current time.", {}, [])


class Scripted:
    """A router that returns a fixed ranking (what the wrapper re-ranks)."""

    def __init__(self, ranked: Sequence[tuple[str, float]], selected: Sequence[str] | None = None,
                 abstain: bool = False) -> None:
        self.plan = RoutePlan(ranked=list(ranked), selected=list(selected if selected is not None else [ranked[0][0]]),
                              abstain=abstain)
        self.asked: list[int] = []

    def route(self, query: str | Sequence[Any], k: int = 10) -> RoutePlan:
        self.asked.append(k)
        return self.plan


def _io(spec: dict[str, Any]) -> Any:
    return tool_io(ToolRecord.of(spec))


def test_evidence_by_named_parameter_and_by_typed_value() -> None:
    text = "You want to cancel your reservation. Your user id is raj_sanchez_7340."
    assert slot_evidence(_io(USER), text) == 1.0  # "user id" is named
    assert slot_evidence(_io(CANCEL), text) == 1.0  # "reservation" is named ...
    assert slot_evidence(_io(CANCEL), "Cancel it please.") == 0.0  # ... and here nothing is
    assert slot_evidence(_io(BY_EMAIL), "I am mia.garcia2723@example.com and want a refund") == 1.0  # an address
    assert slot_evidence(_io(NOTE), "whatever I say") == 0.0  # free text is filled by any request: no evidence
    assert slot_evidence(_io(NOW), "what time is it") == 0.0  # nothing required, nothing to prefer


def test_head_goes_to_the_tool_the_request_fills() -> None:
    inner = Scripted([("cancel_reservation", 0.9), ("current_time", 0.8), ("find_user_id_by_email", 0.7)],
                     selected=["cancel_reservation", "current_time"])
    router = SlotRouter(inner, [CANCEL, NOW, BY_EMAIL], pool=5, margin=0.5, weight=0.5)
    plan = router.route("Cancel my order. My email is mia.garcia2723@example.com.", k=2)
    assert plan.selected == ["find_user_id_by_email"]  # the chain belonged to the old head
    assert [n for n, _ in plan.ranked] == ["find_user_id_by_email", "cancel_reservation"]
    assert inner.asked == [5]  # the wider pool was asked for


def test_chain_kept_when_the_head_stays_and_far_candidates_never_compete() -> None:
    inner = Scripted([("get_user_details", 1.0), ("find_user_id_by_email", 0.2)],
                     selected=["get_user_details", "cancel_reservation"])
    router = SlotRouter(inner, [USER, BY_EMAIL, CANCEL], margin=0.5)
    plan = router.route("my user id is sara_doe_496, email sara@x.com", k=4)
    assert plan.selected == ["get_user_details", "cancel_reservation"]
    assert plan.ranked[1] == ("find_user_id_by_email", 0.2)  # beyond the margin: its score is untouched


def test_abstention_is_kept() -> None:
    inner = Scripted([("cancel_reservation", 0.1)], selected=[], abstain=True)
    plan = SlotRouter(inner, [CANCEL]).route("cancel reservation 8JX2WO")
    assert plan.abstain and plan.selected == []
