"""external completions: integrations (sealed secrets), completions (personal data), their log

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "integrations",
        sa.Column("issuer_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("sealed_secret", sa.LargeBinary(), nullable=False),
        sa.Column("previous_sealed_secret", sa.LargeBinary(), nullable=True),
        sa.Column("previous_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["issuers.id"], name=op.f("fk_integrations_issuer_id_issuers")
        ),
        sa.PrimaryKeyConstraint("issuer_id", "name", name=op.f("pk_integrations")),
    )

    op.create_table(
        "completions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("issuer_id", sa.String(length=64), nullable=False),
        sa.Column("offering_id", sa.String(length=36), nullable=False),
        sa.Column("requirement_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("system", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.String(length=32), nullable=True),
        sa.Column("grade", sa.String(length=64), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["issuers.id"], name=op.f("fk_completions_issuer_id_issuers")
        ),
        sa.ForeignKeyConstraint(
            ["offering_id"], ["offerings.id"], name=op.f("fk_completions_offering_id_offerings")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_completions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_completions")),
        sa.UniqueConstraint(
            "system",
            "issuer_id",
            "external_id",
            name=op.f("uq_completions_system_issuer_id_external_id"),
        ),
    )
    op.create_index(
        "ix_completions_offering_id_user_id",
        "completions",
        ["offering_id", "user_id"],
        unique=False,
    )
    op.create_index(op.f("ix_completions_user_id"), "completions", ["user_id"], unique=False)

    op.create_table(
        "completion_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issuer_id", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("system", sa.String(length=64), nullable=False),
        sa.Column("completion_id", sa.String(length=36), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["completion_id"],
            ["completions.id"],
            name=op.f("fk_completion_events_completion_id_completions"),
        ),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["issuers.id"], name=op.f("fk_completion_events_issuer_id_issuers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_completion_events")),
    )
    op.create_index(
        op.f("ix_completion_events_issuer_id"), "completion_events", ["issuer_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_completion_events_issuer_id"), table_name="completion_events")
    op.drop_table("completion_events")
    op.drop_index(op.f("ix_completions_user_id"), table_name="completions")
    op.drop_index("ix_completions_offering_id_user_id", table_name="completions")
    op.drop_table("completions")
    op.drop_table("integrations")
