"""pathways: versions of pathways, the learners on them (personal data) and their log

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pathways",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.String(length=64), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("loss_policy", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["issuers.id"], name=op.f("fk_pathways_issuer_id_issuers")
        ),
        sa.PrimaryKeyConstraint("id", "version", name=op.f("pk_pathways")),
    )
    op.create_index(op.f("ix_pathways_issuer_id"), "pathways", ["issuer_id"], unique=False)
    op.create_table(
        "pathway_learners",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("pathway_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("award_id", sa.String(length=36), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("check_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("flagged", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["award_id"], ["awards.id"], name=op.f("fk_pathway_learners_award_id_awards")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_pathway_learners_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_learners")),
        sa.UniqueConstraint(
            "pathway_id", "user_id", name=op.f("uq_pathway_learners_pathway_id_user_id")
        ),
    )
    for column in ("award_id", "check_due_at", "user_id"):
        op.create_index(
            op.f(f"ix_pathway_learners_{column}"), "pathway_learners", [column], unique=False
        )
    op.create_table(
        "pathway_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("pathway_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("learner_id", sa.String(length=36), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_events")),
    )
    op.create_index(
        op.f("ix_pathway_events_pathway_id"), "pathway_events", ["pathway_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_pathway_events_pathway_id"), table_name="pathway_events")
    op.drop_table("pathway_events")
    for column in ("award_id", "check_due_at", "user_id"):
        op.drop_index(op.f(f"ix_pathway_learners_{column}"), table_name="pathway_learners")
    op.drop_table("pathway_learners")
    op.drop_index(op.f("ix_pathways_issuer_id"), table_name="pathways")
    op.drop_table("pathways")
