"""Cues in a request's wording that a tool router reads wrong: phrasal verbs, one-word durations, a question
about a passage's form, a request for a piece of creative writing.

A router scores tools by the request's words and values, so a few everyday wordings send it astray:

* **greetings and polite formulas** ("Good afternoon! Would you be so *kind* as to tell me today's date?"
  went to ``sentiment``): :func:`reworded` leaves them out for routing;
* **a phrasal verb** names its action in two words, neither of which a tool uses: "*sum up* this
  paragraph: ..." went to ``calculate`` ("sum"), "*boil down* this email" to nothing; so does a noun phrase
  ("give me *the gist of* this", "*in a nutshell*").
  :func:`reworded` writes the one-word verb ("summarize") for routing only (the tools still get the
  user's own words);
* **a temperature asked in a unit system** ("how hot is 30C in american" went to ``generate``): :func:`reworded`
  writes the scale the system uses ("in fahrenheit");
* **a product written with an x** ("what's 37 x 3" went to ``convert_units``): :func:`reworded` writes "times";
* **a verb code tools share** used for exercise ("I *run* 5 km every day" went to ``generate_code``):
  :func:`reworded` writes "walk" before a distance;
* **a duration named by one word** ("in a fortnight", "a decade from now") or counted in words ("in ten
  days", "in a week") holds no number for a date tool's amount, so the clock (``now``) took it:
  :func:`reworded` writes it as a count and a unit ("in 2 weeks", "in 10 days",
  :func:`agentfn.backends._extract_units.plain_durations`, the rule the argument extraction uses too),
  and abbreviated units in full ("a leap yr": year);
* **a question about a passage's form** ("how many words does this paragraph have: ... on Monday ..."):
  the passage's own dates fill a date tool, which the router then ranks first. :func:`form_tool` gives
  the offered tool whose name or first sentence names the form asked about (words, characters,
  sentences, lines...), when the head's does not;
* **a request for a piece of creative writing** ("a short joke about programmers") whose topic names
  another tool's field (code): :func:`genre_tool` gives the offered tool whose name or first sentence
  names the genre asked for (a joke, a poem, a limerick...), when the head's does not;
* **a question about a date's property** ("was 2000 a leap year"): the year is a date for both ``date_add``
  and ``date_info``; :func:`property_tool` gives the one whose first sentence names the property;
* **a question about a named file** ("which port is *set* in app.json", "when is the party in my
  invites file"): a question reads, it writes nothing, and a file named in words is no clock time; :func:`reading_tool` gives the tool that names reading when the head writes;
* **an amount in two parts** ("the film runs 2h 20m") or **a speed kept for a span** ("60 mph for 2.5 hours"): a
  converter takes one value, so :func:`sum_tool` gives the tool that names arithmetic (``calculate`` reads "2h 20m"
  as minutes and the speed times the span as the distance);
* **a question about how the writer of a passage feels** ("'the best pasta in years' - how does she feel"):
  the passage's words ("in years") fill a date tool; :func:`feeling_tool` gives the tool naming feelings;
* **a passage to put under one of the labels listed** ("sort this into billing, shipping or returns: 'not arrived
  after two weeks'"): :func:`choice_tool` gives the tool naming categories or labels;
* **an amount per item scaled and asked in another unit** ("8 oz of butter per cake, 3 cakes, how many *grams*"): the
  calculator cannot convert; :func:`scaled_unit_tool` puts the tool naming units before it;
* **how far away a given date is** ("the exam is on 2027-06-01, how many weeks away is that"): one date
  fills the calendar-facts tool; :func:`until_tool` gives the tool naming "until";
* **a request to write code or a message, a question about an age or about which files there are**:
  :func:`agentfn._task_cues.task_tool`.

When the router's plan is the plain reply but the (reworded) instruction's verb is an offered tool's whole
name ("can you summarize this: ...", :func:`verb_tool`), the plan is that tool. A message that is only a greeting or thanks (:func:`only_pleasantries`: "good morning!") is chit-chat for
the plain reply. :class:`CueRouter` wraps a router with these rules. Guarantees: pure functions of the request text and
the offered tools' specs; a plan changes only when one offered tool alone names what the request asks
for and the router's head does not; the request the tools see is never changed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, cast

from agentfn._arith import item_count, rate_factor
from agentfn._openers import GREETINGS, THANKS, phrases
from agentfn._passage_tasks import PASTE_CHARS, holds_passage, leading_verb, split_passage
from agentfn._task_cues import named_by, task_tool
from agentfn._values import (
    listed_options,
    quoted_spans,
    request_values,
    spell_out_numbers,
    stem,
    strip_values,
)
from agentfn._world_actions import does
from agentfn.backends._extract_units import plain_durations, singular
from agentfn.library._durations import SPEED_FOR_TIME, two_part_duration

if TYPE_CHECKING:
    from agentfn.router.config import RoutePlan

__all__ = ["CueRouter", "choice_tool", "feeling_tool", "form_tool", "genre_tool", "only_pleasantries",
           "pasted_instruction", "property_tool", "reading_tool", "reworded", "scaled_unit_tool", "sum_tool", "until_tool",
           "verb_tool"]

_PHRASAL = (
    (re.compile(r"\b(?:sum|summ)\s+((?:it|this|that|these|them)\s+)?up\b", re.I), r"summarize \1"),
    (re.compile(r"\bboil\s+((?:it|this|that)\s+)?down\b", re.I), r"summarize \1"),
    (re.compile(r"\b(?:give\s+me\s+|what'?s\s+|what\s+(?:is|are)\s+)?the\s+(?:gist|short\s+version|main\s+points|key\s+points)"
                r"\s+of\b", re.I), "summarize"),
    (re.compile(r"\bin\s+a\s+nutshell\b", re.I), "summarize"),
    (re.compile(r"\badd\s+((?:it|them|these|those)\s+)?up\b", re.I), r"add \1"),
    (re.compile(r"\b(?:jot|note|write)\s+((?:it|this|that)\s+)?down\b", re.I), r"write \1"),
    (re.compile(r"\b(?:run|runs|ran|running|jog|jogs|jogged|jogging)\b(?=\s+(?:about\s+|around\s+|over\s+)?\d+(?:\.\d+)?\s*"
                r"(?:km|kms|kilomet\w*|mi|miles?|met(?:er|re)s?|m|laps?|yards?)\b)", re.I), "walk"),
    (re.compile(r"\b(in|within|after|for)\s+(?:a|an|one)\s+(minute|hour|day|week|month|year)\b", re.I), r"\1 1 \2"),
    (re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s+[x×]\s+(?=\d)", re.I), r"\1 times "),
    (re.compile(r"\byr\b", re.I), "year"), (re.compile(r"\byrs\b", re.I), "years"), (re.compile(r"\bhr\b", re.I), "hour"),
    (re.compile(r"\bhrs\b", re.I), "hours"), (re.compile(r"\bwks?\b", re.I), "weeks"), (re.compile(r"\bmins\b", re.I), "minutes"),
)
_TEMPERATURE = re.compile(r"\d\s*°?\s*(?:c|f)\b|\b(?:celsius|fahrenheit|centigrade)\b", re.I)
_SYSTEM = re.compile(r"\bin\s+(?:american|us|usa|imperial|freedom|metric|european)(?:\s+units?)?\b", re.I)
"""A temperature asked in a unit system ("30C in american"): routed as the scale it uses ("in fahrenheit")."""
_WORDED_SPAN = re.compile(r"\b(in|within|after|for)\s+((?:[a-z]+[\s-]){0,2}?[a-z]+)\s+(?=(?:minute|hour|day|week|month|year)s?\b)",
                          re.I)
"""A duration whose count is written in words ("in ten days")."""
_IN_DAYS = re.compile(r"\b(be|is)(?:\s+it)?\s+in\s+(\d+)\s+(day|week|month|year)s?\b", re.I)
"""The date a number of days ahead ("what day will it be in 10 days"): "10 days from now"."""
"""Two-word verbs and the one-word verb a tool's description would use; "in a week" as "in 1 week"."""
_PLEASANTRY = re.compile(
    rf"^\s*(?:{phrases(GREETINGS, there=True)}\b[\s,!.]*)+"
    r"|\b(?:(?:i\s+)?hope\s+you(?:'re|\s+are)\s+(?:well|good|fine|doing\s+well)|(?:i\s+)?hope\s+you\s+don'?t\s+mind\s+"
    r"(?:me\s+)?asking(?:,?\s+but)?|(?:would|could)\s+you\s+be\s+so\s+kind\s+as\s+to|if\s+you\s+(?:don'?t|do\s+not)\s+mind|"
    rf"{phrases(THANKS)}(?:\s+in\s+advance)?(?=\s*(?:$|[,!.])))\b[\s,!.]*",
    re.I,
)
"""Greetings and polite formulas: they ask for nothing ("would you be so *kind*" is no mood to read)."""

_FORM = r"(words?|characters?|chars|letters|sentences?|lines?|paragraphs?|syllables?)"
_FORM_ASKED = re.compile(rf"\b(?:how\s+many|count(?:\s+the)?|number\s+of|total)\s+{_FORM}\b|\bhow\s+long\b.*?\bin\s+{_FORM}\b",
                         re.I)
"""The form a question about a passage asks for: the word after "how many", "count the"..., or "how long ... in"."""
_GENRE = re.compile(
    r"\b(?:(jokes?|poems?|haikus?|limericks?|stor(?:y|ies)|riddles?|songs?|puns?|rhymes?|toasts?|slogans?)|"
    r"functions?|code|script|programs?|class|method|snippet|regex)\b", re.I)
"""A genre of creative writing, or a piece of code (a "function that tells a joke" is code)."""
_KIND = {"limerick": "poem", "haiku": "poem", "rhyme": "poem", "song": "poem", "pun": "joke", "riddle": "joke",
         "toast": "speech", "slogan": "tagline"}
"""The wider genre a tool's description names for a narrower one (a limerick is a poem)."""


def reworded(text: str) -> str:
    """``text`` with phrasal verbs and one-word durations written as a router reads them (module docstring)."""
    for pattern, verb in _PHRASAL:
        text = pattern.sub(verb, text)
    if _TEMPERATURE.search(text):
        text = _SYSTEM.sub(lambda m: "in celsius" if re.search(r"metric|european", m.group(), re.I) else "in fahrenheit", text)
    text = _WORDED_SPAN.sub(lambda m: f"{m.group(1)} {spell_out_numbers(m.group(2), lone_one=True)} ", text)
    text = _IN_DAYS.sub(lambda m: f"{m.group(1)} {m.group(2)} {m.group(3)}{'' if m.group(2) == '1' else 's'} from now", text)
    bare = _without_pleasantries(text)
    return plain_durations(bare if bare else text)


def _without_pleasantries(text: str) -> str:
    quotes = [(i, i + len(q)) for q in quoted_spans(text) if (i := text.find(q)) >= 0]
    return _PLEASANTRY.sub(lambda m: m.group() if any(a <= m.start() < b for a, b in quotes) else " ", text).strip(" ,")


def only_pleasantries(text: str) -> bool:
    """Whether ``text`` is only a greeting or thanks ("good morning!", "hi there, thanks so much"): chit-chat."""
    return bool(text.strip()) and not _without_pleasantries(text).strip(" ,!.?")


def form_tool(text: str, specs: Mapping[str, Mapping[str, Any]], head: str) -> str | None:
    """The tool a question about the form of the passage ``text`` holds goes to (see the module docstring)."""
    if not holds_passage(text):
        return None
    asked = _FORM_ASKED.search(split_passage(text)[0])
    if asked is None:
        return None
    form = (asked.group(1) or asked.group(2)).lower()
    return named_by(specs, head, {form, form.rstrip("s")})


def genre_tool(text: str, specs: Mapping[str, Mapping[str, Any]], head: str) -> str | None:
    """The tool a request for a piece of creative writing goes to (see the module docstring)."""
    values = request_values(text)
    if any(values[kind] for kind in ("file", "url", "json", "csv", "code")):  # "create poem.txt with ...": a file
        return None
    first = _GENRE.search(strip_values(split_passage(text)[0]))
    if first is None or first.group(1) is None:
        return None
    genre = re.sub(r"ies$", "y", first.group(1).lower())
    one = genre[:-1] if genre.endswith("s") and not genre.endswith("ss") else genre
    return named_by(specs, head, {genre, one, _KIND.get(one, one)})


_PROPERTY = re.compile(r"\b(leap)\b", re.I)
"""A calendar property one tool computes, which a date-shifting tool's dates do not answer."""


def property_tool(text: str, specs: Mapping[str, Mapping[str, Any]], head: str) -> str | None:
    """The tool a question about a date's property ("was 2000 a leap year") goes to: the offered tool that
    alone names the property in its name or first sentence, when the head's does not."""
    asked = _PROPERTY.search(strip_values(text))
    return None if asked is None else named_by(specs, head, {asked.group(1).lower()})


_ASKS_ABOUT = re.compile(r"^\s*(?:what|whats|what's|which|who|where|when|how\s+(?:many|much|long)|is|are|does|do)\b", re.I)
_WRITES = {"write", "save", "create", "overwrite", "delete", "append"}
_FILE_BY_WORDS = re.compile(r"\b(?:my|the|our|this|that)\s+[a-z]+\s+file\b", re.I)


def reading_tool(text: str, specs: Mapping[str, Mapping[str, Any]], head: str) -> str | None:
    """The tool a question about a named file goes to ("which port is *set* in app.json" reads the file): the
    offered tool that alone names reading, when the head writes (its first sentence names writing), or when
    the file is named in words ("what's on my shopping file") and the head names no file."""
    bare = _without_pleasantries(text)
    if head not in specs or not _ASKS_ABOUT.match(bare):
        return None
    if request_values(bare)["file"]:
        return named_by(specs, head, {"read"}) if does(specs[head], _WRITES) else None
    if _FILE_BY_WORDS.search(bare) and not does(specs[head], {"file", "files"}):  # "what's in my notes file"
        return named_by(specs, head, {"read"})
    return None


_JUDGES = {"sentiment", "feel", "feels"}
"""Words a tool that judges how the writer of a text feels names."""
_FEELING = re.compile(r"\bhow\s+(?:does|do|did|is|are|was|were)\s+(?:[a-z]+\s+){0,2}?feel(?:ing)?s?\b|"
                      r"\b(?:mood|tone|feelings?|emotions?)\b", re.I)


def feeling_tool(text: str, specs: Mapping[str, Mapping[str, Any]], head: str) -> str | None:
    """The tool a question about how the writer of a passage feels goes to ("'best pasta in years' - how does
    this person feel"): the passage's own words ("in years") fill other tools; the offered tool that alone
    names feelings or sentiment, when the head does not."""
    if not holds_passage(text) or _FEELING.search(split_passage(text)[0]) is None:
        return None
    return named_by(specs, head, _JUDGES)


def choice_tool(text: str, specs: Mapping[str, Mapping[str, Any]], head: str) -> str | None:
    """The tool a request to put a passage into one of the labels it lists goes to ("file this under billing,
    shipping or returns: 'my parcel has not arrived after two weeks'"): the passage's words ("two weeks") fill
    other tools; the offered tool that alone names categories or labels, when the head does not and does not
    judge feelings itself."""
    if not holds_passage(text) or len(listed_options(text)) < 2 or (head in specs and does(specs[head], _JUDGES)):
        return None  # "positive or negative": the sentiment head chooses among its own labels
    return named_by(specs, head, {"category", "categories", "label", "labels", "classify"})


_AWAY = re.compile(r"\bhow\s+(?:many|much|long)\b.*?\b(?:away|to\s+go|left|remain(?:ing|s)?|from\s+(?:now|today))\b", re.I)


def until_tool(text: str, specs: Mapping[str, Mapping[str, Any]], head: str) -> str | None:
    """The tool a question about how far away a given date is goes to ("my exam is on 2027-06-01, how many weeks
    away is that"): the offered tool that alone names "until", when the head does not and the request gives a
    date."""
    if _AWAY.search(text) is None or not request_values(text)["date"]:
        return None
    return named_by(specs, head, {"until"})


def sum_tool(text: str, specs: Mapping[str, Mapping[str, Any]], head: str) -> str | None:
    """The tool an amount written in two parts ("7h 45m", "1 hr 20 min") or a speed kept for a span ("at 60 mph for
    2.5 hours") goes to: a converter takes one value in one unit, so the offered tool that alone names arithmetic
    adds the parts (multiplies the speed by the time), when the head does not."""
    sums = two_part_duration(text) or SPEED_FOR_TIME.search(text)
    return named_by(specs, head, {"arithmetic"}) if sums else None


_ASKED_IN = re.compile(r"\bhow\s+(?:many|much)\s+([a-z]+)", re.I)
_NOT_ASKED = frozenset(
    "of is are was were do does did will would can could should in on for more left total time altogether".split())  # noqa: SIM905
_COUNTED_NOUN = re.compile(r"\d+(?:\.\d+)?\s*([a-z]+)", re.I)


def scaled_unit_tool(text: str, specs: Mapping[str, Mapping[str, Any]], head: str) -> str | None:
    """The unit converter to run before the head's arithmetic when an amount given per item or per period is
    scaled ("8 oz of butter per cake, 3 cakes", "4 miles a day ... in a week") and the request asks for it in a
    unit none of its numbers is written in ("how many *grams*"): the offered tool that alone names units, when
    the head names arithmetic; None otherwise."""
    asked = _ASKED_IN.search(text)
    if asked is None or asked.group(1).lower() in _NOT_ASKED or (item_count(text) is None and rate_factor(text) is None):
        return None
    if head not in specs or not does(specs[head], {"arithmetic"}):
        return None
    written = {singular(m.group(1).lower()) for m in _COUNTED_NOUN.finditer(text)}
    return None if singular(asked.group(1).lower()) in written else named_by(specs, head, {"unit"})


def verb_tool(text: str, specs: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The offered tool whose whole name is the leading verb of ``text``'s instruction ("can you summarize
    this: ..." names ``summarize``), if one is."""
    verb = leading_verb(text)
    if verb is None:
        return None
    named = [name for name in specs if name.isalpha() and stem(name.lower()) == stem(verb)]
    return named[0] if len(named) == 1 else None


class _Router(Protocol):
    def route(self, query: str | Sequence[Any], k: int = 10) -> RoutePlan: ...


def _turn_fields(turn: object) -> dict[str, Any]:
    if isinstance(turn, Mapping):
        return dict(cast("Mapping[str, Any]", turn))
    return {"role": getattr(turn, "role", None), "content": getattr(turn, "content", None)}


def _reworded_query(query: str | Sequence[Any]) -> str | Sequence[Any]:
    """``query`` with its latest user turn :func:`reworded` (a conversation keeps its other turns)."""
    if isinstance(query, str):
        return reworded(query)
    turns: list[Any] = list(query)
    for i in range(len(turns) - 1, -1, -1):
        turn: Any = turns[i]
        fields = _turn_fields(turn)
        if fields.get("role") != "user":
            continue
        content = fields.get("content")
        if isinstance(content, str) and (new := reworded(content)) != content:
            turns[i] = {**fields, "content": new} if isinstance(turn, Mapping) else turn.model_copy(update={"content": new})
        break
    return turns


def pasted_instruction(text: str) -> str | None:
    """The short instruction before ``text``'s pasted passage ("what is the sentiment of this: <800
    characters>"), when the request is such an instruction, a colon and a passage of at least
    :data:`~agentfn._passage_tasks.PASTE_CHARS` characters: routing reads the instruction alone, since a passage about a
    Thursday's ferry timetable otherwise routes to the date tools. None for any other request."""
    instruction, passage = split_passage(text)
    if len(passage) < PASTE_CHARS or not text.strip().startswith(f"{instruction}: "):
        return None
    return instruction if len(instruction.split()) >= 2 else None


class CueRouter:
    """A router that reads the request's cues (see the module docstring) around a wrapped router."""

    def __init__(self, router: _Router, specs: Sequence[Mapping[str, Any]], fallback: str | None = None) -> None:
        self.router = router  # the wrapped router (``agentfn.agent`` finds the records behind ``.router``)
        self.specs = {str(s.get("function", s).get("name")): s for s in specs}
        self.fallback = fallback

    def route(self, query: str | Sequence[Any], k: int = 10) -> RoutePlan:
        """The wrapped router's plan for the reworded request, its head replaced when the request asks about
        its passage's form or for a piece of creative writing that another offered tool alone names; the
        ``fallback`` (the plain reply) for a greeting or thanks alone."""
        from agentfn.router.text import query_from_messages

        text = query if isinstance(query, str) else query_from_messages(query, context_turns=0)[0]
        instruction = pasted_instruction(text)  # a long pasted passage's own words would decide the route
        routed = _reworded_query(query) if instruction is None else reworded(instruction)
        plan = self.router.route(routed, k=k)
        head = plan.selected[0] if plan.selected else None
        if head is None:
            return plan
        if self.fallback in self.specs and only_pleasantries(text):
            return plan.model_copy(update={"selected": [self.fallback]})
        if head == self.fallback and (named := verb_tool(reworded(text), self.specs)) is not None:
            return plan.model_copy(update={"selected": [named]})
        if (converter := scaled_unit_tool(text, self.specs, head)) is not None:  # convert, then the arithmetic
            return plan.model_copy(update={"selected": [converter, head]})
        better = form_tool(text, self.specs, head) or genre_tool(text, self.specs, head) or property_tool(text, self.specs, head) \
            or reading_tool(text, self.specs, head) or sum_tool(text, self.specs, head) \
            or feeling_tool(text, self.specs, head) or choice_tool(text, self.specs, head) or until_tool(text, self.specs, head) \
            or task_tool(text, self.specs, head)
        return plan if better is None else plan.model_copy(update={"selected": [better]})
