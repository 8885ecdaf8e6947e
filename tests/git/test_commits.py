"""Reading commits with the real git: every shape of commit the foundation must get right."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from stepper_cli.errors import GitError
from stepper_cli.git.commits import open_repo, read_commit, resolve_revs
from tests.support.gitutil import GitRepo


def files_by_path(repo: GitRepo, rev: str = "HEAD") -> dict[str, object]:
    r = open_repo(repo.path)
    commit = read_commit(r, resolve_revs(r, rev)[0])
    return {f.path: f for f in commit.files}


def test_root_commit_lists_every_file_as_added(repo: GitRepo) -> None:
    sha = repo.commit("init", ("a.py", "x = 1\ny = 2\n"), ("docs/readme.md", "hi\n"))
    commit = read_commit(open_repo(repo.path), sha)
    assert commit.is_root and commit.parents == ()
    assert {(f.path, f.status, f.added) for f in commit.files} == {("a.py", "added", 2), ("docs/readme.md", "added", 1)}
    assert "+x = 1" in next(f for f in commit.files if f.path == "a.py").diff


def test_metadata_subject_and_body_are_split(repo: GitRepo) -> None:
    repo.write("a", "1")
    repo.git("add", "a")
    repo.git("commit", "-q", "-m", "feat: add a", "-m", "Because we need it.\n\nMore text.")
    commit = read_commit(open_repo(repo.path), repo.head())
    assert commit.subject == "feat: add a"
    assert commit.body == "Because we need it.\n\nMore text."
    assert commit.author_name == "Ada Tester" and commit.author_email == "ada@example.com"
    assert commit.author_date[:4].isdigit() and len(commit.sha) == 40


def test_modification_counts_added_and_deleted_lines(repo: GitRepo) -> None:
    repo.commit("one", ("a.txt", "1\n2\n3\n"))
    repo.commit("two", ("a.txt", "1\nTWO\n3\n4\n"))
    f = files_by_path(repo)["a.txt"]
    assert (f.status, f.added, f.deleted) == ("modified", 2, 1)  # type: ignore[attr-defined]


def test_rename_keeps_old_path(repo: GitRepo) -> None:
    repo.commit("one", ("old name.py", "".join(f"line {i}\n" for i in range(30))))
    repo.git("mv", "old name.py", "new name.py")
    repo.git("commit", "-q", "-m", "rename")
    f = files_by_path(repo)["new name.py"]
    assert f.status == "renamed" and f.old_path == "old name.py"  # type: ignore[attr-defined]


def test_binary_file_is_flagged_without_line_counts(repo: GitRepo) -> None:
    repo.commit("bin", ("logo.png", bytes(range(256)) * 4))
    f = files_by_path(repo)["logo.png"]
    assert f.binary and f.added == 0 and "Binary files" in f.diff  # type: ignore[attr-defined]


def test_deleted_file(repo: GitRepo) -> None:
    repo.commit("one", ("gone.txt", "a\nb\n"), ("keep", "k"))
    (repo.path / "gone.txt").unlink()
    repo.commit("delete")
    f = files_by_path(repo)["gone.txt"]
    assert f.status == "deleted" and f.deleted == 2  # type: ignore[attr-defined]


def test_empty_commit_has_no_files(repo: GitRepo) -> None:
    repo.commit("one", ("a", "1"))
    sha = repo.commit("nothing", allow_empty=True)
    assert read_commit(open_repo(repo.path), sha).files == ()


def test_merge_commit_is_diffed_against_first_parent(repo: GitRepo) -> None:
    repo.commit("base", ("base.txt", "b\n"))
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("topic work", ("topic.txt", "t\n"))
    repo.git("checkout", "-q", "main")
    repo.commit("main work", ("main.txt", "m\n"))
    repo.git("merge", "-q", "--no-ff", "-m", "Merge topic", "topic")
    commit = read_commit(open_repo(repo.path), repo.head())
    assert commit.is_merge and len(commit.parents) == 2
    assert [f.path for f in commit.files] == ["topic.txt"]


def test_non_utf8_content_and_unicode_paths(repo: GitRepo) -> None:
    repo.commit("latin1", ("héllo wörld/naïve file.txt", "caf\xe9 latin-1\n".encode("latin-1")))
    f = files_by_path(repo)["héllo wörld/naïve file.txt"]
    assert f.status == "added" and "latin-1" in f.diff  # type: ignore[attr-defined]


def test_type_change_symlink_to_file(repo: GitRepo) -> None:
    repo.write("target", "t")
    (repo.path / "link").symlink_to("target")
    repo.commit("link")
    (repo.path / "link").unlink()
    repo.commit("file now", ("link", "plain\n"), ("other.txt", "o\n"))
    files = files_by_path(repo)
    assert files["link"].status == "type_changed"  # type: ignore[attr-defined]
    assert files["other.txt"].diff.startswith("diff --git a/other.txt")  # type: ignore[attr-defined]


def test_detached_head_and_short_sha(repo: GitRepo) -> None:
    first = repo.commit("one", ("a", "1"))
    repo.commit("two", ("a", "2"))
    repo.git("checkout", "-q", "--detach", first)
    r = open_repo(repo.path)
    assert resolve_revs(r, "HEAD") == [first]
    assert resolve_revs(r, first[:8]) == [first]


def test_range_is_oldest_first(repo: GitRepo) -> None:
    a = repo.commit("a", ("f", "1"))
    b = repo.commit("b", ("f", "2"))
    c = repo.commit("c", ("f", "3"))
    assert resolve_revs(open_repo(repo.path), f"{a}..HEAD") == [b, c]
    assert resolve_revs(open_repo(repo.path), "HEAD..HEAD") == []


def test_unknown_revision_is_a_git_error(repo: GitRepo) -> None:
    repo.commit("a", ("f", "1"))
    with pytest.raises(GitError, match="Unknown revision 'nope'"):
        resolve_revs(open_repo(repo.path), "nope")
    with pytest.raises(GitError, match="Unknown revision"):
        resolve_revs(open_repo(repo.path), "nope..HEAD")


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="not inside a git repository"):
        open_repo(tmp_path)


def test_git_missing_is_a_git_error(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(GitError, match="git is not installed"):
        open_repo(repo.path)


def test_shallow_clone_boundary_reads_as_root(repo: GitRepo, tmp_path: Path) -> None:
    for i in range(3):
        repo.commit(f"c{i}", ("f", f"{i}\n"))
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone)], check=True)
    r = open_repo(clone)
    commit = read_commit(r, resolve_revs(r, "HEAD")[0])
    assert commit.parents == () and [f.path for f in commit.files] == ["f"]
    assert r.origin_url == f"file://{repo.path}"


def test_linked_worktree_shares_identity(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("a", ("f", "1"))
    wt = tmp_path / "wt"
    repo.git("worktree", "add", "-q", str(wt), "-b", "side")
    main_repo, linked = open_repo(repo.path), open_repo(wt / ".")
    assert linked.root == wt and linked.identity == main_repo.identity
    assert resolve_revs(linked, "HEAD") == [repo.head()]


def test_subfolder_finds_top_level(repo: GitRepo) -> None:
    repo.commit("a", ("deep/er/f", "1"))
    assert open_repo(repo.path / "deep" / "er").root == repo.path


def test_submodule_pointer_change(repo: GitRepo, tmp_path: Path) -> None:
    sub = GitRepo.init(tmp_path / "sub")
    sub.commit("s1", ("s", "1"))
    repo.commit("base", ("f", "1"))
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub.path), "lib/sub")
    repo.git("commit", "-q", "-m", "add submodule")
    sub.commit("s2", ("s", "2"))
    inner = GitRepo(repo.path / "lib" / "sub")
    inner.git("-c", "protocol.file.allow=always", "pull", "-q", "origin", "main")
    repo.git("add", "lib/sub")
    repo.git("commit", "-q", "-m", "bump submodule")
    f = files_by_path(repo)["lib/sub"]
    assert f.submodule and f.status == "modified" and "Subproject commit" in f.diff  # type: ignore[attr-defined]


def test_origin_url_credentials_are_dropped(repo: GitRepo) -> None:
    repo.git("remote", "add", "origin", "https://user:s3cret@example.com/x.git")
    assert open_repo(repo.path).origin_url == "https://example.com/x.git"


def test_five_thousand_files(repo: GitRepo) -> None:
    for i in range(5000):
        repo.write(f"gen/d{i % 50}/f{i}.txt", f"line {i}\n")
    sha = repo.commit("many files")
    commit = read_commit(open_repo(repo.path), sha)
    assert len(commit.files) == 5000
    assert all(f.added == 1 and f.diff for f in commit.files)
