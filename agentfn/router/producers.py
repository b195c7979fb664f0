"""Which tool may produce a missing input: services, id stems, and self-feeding lookups.

:mod:`agentfn.router.chain` asks, for each open required input of a chosen
tool, which candidate fills it; :func:`flow_score` says how well the words
match. This module says how far a candidate may be trusted as *the* producer:

* **Service**: a producer of the consumer's own service (``server__tool``
  namespace, or a shared brand word at either end of both names:
  ``pcloud_list_files`` / ``pcloud_download_file``,
  ``get_menu_opentable`` / ``search_restaurants_opentable``) is trusted
  fully; a producer of another *named* service is not used at all (an Okta
  user id does not feed a Slack call); when one side names no service, the
  match is discounted (:func:`service_affinity`).
* **Id stems**: an id-like input (``user_id``, ``originSkyId``,
  ``location_key``, ``iata_code``) is filled only by an output that carries
  an identifier: a field whose name ends in a stem (``id``, ``key``,
  ``code``, ``symbol``...) or whose description says it holds ids. A list of
  ``messages`` with no id field does not fill ``message_id``
  (:func:`id_evidence`).
* **Self-feeding**: a candidate that needs, itself, an input of the same
  name it is asked to produce (``get_order_details(order_id)`` for another
  tool's ``order_id``) cannot be the first step: it is skipped
  (:func:`needs_same_input`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from agentfn.router.dataflow import IOSlot, ToolIO, name_words, slot_key
from agentfn.router.servers import server_of
from agentfn.router.text import split_name

__all__ = ["ID_STEMS", "MAKES", "READS", "changes_state", "id_evidence", "needs_same_input", "service_affinity", "service_words"]

ID_STEMS = frozenset(["id", "key", "code", "symbol", "iata", "icao", "sku", "slug", "handle", "isbn", "number"])
"""Name stems of an identifier field (``skyId``, ``location_key``, ``iata_code``)."""
_ID_DESC = frozenset(["id", "identifier", "key", "code"])
_FILLER = frozenset(
    ["get", "list", "search", "find", "create", "update", "delete", "add", "set", "send", "fetch", "check", "track",
     "cancel", "book", "post", "put", "remove", "lookup", "query", "by", "for", "api", "v1", "v2", "v3", "all",
     "new", "my", "the", "of", "to", "from", "in", "on", "with", "and", "or", "a", "an"]
)


@functools.lru_cache(maxsize=1 << 16)
def service_words(name: str) -> tuple[str, frozenset[str]]:
    """(namespace, brand words) of a tool name: ``("", {"pcloud"})`` for ``pcloud_list_files``.

    A namespaced name (``server__tool``) has its server; otherwise the first and
    last words of the name, when they are not verbs or filler, are candidate
    brand words (``zohoMailListUnreadEmails`` -> zoho, email); a verb and one
    word give that word (``coingecko_search`` -> coingecko, ``read_file`` -> file).
    """
    server = server_of(name)
    if server:
        return server.lower(), frozenset()
    words = [w for w in name_words(name) if w not in _FILLER]
    if len(words) == 1 and len(split_name(name)) > 1:
        return "", frozenset(words)  # a verb and one word: ``coingecko_search``, ``read_file`` (both ends at once)
    if len(words) < 2:
        return "", frozenset()
    return "", frozenset({words[0], words[-1]})


def service_affinity(producer: ToolIO, consumer: ToolIO, said: str = "") -> float:
    """How far a producer's service fits the consumer's: 1 same, 0 another named service, else a discount.

    Two namespaced names must share their namespace. Two plain names sharing a
    brand word at either end (``ebay_search_products`` / ``ebay_add_cart_item``)
    are one service; two plain names sharing none may still be (``searchAirport``
    / ``searchFlights``): 0.85. One namespaced and one plain: 0.5. When the
    request (``said``: lower-cased, no spaces, see
    :attr:`~agentfn.router.dataflow.RequestValues.squashed`) names the consumer's
    service (its namespace or a brand word, :attr:`~agentfn.router.dataflow.ToolIO.brands`)
    and not the producer's, a producer of another (named or branded) service drops to 0.3.
    """
    ps, pw = service_words(producer.name)
    cs, cw = service_words(consumer.name)
    if ps and cs:
        return 1.0 if ps == cs else 0.0
    if not ps and not cs and (pw & cw or producer.brands & consumer.brands):
        return 1.0
    mine = {cs} if cs else consumer.brands
    theirs = {ps} if ps else producer.brands
    named = [w for w in mine if w.replace("_", "") in said]
    if theirs and not theirs & mine and named and not any(w.replace("_", "") in said for w in theirs):
        return 0.3  # the request names the consumer's service, and the producer belongs to another one
    return 0.5 if ps or cs else 0.85


MAKES = frozenset(["onboard", "enroll", "generate", "hire", "register", "subscribe", "void", "deploy", "provision",
                   "launch", "issue", "draft", "compose", "spin"])
"""Verbs of a tool name that make something new besides data flow's actions: such a tool is no lookup."""


READS = frozenset(["get", "list", "search", "find", "fetch", "retrieve", "read", "show", "lookup", "look", "query",
                   "view", "describe", "check", "count", "browse"])
"""Verbs that only read: a name whose first verb is one of these changes nothing (``get_order``, ``list_refunds``)."""


def changes_state(io: ToolIO) -> frozenset[str]:
    """The verbs of ``io``'s name that change something (``create``, ``send``, ``onboard``...).

    The name's first verb decides: ``get_order`` reads an order (``order`` there is its object),
    ``order_pizza`` and ``cancel_order`` change something.
    """
    changing = io.actions | (frozenset(name_words(io.name)) & MAKES)
    for raw in split_name(io.name):  # raw words: "get" is a stop word to name_words
        w = raw.lower()
        if w in READS:
            return frozenset()
        if frozenset(name_words(w)) & changing:
            break
    return changing


def _id_like(slot: IOSlot) -> bool:
    return slot.kind in ("id", "code") or bool(slot.words & ID_STEMS)


def id_evidence(src: ToolIO, dst: IOSlot) -> float:
    """1.0 when ``src`` can hand over an identifier for the id-like input ``dst`` (or ``dst`` is not id-like).

    An output carries an identifier when its name holds an id stem or its kind
    is id/code, or its description speaks of ids. A guessed output (no schema)
    carries one when the tool's name does (``get_movie_id``). Otherwise 0.6:
    a list of things without their ids names them but does not hand them over.
    """
    if not _id_like(dst):
        return 1.0
    for out in src.outputs:
        if _id_like(out) or out.desc & _ID_DESC:
            return 1.0
    return 0.6


def needs_same_input(candidate: ToolIO, slot: IOSlot, open_inputs: Iterable[IOSlot]) -> bool:
    """Whether ``candidate`` itself has an open input of the same name (or the same id stem and object) as ``slot``."""
    key = slot_key(slot.name)
    return any(slot_key(s.name) == key or (s.words == slot.words and _id_like(s)) for s in open_inputs)
