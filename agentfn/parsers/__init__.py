"""Tool-call parsers: turn a model's raw text into content, tool calls and reasoning."""
from agentfn.parsers.base import ParseDelta, ParseResult, StreamingParser, ToolCallParser
from agentfn.parsers.hermes import HermesParser
__all__ = ["HermesParser", "ParseDelta", "ParseResult", "StreamingParser", "ToolCallParser"]
