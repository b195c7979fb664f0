"""Producers pulled in by data flow are lookups, not actions the request never asked for; short labelled numbers are ids."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from agentfn.router.chain import plan_flow
from agentfn.router.dataflow import RequestValues, missing_inputs, tool_io
from agentfn.router.flowstats import FlowStats
from agentfn.router.text import ToolRecord


def _spec(name: str, desc: str, params: dict[str, Any], required: list[str], returns: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "description": desc,
            "parameters": {"type": "object", "properties": params, "required": required},
            "outputSchema": {"type": "object", "properties": returns}}


MSG = {"message_id": {"type": "string", "description": "id of the message"}}
TOOLS = [
    _spec("mail_delete_email", "Delete an email message.", MSG, ["message_id"], {"ok": {"type": "boolean"}}),
    _spec("mail_reply_email", "Reply to an email message.", {**MSG, "body": {"type": "string"}}, ["message_id", "body"],
          {"message_id": {"type": "string"}}),
    _spec("mail_forward_email", "Forward an email message.", {**MSG, "to": {"type": "string"}}, ["message_id", "to"],
          {"message_id": {"type": "string"}}),
    _spec("mail_search_emails", "Search emails by words.", {"query": {"type": "string"}}, ["query"],
          {"message_id": {"type": "string"}, "subject": {"type": "string"}}),
    _spec("helpdesk_create_ticket", "Open a support ticket.", {"subject": {"type": "string"}}, ["subject"],
          {"ticket_id": {"type": "string"}}),
    _spec("helpdesk_update_ticket_status", "Change a support ticket's status.",
          {"ticket_id": {"type": "string"}, "status": {"type": "string", "enum": ["open", "solved"]}},
          ["ticket_id", "status"], {"ticket_id": {"type": "string"}}),
]
IO = {t["name"]: tool_io(ToolRecord.of(t)) for t in TOOLS}


def _plan(text: str, chosen: list[str]) -> list[str]:
    relevance = {n: 1.0 for n in IO}  # every tool equally relevant: only data flow and actions decide
    tools, _, _ = plan_flow(chosen, IO.__getitem__, RequestValues.of(text), relevance, FlowStats())
    return tools


def test_action_tools_are_not_pulled_in_as_producers() -> None:
    assert IO["mail_reply_email"].actions == {"reply"}
    assert not IO["mail_search_emails"].actions
    # The message to delete is found by a lookup, not by replying to or forwarding something.
    assert _plan("delete that mail about the offsite", ["mail_delete_email"]) == ["mail_delete_email", "mail_search_emails"]


def test_an_action_the_request_asks_for_may_produce() -> None:
    tools = _plan("create a ticket about the outage and mark it solved", ["helpdesk_update_ticket_status"])
    assert tools == ["helpdesk_update_ticket_status", "helpdesk_create_ticket"]
    # Not asked to create one: no ticket is opened to feed the update.
    assert _plan("mark the outage ticket as solved", ["helpdesk_update_ticket_status"]) == ["helpdesk_update_ticket_status"]


def test_short_number_after_a_word_is_an_id_of_that_thing() -> None:
    assert RequestValues.of("mark ticket 993 as solved").labels["id"] == ["ticket"]
    assert RequestValues.of("flights for 3 passengers in 2 days").labels["id"] == []
    io = IO["helpdesk_update_ticket_status"]
    assert not missing_inputs(io, RequestValues.of("mark ticket 993 as solved"))
    assert [s.name for s in missing_inputs(io, RequestValues.of("mark my ticket as solved"))] == ["ticket_id"]


def test_a_pulled_producer_runs_right_before_the_step_it_feeds() -> None:
    from agentfn.router.combine import CoUsage
    from agentfn.router.selection import order_chain

    # The request: "delete that mail (step 0), then translate the contract (step 1)"; search feeds delete.
    order = order_chain(["mail_delete", "translate", "mail_search"], {("mail_search", "mail_delete")},
                        {"mail_delete": 0, "translate": 1}, {"translate": 0, "mail_delete": 1, "mail_search": 2}, CoUsage())
    assert order == ["mail_search", "mail_delete", "translate"]


READER = [
    _spec("read_file", "Read a text file: open a file and show what it contains; returns its text.",
          {"path": {"type": "string"}}, ["path"], {}),
    _spec("text_stats", "Count the words, sentences and characters of a text.",
          {"text": {"type": "string"}, "top": {"type": "integer"}}, ["text"], {"words": {"type": "integer"}}),
    _spec("http_get", "Fetch a web page.", {"url": {"type": "string", "format": "uri"}}, ["url"],
          {"text": {"type": "string"}}),
    _spec("weather", "Weather for a city.", {"city": {"type": "string"}}, ["city"], {"summary": {"type": "string"}}),
]
READER[0].pop("outputSchema")
READER[0]["outputSchema"] = {"type": "string"}  # "-> str": what its description says it returns names it
READER_IO = {t["name"]: tool_io(ToolRecord.of(t)) for t in READER}


@pytest.mark.parametrize(
    ("text", "chain"),
    [
        ("How many words are in notes.txt?", ["read_file", "text_stats"]),
        ("count the words in reports/q1.md", ["read_file", "text_stats"]),
        # The text is in the request: nothing to read.
        ('How many words are in "the cat sat"?', ["text_stats"]),
        ("count the words in this: the quick brown fox jumps over it", ["text_stats"]),
    ],
)
def test_a_named_file_is_read_before_a_tool_works_on_its_text(text: str, chain: list[str]) -> None:
    relevance = {n: 1.0 for n in READER_IO}
    tools, edges, _ = plan_flow(["text_stats"], READER_IO.__getitem__, RequestValues.of(text), relevance, FlowStats())
    assert sorted(tools) == sorted(chain)
    assert all((a, b) in edges for a, b in itertools.pairwise(chain))  # the reader feeds the counter


def test_a_named_file_opens_only_inputs_that_take_material() -> None:
    values = RequestValues.of("what's the weather in the city named in notes.txt")
    assert values.file_only
    assert missing_inputs(READER_IO["weather"], values) == []  # "city" is a parameter, not material
    assert [s.name for s in missing_inputs(READER_IO["text_stats"], values)] == ["text"]
    assert not RequestValues.of("email notes to ann@example.com").file_only
