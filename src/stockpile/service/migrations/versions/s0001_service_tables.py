"""service tables: users, tokens, login attempts, idempotency, jobs

Revision ID: s0001
Revises: (none)
Create Date: 2026-11-25 09:11:01.727088
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "svc_login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_svc_login_attempts_at"), "svc_login_attempts", ["at"], unique=False)
    op.create_index(
        op.f("ix_svc_login_attempts_client"), "svc_login_attempts", ["client"], unique=False
    )
    op.create_index(
        op.f("ix_svc_login_attempts_username"), "svc_login_attempts", ["username"], unique=False
    )
    op.create_table(
        "svc_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_svc_users_username"), "svc_users", ["username"], unique=True)
    op.create_table(
        "svc_idempotency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["svc_users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "key", name="uq_svc_idempotency_user_key"),
    )
    op.create_table(
        "svc_jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["svc_users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_svc_jobs_kind"), "svc_jobs", ["kind"], unique=False)
    op.create_index(op.f("ix_svc_jobs_status"), "svc_jobs", ["status"], unique=False)
    op.create_table(
        "svc_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["svc_users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_svc_tokens_token_hash"), "svc_tokens", ["token_hash"], unique=True)
    op.create_index(op.f("ix_svc_tokens_user_id"), "svc_tokens", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_svc_tokens_user_id"), table_name="svc_tokens")
    op.drop_index(op.f("ix_svc_tokens_token_hash"), table_name="svc_tokens")
    op.drop_table("svc_tokens")
    op.drop_index(op.f("ix_svc_jobs_status"), table_name="svc_jobs")
    op.drop_index(op.f("ix_svc_jobs_kind"), table_name="svc_jobs")
    op.drop_table("svc_jobs")
    op.drop_table("svc_idempotency")
    op.drop_index(op.f("ix_svc_users_username"), table_name="svc_users")
    op.drop_table("svc_users")
    op.drop_index(op.f("ix_svc_login_attempts_username"), table_name="svc_login_attempts")
    op.drop_index(op.f("ix_svc_login_attempts_client"), table_name="svc_login_attempts")
    op.drop_index(op.f("ix_svc_login_attempts_at"), table_name="svc_login_attempts")
    op.drop_table("svc_login_attempts")
