"""The line scanner finds a Python module's definitions and imports exactly as its `ast` does, or says it is not
sure: on every module of the standard library, every Python file of the corpus, and the corners of the syntax."""

from __future__ import annotations

import subprocess
import sysconfig
import warnings
from pathlib import Path

import pytest

from stepper_cli.generate.local.pydefs import ast_definitions
from stepper_cli.generate.local.pyscan import scan_definitions
from stepper_cli.generate.local.pysymbols import _definitions, python_symbols
from tests.support.corpuskit import load

BUNDLE = Path("/work/shared/corpus/python-semantic-release.bundle")


def _disagreements(texts: dict[str, str]) -> tuple[list[str], int]:
    """The names whose scan differs from their ast, and how many the scanner was sure of."""
    wrong, sure = [], 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the parser's warnings about old escapes and `is` with a literal
        for name, text in texts.items():
            scanned = scan_definitions(text)
            if scanned is not None:
                sure += 1
                if scanned != ast_definitions(text):
                    wrong.append(name)
    return wrong, sure


def test_every_standard_library_module_is_read_as_its_ast_reads_it() -> None:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = [p for p in sorted(root.rglob("*.py")) if "site-packages" not in p.parts]
    texts = {str(p): p.read_bytes().decode("utf-8", "replace") for p in files}
    wrong, sure = _disagreements(texts)
    assert wrong == []
    assert len(files) > 500 and sure >= 0.97 * len(files)  # the parser's fallback is for the odd module only


def test_the_python_files_of_the_golden_commits_are_read_as_their_ast_reads_them() -> None:
    texts = {
        f"{r['sha']}:{f['path']}:{side}": f[side]
        for r in load()
        for f in r["files"]
        for side in ("old", "new")
        if f["path"].endswith(".py") and f[side] is not None
    }
    wrong, sure = _disagreements(texts)
    assert wrong == [] and len(texts) > 50 and sure == len(texts)


@pytest.mark.slow
@pytest.mark.skipif(not BUNDLE.exists(), reason="the corpus bundles are not on this machine")
def test_every_python_file_in_a_corpus_history_is_read_as_its_ast_reads_it(tmp_path: Path) -> None:
    subprocess.run(["git", "clone", "-q", "--bare", str(BUNDLE), str(tmp_path / "repo")], check=True)
    git = ["git", "-C", str(tmp_path / "repo")]
    listed = subprocess.run([*git, "rev-list", "--objects", "--all"], capture_output=True, text=True, check=True)
    oids = sorted({line.split()[0] for line in listed.stdout.splitlines() if line.endswith(".py")})
    blobs = subprocess.run([*git, "cat-file", "--batch"], input="\n".join(oids).encode(), capture_output=True)
    texts, out, at = {}, blobs.stdout, 0
    while at < len(out):
        line_end = out.index(b"\n", at)
        oid, _, size = out[at:line_end].decode().split()
        at = line_end + 1 + int(size) + 1
        texts[oid] = out[line_end + 1 : at - 1].decode("utf-8", "replace")
    wrong, sure = _disagreements(texts)
    assert wrong == [] and len(texts) > 1000 and sure >= 0.99 * len(texts)


SAME_AS_AST = {
    "decorated": "import os\n\n@a\n@b(\n    1,\n)\ndef f():\n    return 1\n\n\n@c\nclass K:\n    pass\n",
    "async and one-line": "async def f():\n    await g()\ndef h(): return 1\nclass E(Exception): pass\n",
    "nested classes": "class A:\n    class B:\n        class C:\n            def deep(self): ...\n"
    "        def m(self):\n            def inner(): pass\n            return inner\n    x = 1\n",
    "signature over lines": "def f(\n    a: int,\n    b: str = ')',\n) -> dict[str, int]:\n    return {}\n",
    "strings that look like code": 'def f():\n    s = """\ndef fake():\n    pass\nclass Fake:\n"""\n'
    "    return s  # def nope():\n\nx = '#' + \"'\" + '\"'\n",
    "body ends in a long string": 'def f():\n    """Doc.\n\n    More.\n    """\n\n\n# a comment\ny = 2\n',
    "comment at column 0 in a body": "def f():\n    a = 1\n# between\n    return a\n\ndef g(): pass\n",
    "continued lines": "def f():\n    x = 1 + \\\n2\n    return x\nclass A(\n  B,\n): pass\n",
    "guarded imports": "try:\n    import a\nexcept ImportError:\n    a = None\ntry:\n    import b\nexcept ImportError:"
    "\n    pass\nelse:\n    from c import d\nfinally:\n    setup()\nif TYPE_CHECKING:\n    from e import (\n        f,"
    "\n    )\nif x: import g\nelif y: import h\nif z:\n    import i\nelse:\n    pass\n",
    "imports on one line": "import a; import b\nx = 1; from c import d;\nif q: import e; pass\nfor x in y: import z\n",
    "compound statements": "with a as b, c:\n    pass\nwhile x:\n    break\nelse:\n    pass\n"
    "match command:\n    case [x, *rest]:\n        pass\n    case _:\n        pass\nmatch = 1\nprint(match)\n",
    "except star": "try:\n    import a\nexcept* ValueError:\n    pass\n",
    "carriage returns": "import os\r\n\r\ndef f():\r\n    return 1\r\n",
    "no newline at the end": "class A:\n    def f(self):\n        return 1",
    "empty": "",
    "comments only": "# one\n\n    # two, indented\n",
    "walrus and slices": "if (n := len(a)) > 1:\n    import q\nif b[1:2]:\n    import r\nx = {1: 2}\n",
    "semicolons in bodies": "def f(): a = 1; b = 2\nclass K: x = 1; y = 2\n",
    "prefixed strings": "x = rb'a' + Rb'\\d' + f\"{y!r}\" + u'z' + BR'''q\n'''\ndef g(): pass\n",
    "numbers": "x = 0o777 + 0x1F + 1_000 + 1.05 + 1e05 + 00 + 09.5 + 1j\n",
    "deep brackets": "x = [[[[(1, {2: [3]})]]]]\ndef f(a=[(1,\n  2)]): pass\n",
    "a def named like a keyword prefix": "default = 1\nclassic = 2\ndef define(): pass\n",
}


@pytest.mark.parametrize("text", SAME_AS_AST.values(), ids=SAME_AS_AST.keys())
def test_the_corners_of_the_syntax_are_read_as_the_ast_reads_them(text: str) -> None:
    assert scan_definitions(text) is not None
    assert scan_definitions(text) == ast_definitions(text)


NOT_SURE = {
    "tab indentation": "def f():\n\treturn 1\n",
    "form feed": "def f():\n    return 1\n\x0c\ndef g(): pass\n",
    "identifier outside ASCII": "def café():\n    return 1\n",
    "carriage return alone": "x = 1\ry = 2\n",
    "unterminated string": "def f():\n    return 'abc\n",
    "unterminated triple string": 'def f():\n    """abc"\n    return 1\n',
    "unbalanced bracket": "def f(:\n    pass\n",
    "closing a different bracket": "x = (1]\n",
    "bad dedent": "def f():\n        a = 1\n    b = 2\n",
    "unexpected indent": "x = 1\n    y = 2\n",
    "missing block": "def f():\nx = 1\n",
    "header without a block at the end": "class A:\n",
    "decorator on nothing": "@a\nx = 1\n",
    "backslash before text": "x = 1 \\ + 2\n",
    "print statement": "def f():\n    print 'x'\n",
    "exec statement": "exec code in ns\n",
    "backticks": "x = `y`\n",
    "not-equal of Python 2": "if a <> b:\n    pass\n",
    "ur prefix": "x = ur'abc'\n",
    "octal of Python 2": "os.chmod(p, 0755)\n",
    "long of Python 2": "x = 10L\n",
    "except with a comma": "try:\n    pass\nexcept ValueError, e:\n    pass\n",
    "raise with a comma": "raise ValueError, 'bad'\n",
    "placeholder characters": "x = '\x01'\n",
    "a NUL in a string": "x = '\x00'\n",
}


@pytest.mark.parametrize("text", NOT_SURE.values(), ids=NOT_SURE.keys())
def test_the_scanner_leaves_what_it_is_not_sure_of_to_the_parser(text: str) -> None:
    assert scan_definitions(text) is None


def test_a_module_the_scanner_is_not_sure_of_is_still_read_exactly_through_its_ast() -> None:
    new = "class Tabbed:\n\tdef run(self):\n\t\treturn 2\n"
    diff = "@@ -3 +3 @@\n-\t\treturn 1\n+\t\treturn 2\n"
    found = python_symbols("t.py", new, diff)
    assert found is not None and found.exact and found.changed == ("Tabbed.run",)
    assert python_symbols("t.py", "def broken(:\n", "@@ -1 +1 @@\n+def broken(:\n") is None


def test_a_module_read_again_in_a_range_is_not_read_twice() -> None:
    new = "import os\n\n\ndef kept():\n    return 1\n\n\ndef changed():\n    return 3\n"
    first = python_symbols("m.py", new, "@@ -9 +9 @@\n-    return 2\n+    return 3\n")
    hits = _definitions.cache_info().hits
    again = python_symbols("m.py", new, "@@ -1 +1 @@\n-import sys\n+import os\n")  # a merge brings it again
    assert _definitions.cache_info().hits == hits + 1
    assert first is not None and first.changed == ("changed",) and first.module == ()
    assert again is not None and again.changed == () and again.module == ("imports",)
