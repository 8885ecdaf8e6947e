"""The lean entry (cli/lean/) is the one implementation of `report` and `enqueue`, and reads the same table as
Typer: the table is fresh, the work is done once, and the plain paths load neither Typer nor pydantic."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from stepper_cli.cache.reports import ReportCache
from stepper_cli.cli.lean import args as table
from stepper_cli.cli.lean.enqueue import EnqueueArgs
from stepper_cli.cli.lean.report import ReportArgs
from stepper_cli.cli.main import _run
from stepper_cli.git import commits
from tests.support.chainkit import config_file, provider
from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo
from tests.support.provider_server import ProviderServer

ROOT = Path(__file__).resolve().parents[2]
HEAVY = "{'typer', 'rich', 'pydantic', 'pydantic_settings', 'httpx', 'huey', 'redis'}"


@pytest.fixture
def two(repo: GitRepo) -> GitRepo:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    repo.commit("fix: b\n\nBecause b was wrong.", ("b.py", "b = 1\n"))
    return repo


def test_the_argument_table_is_fresh() -> None:
    proc = subprocess.run([sys.executable, "scripts/gen_cli_table.py", "--check"], cwd=ROOT, capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode()


@pytest.mark.parametrize(("command", "kind"), [("report", ReportArgs), ("enqueue", EnqueueArgs)])
def test_each_implementation_takes_exactly_the_parameters_typer_declares(command: str, kind: type) -> None:
    declared = [p["name"] for p in table.commands()[command]["params"]]
    assert declared == list(kind._fields)
    defaults = {p["name"]: p["default"] for p in table.commands()[command]["params"]}
    assert all(str(defaults[name]) == str(value) for name, value in kind._field_defaults.items() if value is not None)


def test_the_parser_reads_every_declared_form_and_leaves_doubt_to_typer() -> None:
    values = table.parse("report", ["A..B", "-f", "json", "--provider=x", "--provider", "y", "--no-cache", "-o", "o"])
    assert values is not None
    assert (values["rev"], values["fmt"], values["provider"], values["no_cache"]) == ("A..B", "json", ["x", "y"], True)
    assert values["output"] == Path("o") and values["repo"] == Path(".") and values["quiet"] is False
    assert table.parse("report", ["--", "-odd"]) == {**table.parse("report", []), "rev": "-odd"}  # type: ignore[dict-item]
    for doubtful in (["-f", "yaml"], ["--no-cache=1"], ["-qv"], ["a", "b"], ["--format"], ["--nope"]):
        assert table.parse("report", doubtful) is None, doubtful


def test_a_cache_miss_resolves_and_looks_up_each_commit_once(two: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    lookup, resolve = ReportCache.lookup, commits.resolve_revs

    def counted_lookup(self: ReportCache, sha: str) -> object:
        calls.append("lookup " + sha)
        return lookup(self, sha)

    def counted_resolve(repo: commits.Repo, spec: str = "HEAD") -> list[str]:
        calls.append("resolve " + spec)
        return resolve(repo, spec)

    monkeypatch.setattr(ReportCache, "lookup", counted_lookup)
    monkeypatch.setattr(commits, "resolve_revs", counted_resolve)
    res = stepper("report", "HEAD~1..HEAD", "--format", "json", cwd=two.path)
    assert res.code == 0, res.err
    shas = [r["commit"] for r in json.loads(res.out)]
    assert calls == ["resolve HEAD~1..HEAD", *(f"lookup {sha}" for sha in shas)]
    calls.clear()
    again = json.loads(stepper("report", "HEAD~1..HEAD", "--format", "json", cwd=two.path).out)
    assert calls == ["resolve HEAD~1..HEAD", *(f"lookup {sha}" for sha in shas)] and all(r["cached"] for r in again)


def test_the_typer_command_and_the_lean_entry_print_the_same(two: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    assert stepper("report", "HEAD~1..HEAD", cwd=two.path).code == 0  # cached from here on
    for argv in (["report", "HEAD~1..HEAD", "--format", "json"], ["report", "--format", "markdown"], ["report"]):
        lean = stepper(*argv, cwd=two.path)
        monkeypatch.setenv("_STEPPER_NO_LEAN", "1")
        full = stepper(*argv, cwd=two.path)
        monkeypatch.delenv("_STEPPER_NO_LEAN")
        assert (lean.code, lean.out, lean.err) == (full.code, full.out, full.err)


def test_help_comes_from_the_table_as_typer_printed_it(two: GitRepo) -> None:
    for words in ([], ["report"], ["config", "show"], ["hook", "install"]):
        res = stepper(*words, "--help", cwd=two.path)
        assert res.code == 0 and res.out == table.usage(" ".join(words), colour=False)
    assert stepper("report", "-h", cwd=two.path).out == table.usage("report", colour=False)
    as_value = stepper("report", "--repo", "--help", cwd=two.path)  # a folder named --help, not a request for help
    assert as_value.code == 3 and as_value.out == ""


@pytest.mark.parametrize("argv", [["report"], ["report", "--format", "json", "HEAD~1..HEAD"], ["--help"],
                                  ["report", "--help"], ["--version"]])  # fmt: skip
def test_the_plain_paths_load_no_typer_or_pydantic(two: GitRepo, argv: list[str]) -> None:
    assert stepper("report", "HEAD~1..HEAD", cwd=two.path).code == 0  # cached, and the snapshot written
    code = (
        f"import sys; from stepper_cli.cli.main import _run; code = _run({argv!r}, False);"
        f"print(code, sorted({{m.split('.')[0] for m in sys.modules}} & {HEAVY}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=two.path, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "0 []"


@pytest.mark.parametrize("argv", [["report"], ["report", "--format", "json"], ["enqueue"]])
def test_a_cache_hit_and_an_enqueue_never_build_the_whole_configuration(two: GitRepo, argv: list[str]) -> None:
    """Both need only the snapshot's lean values (queue URL, cache policy, template hash): the settings model
    and its fourteen dataclasses are for a report that is generated, and their own records are named tuples
    (importing dataclasses brings inspect, ast and dis with it). The home is one in use: its queue file exists
    (the first enqueue of a home creates it through huey, which loads much more)."""
    assert stepper("enqueue", "HEAD~1", cwd=two.path).code == 0  # the queue file made
    assert stepper("report", cwd=two.path).code == 0  # cached, and the snapshot written
    if argv == ["enqueue"]:
        two.commit("feat: c", ("c.py", "c = 1\n"))  # a new commit: queued, a message pushed
    code = (
        f"import sys; from stepper_cli.cli.main import _run; code = _run({argv!r}, False);"
        "print(code, sorted({'stepper_cli.config.model', 'dataclasses', 'inspect'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=two.path, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "0 []"


def _loaded_by(argv: list[str], cwd: Path) -> tuple[dict[str, object], list[str]]:
    """The JSON a `stepper report` run prints, and the heavy packages it imported (httpx's command-line client
    is refused by name: providers/__init__.py)."""
    code = (
        f"import sys; from stepper_cli.cli.main import _run; code = _run({argv!r}, False);"
        "loaded = {m.split('.')[0] for m, module in sys.modules.items() if module is not None};"
        f"print(sorted(loaded & ({HEAVY} | {{'click', 'pygments'}})), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout), out.stderr.strip().splitlines()[-1].strip("[]").replace("'", "").split(", ")


def test_a_generated_offline_report_loads_no_typer_pydantic_or_httpx(two: GitRepo) -> None:
    argv = ["report", "--offline", "--no-cache", "--format", "json"]
    assert stepper(*argv, cwd=two.path).code == 0  # the settings snapshot written
    result, heavy = _loaded_by(argv, two.path)
    assert result["provider"] == "local" and heavy == [""]


def test_a_first_offline_report_in_a_fresh_home_with_nothing_configured_loads_no_pydantic(two: GitRepo) -> None:
    """A CI runner's case: a new STEPPER_HOME, no config file, no STEPPER_* setting: the defaults need no
    validation (config/load.py), so the first run pays no more than the next."""
    result, heavy = _loaded_by(["report", "--offline", "--format", "json"], two.path)
    assert result["provider"] == "local" and heavy == [""]


def test_a_report_from_one_provider_loads_httpx_only(
    two: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = config_file(tmp_path / "config.toml", provider("primary", f"{server.url}/v1"))
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    argv = ["report", "--no-cache", "--format", "json"]
    assert stepper(*argv, cwd=two.path).code == 0  # the settings snapshot written
    result, heavy = _loaded_by(argv, two.path)
    assert result["provider"] == "primary" and not result["fallback"] and heavy == ["httpx"]


def _tab(monkeypatch: pytest.MonkeyPatch, shell: str, words: str, cword: int, lean: bool) -> tuple[int, str]:
    """One TAB as the shell's completion script asks for it, through the lean entry or through Typer."""
    monkeypatch.setenv("_STEPPER_COMPLETE", f"complete_{shell}")
    monkeypatch.setenv("COMP_WORDS", words)
    monkeypatch.setenv("COMP_CWORD", str(cword))
    monkeypatch.setenv("_TYPER_COMPLETE_ARGS", words)
    monkeypatch.setenv("_TYPER_COMPLETE_FISH_ACTION", "get-args")
    if lean:
        monkeypatch.delenv("_STEPPER_NO_LEAN", raising=False)
    else:
        monkeypatch.setenv("_STEPPER_NO_LEAN", "1")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            code = _run([], debug=False)
        except SystemExit as exc:  # Typer's completion exits
            code = int(exc.code or 0)
    return code, out.getvalue()


TABS = [("stepper ", 1), ("stepper rep", 1), ("stepper -", 1), ("stepper report -", 2), ("stepper report --f", 2),
        ("stepper report --format ", 3), ("stepper report --format=m", 2), ("stepper config s", 2),
        ("stepper report --no-cache --", 3), ("stepper hook install --", 3), ("stepper report -- ", 3),
        ("stepper report ma", 2), ("stepper report HEAD~1..ma", 2), ("stepper report --provider ", 3),
        ("stepper enqueue ", 2)]  # fmt: skip


def _lines(out: str) -> list[str]:
    """The candidates of a completion answer, sorted (zsh's are wrapped in one `_arguments` spec)."""
    return sorted(out.replace("_arguments '*: :((", "").replace("))'", "").splitlines())


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_a_tab_completes_as_typer_would_without_typer(
    two: GitRepo, shell: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[[providers]]\nname = "primary"\nkind = "openai"\n[[providers]]\nname = "backup"\nkind = "groq"\n'
    )
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    monkeypatch.chdir(two.path)
    for words, cword in TABS:
        code, out = _tab(monkeypatch, shell, words, cword, lean=True)
        typer_code, typer_out = _tab(monkeypatch, shell, words, cword, lean=False)
        # the same lines (Typer's own order of -h and --help follows the process's string hash seed)
        assert (code, _lines(out)) == (typer_code, _lines(typer_out)), words


def test_the_completion_functions_the_declarations_name_are_called_without_typer(
    two: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from stepper_cli.cli.lean.complete import candidates

    two.git("tag", "v1")
    config = tmp_path / "config.toml"
    config.write_text(
        '[[providers]]\nname = "primary"\nkind = "openai"\n[[providers]]\nname = "backup"\nkind = "groq"\n'
    )
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    monkeypatch.chdir(two.path)
    assert candidates(["report"], "v") == [("v1", "")] and candidates(["enqueue"], "v1..m") == [("v1..main", "")]
    assert candidates(["report", "--provider"], "") == [("primary", ""), ("backup", ""), ("local", "")]
    assert candidates(["report", "--provider", "primary", "--provider"], "b") == [("backup", "")]
