"""What a path is: its role in the project (source, test, docs, …), its language, and whether its text
is worth a model's attention (lock, vendored, minified and generated files are counted, not shown)."""

from __future__ import annotations

import fnmatch
import posixpath
import re
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
#: text templates are part of what a project ships (rendered output, generated files)
TEMPLATE_EXTS = {".j2", ".jinja", ".jinja2", ".tmpl", ".tpl", ".hbs", ".mustache", ".ejs", ".njk", ".liquid"}
CI_FILES = {
    ".gitlab-ci.yml", ".travis.yml", "jenkinsfile", "appveyor.yml", ".appveyor.yml", ".drone.yml",
    "azure-pipelines.yml", "bitbucket-pipelines.yml", ".cirrus.yml", ".woodpecker.yml", "cloudbuild.yaml",
}  # fmt: skip
CONFIG_EXTS = {".toml", ".yaml", ".yml", ".ini", ".cfg", ".conf", ".json", ".env", ".properties"}
#: a path is security-sensitive when one of its words (split on / _ - . and case) is one of these
SECURITY_WORDS = frozenset(
    {"auth", "authn", "authz", "authentication", "authorization", "oauth", "security", "crypto", "cryptography",
     "password", "passwords", "secret", "secrets", "credential", "credentials", "permission", "permissions",
     "login", "session", "sessions", "jwt", "acl", "rbac", "sso", "saml", "csrf", "tls", "ssl", "cert", "certs"}
)  # fmt: skip
_SECURITY_HINT = re.compile("|".join(sorted(SECURITY_WORDS)))
_MIGRATION_DIRS = frozenset({"migrations", "migration", "alembic", "schema", "schemas"})
_TEST_DIRS = frozenset({"test", "tests", "spec", "specs", "__tests__", "testing"})
_VENDORED_DIRS = frozenset({"vendor", "third_party", "node_modules", "dist", "generated"})
_WORD_SPLIT = re.compile(r"[/_.\-]+|(?<=[a-z])(?=[A-Z])")

#: order in which file text is put into the evidence budget (lower first)
PRIORITY = {"source": 0, "migration": 1, "config": 2, "build": 2, "ci": 2, "dependency": 3, "test": 4,
            "docs": 5, "meta": 5, "other": 6}  # fmt: skip


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
    parts = lower.split("/")
    name = parts[-1]
    dot = name.rfind(".")
    ext = name[dot:] if dot > 0 else ""
    language = LANGUAGES.get(ext)
    folders = frozenset(parts[:-1])
    category = _category(name, ext, parts, folders)
    return FileKind(category, language, _excluded(name, folders), _security(path, lower))


def _security(path: str, lower: str) -> bool:
    # one regular expression over the path first: most paths name none of the words
    return bool(_SECURITY_HINT.search(lower)) and not SECURITY_WORDS.isdisjoint(
        w.lower() for w in _WORD_SPLIT.split(path)
    )


def _category(name: str, ext: str, parts: list[str], folders: frozenset[str]) -> str:
    folder = parts[-2] if len(parts) > 1 else ""
    if name in LOCK_FILES or name in DEPENDENCY_FILES or name.endswith(".lock") or is_requirements(name, folder):
        return "dependency"
    if parts[0] == ".github":  # workflows and actions run in CI; templates, CODEOWNERS, … describe the project
        return "ci" if len(parts) > 2 and parts[1] in ("workflows", "actions") else "meta"
    if parts[0] in (".gitlab", ".circleci", ".buildkite") or name in CI_FILES:
        return "ci"
    if not _MIGRATION_DIRS.isdisjoint(folders) or ext == ".sql":
        return "migration"
    if _is_test(name, folders):
        return "test"
    if ext in DOC_EXTS or parts[0] in ("docs", "doc") or name in ("license", "changelog", "authors"):
        return "docs"
    if name in ("makefile", "dockerfile", "cmakelists.txt", "justfile") or ext in (".mk", ".cmake", ".bzl"):
        return "build"
    if ext in CONFIG_EXTS or name.startswith("."):
        return "config"
    if LANGUAGES.get(ext) or ext in TEMPLATE_EXTS:
        return "source"
    return "other"


def is_requirements(name: str, folder: str) -> bool:
    """Whether a file (its lower-cased name, and that of its folder) is a pip requirements file:
    requirements*.txt, requirements*.in, or a .txt or .in file in a folder named requirements."""
    return name.endswith((".txt", ".in")) and (name.startswith("requirements") or folder == "requirements")


def _is_test(name: str, folders: frozenset[str]) -> bool:
    if not _TEST_DIRS.isdisjoint(folders):
        return True
    stem = name.split(".")[0]
    return stem.startswith("test_") or stem.endswith(("_test", "_spec")) or ".test." in name or ".spec." in name


def _excluded(name: str, folders: frozenset[str]) -> bool:
    if name in LOCK_FILES or name.endswith(".lock"):
        return True
    if not _VENDORED_DIRS.isdisjoint(folders):
        return True
    return ".min." in name or name.endswith((".map", ".pb.go", "_pb2.py", ".generated.ts"))


def matches_any(path: str, patterns: list[str] | tuple[str, ...]) -> bool:
    """Whether path matches a glob from config (`*.lock` also matches in subfolders; `**` spans folders)."""
    name = posixpath.basename(path)
    for pattern in patterns:
        if fnmatch.fnmatchcase(path, pattern) or ("/" not in pattern and fnmatch.fnmatchcase(name, pattern)):
            return True
        if pattern.endswith("/**") and (path + "/").startswith(pattern[:-2]):
            return True
    return False
