"""What a crash or an upgrade left behind, put right when a process opens the library, before any work starts."""

from __future__ import annotations

from rag.records.backfill import backfill_workspaces
from rag.records.cleanup import purge_incomplete
from rag.services import Services


def repair(services: Services) -> None:
    """Removes what a crash left half-indexed, then gives passages stored before workspaces existed theirs."""
    purge_incomplete(services)
    backfill_workspaces(services)


def open_repaired(services: Services) -> Services:
    """`services`, repaired; closed again if the repair fails, so no caller starts on a half-written library."""
    try:
        repair(services)
    except BaseException:
        services.close()
        raise
    return services
