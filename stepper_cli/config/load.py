"""`load_settings`: a repository's configuration, with provenance, validated only when something configures it.

With no config file, no STEPPER_* variable that sets a key, and no overrides, the settings are the defaults,
which model.py writes and the validating models are derived from: they are built as they are, without
pydantic (a fresh STEPPER_HOME on a CI runner, the usual case, would otherwise pay for the validation
machinery before its first report). Anything else is layered and validated (settings.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .model import LoadedConfig, Settings
from .sources import config_files, env_names


def load_settings(
    repo_root: Path | None = None, overrides: dict[str, Any] | None = None, *, assume_trusted: bool = False
) -> LoadedConfig:
    """Load configuration for a repository (or none), with provenance.

    assume_trusted: apply the repository's file whole, as `stepper config trust` checks it before asking.
    """
    files = config_files(repo_root)
    if not files and not overrides and not env_names():
        return LoadedConfig(settings=Settings(), files=[])
    from .settings import validated_load

    return validated_load(files, repo_root, overrides, assume_trusted=assume_trusted)
