"""evidence reviewed by an assessor: rubrics, submissions (personal data), their files and
their audit log

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rubrics",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("issuer_id", sa.String(length=64), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["issuers.id"], name=op.f("fk_rubrics_issuer_id_issuers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rubrics")),
    )
    op.create_index(op.f("ix_rubrics_issuer_id"), "rubrics", ["issuer_id"], unique=False)

    op.create_table(
        "evidence_submissions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("issuer_id", sa.String(length=64), nullable=False),
        sa.Column("offering_id", sa.String(length=36), nullable=False),
        sa.Column("requirement_id", sa.String(length=64), nullable=False),
        sa.Column("rubric_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("link", sa.String(length=2000), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewer", sa.String(length=200), nullable=True),
        sa.Column("levels", sa.JSON(), nullable=True),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("max_points", sa.Integer(), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["issuers.id"], name=op.f("fk_evidence_submissions_issuer_id_issuers")
        ),
        sa.ForeignKeyConstraint(
            ["offering_id"],
            ["offerings.id"],
            name=op.f("fk_evidence_submissions_offering_id_offerings"),
        ),
        sa.ForeignKeyConstraint(
            ["rubric_id"], ["rubrics.id"], name=op.f("fk_evidence_submissions_rubric_id_rubrics")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_evidence_submissions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_submissions")),
        sa.UniqueConstraint(
            "offering_id",
            "requirement_id",
            "user_id",
            "version",
            name="uq_evidence_submissions_version",
        ),
    )
    op.create_index(
        "ix_evidence_submissions_queue",
        "evidence_submissions",
        ["issuer_id", "state", "submitted_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_evidence_submissions_rubric_id"),
        "evidence_submissions",
        ["rubric_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_evidence_submissions_user_id"), "evidence_submissions", ["user_id"], unique=False
    )

    op.create_table(
        "evidence_files",
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["evidence_submissions.id"],
            name=op.f("fk_evidence_files_submission_id_evidence_submissions"),
        ),
        sa.PrimaryKeyConstraint("submission_id", name=op.f("pk_evidence_files")),
    )

    op.create_table(
        "evidence_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("rubric_id", sa.String(length=64), nullable=False),
        sa.Column("submission_id", sa.String(length=36), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["evidence_submissions.id"],
            name=op.f("fk_evidence_events_submission_id_evidence_submissions"),
        ),
        sa.ForeignKeyConstraint(
            ["rubric_id"], ["rubrics.id"], name=op.f("fk_evidence_events_rubric_id_rubrics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_events")),
    )
    op.create_index(
        op.f("ix_evidence_events_rubric_id"), "evidence_events", ["rubric_id"], unique=False
    )
    op.create_index(
        op.f("ix_evidence_events_submission_id"),
        "evidence_events",
        ["submission_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_evidence_events_submission_id"), table_name="evidence_events")
    op.drop_index(op.f("ix_evidence_events_rubric_id"), table_name="evidence_events")
    op.drop_table("evidence_events")
    op.drop_table("evidence_files")
    op.drop_index(op.f("ix_evidence_submissions_user_id"), table_name="evidence_submissions")
    op.drop_index(op.f("ix_evidence_submissions_rubric_id"), table_name="evidence_submissions")
    op.drop_index("ix_evidence_submissions_queue", table_name="evidence_submissions")
    op.drop_table("evidence_submissions")
    op.drop_index(op.f("ix_rubrics_issuer_id"), table_name="rubrics")
    op.drop_table("rubrics")
