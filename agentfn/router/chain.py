"""Chains that follow data flow: pull in the tools a selection needs, and order them.

:func:`plan_flow` grows a selection along data flow (:mod:`agentfn.router.dataflow`):

* *producers*: for every required input of a chosen tool that the request does
  not give, a chosen tool that produces it is linked; otherwise the best
  producer among the request's candidates (a lookup, or a tool whose action,
  such as "create" or "send", the request asks for) (``flow x (0.5 + 0.5 x relevance)``,
  lower when the producer itself has open inputs; learned flow counts too)
  joins, before it, and its own open inputs are looked at in turn. The flow is
  weighed by :mod:`agentfn.router.producers` (the consumer's own service first,
  id-like inputs only from outputs carrying ids), and a candidate that needs the
  value it should find, or one only its consumer gives, is skipped (a value an action
  also returns, such as the order it changed, counts only when no lookup gives it:
  the action's result exists after it); a chosen tool that fills an id input
  only by the weak word ``id`` gives way to a candidate that fills it clearly
  better; another action joins as a producer only when the request names its
  action and a thing of it the consumer's name does not; no chosen tool feeds
  one it depends on (no cycles); when no
  candidate's outputs fit and the request names a page or a file, the reader
  of it (``get_webpage(url)``, ``read_file(path)``) is the producer; a free-text
  input the request fills only by relation ("the capital of Peru") is open when
  a candidate's output has that name (:func:`~agentfn.router.dataflow.relation_flow`),
  and a chosen tool that needs the same value open itself is no producer of it.
  Beyond the request's candidates, producers come from the whole registry
  (``more``: :class:`~agentfn.router.flowindex.ProducerIndex`, relevance 0): such
  an outsider joins only from the consumer's own service, or when the request
  gives all it needs. When the request names a file, its text comes from a
  reader of files, or from a tool that works on text (a summary) fed by one;
* *consumers*: a top-ranked candidate whose open input a chosen tool produces
  joins when the request opens with the verb of its name ("translate ...")
  or uses an object word of its name that no chosen tool's name holds ("the weather where my IP is": ``get_my_ip`` ->
  ``ip_location`` -> ``weather``; "find hotels" -> the hotel search a
  destination lookup feeds), or a word of its description when a chosen tool
  outputs a field of the very name of its open input (``tracking_number``);
  one the request opens with the verb of that takes a message (``text``) joins
  after the chain's last finding, which the message reports ("*post* how many
  leave days Mia has left in #hr");
* *the named file's reader*: a request that names a file or page and asks for
  an action that takes none ("update my address as move.txt says") pulls a
  reader of files of the action's own service before it;
* *finishing operations* (:mod:`agentfn.router.finishing`): the conversion, aggregate or
  comparison the request asks for on the numbers the chain finds ("in euros", "warmer than");
* *ordering edges* between tools chosen for other reasons (two steps of the
  request) whose outputs clearly feed each other.

:func:`~agentfn.router.flowlinks.inspectors` finds, for a chosen tool that changes something identified by an id
(``cancel_order(order_id)``), the lookup of its own service that shows that same thing
(``get_order(order_id)``): an agent reads it before acting, so it belongs in front of the
model, though not in ``selected`` (nothing in the request asks for it).
:func:`lift_pulled` then moves the pulled tools (and those lookups, where room is left)
into the top of ``ranked``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from agentfn.router.dataflow import (
    ACTIONS,
    IOSlot,
    RequestValues,
    ToolIO,
    describes_material,
    flow_score,
    is_payload,
    missing_inputs,
    name_words,
    reads_source,
    relation_flow,
    slot_key,
)
from agentfn.router.finishing import finishing_tools, reporter
from agentfn.router.flowstats import FlowStats
from agentfn.router.producers import (
    MAKES,
    READS,
    changes_state,
    id_evidence,
    needs_same_input,
    service_affinity,
)

__all__ = ["lift_pulled", "plan_flow"]

_SURE = 0.75
"""A chosen tool whose output fills an open input at least this well is its producer, whatever else ranks."""
_CLEARLY = 0.3
"""Below :data:`_SURE`, a candidate that fills an id input this much better joins as its producer instead
(``item_ids`` from an order's items, not from a user's id: only the weak word ``id`` links those)."""


class _Chain:
    def __init__(
        self, io_of: Callable[[str], ToolIO], values: RequestValues, relevance: dict[str, float], stats: FlowStats, min_flow: float,
        more: Callable[[IOSlot], Sequence[str]] | None = None,
    ) -> None:
        self.io_of = io_of
        self.more = more
        self.values = values
        self.relevance = relevance
        self.stats = stats
        self.min_flow = min_flow
        self.learned = None if stats.empty else stats.share_from_result
        self.tools: list[str] = []
        self.edges: set[tuple[str, str]] = set()
        self.pulled: list[str] = []
        self.relation_cache: dict[tuple[str, str], list[str]] = {}

    def flow(self, src: str, dst: str, slot: IOSlot) -> float:
        sio = self.io_of(src)
        return max(flow_score(sio, slot), self.stats.boost(sio, dst, slot), relation_flow(sio, slot, self.values.relations))

    def producer_flow(self, src: str, dst: str, slot: IOSlot) -> float:
        """Flow from a candidate producer, discounted by service and id evidence (:mod:`agentfn.router.producers`);
        a link traces taught is kept as learned."""
        sio = self.io_of(src)
        named = max(flow_score(sio, slot), relation_flow(sio, slot, self.values.relations))
        named *= service_affinity(sio, self.io_of(dst), self.values.squashed) * id_evidence(sio, slot)
        return max(named, self.stats.boost(sio, dst, slot))

    def circular(self, cand: str, consumer: str, slot: IOSlot) -> bool:
        """Whether ``cand`` needs, to run, the very value it should find (``get_order_details(order_id)`` for an
        ``order_id``), or a value only ``consumer`` gives (the user's details for the email that finds the user);
        a value a consumer that changes something also returns does not count when a lookup gives it."""
        needs = self.open_inputs(cand, besides=(consumer,))  # "Jonas's manager": the consumer answers it
        if needs_same_input(self.io_of(cand), slot, needs):
            return True
        cio = self.io_of(consumer)
        given = [s for s in needs if flow_score(cio, s) >= self.min_flow]
        if given and changes_state(cio):
            # An action's result (the order it changed) exists only after it: a value it also returns still
            # comes first from a lookup that gives it (a user's id from a search by name), when one exists.
            return not all(self.other_source(s, (cand, consumer)) for s in given)
        return bool(given)

    def other_source(self, slot: IOSlot, besides: tuple[str, ...]) -> bool:
        """Whether a candidate lookup other than ``besides`` produces ``slot`` (and does not need it itself)."""
        for name in self.relevance:
            if name in besides or changes_state(self.io_of(name)) or flow_score(self.io_of(name), slot) < self.min_flow:
                continue
            if not needs_same_input(self.io_of(name), slot, self.open_inputs(name)):
                return True
        return False

    def may_produce(self, name: str, consumer: str | None = None) -> bool:
        """Whether ``name`` may join as a producer: a tool that changes something (creates, sends,
        cancels...) joins only when the request asks for that action, and (for ``consumer``) names a thing
        of it that the consumer's name does not (``modify_user_address`` does not feed ``modify_order_items``
        because the request says "modify"); lookups always may."""
        io = self.io_of(name)
        actions = changes_state(io)
        if not actions:
            return True
        if not actions & self.values.words and self.values.verb not in io.object_words:
            return False  # "*Invoice* Dana for 1,200 EUR": a thing's name used as the verb asks to make one
        own = io.object_words - (self.io_of(consumer).object_words if consumer else frozenset[str]())
        return not own or bool(own & self.values.words)

    def open_inputs(self, name: str, besides: tuple[str, ...] = ()) -> list[IOSlot]:
        """Required inputs the request leaves open, and free-text ones it names only by relation ("the capital
        of Peru" for ``city``) when a candidate's output gives that relation: not one ``name`` feeds, nor one of
        ``besides`` ("Jonas's *manager*": the tool that finds the manager takes Jonas from the finder of him)."""
        io = self.io_of(name)
        out = missing_inputs(io, self.values, self.learned)
        if self.values.relations and not self.answers(name):
            out += [s for s in io.inputs if s.required and s not in out and self.related(name, s, besides)]
        return out

    def answers(self, name: str) -> bool:
        """Whether ``name`` outputs a value the request names by relation ("the *city* where the Eiffel Tower is"
        for a landmark lookup returning ``city``): its inputs take the named thing, not the relation's value."""
        return any(not o.inferred and o.words & self.values.relations for o in self.io_of(name).outputs)

    def related(self, name: str, slot: IOSlot, besides: tuple[str, ...] = ()) -> bool:
        key = (name, slot.name)
        if key not in self.relation_cache:
            self.relation_cache[key] = [
                c for c in self.relevance
                if c != name and relation_flow(self.io_of(c), slot, self.values.relations) >= self.min_flow]
        return any(c not in besides and not self.feeds(name, c) for c in self.relation_cache[key])

    def unfed(self, name: str) -> int:
        """Open inputs of ``name`` that no chosen tool produces."""
        return sum(
            1 for slot in self.open_inputs(name)
            if not any(self.flow(t, name, slot) >= self.min_flow for t in self.tools if t != name)
        )

    def producers(self, frontier: list[str], depth: int) -> None:
        for _ in range(depth):
            nxt: list[str] = []
            for consumer in frontier:
                for slot in self.open_inputs(consumer):
                    # A chosen tool that itself needs this value open is no first source of it; one that needs a value
                    # the consumer gives (two lookups feeding each other) only when no other producer is found.
                    have = [(self.flow(o, consumer, slot), o) for o in self.tools
                            if o != consumer and not needs_same_input(self.io_of(o), slot, self.open_inputs(o))
                            and not self.feeds(consumer, o)]
                    have = [(f, o) for f, o in have if f >= self.min_flow]
                    mutual = [(f, o) for f, o in have if self.circular(o, consumer, slot)]
                    have = [p for p in have if p not in mutual]
                    if not have and is_payload(slot) and not self.values.file_only and not self.material_producer(consumer, slot):
                        # a chosen lookup's finds are material (not when the request names a file: its text comes
                        # from a reader of it; nor when a candidate turns what was found into text, a transcript)
                        have = [(_SURE, o) for o in self.tools if o != consumer and not changes_state(self.io_of(o))
                                and self.io_of(o).outputs and not self.io_of(o).outputs[0].inferred]
                    if have and (max(have)[0] >= _SURE or slot.kind not in ("id", "code")):
                        self.edges.add((max(have)[1], consumer))
                        continue
                    best_name, best_f = self.best_producer(consumer, slot)
                    if have and (best_name is None or best_f < max(have)[0] + _CLEARLY):
                        self.edges.add((max(have)[1], consumer))  # a chosen tool fills it, only by a weak word: kept
                        continue  # unless a candidate clearly fills it better (``item_id`` of an order, not a user id)
                    if best_name is None and mutual:
                        self.edges.add((max(mutual)[1], consumer))
                        continue
                    if best_name is None and self.values.file_only:
                        best_name = self.reader(consumer, slot)
                    if best_name is not None:
                        self.tools.append(best_name)
                        self.pulled.append(best_name)
                        self.edges.add((best_name, consumer))
                        nxt.append(best_name)
            frontier = nxt
            if not frontier:
                return

    def material_producer(self, consumer: str, slot: IOSlot) -> bool:
        """Whether a candidate not chosen yet hands over material (a ``transcript``, a page's ``content``) for
        ``consumer``'s payload input ``slot`` and a chosen tool feeds it: "summarize the latest episode" reads
        the episode's transcript, not the episode list."""
        if not describes_material(self.values):
            return False
        name, f = self.best_producer(consumer, slot)
        if name is None or f < 0.7:
            return False
        return any(self.flow(t, name, s) >= _SURE for s in self.open_inputs(name) for t in self.tools if t != consumer)

    def best_producer(self, consumer: str, slot: IOSlot) -> tuple[str | None, float]:
        """The candidate that best produces ``slot`` of ``consumer`` (relevance, service, what it needs itself), with its flow."""
        best, best_name, best_f = 0.0, None, 0.0
        for cand, rel in self.candidates(slot):
            if cand == consumer or cand in self.tools or not self.may_produce(cand, consumer) or self.fixed(cand):
                continue
            if cand not in self.relevance and not self.trusted_outsider(cand, consumer):
                continue
            f = self.producer_flow(cand, consumer, slot)
            if f < self.min_flow or self.circular(cand, consumer, slot):
                continue
            # A producer the request (or the chain) can feed beats one that needs yet another tool.
            s = f * (0.5 + 0.5 * rel) * max(0.4, 1.0 - 0.25 * self.unfed(cand))
            cio = self.io_of(cand)
            s *= self.place_fit(cio)
            if self.values.file_only and is_payload(slot) and not reads_source(cio) and not any(
                    is_payload(i) for i in cio.inputs if i.required):
                s *= 0.25  # the request names a file: its text comes from a reader of files (or a tool working on it)
            if s > best:
                best, best_name, best_f = s, cand, f
        return best_name, best_f

    def place_fit(self, io: ToolIO) -> float:
        """1.25 for a tool that takes an ``address`` when the request spells out a street address ("1600
        Amphitheatre Parkway"), 0.8 when it names its places only by name ("the Sydney Opera House", "Machu
        Picchu", which a lookup of places by name reads better) and none by relation; 1.0 for a tool that takes
        no address."""
        if not any(s.required and s.words & _ADDRESS for s in io.inputs):
            return 1.0
        if self.values.available("street"):
            return 1.25
        return 1.0 if self.values.relations else 0.8  # "the capital of Kenya": a place its relation's producer names

    def fixed(self, cand: str) -> bool:
        """Whether ``cand`` returns one fixed record the request does not name: a tool that takes no input
        and returns no list (the space station's position, my IP) gives the same value whatever is asked, so
        it feeds a consumer only when the request uses a word of its name ("below the *ISS*", "my *IP*")."""
        io = self.io_of(cand)
        if io.inputs or not io.outputs or io.outputs[0].inferred or any(o.type == "array" for o in io.outputs):
            return False
        return not io.object_words & self.values.words

    def source_reader(self) -> None:
        """A request that names a file or page and asks for an action that takes none ("update my address as
        move.txt says"): the action's values are in it, so a reader of files (or pages) of the action's own
        service joins before it (found among the candidates, then registry-wide)."""
        if not self.values.file_only or any(_takes_source(self.io_of(t)) for t in self.tools):
            return
        anchor = next((t for t in self.tools if changes_state(self.io_of(t))), None)
        if anchor is None:
            return
        outside = self.more(_CONTENT) if self.more is not None else ()
        for cand in [*self.relevance, *(n for n in outside if n not in self.relevance)]:
            cio = self.io_of(cand)
            if cand in self.tools or not reads_source(cio) or changes_state(cio) or self.open_inputs(cand):
                continue
            if service_affinity(cio, self.io_of(anchor), self.values.squashed) >= 1.0:
                self.tools.append(cand)
                self.pulled.append(cand)
                self.edges.add((cand, anchor))
                return

    def feeds(self, src: str, dst: str) -> bool:
        """Whether ``src`` already feeds ``dst`` along the chain's edges (so ``dst`` cannot feed ``src``)."""
        seen, todo = {src}, [src]
        while todo:
            cur = todo.pop()
            for p, c in self.edges:
                if p == cur and c not in seen:
                    if c == dst:
                        return True
                    seen.add(c)
                    todo.append(c)
        return False

    def candidates(self, slot: IOSlot) -> list[tuple[str, float]]:
        """The request's candidates with their relevance, then registry-wide producers of ``slot`` (relevance 0)."""
        out = list(self.relevance.items())
        if self.more is not None:
            out += [(n, 0.0) for n in self.more(slot) if n not in self.relevance]
        return out

    def trusted_outsider(self, cand: str, consumer: str) -> bool:
        """Whether a producer the request does not rank may join: the consumer's own service, or one the
        request feeds by itself (no open input), so it starts no chain of its own."""
        cio, pio = self.io_of(consumer), self.io_of(cand)
        return service_affinity(pio, cio, self.values.squashed) >= 1.0 or not self.open_inputs(cand)

    def reader(self, consumer: str, slot: IOSlot) -> str | None:
        """The most relevant reader of the page or file the request names (``get_webpage(url)``), for an
        input nothing else produces ("her e-mail is on her website www.x.com"), or None."""
        ranked = sorted(self.relevance.items(), key=lambda p: -p[1])
        for cand, _ in ranked:
            if cand == consumer or cand in self.tools or not reads_source(self.io_of(cand)):
                continue
            if service_affinity(self.io_of(cand), self.io_of(consumer), self.values.squashed) <= 0.0:
                continue  # a reader of another named service does not read this one's files
            if self.may_produce(cand, consumer) and not self.open_inputs(cand) and not self.circular(cand, consumer, slot):
                return cand
        return None

    def consumer(self, top: Sequence[str], depth: int) -> str | None:
        """Add the first top-ranked tool the request mentions for itself that chosen tools feed (with its producers).

        "Mentions for itself": the request uses an object word of its name (``searchHotels`` -> hotel) that
        no chosen tool's name holds. A word only its description shares ("cheapest" for
        ``searchFlightEverywhere`` beside ``searchFlights``) does not make it a step of the request.
        """
        covered = frozenset[str]().union(*(self.io_of(t).object_words for t in self.tools))
        for cand in top:
            if cand in self.tools:
                continue
            # A word naming a value by relation ("the *city* where the Rijksmuseum is") names no step.
            if not (self.values.words & self.io_of(cand).object_words) - covered - self.values.relations \
                    and not self.asked(cand) \
                    and not self.handed_on(cand):
                continue
            if not self.open_inputs(cand):
                continue
            told = self.reported(cand)  # before ``cand`` joins: its verb is no chosen tool's yet
            before = (list(self.tools), set(self.edges), list(self.pulled))
            old = set(self.tools)
            self.tools.append(cand)
            self.pulled.append(cand)
            self.producers([cand], depth)
            if any(p in old and c not in old for p, c in self.edges):
                return cand  # linked to what was chosen: one chain
            if told is not None and not self.feeds(cand, told):
                self.edges.add((told, cand))
                return cand
            self.tools, self.edges, self.pulled = before
        return None

    def reported(self, cand: str) -> str | None:
        """The chosen lookup whose findings ``cand`` passes on, when the request opens with ``cand``'s verb and
        ``cand`` takes a message or other material ("*Post* how many leave days Mia has left in #hr"): the last
        chosen tool that changes nothing, has declared outputs and feeds no other (the chain's finding); None
        otherwise."""
        if not self.asked(cand) or not any(s.required and is_payload(s) for s in self.io_of(cand).inputs):
            return None
        feeding = {p for p, _ in self.edges}
        readers = [t for t in self.tools if not changes_state(self.io_of(t)) and self.io_of(t).outputs
                   and not self.io_of(t).outputs[0].inferred and t not in feeding]
        return readers[-1] if readers else None

    def asked(self, cand: str) -> bool:
        """Whether the request opens with the verb of ``cand``'s name ("*Translate* my notes file ...") and of
        no chosen tool's: the action asked for, though a lookup ranks above it."""
        verb = self.values.verb
        said = {verb, *_SAME_ACT.get(verb, ())}  # "*book* a hotel" asks for ``hotel_reserve``
        return bool(verb) and bool(said & set(name_words(cand))) and not any(said & set(name_words(t)) for t in self.tools)

    def handed_on(self, cand: str) -> bool:
        """Whether a chosen tool outputs a field of the very name of ``cand``'s open input (``tracking_number``
        for ``shipment_track(tracking_number)``) and the request uses a word of ``cand``'s description that no
        chosen tool's name or description holds ("the delivery status of their *parcel*")."""
        # What chosen tools already account for: their names, descriptions and inputs ("the Eastside *branch*"
        # is the pickup ``branch`` of the hold being placed, no sign of a branch's availability check).
        said = frozenset[str]().union(*(self.io_of(t).text_words | self.io_of(t).input_words for t in self.tools))
        if not (self.values.words & self.io_of(cand).text_words) - said - ACTIONS - READS - MAKES - _WHEN:
            return False  # a verb ("add", "place") or a time ("right *now*") is no sign of a thing the request is about
        opened = self.open_inputs(cand)
        if opened and describes_material(self.values) and all(is_payload(s) for s in opened):
            return True  # "a Spanish *summary* of the newest episode": what was found, made into text, is worked on
        keys = {slot_key(s.name) for s in opened}
        return any(slot_key(o.name) in keys for t in self.tools for o in self.io_of(t).outputs if not o.inferred)

    def order_edges(self) -> None:
        for a in self.tools:
            aio = self.io_of(a)
            for b in self.tools:
                if a == b or (a, b) in self.edges or (b, a) in self.edges or self.feeds(b, a):
                    continue
                bio = self.io_of(b)
                ab = max((flow_score(aio, s) for s in bio.inputs), default=0.0)
                ba = max((flow_score(bio, s) for s in aio.inputs), default=0.0)
                if ab >= max(self.min_flow, ba + 0.2):
                    self.edges.add((a, b))


_ADDRESS = frozenset(["address", "street"])
_SAME_ACT = {"book": ("reserve",), "reserve": ("book",), "buy": ("purchase",), "purchase": ("buy",),
             "delete": ("remove",), "remove": ("delete",), "email": ("mail",), "mail": ("email",)}
"""Verbs that ask for the same action under another name (``name_words`` forms)."""
_WHEN = frozenset(["now", "today", "currently", "current", "tonight", "moment", "live", "latest"])
_CONTENT = IOSlot("content", frozenset(["content"]), kind="text", required=True)
"""What a reader of files or pages hands over (its registry-wide producers are readers)."""
_SOURCE_WORDS = frozenset(["file", "filename", "path", "url", "page", "webpage", "document", "attachment", "link"])


def _takes_source(io: ToolIO) -> bool:
    """Whether a tool takes a file or page itself (so a file the request names is its argument, not its instructions)."""
    return any(s.kind in ("path", "url") or s.words & _SOURCE_WORDS for s in io.inputs)


def plan_flow(
    chosen: Sequence[str],
    io_of: Callable[[str], ToolIO],
    values: RequestValues,
    relevance: dict[str, float],
    stats: FlowStats,
    *,
    top: Sequence[str] = (),
    min_flow: float = 0.5,
    max_depth: int = 3,
    more: Callable[[IOSlot], Sequence[str]] | None = None,
) -> tuple[list[str], set[tuple[str, str]], list[str]]:
    """Grow ``chosen`` along data flow; return (tools, ``(producer, consumer)`` edges, tools pulled in).

    Args:
        io_of: a tool's inputs and outputs by name.
        values: what the request gives by itself.
        relevance: candidate producers with their relevance to the request in [0, 1].
        top: the request's best-ranked tools, where consumers are looked for.
        min_flow: least :func:`~agentfn.router.dataflow.flow_score` for a link.
        max_depth: producer levels behind a chosen tool.
        more: registry-wide producers of an input (:class:`~agentfn.router.flowindex.ProducerIndex`),
            offered after ``relevance``'s candidates with relevance 0.
    """
    ch = _Chain(io_of, values, relevance, stats, min_flow, more)
    ch.tools = list(dict.fromkeys(chosen))
    ch.producers(list(ch.tools), max_depth)
    for _ in range(max_depth):
        added = ch.consumer(top, max_depth)
        if added is None:
            break
    ch.source_reader()
    for helper, fed, feeds in finishing_tools(ch.tools, ch.edges, relevance, io_of, values.finish,
                                                 values.counts.get("number", 0) - len(values.digit_ids)):
        ch.tools.append(helper)  # "in euros", "warmer than", "average": the operation on the chain's numbers
        ch.pulled.append(helper)
        ch.edges |= {(p, helper) for p in fed} | {(helper, c) for c in feeds}
    told = reporter(ch.tools, ch.edges, relevance, io_of, values)
    if told is not None:  # "tell the #ops channel how many ...": the finding passed on
        ch.tools.append(told[0])
        ch.pulled.append(told[0])
        ch.edges.add((told[1], told[0]))
    ch.order_edges()
    return ch.tools, ch.edges, ch.pulled


def lift_pulled(
    ranked: Sequence[tuple[str, float]], pulled: Sequence[str], selected: Sequence[str], depth: int = 5
) -> list[tuple[str, float]]:
    """``ranked`` with the producers data flow pulled in moved into its top ``depth``.

    A pulled producer is part of the combination, so it belongs among the tools
    a model is shown first. Each takes the place of the lowest-ranked top tool
    that is not selected; the scores stay where they were (best first), so the
    head and the order of the rest are unchanged.
    """
    names = [n for n, _ in ranked]
    top = names[:depth]
    chosen = set(selected)
    room = [n for n in reversed(top) if n not in chosen]
    missing = [p for p in dict.fromkeys(pulled) if p not in top][: len(room)]
    if not missing:
        return list(ranked)
    out = set(room[: len(missing)])
    head = [n for n in top if n not in out] + missing
    rest = [n for n in names if n not in set(head)]
    return list(zip((head + rest)[: len(ranked)], (s for _, s in ranked), strict=False))
