"""The trace store's tables (the schema at the newest migration).

Everything is portable SQL: text columns hold JSON, times are epoch seconds
as doubles, so SQLite and PostgreSQL run the same statements. Changing a table
here needs a new migration in ``migrations/versions``.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("started_at", sa.Float, nullable=False, index=True),
    sa.Column("ended_at", sa.Float),
    sa.Column("agent_name", sa.String(200), nullable=False, server_default="", index=True),
    sa.Column("model_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("backend", sa.String(100), nullable=False, server_default=""),
    sa.Column("source", sa.String(16), nullable=False, server_default="agent"),
    sa.Column("input_messages", sa.Text, nullable=False, server_default="[]"),
    sa.Column("tools", sa.Text, nullable=False, server_default="[]"),
    sa.Column("metadata", sa.Text, nullable=False, server_default="{}"),
    sa.Column("outcome", sa.String(16), index=True),
    sa.Column("reason", sa.Text),
    sa.Column("output", sa.Text),
    sa.Column("requests", sa.Integer, nullable=False, server_default="0"),
    sa.Column("input_tokens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("output_tokens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("tool_call_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("latency_s", sa.Float),
    sa.Column("step_count", sa.Integer, nullable=False, server_default="0"),
    # added by migration 0002
    sa.Column("feedback_score", sa.Float),
)

steps = sa.Table(
    "steps",
    metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("step", sa.Integer, primary_key=True),
    sa.Column("time", sa.Float, nullable=False),
    sa.Column("complete", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("model_output", sa.Text),
    sa.Column("raw_text", sa.Text),
    sa.Column("finish_reason", sa.String(64)),
    sa.Column("model_name", sa.String(200)),
    sa.Column("model_latency_s", sa.Float),
    sa.Column("requests", sa.Integer, nullable=False, server_default="0"),
    sa.Column("input_tokens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("output_tokens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("route", sa.Text),
    sa.Column("new_messages", sa.Text, nullable=False, server_default="[]"),
)

tool_calls = sa.Table(
    "tool_calls",
    metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("step", sa.Integer, primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("call_id", sa.String(200), nullable=False),
    sa.Column("name", sa.String(200), nullable=False, index=True),
    sa.Column("raw_arguments", sa.Text, nullable=False),
    sa.Column("arguments", sa.Text),
    sa.Column("status", sa.String(32)),
    sa.Column("error", sa.Text),
    sa.Column("content", sa.Text),
    sa.Column("latency_s", sa.Float, nullable=False, server_default="0"),
)

# added by migration 0002
feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(64), nullable=False, index=True),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("time", sa.Float, nullable=False),
)
