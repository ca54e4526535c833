"""The owners' refusal sentences as the code writes them, collected from its source, not by hand.

A sentence reaches a page when an owner refuses with it: the message of a bus error it raises
(``Invalid``, ``Conflict``, ... from ``actkit_proto.errors``), of a failure of the outside world
that its handlers catch and pass on (``except HardwareError as exc`` in ``handlers``: the
sentence travels in the bus error or the reply they answer), and the contract's validation (a
``ValueError`` or ``PydanticCustomError`` raised in ``actkit_proto``, which the owners and the
pages answer as the field's refusal). A message that is not written where it is raised is
followed one step: a module's constant, a variable of the function, what a function of the same
service returns, and what is appended to a list that is joined into the sentence
(``"; ".join(refusals)``).

Left out by rule, each with its reason:

- ``actkit_web/vapix`` and ``actkit_web/onvif`` answer VAPIX and ONVIF clients in their own
  formats (a CGI's error text, a SOAP fault); a page never shows them.
- ``actkit_core/testing`` and ``actkit_core/cli`` are the tests' helpers and the command line.
- Any other exception (``RuntimeError``, ``ValueError`` outside the contract, a port's failure no
  handler catches, such as a board profile io cannot read at start-up) stops a process or is a
  programming error, and is logged, not shown.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from actkit_proto import errors

ROOT = Path(__file__).parents[4]
VALUE = "\x00"
"""What stands for a value the sentence names (an f-string's ``{...}``, pydantic's ``{name}``)."""
BUS_ERRORS = {
    name
    for name, kind in vars(errors).items()
    if isinstance(kind, type) and issubclass(kind, errors.BusError)
}
JOINED_LISTS = ("refusals", "problems", "warnings")
"""Lists an owner fills sentence by sentence and joins into one (``"; ".join(refusals)``)."""


def sources(root: Path = ROOT) -> list[Path]:
    """The modules whose refusals can reach a page (see the module's docstring for the rest)."""
    found = [
        *(root / "proto" / "actkit_proto").rglob("*.py"),
        *(root / "core" / "actkit_core").rglob("*.py"),
        *(root / "services").glob("*/actkit_*/**/*.py"),
    ]
    never_shown = (
        ("actkit_web", "vapix"),
        ("actkit_web", "onvif"),
        ("actkit_core", "testing"),
        ("actkit_core", "cli"),
    )
    return sorted(
        path
        for path in found
        if not any(pair in zip(path.parts, path.parts[1:], strict=False) for pair in never_shown)
    )


@dataclass(frozen=True)
class Sentence:
    """A refusal as written: its words with ``VALUE`` for each value, and where it is raised."""

    words: str
    where: str

    def sample(self, value: str = "7") -> str:
        """The sentence as an owner would send it, each value ``value``."""
        return self.words.replace(VALUE, value)


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


class _Module:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = ast.parse(path.read_text(), str(path))
        self.parents: dict[ast.AST, ast.AST] = {
            child: parent
            for parent in ast.walk(self.tree)
            for child in ast.iter_child_nodes(parent)
        }
        self.package = next((part for part in path.parts if part.startswith("actkit_")), "")
        self.in_contract = self.package == "actkit_proto"
        self.is_handler = "handlers" in path.parts or path.stem == "handlers"

    def enclosing_function(self, node: ast.AST) -> ast.AST:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return self.tree


class Collector:
    """Every refusal sentence the modules raise, each with the place it is raised."""

    def __init__(self, paths: list[Path], root: Path = ROOT) -> None:
        self.root = root
        self.modules = [_Module(path) for path in paths]
        self.passed_on = {
            name
            for module in self.modules
            if module.is_handler
            for node in ast.walk(module.tree)
            if isinstance(node, ast.ExceptHandler) and node.name and node.type is not None
            for kind in (node.type.elts if isinstance(node.type, ast.Tuple) else [node.type])
            if (name := _name(kind)) and name not in BUS_ERRORS
        }
        self.constants: dict[str, list[ast.expr]] = {}
        self.functions: dict[tuple[str, str], list[ast.AST]] = {}
        self.appended: dict[tuple[str, str], list[ast.expr]] = {}
        for module in self.modules:
            for statement in module.tree.body:
                if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value:
                    targets = (
                        statement.targets
                        if isinstance(statement, ast.Assign)
                        else [statement.target]
                    )
                    for target in targets:
                        if isinstance(target, ast.Name):
                            self.constants.setdefault(target.id, []).append(statement.value)
            for node in ast.walk(module.tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    self.functions.setdefault((module.package, node.name), []).append(node)
                elif (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "append"
                    and _name(node.func.value) in JOINED_LISTS
                    and node.args
                ):
                    listed = (module.package, str(_name(node.func.value)))
                    self.appended.setdefault(listed, []).append(node.args[0])

    def sentences(self) -> list[Sentence]:
        found: dict[str, Sentence] = {}
        for module in self.modules:
            for message, node in self._raised(module):
                where = f"{module.path.relative_to(self.root)}:{node.lineno}"
                if isinstance(message, ast.Constant) and _name(node.func) == "PydanticCustomError":
                    words = _pydantic_values(str(message.value))
                    found.setdefault(words, Sentence(words, where))
                    continue
                for words in self._words(message, module, node, depth=0):
                    found.setdefault(words, Sentence(words, where))
        return sorted(found.values(), key=lambda sentence: sentence.where)

    def _raised(self, module: _Module) -> Iterator[tuple[ast.expr, ast.Call]]:
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            kind = _name(node.func)
            raised = isinstance(module.parents.get(node), ast.Raise)
            contract_validation = module.in_contract and raised and kind == "ValueError"
            if kind in BUS_ERRORS or (raised and kind in self.passed_on) or contract_validation:
                yield node.args[0], node
            elif module.in_contract and kind == "PydanticCustomError" and len(node.args) > 1:
                yield node.args[1], node

    def _words(self, node: ast.expr, module: _Module, at: ast.AST, depth: int) -> Iterator[str]:
        """The sentences ``node`` can be, each value a ``VALUE``; followed one step at most."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value
        elif isinstance(node, ast.JoinedStr):
            yield "".join(
                part.value if isinstance(part, ast.Constant) else VALUE for part in node.values
            )
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            for left in self._words(node.left, module, at, depth) or [VALUE]:
                for right in self._words(node.right, module, at, depth) or [VALUE]:
                    yield left + right
        elif isinstance(node, ast.IfExp):
            yield from self._words(node.body, module, at, depth)
            yield from self._words(node.orelse, module, at, depth)
        elif depth == 0:
            yield from self._followed(node, module, at)

    def _followed(self, node: ast.expr, module: _Module, at: ast.AST) -> Iterator[str]:
        if isinstance(node, ast.Name):
            scope = module.enclosing_function(at)
            for assigned in ast.walk(scope):
                if isinstance(assigned, ast.Assign) and any(
                    isinstance(target, ast.Name) and target.id == node.id
                    for target in assigned.targets
                ):
                    yield from self._words(assigned.value, module, at, 1)
            for value in self.constants.get(node.id, []):
                yield from self._words(value, module, at, 1)
        elif isinstance(node, ast.Call) and (called := _name(node.func)):
            if called == "join" and node.args and _name(node.args[0]) in JOINED_LISTS:
                for item in self.appended.get((module.package, str(_name(node.args[0]))), []):
                    yield from self._words(item, module, at, 0 if isinstance(item, ast.Call) else 1)
                return
            for function in self.functions.get((module.package, called), []):
                for returned in ast.walk(function):
                    if isinstance(returned, ast.Return) and returned.value is not None:
                        yield from self._words(returned.value, module, at, 1)


def _pydantic_values(words: str) -> str:
    """A ``PydanticCustomError``'s ``{name}`` is a value, as an f-string's is."""
    out, depth = [], 0
    for character in words:
        if character == "{":
            depth += 1
            if depth == 1:
                out.append(VALUE)
        elif character == "}":
            depth -= 1
        elif depth == 0:
            out.append(character)
    return "".join(out)


@cache
def owner_sentences(root: Path = ROOT) -> list[Sentence]:
    """Every owner's refusal sentence that can reach a page."""
    return Collector(sources(root), root).sentences()
