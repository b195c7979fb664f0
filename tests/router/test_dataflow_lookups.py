"""Chains of lookups behind an action that returns the record it changed (a library service written here).

The service's actions (renew a loan, change a member's contact) return the
whole record they changed, ids included, as many real services do. Such an
action's result exists only after it runs, so its echo of an id does not make
the lookup that finds that id circular; a chosen lookup that fills an id input
only by the weak word ``id`` gives way to a candidate that clearly holds the
thing's ids; and another action of the service feeds an action only when the
request names the thing it changes.
"""

from __future__ import annotations

from typing import Any

from agentfn.evals.chain_misses import classify, tally
from agentfn.router.chain import plan_flow
from agentfn.router.combine import CoUsage
from agentfn.router.dataflow import RequestValues, ToolIO, tool_io
from agentfn.router.flowstats import FlowStats
from agentfn.router.selection import order_chain
from agentfn.router.text import ToolRecord

S = {"type": "string"}


def spec(name: str, desc: str, params: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "description": desc,
            "inputSchema": {"type": "object", "properties": params, "required": list(params)},
            "outputSchema": {"type": "object", "properties": out}}


def arr(**props: Any) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "object", "properties": props}}


LOAN = {"loan_id": S, "member_id": S, "copies": arr(copy_id=S, title=S), "card_id": S, "due": S}
MEMBER = {"member_id": S, "first_name": S, "last_name": S, "phone": S, "loans": {"type": "array", "items": S},
          "cards": arr(card_id=S, kind=S)}
TOOLS = [
    spec("lib__find_member_by_name", "Find a member's id from their first and last name.",
         {"first_name": S, "last_name": S}, {"member_id": S}),
    spec("lib__get_member_profile", "A member's profile: contact, loans and library cards.", {"member_id": S}, MEMBER),
    spec("lib__get_loan", "Details of one loan: the copies borrowed, the card used, the due date.", {"loan_id": S}, LOAN),
    spec("lib__renew_loan", "Renew copies of a loan with a library card.",
         {"loan_id": S, "copy_ids": {"type": "array", "items": S}, "card_id": S}, LOAN),
    spec("lib__modify_member_phone", "Change the phone number on a member's profile.", {"member_id": S, "phone": S}, MEMBER),
    spec("lib__modify_loan_card", "Pay a loan's fees with another library card.", {"loan_id": S, "card_id": S}, LOAN),
]
IO: dict[str, ToolIO] = {t["name"]: tool_io(ToolRecord.of(t)) for t in TOOLS}


def chain(consumer: str, text: str) -> list[str]:
    relevance = {n: 0.5 for n in IO}
    tools, edges, _ = plan_flow([consumer], IO.__getitem__, RequestValues.of(text), relevance, FlowStats())
    return order_chain(tools, edges, {consumer: 0}, {n: i for i, n in enumerate(IO)}, CoUsage())


def test_lookups_behind_an_action_that_echoes_its_record_are_pulled_in_order() -> None:
    got = chain("lib__renew_loan", "Please renew the cookbook I borrowed. I am Ada Byron.")
    assert got == ["lib__find_member_by_name", "lib__get_member_profile", "lib__get_loan", "lib__renew_loan"]


def test_an_action_asked_for_another_thing_is_no_producer() -> None:
    """"modify" is asked, but of the loan's card: changing the member's phone feeds nothing here."""
    got = chain("lib__modify_loan_card", "Modify the card used for my loan. I am Ada Byron.")
    assert "lib__modify_member_phone" not in got
    assert got[-1] == "lib__modify_loan_card"


def test_classify_names_each_way_a_chain_falls_short() -> None:
    gold = ["lib__find_member_by_name", "lib__get_loan", "lib__renew_loan"]
    assert classify(gold, gold, gold) == ["exact"]
    assert classify(gold[::-1], gold, gold) == ["order"]
    assert classify([], gold, gold, abstain=True) == ["abstained"]
    ranked = ["lib__renew_loan", "lib__modify_loan_card", "a", "b", "c", "lib__get_loan"]
    got = classify(["lib__renew_loan", "lib__modify_loan_card"], ranked, gold)
    assert got == ["producer_missing", "producer_outside_top5", "extra"]
    got = classify(["lib__find_member_by_name", "lib__get_loan"], ranked, gold)
    assert got == ["consumer_missing", "consumer_rank_2_3"]
    counts = tally([("lib", ["exact"]), ("lib", ["order"])])
    assert counts["lib"]["requests"] == 2 and counts["lib"]["exact"] == 1 and counts["lib"]["order"] == 1


HOME = [
    spec("home__read_document", "Read a document from the user's files.", {"file_path": S}, {"content": S}),
    spec("home__update_contact_details", "Change the user's street, city and phone.",
         {"street": S, "city": S, "phone": S}, {"street": S, "city": S}),
    spec("home__delete_document", "Delete a document from the user's files.", {"file_path": S}, {"deleted": S}),
    spec("other__read_document", "Read a document from another service's drive.", {"file_path": S}, {"content": S}),
]
HOME_IO: dict[str, ToolIO] = {t["name"]: tool_io(ToolRecord.of(t)) for t in HOME}


def home_chain(consumer: str, text: str) -> list[str]:
    relevance = {n: 0.5 for n in reversed(list(HOME_IO))}  # the other service's reader is offered first
    tools, edges, _ = plan_flow([consumer], HOME_IO.__getitem__, RequestValues.of(text), relevance, FlowStats())
    return order_chain(tools, edges, {consumer: 0}, {n: i for i, n in enumerate(HOME_IO)}, CoUsage())


def test_an_action_done_as_a_named_file_says_reads_it_first_with_its_own_service() -> None:
    got = home_chain("home__update_contact_details", "Update my contact details as 'moving-notice.txt' says.")
    assert got == ["home__read_document", "home__update_contact_details"]


def test_a_file_the_action_takes_itself_is_not_read_first() -> None:
    assert home_chain("home__delete_document", "Delete 'moving-notice.txt'.") == ["home__delete_document"]


def test_a_quoted_file_name_is_no_pasted_text() -> None:
    assert RequestValues.of("Update my details as 'moving-notice.txt' says").file_only
    assert not RequestValues.of("Write 'we moved to Oslo' into moving-notice.txt").file_only
