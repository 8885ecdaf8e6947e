"""The layers of configuration as plain data, read per call: files, STEPPER_* variables, and their merge.

Nothing here keeps state between calls: each load reads the files and the environment afresh and hands
the layers back as new dicts, so two threads loading two repositories never see each other's values.
Tables merge key by key; a list (`exclude`, `[[providers]]`) replaces the one below it whole.
"""

from __future__ import annotations

import functools
import os
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from .allowlist import shown
from .paths import user_config_path

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

REPO_FILE = ".stepper.toml"
FLAT = "Stepper's settings are tables of plain values; see config.example.toml."
FIX_HINT = "Fix it in that file ('stepper config path' lists the files stepper reads)."
MAX_BYTES = 4 << 20  # a config file is a few KB; a clone's file linked to something huge must not stall stepper


def config_files(repo_root: Path | None) -> list[Path]:
    """Return the config files that apply, lowest precedence first (existing ones only)."""
    explicit = os.environ.get("STEPPER_CONFIG")
    first = Path(explicit).expanduser() if explicit else user_config_path()
    files = [first] if explicit or first.is_file() else []
    if repo_root is not None and (repo_root / REPO_FILE).is_file():
        files.append(repo_root / REPO_FILE)
    return files


def read_bytes(path: Path) -> bytes:
    """The file's bytes; a missing or unreadable file is a ConfigError naming it."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError as exc:
        raise ConfigError("the file does not exist", file=shown(str(path)),
                          hint="Unset STEPPER_CONFIG or create it.") from exc  # fmt: skip
    except OSError as exc:
        raise ConfigError(f"cannot read it ({exc.strerror or exc})", file=shown(str(path)), hint=FIX_HINT) from exc
    if len(raw) > MAX_BYTES:
        raise ConfigError(f"it is larger than {MAX_BYTES >> 20} MiB", file=shown(str(path)), hint=FIX_HINT)
    return raw


def parse_toml(path: Path, raw: bytes) -> dict[str, Any]:
    """Parse one file's bytes; any problem is a ConfigError naming the file."""
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        reason = f"cannot read it: it is not UTF-8 text ({exc.reason} at byte {exc.start})"
        raise ConfigError(reason, file=shown(str(path)), hint=FIX_HINT) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML ({shown(str(exc))})", file=shown(str(path)), hint=FIX_HINT) from exc
    except RecursionError as exc:  # arrays or inline tables nested thousands deep
        raise ConfigError("it is nested too deeply to read", file=shown(str(path)), hint=FLAT) from exc


def read_toml(path: Path) -> dict[str, Any]:
    """Read and parse one TOML file."""
    return parse_toml(path, read_bytes(path))


def merge(into: dict[str, Any], data: dict[str, Any], sources: dict[str, str], label: str) -> None:
    """Merge data into `into` (tables key by key, lists whole), noting label as the source of each key."""
    try:
        _merge(into, data, sources, label, "")
    except RecursionError as exc:  # [a.a.a....] table headers thousands deep
        raise ConfigError("it is nested too deeply to read", file=shown(label), hint=FLAT) from exc


def _merge(into: dict[str, Any], data: dict[str, Any], sources: dict[str, str], label: str, prefix: str) -> None:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value, sources, label, dotted + ".")
            continue
        into[key] = copy(value)
        for sub in flatten({key: value}, prefix):
            sources[sub] = label


def copy(value: Any) -> Any:
    """A deep copy of nested tables (lists are rebuilt too, so no layer shares a mutable value)."""
    if isinstance(value, dict):
        return {k: copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy(v) for v in value]
    return value


def flatten(data: dict[str, Any], prefix: str = "") -> list[str]:
    """The dotted keys of nested tables."""
    keys: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict) and value:
            keys.extend(flatten(value, f"{prefix}{key}."))
        else:
            keys.append(f"{prefix}{key}")
    return keys


def env_names() -> dict[str, str]:
    """The STEPPER_* variables that set a key (its first part a setting: not STEPPER_HOME, nor a variable such as
    the STEPPER_JOB_ID a notify command is given): the dotted key each names, and the variable."""
    import dataclasses

    from .model import Settings

    tables = {f.name for f in dataclasses.fields(Settings)}
    found = {
        name[len("STEPPER_") :].lower().replace("__", "."): name for name in os.environ if name.startswith("STEPPER_")
    }
    return {key: name for key, name in found.items() if key.split(".")[0] in tables}


def env_layer(model: type[BaseModel]) -> tuple[dict[str, Any], dict[str, str]]:
    """The STEPPER_* variables as nested data (read now), and the variable behind each dotted key.

    pydantic-settings' env source does the parsing (nested `__` keys, JSON for lists and tables); it is
    imported only when such a variable is set, which keeps it off the usual hook and CI paths.
    """
    names = env_names()
    if not names:  # the usual case (a hook, a CI step): nothing to parse
        return {}, names
    from pydantic_settings import EnvSettingsSource
    from pydantic_settings.exceptions import SettingsError

    try:
        data = EnvSettingsSource(_env_model(model))()
    except SettingsError as exc:  # a complex value (a list, a table) that is not JSON
        field = str(exc).split('"')[1] if str(exc).count('"') >= 2 else ""
        var = next((v for k, v in names.items() if k.split(".")[0] == field), "a STEPPER_* variable")
        raise ConfigError("its value is not valid JSON", file=f"env {var}", key=field or None,
                          hint=f"Fix or unset {var}.") from exc  # fmt: skip
    return data, names


def config_error(exc: ValidationError, sources: dict[str, str]) -> ConfigError:
    """The first validation error as a ConfigError naming the file (or variable), the key and the reason."""
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    key = ".".join(loc)
    origin = next((sources[k] for k in (key, *_parents(loc)) if k in sources), None)
    if origin is None:  # a whole table is wrong (an unknown [section]): where do its keys come from?
        origin = next((v for k, v in sources.items() if k.startswith(f"{key}.")), None)
    if origin is None and loc and loc[0] == "providers":
        origin = next((v for k, v in sources.items() if k.startswith("providers")), None)
    reason = "unknown key" if err["type"] == "extra_forbidden" else err["msg"].removeprefix("Value error, ")
    hint = FIX_HINT
    if origin and origin.startswith("env "):
        hint = f"Fix or unset {origin.removeprefix('env ')}."
    elif origin == "flag":
        hint = "Fix the option's value."
    return ConfigError(shown(reason), file=shown(origin or "defaults"), key=shown(key), hint=hint)


def _parents(loc: list[str]) -> list[str]:
    return [".".join(loc[:i]) for i in range(len(loc) - 1, 0, -1)]


@functools.lru_cache(maxsize=4)
def _env_model(model: type[BaseModel]) -> type[Any]:
    """The settings model with the same keys read from STEPPER_* variables (nested with __); never built."""
    from pydantic_settings import BaseSettings, SettingsConfigDict

    config = SettingsConfigDict(env_prefix="STEPPER_", env_nested_delimiter="__", extra="forbid")
    return type("FromEnv", (BaseSettings, model), {"model_config": config, "__doc__": _env_model.__doc__})
