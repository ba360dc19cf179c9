"""Alembic migrations of the service tables (run by ``Database.create_service_tables``)."""
