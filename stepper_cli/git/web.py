"""Commit links: the web address of a commit on the repository's `origin` (GitHub, GitLab, Gitea, ...).

The remote URL comes from the repository's own config, so it is untrusted: credentials are dropped, and
a URL with anything but plain host and path characters gives no link at all.
"""

from __future__ import annotations

import re

from ..errors import GitError
from .commits import Repo, git

_SCP = re.compile(r"^(?:[\w.-]+@)?(?P<host>[A-Za-z0-9.-]+):(?P<path>[A-Za-z0-9._/-]+?)(?:\.git)?/?$")
_URL = re.compile(
    r"^(?:https?|ssh|git)://(?:[^@/]+@)?(?P<host>[A-Za-z0-9.-]+)(?::\d+)?/(?P<path>[A-Za-z0-9._/-]+?)(?:\.git)?/?$"
)


def commit_url_base(repo: Repo) -> str | None:
    """`https://host/owner/name/commit/` for origin, or None when there is no usable origin."""
    try:
        remote = git(["config", "--get", "remote.origin.url"], repo.root, check=False).decode("utf-8", "replace")
    except GitError:
        return None
    return web_base(remote.strip())


def web_base(remote: str) -> str | None:
    """The commit-link prefix of a remote URL (scp-like or URL form), or None."""
    match = _URL.match(remote) or (None if "://" in remote else _SCP.match(remote))
    if match is None or ".." in match["path"] or "." not in match["host"]:
        return None
    return f"https://{match['host']}/{match['path'].strip('/')}/commit/"
