"""`agentfn serve` with the embedded default drives the small model as `agentfn run` does.

Before, the served default agent offered all built-in tools to the 135M model with ``tool_choice="auto"``:
"how many grams in 2.5 pounds?" came back as a page of invented Python. Integration: the real SmolLM2-135M.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from agentfn._small_path import PLAIN_REPLY, PlainReplyRouter, agent_setup
from agentfn.evals.everyday import has_markup
from agentfn.serve import ServeConfig, create_app
from agentfn.serve.agents import AgentPool
from agentfn.toolset import Toolset

from .conftest import running, scripted_model


def test_a_small_model_gets_the_routed_forced_call_and_others_keep_their_choice() -> None:
    small = agent_setup(Toolset.builtin().filtered(["calculate", "convert_units"]), small=True, router="lexical")
    assert (small.tool_choice, small.follow_route, small.route_k) == ("required", True, 4)
    assert isinstance(small.router, PlainReplyRouter) and PLAIN_REPLY in small.toolset
    other = agent_setup(Toolset.builtin(), small=False)
    assert (other.tool_choice, other.follow_route, other.route_k, other.router) == ("auto", False, 8, None)
    assert agent_setup(Toolset.builtin(), small=True, tool_choice="auto").follow_route is False


def test_a_ready_model_is_served_as_configured() -> None:
    pool = AgentPool(ServeConfig(auth="none"), model=scripted_model())
    served = pool.agents["agentfn"].agent
    assert served.tool_choice == "auto" and served.router is None


@pytest.mark.integration
def test_the_served_embedded_default_answers_like_run() -> None:
    pytest.importorskip("transformers")
    app = create_app(ServeConfig(auth="none"))
    with running(app) as base, httpx.Client(base_url=base, timeout=300) as client:
        body: dict[str, Any] = {"model": "agentfn", "messages": [{"role": "user", "content": "How many kilometres is 3 miles?"}]}
        reply = client.post("/v1/chat/completions", json=body).json()
    content = reply["choices"][0]["message"]["content"]
    assert "4.828" in content and not has_markup(content)
    assert [s["name"] for s in reply["agentfn"]["tool_steps"]] == ["convert_units"]
