"""Dependency changes, `name old → new`, read from manifests and lock files at both sides of a commit.

A parser turns one file's text into `(section, name) → requirement or version`; the change is the
difference of the two maps. Sections: `prod` (what the project's users install), `dev`, `optional`,
`peer`, `build` (build-system requirements) and `lock` (resolved versions in a lock file). A file that
does not parse says nothing: a broken manifest is not a dependency change.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..filekinds import is_requirements

Entries = dict[tuple[str, str], str]
_SECTIONS = ("prod", "dev", "optional", "peer", "build", "lock")


@dataclass(frozen=True, slots=True)
class DepChange:
    """One dependency whose requirement or resolved version changed in one file."""

    file: str
    name: str
    old: str | None  # None: added
    new: str | None  # None: removed
    section: str

    def describe(self) -> str:
        """`httpx 0.27 → 0.28`, `rich 13.0 added`, `six removed`."""
        if self.old is None:
            return f"{self.name} {self.new} added" if self.new else f"{self.name} added"
        if self.new is None:
            return f"{self.name} {self.old} removed" if self.old else f"{self.name} removed"
        return f"{self.name} {self.old or '(any version)'} → {self.new or '(any version)'}"


def is_manifest(path: str) -> bool:
    """Whether stepper can read dependencies from this path."""
    return _parser(path) is not None


def changes(path: str, old: str | None, new: str | None) -> list[DepChange]:
    """What changed between two texts of a manifest or lock file (None: the file is absent on that side)."""
    return compare(path, entries(path, old), entries(path, new))


def entries(path: str, text: str | None) -> Entries | None:
    """The requirements and versions of one side of a manifest ({}: absent; None: it does not parse, or the
    path is no manifest)."""
    parse = _parser(path)
    return _safe(parse, text) if parse else None


def compare(path: str, before: Entries | None, after: Entries | None) -> list[DepChange]:
    """The dependency changes between the entries of two sides (none when a side did not parse)."""
    if before is None or after is None:
        return []
    found: dict[tuple[str, str | None, str | None], DepChange] = {}
    changed = {key for key, _ in before.items() ^ after.items()}  # a lock file's thousands of entries, in C
    for section, name in sorted(changed, key=lambda key: (_SECTIONS.index(key[0]), key[1])):
        old_spec, new_spec = before.get((section, name)), after.get((section, name))
        if old_spec != new_spec:  # the same change listed in two sections is said once, in the first
            found.setdefault((name, old_spec, new_spec), DepChange(path, name, old_spec, new_spec, section))
    return list(found.values())


_USES = re.compile(
    r"^([-+])\s*(?:-\s+)?uses:\s*['\"]?([\w.-]+/[\w./-]+)@([\w.-]+)['\"]?(?:\s*#\s*(v?\d[\w.-]*))?", re.M
)
_IMAGE = re.compile(r"^([-+])\s*(?:FROM\s+(?:--platform=\S+\s+)?|image:\s*['\"]?)([\w./-]+):([\w.-]+)", re.M | re.I)


def pinned_in_diff(path: str, diff: str) -> list[DepChange]:
    """Actions (`uses: owner/repo@v4`) and container images (`FROM node:20`, `image: x:1.2`) whose pinned
    version a diff changes, read from its removed and added lines."""
    name = path.rpartition("/")[2].lower()
    if name.endswith((".yml", ".yaml")) and ("uses:" in diff or "image:" in diff):
        pattern, section = (_USES, "action") if "uses:" in diff else (_IMAGE, "image")
    elif name.startswith("dockerfile") or name.endswith(".dockerfile"):
        pattern, section = _IMAGE, "image"
    else:
        return []
    sides: dict[str, dict[str, str]] = {"-": {}, "+": {}}
    for found in pattern.finditer(diff):
        sign, dep, version = found.group(1), found.group(2), found.group(3)
        pinned = found.group(4) if found.lastindex and found.lastindex >= 4 and found.group(4) else version
        sides[sign].setdefault(dep, pinned)
    before, after = sides["-"], sides["+"]
    return [
        DepChange(path, dep, before.get(dep), after.get(dep), section)
        for dep in sorted(before.keys() | after.keys())
        if before.get(dep) != after.get(dep)
    ]


def _parser(path: str) -> Callable[[str], Entries] | None:
    folder, _, name = path.lower().rpartition("/")
    if name in _PARSERS:
        return _PARSERS[name]
    if is_requirements(name, folder.rpartition("/")[2]):
        section = "dev" if _DEV_GROUP.search(name.removeprefix("requirements")) else "prod"
        return lambda text: _requirements(text, section)
    return None


def _safe(parse: Callable[[str], Entries], text: str | None) -> Entries | None:
    if text is None:
        return {}
    try:
        return parse(text)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError):
        return None  # tomllib and json errors are ValueErrors


_DEV_GROUP = re.compile(r"dev|test|lint|doc|typing|mypy|ci\b|check")
_PEP508 = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*([^;#]*)")


def _pep508(spec: str) -> tuple[str, str] | None:
    found = _PEP508.match(spec)
    if not found:
        return None
    return re.sub(r"[-_.]+", "-", found.group(1).lower()), found.group(2).replace(" ", "").strip("'\"")


def _add_specs(out: Entries, section: str, specs: Any) -> None:
    for spec in specs if isinstance(specs, list) else []:
        parsed = _pep508(spec) if isinstance(spec, str) else None
        if parsed:
            out[(section, parsed[0])] = parsed[1]


def _add_table(out: Entries, section: str, table: Any) -> None:
    for name, spec in _dict(table).items():
        version = spec if isinstance(spec, str) else _dict(spec).get("version", "")
        out[(section, str(name))] = str(version)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _requirements(text: str, section: str) -> Entries:
    out: Entries = {}
    for line in text.splitlines():
        if line.strip().startswith(("-", "#")) or "://" in line:
            continue
        parsed = _pep508(line)
        if parsed:
            out[(section, parsed[0])] = parsed[1]
    return out


def _pyproject(text: str) -> Entries:
    data = tomllib.loads(text)
    out: Entries = {}
    project = _dict(data.get("project"))
    _add_specs(out, "prod", project.get("dependencies"))
    for group, specs in _dict(project.get("optional-dependencies")).items():
        _add_specs(out, "dev" if _DEV_GROUP.search(group.lower()) else "optional", specs)
    for specs in _dict(data.get("dependency-groups")).values():
        _add_specs(out, "dev", specs)
    _add_specs(out, "build", _dict(data.get("build-system")).get("requires"))
    poetry = _dict(_dict(data.get("tool")).get("poetry"))
    _add_table(out, "prod", poetry.get("dependencies"))
    _add_table(out, "dev", poetry.get("dev-dependencies"))
    for group in _dict(poetry.get("group")).values():
        _add_table(out, "dev", _dict(group).get("dependencies"))
    out.pop(("prod", "python"), None)
    return out


_SETUP_LIST = re.compile(r"\b(install_requires|tests_require|setup_requires)\s*=\s*\[([^\]]*)\]", re.S)
_QUOTED = re.compile(r"[\"']([^\"'\n]+)[\"']")


def _setup_py(text: str) -> Entries:
    out: Entries = {}
    sections = {"install_requires": "prod", "tests_require": "dev", "setup_requires": "build"}
    for found in _SETUP_LIST.finditer(text):
        _add_specs(out, sections[found.group(1)], _QUOTED.findall(found.group(2)))
    return out


def _package_json(text: str) -> Entries:
    data = _dict(json.loads(text))
    out: Entries = {}
    for key, section in (("dependencies", "prod"), ("devDependencies", "dev"), ("peerDependencies", "peer"),
                         ("optionalDependencies", "optional")):  # fmt: skip
        _add_table(out, section, data.get(key))
    return out


def _package_lock(text: str) -> Entries:
    """npm's lock: top-level packages only (`node_modules/x`, not `node_modules/a/node_modules/x`)."""
    data = _dict(json.loads(text))
    out: Entries = {}
    for key, entry in _dict(data.get("packages")).items():
        if key.startswith("node_modules/") and key.count("node_modules/") == 1:
            _add_version(out, key.removeprefix("node_modules/"), _dict(entry).get("version"))
    if not out:  # lockfileVersion 1
        for name, entry in _dict(data.get("dependencies")).items():
            _add_version(out, name, _dict(entry).get("version"))
    return out


def _add_version(out: Entries, name: str, version: Any) -> None:
    if isinstance(version, str):
        out[("lock", name)] = version


_YARN_ENTRY = re.compile(
    r'^"?((?:@[^@/"\s]+/)?[^@"\s,]+)@[^\n]*:\n(?:[ \t]+[^\n]*\n)*?[ \t]+version:? "?([^"\s]+)', re.M
)
_PNPM_ENTRY = re.compile(r"^  '?/?((?:@[^@/\s]+/)?[^@/\s']+)[@/](\d[^:('\s]*)[^:\s]*'?:\s*$", re.M)
_GEM_ENTRY = re.compile(r"^    ([A-Za-z0-9_.-]+) \(([^)]+)\)$", re.M)
_GO_REQUIRE = re.compile(r"^\s*(?:require\s+)?([\w.-]+\.[\w.-]+/\S+)\s+(v\S+)(\s*//\s*indirect)?", re.M)


def _yarn_lock(text: str) -> Entries:
    return {("lock", m.group(1)): m.group(2) for m in _YARN_ENTRY.finditer(text)}


def _pnpm_lock(text: str) -> Entries:
    return {("lock", m.group(1)): m.group(2) for m in _PNPM_ENTRY.finditer(text)}


def _gemfile_lock(text: str) -> Entries:
    return {("lock", m.group(1)): m.group(2) for m in _GEM_ENTRY.finditer(text)}


def _toml_packages(text: str) -> Entries:
    """poetry.lock, uv.lock, pdm.lock, Cargo.lock: `[[package]]` tables with a name and a version."""
    out: Entries = {}
    for entry in tomllib.loads(text).get("package", []):
        name = _dict(entry).get("name")
        if isinstance(name, str):
            out[("lock", name)] = str(_dict(entry).get("version", ""))
    return out


def _cargo_toml(text: str) -> Entries:
    data = tomllib.loads(text)
    out: Entries = {}
    for key, section in (("dependencies", "prod"), ("dev-dependencies", "dev"), ("build-dependencies", "build")):
        _add_table(out, section, data.get(key))
        _add_table(out, section, _dict(data.get("workspace")).get(key))
    return out


def _go_mod(text: str) -> Entries:
    return {("lock" if m.group(3) else "prod", m.group(1)): m.group(2) for m in _GO_REQUIRE.finditer(text)}


def _composer_json(text: str) -> Entries:
    data = _dict(json.loads(text))
    out: Entries = {}
    _add_table(out, "prod", {k: v for k, v in _dict(data.get("require")).items() if "/" in k})
    _add_table(out, "dev", data.get("require-dev"))
    return out


def _composer_lock(text: str) -> Entries:
    out: Entries = {}
    data = _dict(json.loads(text))
    for entry in [*(data.get("packages") or []), *(data.get("packages-dev") or [])]:
        name = _dict(entry).get("name")
        if isinstance(name, str):
            _add_version(out, name, _dict(entry).get("version"))
    return out


_PARSERS: dict[str, Callable[[str], Entries]] = {
    "package.json": _package_json, "package-lock.json": _package_lock, "npm-shrinkwrap.json": _package_lock,
    "yarn.lock": _yarn_lock, "pnpm-lock.yaml": _pnpm_lock, "pyproject.toml": _pyproject, "setup.py": _setup_py,
    "poetry.lock": _toml_packages, "uv.lock": _toml_packages, "pdm.lock": _toml_packages,
    "cargo.toml": _cargo_toml, "cargo.lock": _toml_packages, "go.mod": _go_mod,
    "composer.json": _composer_json, "composer.lock": _composer_lock, "gemfile.lock": _gemfile_lock,
}  # fmt: skip
