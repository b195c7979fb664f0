"""The plan's lead on mounted servers: unnamed tools of other servers do not run before the top."""

from __future__ import annotations

from agentfn.router.leads import names_service, naming_words, unnamed_leads
from agentfn.router.selection import Selection
from agentfn.router.text import ToolRecord


def _records(*names: str, described: dict[str, str] | None = None) -> dict[str, ToolRecord]:
    return {n: ToolRecord(name=n, description=(described or {}).get(n, "")) for n in names}


def test_service_words_of_namespaced_and_plain_names() -> None:
    assert {"garden", "shed"} <= naming_words("garden_shed__open_door")
    assert "gardenshed" in naming_words("garden_shed__open_door")
    assert "mealpal" in naming_words("mealpalOrderLunch")
    assert naming_words("get_x") == frozenset()  # a short first word names no service


def test_names_service_by_word_or_squashed() -> None:
    assert names_service("mealpal__order_lunch", "", "order a salad with MealPal")
    assert names_service("mealpal__order_lunch", "", "order a salad on Meal-Pal please")
    assert not names_service("mealpal__order_lunch", "", "order a salad for lunch")


def test_foreign_unnamed_producer_before_the_top_is_dropped() -> None:
    top = "bakery__place_order"
    sel = Selection(["radio__list_history", top, "bakery__send_receipt"],
                    {("radio__list_history", top)}, ["radio__list_history"], [])
    out = unnamed_leads(sel, top, "order two loaves for pickup at 5pm", _records(*sel.selected))
    assert out.selected == [top, "bakery__send_receipt"]
    assert out.pulled == [] and out.edges == set()


def test_named_service_keeps_its_place() -> None:
    top = "bakery__place_order"
    sel = Selection(["radio__list_history", top], set(), [], [])
    text = "check what played on the radio, then order two loaves"
    assert unnamed_leads(sel, top, text, _records(*sel.selected)).selected == sel.selected


def test_same_server_producer_still_runs_first() -> None:
    top = "bakery__cancel_order"
    sel = Selection(["weather__get_forecast", "bakery__find_customer", "bakery__list_staff", top],
                    {("bakery__find_customer", top)}, ["bakery__find_customer"], [])
    out = unnamed_leads(sel, top, "cancel my order, I am Ana", _records(*sel.selected))
    # the foreign one goes; the producer of the top stays before it, the other same-server tool follows it
    assert out.selected == ["bakery__find_customer", top, "bakery__list_staff"]


def test_plain_registry_keeps_its_data_flow_chain() -> None:
    sel = Selection(["geocode", "get_weather"], {("geocode", "get_weather")}, ["geocode"], [])
    out = unnamed_leads(sel, "get_weather", "weather in Lyon tomorrow", _records(*sel.selected))
    assert out is sel


def test_top_already_leading_or_absent_is_unchanged() -> None:
    sel = Selection(["bakery__place_order", "radio__play"], set(), [], [])
    assert unnamed_leads(sel, "bakery__place_order", "order bread", _records(*sel.selected)) is sel
    assert unnamed_leads(sel, "bakery__other", "order bread", _records(*sel.selected)) is sel


def test_brand_in_description_counts_as_named() -> None:
    top = "bakery__place_order"
    records = _records("get_song_tunely", top, described={"get_song_tunely": "Look up a song on Tunely."})
    sel = Selection(["get_song_tunely", top], set(), [], [])
    assert unnamed_leads(sel, top, "find the song on tunely and order bread", records).selected == sel.selected
    assert unnamed_leads(sel, top, "order bread", records).selected == [top]


def test_pulled_producer_that_changes_state_does_not_lead() -> None:
    top = "bakery__cancel_order"
    sel = Selection(["bakery__update_address", "bakery__find_customer", top],
                    {("bakery__update_address", top), ("bakery__find_customer", top)},
                    ["bakery__update_address", "bakery__find_customer"], [])
    out = unnamed_leads(sel, top, "cancel my order please", _records(*sel.selected))
    assert out.selected == ["bakery__find_customer", top]  # the lookup still feeds it; the change is gone
    assert out.pulled == ["bakery__find_customer"]
