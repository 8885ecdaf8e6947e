"""The definitions of a Python module and the line spans of its imports, read from its `ast`.

This is the reference reading: pyscan.py finds the same answer from the lines alone for text it is sure
of, and this one decides for any other text (None: the text does not parse).
"""

from __future__ import annotations

import ast
from typing import NamedTuple


class Def(NamedTuple):
    """A function or class: module-level, or in a class body (two classes deep at most)."""

    name: str  # qualified: Class.method
    start: int  # first line, decorators included
    end: int  # the line of the body's last token
    line: int  # the `def` / `class` line
    is_class: bool


#: the definitions in the order `visit` meets them, and the line spans of the module-level imports
Definitions = tuple[list[Def], list[tuple[int, int]]]


def ast_definitions(text: str) -> Definitions | None:
    """The module's definitions, and the line spans of its imports (a guarded `try: import …` included)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    found: list[Def] = []
    imports = [(n.lineno, n.end_lineno or n.lineno) for n in tree.body if _is_import(n)]

    def visit(body: list[ast.stmt], prefix: str, depth: int) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                is_class = isinstance(node, ast.ClassDef)
                found.append(Def(f"{prefix}{node.name}", start, node.end_lineno or node.lineno, node.lineno, is_class))
                if is_class and depth < 2:
                    visit(node.body, f"{prefix}{node.name}.", depth + 1)

    visit(tree.body, "", 0)
    return found, imports


def _is_import(node: ast.stmt) -> bool:
    if isinstance(node, ast.Import | ast.ImportFrom):
        return True
    if isinstance(node, ast.Try | ast.If):
        body = [*node.body, *node.orelse, *(n for h in getattr(node, "handlers", []) for n in h.body)]
        return bool(body) and all(isinstance(n, ast.Import | ast.ImportFrom | ast.Pass) for n in body)
    return False
