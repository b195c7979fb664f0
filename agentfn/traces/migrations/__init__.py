"""Alembic migrations of the trace store, shipped with the package.

``agentfn.traces.migrate`` runs them; no ``alembic.ini`` is needed. To add one,
write ``versions/NNNN_name.py`` with ``revision``/``down_revision`` set to chain
after the newest file and update ``agentfn/traces/_schema.py`` to match.
"""
