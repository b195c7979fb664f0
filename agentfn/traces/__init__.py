"""Call traces: a durable store of every run, import/export, OpenTelemetry.

```python
from agentfn.traces import TraceStore, TraceRecorder

store = TraceStore.open()                  # $AGENTFN_TRACE_STORE or ~/.agentfn/traces.db
recorder = TraceRecorder(store)            # Agent(..., recorder=recorder)
for run in store.iter_runs(outcome="answered"):
    print(run.request, run.successful_tools())
```
"""

from agentfn.traces.jsonl import (
    ImportReport,
    export_jsonl,
    export_parquet,
    import_jsonl,
    run_from_openai,
    run_to_openai,
)
from agentfn.traces.recorder import EventRecorder, MultiRecorder, TraceRecorder
from agentfn.traces.records import (
    Feedback,
    RouteRecord,
    Run,
    Step,
    ToolCallRecord,
    ToolOffered,
    ToolStats,
    TraceStats,
)
from agentfn.traces.redact import Redactor, make_redactor, redact_secrets
from agentfn.traces.store import TraceStore, default_store_url

__all__ = [
    "EventRecorder",
    "Feedback",
    "ImportReport",
    "MultiRecorder",
    "Redactor",
    "RouteRecord",
    "Run",
    "Step",
    "ToolCallRecord",
    "ToolOffered",
    "ToolStats",
    "TraceRecorder",
    "TraceStats",
    "TraceStore",
    "default_store_url",
    "export_jsonl",
    "export_parquet",
    "import_jsonl",
    "make_redactor",
    "redact_secrets",
    "run_from_openai",
    "run_to_openai",
]
