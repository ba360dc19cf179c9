"""market-stabilisation price rules, auction batches and awards

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 09:40:00
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
        "stabilization_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("material", sa.String(length=80), nullable=False),
        sa.Column("release_trigger", sa.BigInteger(), nullable=True),
        sa.Column("purchase_floor", sa.BigInteger(), nullable=True),
        sa.Column("eligible_classes", sa.String(length=400), nullable=False),
        sa.Column("bidder_cap", sa.BigInteger(), nullable=True),
        sa.Column("batch_limit", sa.BigInteger(), nullable=True),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("material"),
    )
    op.create_table(
        "auction_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("reference_price", sa.BigInteger(), nullable=False),
        sa.Column("price_source", sa.Text(), nullable=False),
        sa.Column("release_trigger", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["release_id"], ["release_requests.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("release_id"),
    )
    op.create_table(
        "auction_awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("bidder", sa.String(length=200), nullable=False),
        sa.Column("bidder_class", sa.String(length=80), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("proceeds", sa.BigInteger(), nullable=False),
        sa.Column("no_resale", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["auction_batches.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_auction_awards_batch_id"), "auction_awards", ["batch_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_auction_awards_batch_id"), table_name="auction_awards")
    op.drop_table("auction_awards")
    op.drop_table("auction_batches")
    op.drop_table("stabilization_rules")
