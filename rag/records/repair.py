"""What a crash or an upgrade left behind, put right when a process opens the library, before any work starts."""

from __future__ import annotations

from rag.records.backfill import backfill_workspaces
from rag.records.cleanup import recover_interrupted
from rag.services import Services


def repair(services: Services) -> None:
    """Puts back in the queue what a crash left half-indexed, then gives passages stored before workspaces existed
    theirs."""
    recover_interrupted(services)
    backfill_workspaces(services)


def open_repaired(services: Services) -> Services:
    """`services`, repaired; closed again if the repair fails, so no caller starts on a half-written library."""
    try:
        repair(services)
    except BaseException:
        services.close()
        raise
    return services
