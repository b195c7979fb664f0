"""Feedback: a feedback table and the latest score on each run.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("time", sa.Float, nullable=False),
    )
    op.create_index("ix_feedback_run_id", "feedback", ["run_id"])
    # ADD COLUMN of a nullable column works natively on SQLite and PostgreSQL.
    op.add_column("runs", sa.Column("feedback_score", sa.Float))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("feedback_score")
    op.drop_index("ix_feedback_run_id", "feedback")
    op.drop_table("feedback")
