"""recognition of other issuers' credentials: recognised issuers, equivalences, their change
log; learners' foreign credentials (personal data) and their recognition log

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _issuer_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["issuer_id"], ["issuers.id"], name=op.f(f"fk_{table}_issuer_id_issuers")
    )


def upgrade() -> None:
    op.create_table(
        "recognised_issuers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("issuer_id", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _issuer_fk("recognised_issuers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognised_issuers")),
        sa.UniqueConstraint(
            "issuer_id", "issuer", name=op.f("uq_recognised_issuers_issuer_id_issuer")
        ),
    )
    op.create_index(
        op.f("ix_recognised_issuers_issuer_id"), "recognised_issuers", ["issuer_id"], unique=False
    )

    op.create_table(
        "equivalences",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("issuer_id", sa.String(length=64), nullable=False),
        sa.Column("achievement_id", sa.String(length=64), nullable=False),
        sa.Column("foreign_achievement", sa.String(length=2000), nullable=True),
        sa.Column("alignment", sa.String(length=2000), nullable=True),
        sa.Column("credit_amount", sa.String(length=32), nullable=True),
        sa.Column("credit_unit", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["achievement_id"],
            ["achievements.id"],
            name=op.f("fk_equivalences_achievement_id_achievements"),
        ),
        _issuer_fk("equivalences"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equivalences")),
    )
    op.create_index(op.f("ix_equivalences_issuer_id"), "equivalences", ["issuer_id"], unique=False)

    op.create_table(
        "recognition_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("issuer_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        _issuer_fk("recognition_changes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognition_changes")),
    )
    op.create_index(
        op.f("ix_recognition_changes_issuer_id"), "recognition_changes", ["issuer_id"], unique=False
    )

    op.create_table(
        "foreign_credentials",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("credential", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=2000), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verification", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_foreign_credentials_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_foreign_credentials")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_foreign_credentials_user_id_key")),
    )
    op.create_index(
        op.f("ix_foreign_credentials_user_id"), "foreign_credentials", ["user_id"], unique=False
    )

    op.create_table(
        "recognition_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("issuer_id", sa.String(length=64), nullable=True),
        sa.Column("counted", sa.Boolean(), nullable=True),
        sa.Column("counts_as", sa.JSON(), nullable=False),
        sa.Column("credits", sa.JSON(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["foreign_credentials.id"],
            name=op.f("fk_recognition_events_credential_id_foreign_credentials"),
        ),
        _issuer_fk("recognition_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognition_events")),
    )
    op.create_index(
        op.f("ix_recognition_events_credential_id"),
        "recognition_events",
        ["credential_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_recognition_events_credential_id"), table_name="recognition_events")
    op.drop_table("recognition_events")
    op.drop_index(op.f("ix_foreign_credentials_user_id"), table_name="foreign_credentials")
    op.drop_table("foreign_credentials")
    op.drop_index(op.f("ix_recognition_changes_issuer_id"), table_name="recognition_changes")
    op.drop_table("recognition_changes")
    op.drop_index(op.f("ix_equivalences_issuer_id"), table_name="equivalences")
    op.drop_table("equivalences")
    op.drop_index(op.f("ix_recognised_issuers_issuer_id"), table_name="recognised_issuers")
    op.drop_table("recognised_issuers")
