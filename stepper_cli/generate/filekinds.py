"""What a path is: its role in the project (source, test, docs, …), its language, and whether its text
is worth a model's attention (lock, vendored, minified and generated files are counted, not shown)."""

from __future__ import annotations

import fnmatch
import posixpath
from dataclasses import dataclass
from functools import lru_cache

LANGUAGES = {
    ".py": "python", ".pyi": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript",
    ".jsx": "javascript", ".ts": "typescript", ".tsx": "typescript", ".go": "go", ".rs": "rust",
    ".java": "java", ".kt": "kotlin", ".rb": "ruby", ".php": "php", ".c": "c", ".h": "c", ".cc": "cpp",
    ".cpp": "cpp", ".hpp": "cpp", ".cs": "csharp", ".swift": "swift", ".scala": "scala", ".sh": "shell",
    ".bash": "shell", ".sql": "sql", ".css": "css", ".scss": "css", ".html": "html", ".vue": "vue",
    ".lua": "lua", ".ex": "elixir", ".exs": "elixir", ".dart": "dart", ".r": "r", ".m": "objc",
}  # fmt: skip
LOCK_FILES = {
    "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "pipfile.lock", "cargo.lock",
    "gemfile.lock", "composer.lock", "go.sum", "uv.lock", "pdm.lock", "mix.lock", "pubspec.lock",
}  # fmt: skip
DEPENDENCY_FILES = {
    "requirements.txt", "pyproject.toml", "setup.py", "setup.cfg", "package.json", "cargo.toml", "go.mod",
    "gemfile", "pipfile", "composer.json", "pom.xml", "build.gradle", "build.gradle.kts", "pubspec.yaml",
}  # fmt: skip
DOC_EXTS = {".md", ".rst", ".txt", ".adoc"}
CONFIG_EXTS = {".toml", ".yaml", ".yml", ".ini", ".cfg", ".conf", ".json", ".env", ".properties"}
SECURITY_WORDS = ("auth", "security", "crypto", "password", "secret", "token", "permission", "login", "session")

#: order in which file text is put into the evidence budget (lower first)
PRIORITY = {"source": 0, "migration": 1, "config": 2, "build": 2, "ci": 2, "dependency": 3, "test": 4,
            "docs": 5, "other": 6}  # fmt: skip


@dataclass(frozen=True, slots=True)
class FileKind:
    """A path's role, language and whether its text is left out of the evidence."""

    category: str
    language: str | None
    excluded: bool
    security: bool = False

    @property
    def priority(self) -> int:
        return PRIORITY.get(self.category, 6)


@lru_cache(maxsize=65536)
def classify(path: str) -> FileKind:
    """Classify a repository path (POSIX separators)."""
    lower = path.lower()
    name = posixpath.basename(lower)
    ext = posixpath.splitext(name)[1]
    parts = lower.split("/")
    language = LANGUAGES.get(ext)
    security = any(w in lower for w in SECURITY_WORDS)
    return FileKind(_category(lower, name, ext, parts), language, _excluded(lower, name, parts), security)


def _category(lower: str, name: str, ext: str, parts: list[str]) -> str:
    if name in LOCK_FILES or name in DEPENDENCY_FILES or name.endswith(".lock"):
        return "dependency"
    if parts[0] in (".github", ".gitlab", ".circleci") or name in (".gitlab-ci.yml", ".travis.yml", "jenkinsfile"):
        return "ci"
    if any(p in ("migrations", "migration", "alembic", "schema", "schemas") for p in parts[:-1]) or (ext == ".sql"):
        return "migration"
    if _is_test(name, parts):
        return "test"
    if ext in DOC_EXTS or parts[0] in ("docs", "doc") or name in ("license", "changelog", "authors"):
        return "docs"
    if name in ("makefile", "dockerfile", "cmakelists.txt", "justfile") or ext in (".mk", ".cmake", ".bzl"):
        return "build"
    if ext in CONFIG_EXTS or name.startswith("."):
        return "config"
    if LANGUAGES.get(ext):
        return "source"
    return "other"


def _is_test(name: str, parts: list[str]) -> bool:
    if any(p in ("test", "tests", "spec", "specs", "__tests__", "testing") for p in parts[:-1]):
        return True
    stem = name.split(".")[0]
    return stem.startswith("test_") or stem.endswith(("_test", "_spec")) or ".test." in name or ".spec." in name


def _excluded(lower: str, name: str, parts: list[str]) -> bool:
    if name in LOCK_FILES or name.endswith(".lock"):
        return True
    if any(p in ("vendor", "third_party", "node_modules", "dist") for p in parts[:-1]):
        return True
    if ".min." in name or name.endswith((".map", ".pb.go", "_pb2.py", ".generated.ts")):
        return True
    return "generated" in parts[:-1]


def matches_any(path: str, patterns: list[str] | tuple[str, ...]) -> bool:
    """Whether path matches a glob from config (`*.lock` also matches in subfolders; `**` spans folders)."""
    name = posixpath.basename(path)
    for pattern in patterns:
        if fnmatch.fnmatchcase(path, pattern) or ("/" not in pattern and fnmatch.fnmatchcase(name, pattern)):
            return True
        if pattern.endswith("/**") and (path + "/").startswith(pattern[:-2]):
            return True
    return False
