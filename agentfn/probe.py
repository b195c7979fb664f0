"""Deprecated location: the serving-stack probe moved to :mod:`agentfn.evals.probe`.

Importing this module warns (``DeprecationWarning``) and re-exports the moved names.
"""

from __future__ import annotations

import warnings

from agentfn.evals.probe import CheckResult, ProbeReport, Recommendation, probe, probe_cached

warnings.warn("agentfn.probe moved to agentfn.evals.probe; import it from there", DeprecationWarning, stacklevel=2)

__all__ = ["CheckResult", "ProbeReport", "Recommendation", "probe", "probe_cached"]
