"""earning: an offering's requirements, and an enrolment's completion and pending check

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("offerings") as batch:
        batch.add_column(sa.Column("requirements", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("supervision", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("identity_verification", sa.String(length=32), nullable=True))
    with op.batch_alter_table("enrolments") as batch:
        batch.add_column(sa.Column("award_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("check_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_enrolments_award_id_awards"), "awards", ["award_id"], ["id"]
        )
        batch.create_index(batch.f("ix_enrolments_check_due_at"), ["check_due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("enrolments") as batch:
        batch.drop_index(batch.f("ix_enrolments_check_due_at"))
        batch.drop_constraint(batch.f("fk_enrolments_award_id_awards"), type_="foreignkey")
        batch.drop_column("check_due_at")
        batch.drop_column("completed_at")
        batch.drop_column("award_id")
    with op.batch_alter_table("offerings") as batch:
        batch.drop_column("identity_verification")
        batch.drop_column("supervision")
        batch.drop_column("requirements")
