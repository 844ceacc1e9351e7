"""status lists, credential status and the audit log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
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
        "status_lists",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("issuer_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("did", sa.String(length=2000), nullable=False),
        sa.Column("signing_key_id", sa.String(length=36), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("next_position", sa.Integer(), nullable=False),
        sa.Column("permutation_key", sa.LargeBinary(), nullable=False),
        sa.Column("revocation_bits", sa.LargeBinary(), nullable=False),
        sa.Column("suspension_bits", sa.LargeBinary(), nullable=False),
        sa.Column("revocation_credential", sa.Text(), nullable=False),
        sa.Column("suspension_credential", sa.Text(), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["issuers.id"], name=op.f("fk_status_lists_issuer_id_issuers")
        ),
        sa.ForeignKeyConstraint(
            ["signing_key_id"],
            ["signing_keys.id"],
            name=op.f("fk_status_lists_signing_key_id_signing_keys"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_lists")),
        sa.UniqueConstraint("issuer_id", "number", name=op.f("uq_status_lists_issuer_id_number")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("award_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["award_id"], ["awards.id"], name=op.f("fk_audit_events_award_id_awards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_award_id"), ["award_id"], unique=False)

    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_list_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("status_index", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revocation_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("suspension_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("renewed_from", sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_awards_status_list_id_status_index"), ["status_list_id", "status_index"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_awards_status_list_id_status_lists"),
            "status_lists",
            ["status_list_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_awards_renewed_from_awards"), "awards", ["renewed_from"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_awards_renewed_from_awards"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_awards_status_list_id_status_lists"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("uq_awards_status_list_id_status_index"), type_="unique"
        )
        batch_op.drop_column("renewed_from")
        batch_op.drop_column("suspension_reason")
        batch_op.drop_column("suspended_at")
        batch_op.drop_column("revocation_reason")
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("status_index")
        batch_op.drop_column("status_list_id")

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_award_id"))

    op.drop_table("audit_events")
    op.drop_table("status_lists")
