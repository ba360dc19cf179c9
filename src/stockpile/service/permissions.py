"""Roles, permissions and the one table that links them (documented in ``docs/service.md``)."""

from __future__ import annotations

import enum
from types import MappingProxyType

__all__ = [
    "PERMISSIONS",
    "PERMISSION_DESCRIPTIONS",
    "Permission",
    "Role",
    "UnknownRoleError",
    "allowed",
    "parse_role",
]


class UnknownRoleError(ValueError):
    """A role name that is not one of :class:`Role`."""


class Role(enum.StrEnum):
    """What a user is, which decides what the user may do."""

    VIEWER = "viewer"
    ANALYST = "analyst"
    CONTRACTING_OFFICER = "contracting_officer"
    RELEASE_AUTHORITY = "release_authority"
    AUDITOR = "auditor"
    ADMIN = "admin"


class Permission(enum.StrEnum):
    """One kind of action on the service; each route requires exactly one."""

    READ_REFERENCE = "read_reference"
    READ_LEDGER = "read_ledger"
    READ_JOURNAL = "read_journal"
    READ_JOBS = "read_jobs"
    RUN_JOBS = "run_jobs"
    MANAGE_CONTRACTS = "manage_contracts"
    MOVE_INVENTORY = "move_inventory"
    ADJUST_INVENTORY = "adjust_inventory"
    MANAGE_SETUP = "manage_setup"
    REQUEST_RELEASE = "request_release"
    APPROVE_RELEASE = "approve_release"
    EXECUTE_RELEASE = "execute_release"
    MANAGE_USERS = "manage_users"
    READ_USERS = "read_users"


PERMISSION_DESCRIPTIONS: MappingProxyType[Permission, str] = MappingProxyType(
    {
        Permission.READ_REFERENCE: "Materials, reference data and risk indicators.",
        Permission.READ_LEDGER: (
            "Depots, lots, holdings, funds, caps, the annual plan, contracts, releases, valuation."
        ),
        Permission.READ_JOURNAL: "The journal and its verification.",
        Permission.READ_JOBS: "Scenario and plan runs and their results.",
        Permission.RUN_JOBS: "Start and cancel scenario and plan runs.",
        Permission.MANAGE_CONTRACTS: "Contracts, delivery orders and receipts of deliveries.",
        Permission.MOVE_INVENTORY: (
            "Transfers between depots, conversions, disposals, loans and their return."
        ),
        Permission.ADJUST_INVENTORY: (
            "Inventory adjustments with a reason (the auditor's count correction)."
        ),
        Permission.MANAGE_SETUP: (
            "Depots and their capacities, funds, spending caps, Annual Materials Plan lines."
        ),
        Permission.REQUEST_RELEASE: "Request a release from the stockpile.",
        Permission.APPROVE_RELEASE: "Approve a release requested by a different user.",
        Permission.EXECUTE_RELEASE: (
            "Execute an approved release (draw lots, write the report to the committees)."
        ),
        Permission.MANAGE_USERS: "Create users, deactivate them, reset their passwords.",
        Permission.READ_USERS: "List users and their roles.",
    }
)
"""What each permission covers."""

_R = Role
_P = Permission
_READ_ALL = frozenset({_P.READ_REFERENCE, _P.READ_LEDGER, _P.READ_JOURNAL, _P.READ_JOBS})

PERMISSIONS: MappingProxyType[Role, frozenset[Permission]] = MappingProxyType(
    {
        _R.VIEWER: frozenset({_P.READ_REFERENCE, _P.READ_LEDGER, _P.READ_JOBS}),
        _R.ANALYST: _READ_ALL | {_P.RUN_JOBS, _P.REQUEST_RELEASE},
        _R.CONTRACTING_OFFICER: _READ_ALL
        | {_P.MANAGE_CONTRACTS, _P.MOVE_INVENTORY, _P.REQUEST_RELEASE, _P.EXECUTE_RELEASE},
        _R.RELEASE_AUTHORITY: _READ_ALL
        | {_P.REQUEST_RELEASE, _P.APPROVE_RELEASE, _P.EXECUTE_RELEASE},
        _R.AUDITOR: _READ_ALL | {_P.READ_USERS, _P.ADJUST_INVENTORY},
        _R.ADMIN: _READ_ALL
        | {
            _P.RUN_JOBS,
            _P.MANAGE_CONTRACTS,
            _P.MOVE_INVENTORY,
            _P.MANAGE_SETUP,
            _P.REQUEST_RELEASE,
            _P.EXECUTE_RELEASE,
            _P.MANAGE_USERS,
            _P.READ_USERS,
        },
    }
)
"""Role -> the permissions it grants, the same powers the ledger checks for each operation.
Only a release authority approves a release, and never the requester's own request; only
an auditor adjusts inventory counts."""


def allowed(role: Role, permission: Permission) -> bool:
    """True when ``role`` grants ``permission``."""
    return permission in PERMISSIONS[role]


def parse_role(value: str) -> Role:
    """Read a role name ('release authority', 'release_authority', 'RELEASE-AUTHORITY')."""
    norm = value.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return Role(norm)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise UnknownRoleError(f"role: {value!r} is not one of {names}") from None
