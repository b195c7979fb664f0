"""The lead of a plan on mounted servers: an unnamed tool of another server does not run before the top.

A forced call (``follow_route``) runs the plan's head, ``selected[0]``. Data flow and step anchors
(:mod:`agentfn.router.selection`) may put tools before the ranking's best tool: a producer of an input the
request does not give, or the best tool of a sentence that only says who the user is. On a registry of
mounted servers (tools namespaced ``server__tool``: :func:`agentfn.router.servers.server_of`), a tool put
there from *another* server, whose service the request never names, is almost always noise: "send a
transaction to <IBAN> that includes ... (as visible from the transaction history)" does not first read a
music service's listening history; "exchange the T-shirt ... use the gift card" does not first create a
gift card with a gift-card API. :func:`unnamed_leads` drops such tools from before the top, so the top
leads the plan, and keeps everything else:

* only when the top is namespaced (a request answered by one mounted server; un-namespaced registries,
  such as a user's own ``geocode`` and ``get_weather``, keep their data-flow chains untouched);
* only tools *before* the top that are not of its server, and whose service the request does not name
  (:func:`names_service`: a word of its server, a brand of its name (:func:`agentfn.router.brands.brand_words`),
  or the first word of an un-namespaced name: "fetch backup.zip on *pCloud*, then ..." names
  ``pcloud_download_file``). A named tool stays: the request asks for that service;
* a tool pulled in only as a producer (``Selection.pulled``) that changes state
  (:func:`agentfn.router.mood.changes_state`) goes too, from any server: an input is looked up, not made
  by changing something first ("cancel my order" does not first modify the user's address to read its orders);
* when some were dropped, the rest of the tools before the top that do not feed it (no data-flow edge
  reaches the top from them) follow it: they were anchored by sentences of a story around one action
  ("You ordered ... Your address is ..."), and the top is that action. Its own producers still run first.

The dropped tools leave the selection's ``pulled``/``shown`` lists and its edges too, so they are not lifted
into the offered tools either (:func:`agentfn.router.chain.lift_pulled`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from agentfn.router.brands import brand_words
from agentfn.router.mood import changes_state
from agentfn.router.selection import Selection
from agentfn.router.servers import server_of
from agentfn.router.text import ToolRecord, split_name, tokenize

__all__ = ["names_service", "naming_words", "unnamed_leads"]

_MIN_WORD = 3
"""Shortest server word that names a service (``aws`` of ``aws__s3_list``)."""
_MIN_FIRST = 4
"""Shortest first name word of an un-namespaced tool that names a service (``uber`` of ``uber_estimate_fare``)."""


def naming_words(name: str, description: str = "") -> frozenset[str]:
    """The words that name a tool's service: its server's words (and the server squashed), its brand
    words, and, for an un-namespaced name, its first word."""
    out = set(brand_words(name, description))
    server = server_of(name)
    if server:
        out |= {w for w in tokenize(" ".join(split_name(server))) if len(w) >= _MIN_WORD}
        out.add(re.sub(r"[^a-z0-9]", "", server.lower()))
    else:
        words = [w for w in tokenize(" ".join(split_name(name))) if w]
        if words and len(words[0]) >= _MIN_FIRST:
            out.add(words[0])
    return frozenset(w for w in out if w)


def names_service(name: str, description: str, text: str) -> bool:
    """Whether ``text`` names the service of tool ``name``: one of its :func:`naming_words` as a word, or
    (four letters or more) inside the request with spaces and punctuation squashed ("Cal.com", "pCloud")."""
    words = set(re.findall(r"[a-z0-9]+", text.lower()))
    squashed = re.sub(r"[^a-z0-9]", "", text.lower())
    return any(w in words or (len(w) >= _MIN_FIRST and w in squashed) for w in naming_words(name, description))


def unnamed_leads(selection: Selection, top: str, text: str, records: Mapping[str, ToolRecord]) -> Selection:
    """``selection`` without the tools before ``top`` (the ranking's best tool) that come from another server
    than ``top``'s and whose service ``text`` does not name; unchanged when ``top`` is not namespaced or not
    in the chain after such a tool (see the module docstring)."""
    chain = selection.selected
    server = server_of(top)
    if not server or top not in chain[1:]:
        return selection
    before = chain[: chain.index(top)]

    def unnamed(name: str) -> bool:
        if name in selection.pulled and changes_state(name):  # a producer that would change something first
            return True
        record = records.get(name)
        return server_of(name) != server and not names_service(name, record.description if record else "", text)

    drop = {name for name in before if unnamed(name)}
    if not drop:
        return selection
    edges = {(p, c) for p, c in selection.edges if p not in drop and c not in drop}
    feeds = _feeders(top, edges)
    kept = [name for name in before if name not in drop]
    return Selection(
        [name for name in kept if name in feeds] + [top]
        + [name for name in kept if name not in feeds] + chain[chain.index(top) + 1 :],
        edges,
        [name for name in selection.pulled if name not in drop],
        [name for name in selection.shown if name not in drop],
    )


def _feeders(name: str, edges: set[tuple[str, str]]) -> set[str]:
    """The tools whose output reaches ``name`` through ``edges`` (producers, their producers...)."""
    out: set[str] = set()
    todo = [name]
    while todo:
        consumer = todo.pop()
        for p, c in edges:
            if c == consumer and p not in out and p != name:
                out.add(p)
                todo.append(p)
    return out
