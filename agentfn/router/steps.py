"""How many actions a request asks for: action sentences, nested operations and written-out expressions.

:func:`agentfn.router.combine.segment` splits a request into steps on
sentences and connectives. With ``actions=True`` it asks this module three
more things, all pure text:

* :func:`asks_for_action`: whether a sentence asks for something (an
  imperative, "please", "I want to", a question) or only tells (a persona,
  "You are Raj Sanchez.", "Your user id is ..."). In a request of several
  sentences only the asking ones become steps, so a long instruction with
  a persona and one ask is one step, not one junk step per sentence.
* :func:`nested_steps`: an operation written as a noun phrase around
  another one ("the square of the sum of 3 and 4", "divide the result by
  cos of 1.5 radians"): the inner operation is a step of its own, run first.
* :func:`expression_steps`: a written-out expression ("-(1 + 1)",
  "cos(pi)", "2 * (3 + 4)"): one step per operator or call, innermost first.
* :func:`joins_phrase`: whether a connective sits inside a phrase ("between
  cart and purchase", "Priya and I can meet", "before the migration") rather
  than between two steps; :func:`opening_verb`: the imperative a piece opens
  with (shared by a second object, "fetch its photos and its reviews").
"""

from __future__ import annotations

import ast
import re

__all__ = [
    "VERBS", "asks_for_action", "delay_phrase", "expression_steps", "imperative_pieces", "joins_phrase", "nested_steps",
    "numeric_operation", "opening_verb", "refers_to_earlier",
]

_LEAD = re.compile(r"^\s*(?:(?:first|then|next|now|also|finally|lastly|afterwards|after that|and|so|ok|okay|hi|hey|hello)\b[\s,:]*)+",
                   re.IGNORECASE)
_ASK = re.compile(
    r"\b(?:please|pls|can you|could you|would you|will you|can i|could i|i want|i'd like|i would like|i need|we need|"
    r"i wish|wants? to|needs? to|would like|like to|try(?:ing)? to|going to|make sure|help me|let me know|let's|"
    r"tell me|show me|give me|remind me|how (?:many|much|long|far|big|old)|what(?:'s| is| are| was| were| did| does| do)|"
    r"which|who is|when is|where is|is there|are there)\b",
    re.IGNORECASE,
)
_PRONOUN = frozenset(
    ["i", "i'm", "im", "i've", "i'd", "you", "you're", "youre", "you've", "your", "my", "we", "we're", "our", "he", "she",
     "they", "they're", "it", "it's", "its", "his", "her", "their", "there", "this", "that", "these", "those"]
)
_DETERMINER = frozenset(["the", "a", "an", "some"])
_AUX = re.compile(r"^(?:is|are|was|were|am|be|been|has|have|had|seems?|feels?|looks?|will|would|should|must|may|might)$",
                  re.IGNORECASE)
_PAST = re.compile(r"^(?:[a-z]+ed|sent|said|told|gave|got|made|paid|bought|wrote|came|went|took|left|moved|asked|did|"
                   r"spoke|heard|saw|found|lost|ate|drank|ran|met|had)$")
_VERB_AFTER = re.compile(r",\s*(?:and\s+|so\s+|please\s+)?(?:save|log|record|send|book|add|create|find|check|get|show|tell|"
                         r"set|put|cancel|update|change|remove|delete|pay|buy|order|make|give|let|search|look|list|read|"
                         r"write|post|share|track|move|schedule|remind|note)\b", re.IGNORECASE)


VERBS = frozenset(
    ["add", "subtract", "multiply", "divide", "negate", "square", "raise", "take", "compute", "calculate", "sum",
     "round", "convert", "find", "get", "look", "search", "send", "book", "create", "check", "show", "list", "tell",
     "give", "set", "put", "cancel", "update", "change", "remove", "delete", "pay", "buy", "order", "make", "read",
     "write", "post", "share", "track", "move", "schedule", "remind", "save", "log", "record", "fetch", "retrieve",
     "translate", "summarize", "count", "sort", "filter", "compare", "return", "use", "apply", "call", "reply",
     "forward", "archive", "upload", "download", "open", "close", "invite", "email", "text", "message", "notify",
     "evaluate", "determine", "increase", "decrease", "double", "halve", "invert", "append", "insert", "replace",
     "invoice", "bill", "ship", "reserve", "purchase", "restart", "stop", "start", "play"]
)
"""Imperative verbs that open a step of their own after a comma ("add 3 and 4, multiply the result by 2")."""
_COMMA_VERB = re.compile(rf",\s+(?:and\s+)?(?=(?:{'|'.join(sorted(VERBS))})\b)", re.IGNORECASE)
_NAMED = re.compile(r"\b(?:using|via|through|on|in|with|at|from)\s+(?:the\s+)?[A-Z]")
"""A service or place named after a preposition ("Using Google Forms", "in Paris"): its commas are not step breaks."""
_CONTEXT = re.compile(r"^\s*(?:note that|keep in mind|remember that|be aware|fyi\b|btw\b)", re.IGNORECASE)


def opening_verb(text: str) -> str | None:
    """The imperative verb (:data:`VERBS`) ``text`` opens with, past "then", "and", "please"...; else None."""
    words = re.findall(r"[A-Za-z]+", _LEAD.sub("", text))
    if words and words[0].lower() == "please":
        words = words[1:]
    return words[0] if words and words[0].lower() in VERBS else None


_BETWEEN = re.compile(r"\bbetween\s+(?:the\s+|my\s+|our\s+)?[\w'-]+(?:\s+[\w'-]+)?\s*$", re.IGNORECASE)
_OPEN_BETWEEN = re.compile(r"\bbetween\s+(?:(?!\band\b)[^;.?!])+$", re.IGNORECASE)
"""A "between" whose "and" has not come yet ("the change between the mean of 4, 8"): the next "and" closes it."""
_WITH_ME = re.compile(r"^(?:I|me)\s+(?:can|could|are|both|meet|might|may)\b")
_NAME_END = re.compile(r"\b[A-Z][a-z]+\s*$")
_NOUN_PHRASE = re.compile(r"^(?:the|a|an|my|our|this|that|next|last|lunch|dinner|noon|midnight)\b", re.IGNORECASE)


_QTY_END = re.compile(r"\b\d[\d.,]*\s*[a-z]*(?:\s+(?:of\s+)?[a-z]+){0,3}\s*$", re.IGNORECASE)
_QTY_START = re.compile(r"^\s*\d[\d.,]*\s*[a-z]*(?:\s+(?:of\s+)?[a-z]+){0,3}\s*[?.!]?\s*$", re.IGNORECASE)


def _quantities(before: str, after: str) -> bool:
    """Two quantities listed ("2 kg flour *and* 6 eggs"): one list, when no verb follows."""
    return bool(_QTY_END.search(before) and _QTY_START.match(after)) and not any(
        w.lower() in VERBS for w in re.findall(r"[A-Za-z]+", after))


def _operands_end() -> re.Pattern[str]:
    return re.compile(rf"\b(?:{_OPS})\s+(?:of|for|between)\s+(?:-?[\d.]+\s*,\s*)*-?[\d.]+\s*,?\s*$", re.IGNORECASE)


def joins_phrase(before: str, conn: str, after: str) -> bool:
    """Whether a connective inside a phrase joins two parts of one step rather than two steps.

    "drop-off between cart *and* purchase" (a range), "find a gap where Priya *and* I can meet" (one
    subject of two people), "2 kg flour *and* 6 eggs" (a list of quantities), "snapshot the db *before* the migration" (a time, not an action: the part
    after "before"/"after" is a noun phrase with no imperative verb) are one step each.
    """
    c = conn.strip(" ,").lower()
    if c == "and":
        opens = opening_verb(after)
        return bool(_BETWEEN.search(before) or (_OPEN_BETWEEN.search(before) and opens is None) or (_NAME_END.search(before) and _WITH_ME.match(after.lstrip()))
                    or _quantities(before, after) or (_OPERANDS_END.search(before) and _NUMBER_START.match(after)))
    if c in ("before", "after"):
        words = re.findall(r"[A-Za-z]+", after)
        return bool(_NOUN_PHRASE.match(after.lstrip())) and not any(w.lower() in VERBS or w.endswith("ing") for w in words)
    return False


def imperative_pieces(text: str) -> list[str]:
    """``text`` split before every comma followed by an imperative verb (:data:`VERBS`), when ``text`` itself
    opens with one and names no service or place after a preposition: "add 3 and 4, multiply the result
    by 2" is two steps; "Using Evernote, write down ...", "I'm sick, put in for leave", "let Ann in, open
    the door" and "find hotels in Paris, book the cheapest" stay one."""
    words = re.findall(r"[A-Za-z]+", _LEAD.sub("", text))
    if not words or words[0].lower() not in VERBS or _NAMED.search(text):
        return [text]
    parts = [p.strip() for p in _COMMA_VERB.split(text) if p.strip()]
    if len(parts) > 1 and len(_LEAD.sub("", parts[0]).split()) < 2:
        parts = [f"{parts[0]}, {parts[1]}", *parts[2:]]  # "hey, get ..." is one piece
    return parts or [text]


def _statement(text: str) -> bool:
    """Whether a sentence opens as a statement: a pronoun subject ("You are...", "Your user id is..."), or a
    name or a noun phrase followed by a verb of being or a past tense ("Spotify sent me...", "The order was...")."""
    if _CONTEXT.match(text):
        return True  # "Note that usernames start with a capital letter": context, not an ask
    words = re.findall(r"[A-Za-z][A-Za-z'_-]*", _LEAD.sub("", text))
    if len(words) < 2:
        return False
    first = words[0].lower()
    if first in _PRONOUN:
        return True
    if first in _DETERMINER:
        return any(_AUX.match(w) or _PAST.match(w) for w in words[1:5])
    return words[0][0].isupper() and bool(_AUX.match(words[1]) or _PAST.match(words[1]))


def asks_for_action(sentence: str) -> bool:
    """Whether ``sentence`` asks for something rather than only telling a fact.

    An ask is a question, a sentence with a request phrase ("please", "can
    you", "I want to", "how many", "what is"...), or anything that does not
    open as a statement (:func:`_statement`: "You are Raj Sanchez.", "Your
    user id is ...", "Spotify sent me a note ..."), unless a later clause
    asks ("I did 45 minutes of cycling, save that").
    """
    s = sentence.strip()
    if not s:
        return False
    if s.endswith("?") or _ASK.search(s):
        return True
    return not _statement(s) or bool(_VERB_AFTER.search(s))


# -- nested operations ----------------------------------------------------------------------------

_OPS = (r"sum|total|product|difference|quotient|ratio|square root|cube root|square|cube|logarithm|natural log|log|"
        r"sine|sin|cosine|cos|tangent|tan|arcsin|arccos|arctan|negation|negative|opposite|absolute value|reciprocal|"
        r"inverse|factorial|average|mean|median|variance|standard deviation|percent change|percentage change|exponential|"
        r"remainder|modulo")
_OP_OF = re.compile(rf"\b(?:the\s+)?(?:{_OPS})\s+(?:of|for|between)\s+", re.IGNORECASE)
_OPERANDS_END = _operands_end()
"""The operands of an operation, listed up to here ("the average of 4, 8" before "and 15")."""
_NUMBER_START = re.compile(r"^\s*-?\d")
_OPERAND_END = re.compile(rf"\s*(?:,(?!\s*(?:and\s+)?-?\d)|;|\bthen\b|\band\b(?=\s+(?:the\s+)?(?:{_OPS})\s+(?:of|for)\b)|(?<!divided )\bby\b|\bto\b(?!\s+(?:the\s+)?(?:base|power))|\bfrom\b)", re.IGNORECASE)
_ASKS_VALUE = re.compile(r"(?:(?:what(?:'s| is)|calculate|calculating|compute|computing|find|finding|evaluate|evaluating|"
                         r"get|getting|take|taking|give me|tell me|work out|determine|return)\s*)+", re.IGNORECASE)
_VALUE = re.compile(r"\d|\bpi\b|\bresult\b", re.IGNORECASE)
_TRAILING_OP = re.compile(r",\s*(?:and\s+)?(?:then\s+)?(?=(?:divided by|multiplied by|times|plus|minus|squared|cubed|"
                          r"raised to|rounded to|to the power of)\b)", re.IGNORECASE)
"""An operation applied after a comma to what came before ("the product of 7 and 6, divided by 3")."""
_AS_VERB = ((re.compile(r"^(?:divided by)\s+(.*)$", re.I | re.S), "divide the result by {}"),
            (re.compile(r"^(?:multiplied by|times)\s+(.*)$", re.I | re.S), "multiply the result by {}"),
            (re.compile(r"^plus\s+(.*)$", re.I | re.S), "add {} to the result"),
            (re.compile(r"^minus\s+(.*)$", re.I | re.S), "subtract {} from the result"),
            (re.compile(r"^(?:raised to|to the power of)\s+(?:the power of\s+)?(.*)$", re.I | re.S),
             "raise the result to the power of {}"),
            (re.compile(r"^rounded to\s+(.*)$", re.I | re.S), "round the result to {}"),
            (re.compile(r"^(squared|cubed)\b(.*)$", re.I | re.S), "{}"))
"""A trailing operation as the imperative a tool's description would use ("divided by 3" -> "divide the result by 3")."""


def _trailing_step(rest: str) -> str:
    for pattern, form in _AS_VERB:
        m = pattern.match(rest.strip())
        if m is not None:
            if form == "{}":  # "squared" -> "square the result"
                return f"{m.group(1)[:-1].lower()} the result{m.group(2)}".strip()
            return form.format(m.group(1).strip())
    return f"the result {rest}".strip()


_NUMERIC_OP = re.compile(rf"\b(?:{_OPS})\s+(?:of|for|between)\s+(?:the\s+numbers\s+)?[$€£]?-?\d", re.IGNORECASE)


def numeric_operation(text: str) -> bool:
    """Whether ``text`` writes an operation on numbers ("the product of 7 and 6", "the sum of 3, 4"): a math
    reading of words that also name shop things (:mod:`agentfn.router.mathread`)."""
    return bool(_NUMERIC_OP.search(text))


_EARLIER = re.compile(r"\b(?:the|that)\s+(?:very\s+)?(?:first|second|third|last|top|cheapest|best|nearest|closest|newest|"
                      r"latest|highest|lowest|biggest|smallest)\s+(?:one|result|item|match|hit|option|entry|listing)s?\b",
                      re.IGNORECASE)


def refers_to_earlier(text: str) -> bool:
    """Whether ``text`` picks from an earlier step's list ("the details of the first one", "book the cheapest
    result"): what it works on comes from that step, not from the request."""
    return bool(_EARLIER.search(text))


def nested_steps(text: str, depth: int = 4) -> list[str]:
    """``text`` split into its nested operations, innermost first (``[text]`` when there are none).

    An operation noun followed by "of" ("the sum of 3 and 4", "cos of 1.5
    radians") that is an operand of something around it becomes a step of
    its own; the text around it reads "the result" in its place. An operand
    with no value in it ("the sum of my transactions") is left alone.
    """
    if depth <= 0:
        return [text]
    for m in _OP_OF.finditer(text):
        head = text[: m.start()].strip()
        after = text[m.end() :]
        if not head or _ASKS_VALUE.fullmatch(head):
            # The operation heads the text: its operand (when itself an operation) runs first.
            inner = _OP_OF.match(after.strip())
            trailing = _TRAILING_OP.search(after)
            if inner is None and trailing is not None and _VALUE.search(after[: trailing.start()]):
                # "the product of 7 and 6, divided by 3": the operation, then what is done to its result.
                rest = after[trailing.end() :]
                return [*nested_steps(text[: m.end()] + after[: trailing.start()], depth - 1),
                        *nested_steps(_trailing_step(rest), depth - 1)]
            if inner is None:
                continue
            end = _OPERAND_END.search(after.strip(), inner.end())
            operand = after.strip()[: end.start()] if end else after.strip()
            if not _VALUE.search(operand):
                continue
            tail = after.strip()[len(operand) :]
            outer = f"{text[: m.end()]}the result{tail}"
            return [*nested_steps(operand, depth - 1), *nested_steps(outer.strip(), depth - 1)]
        end = _OPERAND_END.search(after)
        operand = text[m.start() : m.end() + (end.start() if end else len(after))].strip()
        if not _VALUE.search(operand[len(m.group(0)) - 1 :]):
            continue
        outer = f"{head} the result{after[end.start():] if end else ''}"
        return [*nested_steps(operand, depth - 1), *nested_steps(outer.strip(), depth - 1)]  # "by the difference of ..." too
    return [text]


# -- written-out expressions ----------------------------------------------------------------------

_EXPR_LEAD = re.compile(r"^\s*(?:what(?:'s| is)|calculate|compute|evaluate|solve|find|work out)?\s*[:,]?\s*", re.IGNORECASE)
_EXPR = re.compile(r"^[\d\s.+\-*/^()%,A-Za-z_]+$")
_BIN: dict[type[ast.operator], str] = {ast.Add: "add {a} and {b}", ast.Sub: "subtract {b} from {a}", ast.Mult: "multiply {a} by {b}",
        ast.Div: "divide {a} by {b}", ast.FloorDiv: "divide {a} by {b}", ast.Pow: "{a} to the power of {b}",
        ast.Mod: "the remainder of {a} divided by {b}"}


def expression_steps(text: str) -> list[str] | None:
    """One step per operation of a written-out expression, innermost first; None when ``text`` is no expression.

    "-(1 + 1)" -> ["add 1 and 1", "negate the result"]; "cos(pi)" -> ["pi",
    "cos of pi"]. Only text made of numbers, operators, parentheses and
    function calls counts, with at least one operator or call; words joined by
    slashes alone are a path ("read /etc/hosts", "pallets/flask"), not a division.
    """
    body = _EXPR_LEAD.sub("", text.strip()).rstrip(" ?.!=")
    if not body or not _EXPR.match(body) or not re.search(r"[+\-*/^%(]", body):
        return None
    if not re.search(r"[\d(+\-*^%]", body.replace("**", "^")):
        return None  # only slashes between words: a path
    try:
        tree = ast.parse(body.replace("^", "**"), mode="eval").body
    except (SyntaxError, ValueError):
        return None
    steps: list[str] = []

    def walk(node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return str(node.value)
        if isinstance(node, ast.Name):
            if len(node.id) > 1:
                steps.append(node.id)  # a named constant (pi) some tool may give
                return node.id
            return None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            a = walk(node.operand)
            if a is None:
                return None
            if isinstance(node.operand, ast.Constant):
                return f"-{a}"
            steps.append(f"negate {_ref(node.operand, a)}")
            return "the result"
        if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
            a, b = walk(node.left), walk(node.right)
            if a is None or b is None:
                return None
            steps.append(_BIN[type(node.op)].format(a=_ref(node.left, a), b=_ref(node.right, b)))
            return "the result"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            args = [walk(x) for x in node.args]
            if any(x is None for x in args):
                return None
            steps.append(f"{node.func.id} of {' and '.join(_ref(x, str(v)) for x, v in zip(node.args, args, strict=True))}")
            return "the result"
        return None

    out = walk(tree)
    if out is None or not steps or (len(steps) == 1 and isinstance(tree, ast.Name)):
        return None
    return steps


def _ref(node: ast.expr, value: str) -> str:
    return value if isinstance(node, ast.Constant | ast.Name) or value.startswith("-") else "the result"


_UNIT = r"(?:sec(?:ond)?s?|min(?:ute)?s?|hours?|hrs?|days?|weeks?)"
_AMOUNT = r"(?:\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|half an?)"
_DELAY = re.compile(
    rf"\b(?:in|after)\s+({_AMOUNT}\s*{_UNIT}(?:(?:\s*,\s*|\s+and\s+|\s+){_AMOUNT}\s*{_UNIT})*)\s*[.!?]?\s*$",
    re.IGNORECASE,
)


def delay_phrase(clause: str) -> str | None:
    """The delay a command ends with ("turn off the lights *in 1 hour and 10 minutes*"), or None.

    A delayed command needs something that waits (a timer, a scheduler) besides the action itself. Only an
    imperative counts (past "please", "can you"...): a question ("what's the weather in 2 days") or a
    statement ("the meeting starts in 10 minutes") asks no delayed action.
    """
    match = _DELAY.search(clause)
    if match is None or "?" in clause:
        return None
    words = re.findall(r"[A-Za-z']+", _POLITE.sub("", _LEAD.sub("", clause[: match.start()])))
    if len(words) < 2 or words[0].lower() in _NOT_IMPERATIVE:
        return None
    return f"in {match.group(1)}"


_POLITE = re.compile(r"^\s*(?:(?:please|pls|kindly|can you|could you|would you|will you)\b[\s,]*)+", re.IGNORECASE)
_NOT_IMPERATIVE = frozenset(re.findall(
    r"\S+", "what what's whats how when where who which why is are was were will would do does did can could should "
    "shall the a an my our your his her their its i i'm we you he she it this that these those there here"))
