"""Seeds: ``empty`` (the standard objects only) and ``demo`` (a believable, linked workspace)."""

from __future__ import annotations

from attio_emulator.core.state import EmulatorState

SEEDS = ("empty", "demo")


def apply_seed(state: EmulatorState, name: str) -> None:
    """Build the named seed into ``state`` (deterministic for a given name)."""
    if name not in SEEDS:
        raise ValueError(f"unknown seed {name!r}; choose one of: {', '.join(SEEDS)}")
    # Imported here: the seeds use the services, which import core modules that import us.
    from attio_emulator.seed.demo import build_demo
    from attio_emulator.services.objects.models import ensure_standard_objects

    ensure_standard_objects(state)
    if name == "demo":
        build_demo(state)
