"""Initial trace schema: runs, steps, tool calls.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float),
        sa.Column("agent_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("model_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("backend", sa.String(100), nullable=False, server_default=""),
        sa.Column("source", sa.String(16), nullable=False, server_default="agent"),
        sa.Column("input_messages", sa.Text, nullable=False, server_default="[]"),
        sa.Column("tools", sa.Text, nullable=False, server_default="[]"),
        sa.Column("metadata", sa.Text, nullable=False, server_default="{}"),
        sa.Column("outcome", sa.String(16)),
        sa.Column("reason", sa.Text),
        sa.Column("output", sa.Text),
        sa.Column("requests", sa.Integer, nullable=False, server_default="0"),
        sa.Column("input_tokens", sa.Integer, nullable=False, server_default="0"),
        sa.Column("output_tokens", sa.Integer, nullable=False, server_default="0"),
        sa.Column("tool_call_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("latency_s", sa.Float),
        sa.Column("step_count", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_runs_started_at", "runs", ["started_at"])
    op.create_index("ix_runs_agent_name", "runs", ["agent_name"])
    op.create_index("ix_runs_outcome", "runs", ["outcome"])
    op.create_table(
        "steps",
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
    op.create_table(
        "tool_calls",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("step", sa.Integer, primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("raw_arguments", sa.Text, nullable=False),
        sa.Column("arguments", sa.Text),
        sa.Column("status", sa.String(32)),
        sa.Column("error", sa.Text),
        sa.Column("content", sa.Text),
        sa.Column("latency_s", sa.Float, nullable=False, server_default="0"),
    )
    op.create_index("ix_tool_calls_name", "tool_calls", ["name"])


def downgrade() -> None:
    op.drop_table("tool_calls")
    op.drop_table("steps")
    op.drop_table("runs")
