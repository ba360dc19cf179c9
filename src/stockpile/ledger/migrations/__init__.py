"""Alembic migrations of the ledger schema (run by :func:`stockpile.ledger.database.upgrade`)."""
