"""Tool routing: pick the right few tools (and their combination) out of thousands.

```python
from agentfn.router import Router
router = Router.build(tools)
plan = router.route("convert 20 USD to EUR and email it to Ann", k=10)
plan.ranked, plan.selected, plan.abstain
```
"""

from agentfn.router.encoder import Encoder, load_encoder
from agentfn.router.evaluate import evaluate
from agentfn.router.planner import ModelPlanner, PlannedRouter, PlannerResult
from agentfn.router.router import RoutePlan, Router, RouterConfig
from agentfn.router.search import ToolSearch
from agentfn.router.text import ToolRecord

__all__ = [
    "Encoder",
    "ModelPlanner",
    "PlannedRouter",
    "PlannerResult",
    "RoutePlan",
    "Router",
    "RouterConfig",
    "ToolRecord",
    "ToolSearch",
    "evaluate",
    "load_encoder",
]
