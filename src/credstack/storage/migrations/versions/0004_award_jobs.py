"""bulk award jobs: the jobs, their input and their report lines

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "award_jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("issuer_id", sa.String(length=64), nullable=False),
        sa.Column("submitted_by", sa.String(length=36), nullable=False),
        sa.Column("input_format", sa.String(length=8), nullable=False),
        sa.Column("achievement_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("already_issued", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("claim", sa.Integer(), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["issuers.id"], name=op.f("fk_award_jobs_issuer_id_issuers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award_jobs")),
    )
    op.create_index("ix_award_jobs_issuer_id_created_at", "award_jobs", ["issuer_id", "created_at"])
    op.create_index(op.f("ix_award_jobs_status"), "award_jobs", ["status"], unique=False)
    op.create_table(
        "award_job_inputs",
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["award_jobs.id"], name=op.f("fk_award_job_inputs_job_id_award_jobs")
        ),
        sa.PrimaryKeyConstraint("job_id", "seq", name=op.f("pk_award_job_inputs")),
    )
    op.create_table(
        "award_job_lines",
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("row", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=True),
        sa.Column("award_id", sa.String(length=36), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["award_jobs.id"], name=op.f("fk_award_job_lines_job_id_award_jobs")
        ),
        sa.PrimaryKeyConstraint("job_id", "row", name=op.f("pk_award_job_lines")),
    )


def downgrade() -> None:
    op.drop_table("award_job_lines")
    op.drop_table("award_job_inputs")
    op.drop_index(op.f("ix_award_jobs_status"), table_name="award_jobs")
    op.drop_index("ix_award_jobs_issuer_id_created_at", table_name="award_jobs")
    op.drop_table("award_jobs")
