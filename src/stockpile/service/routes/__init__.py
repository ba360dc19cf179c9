"""One router per resource; :data:`ROUTERS` lists them in the order the API shows them."""

from fastapi import APIRouter

from stockpile.service.routes import (
    auth,
    contracts,
    inventory,
    jobs,
    journal,
    market,
    materials,
    movements,
    releases,
    risk,
    users,
)

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    users.router,
    materials.router,
    risk.router,
    market.router,
    inventory.router,
    movements.router,
    contracts.router,
    releases.router,
    journal.router,
    jobs.router,
)

__all__ = ["ROUTERS"]
