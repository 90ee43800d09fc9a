"""Notebook parameters: read and validate them before any kernel starts.

Read the ``parameters`` cell, read YAML and ``-p`` values, validate them (unknown or ill-typed
values raise ``ParameterError``, exit 2).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

from samenleven_analysis.errors import ParameterError


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a notebook's ``parameters`` cell.

    ``types`` holds type names among ``bool int float str list dict NoneType``; an
    empty tuple means "anything" (default ``None`` without annotation, or a default that
    is not a literal).
    """

    name: str
    default: Any
    types: tuple[str, ...]
    element_type: str | None = None  # for list defaults with homogeneous elements
    allowed: tuple[Any, ...] | None = None  # from ``Literal[...]``; None = any value of the type
    low: float | None = None  # from a trailing ``# range: LO..HI`` comment (inclusive)
    high: float | None = None

    def describe_range(self) -> str:
        def fmt(v: float | None) -> str:
            return "" if v is None else (str(int(v)) if float(v).is_integer() else str(v))

        return f"{fmt(self.low)}..{fmt(self.high)}"

    def describe(self) -> str:
        if not self.types:
            return "any value"
        names = [t for t in self.types if t != "NoneType"]
        text = " or ".join(names) if names else "None"
        if "list" in self.types and self.element_type:
            text = text.replace("list", f"list of {self.element_type}")
        if "NoneType" in self.types and names:
            text += " or None"
        return text


_ANNOTATION_TYPES = {"int", "float", "str", "bool", "list", "dict", "None", "Optional"}


RANGE_COMMENT = re.compile(
    r"#\s*range:\s*(?P<low>[-+]?\d+(?:\.\d+)?)?\s*\.\.\s*(?P<high>[-+]?\d+(?:\.\d+)?)?(?=\s|$|[;,#])"
)
"""The bounds convention of a ``parameters`` cell: a trailing ``# range: LO..HI`` comment
(inclusive; LO or HI may be empty), e.g. ``min_cell: int = 5  # range: 1..``."""


def _literal_values(node: ast.AST | None) -> tuple[Any, ...] | None:
    """The values of a ``Literal[...]`` annotation (also inside ``Literal[...] | None``)."""
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Literal"
    ):
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        try:
            return tuple(ast.literal_eval(item) for item in items)
        except (ValueError, SyntaxError, TypeError):
            return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = _literal_values(node.left), _literal_values(node.right)
        if left is None and right is None:
            return None
        return (left or ()) + (right or ())
    return None


def _subscript_types(node: ast.Subscript) -> tuple[str, ...] | None:
    """Type names of ``Literal[...]``, ``list[...]``, ``dict[...]`` or ``Optional[...]``."""
    if not isinstance(node.value, ast.Name):
        return None
    name = node.value.id
    if name == "Literal":
        values = _literal_values(node)
        if values is None:
            return None
        return tuple(dict.fromkeys("NoneType" if v is None else type(v).__name__ for v in values))
    if name in ("list", "dict"):
        return (name,)
    if name == "Optional":
        inner = _annotation_types(node.slice)
        return None if inner is None else inner + ("NoneType",)
    return None


def _annotation_types(node: ast.AST | None) -> tuple[str, ...] | None:
    """Type names of a simple annotation.

    E.g. ``int``, ``str | None``, ``Optional[int]``, ``list[str]``, ``Literal["a", "b"]``.
    """
    if node is None:
        return None
    if isinstance(node, ast.Subscript):
        return _subscript_types(node)
    if isinstance(node, ast.Constant) and node.value is None:
        return ("NoneType",)
    if isinstance(node, ast.Name) and node.id in _ANNOTATION_TYPES - {"Optional", "None"}:
        return (node.id,)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = _annotation_types(node.left), _annotation_types(node.right)
        if left is None or right is None:
            return None
        return left + right
    return None


def _type_of(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    name = type(value).__name__
    return (name,) if name in {"bool", "int", "float", "str", "list", "dict"} else ()


def _range_comment(line: str, name: str, nb_path: str | Path) -> tuple[float | None, float | None]:
    """Bounds ``(low, high)`` from a parameter line's ``# range: LO..HI`` comment (None: no bound)."""
    low = high = None
    match = RANGE_COMMENT.search(line)
    if match is None and re.search(r"#.*\brange:", line):
        raise ParameterError(
            f"{Path(nb_path).name}: parameter {name!r}: cannot read the range comment "
            "(expected '# range: LO..HI', LO or HI may be empty)"
        )
    if match:
        low = float(match["low"]) if match["low"] else None
        high = float(match["high"]) if match["high"] else None
    return low, high


def parse_parameters(nb_path: str | Path) -> dict[str, ParamSpec]:
    """Parameters declared in the notebook's cell tagged ``parameters`` (read with ``ast``).

    Returns ``{}`` when the notebook has no such cell (it then accepts no parameters).
    IPython magics and shell lines are ignored.
    """
    # imported here: nbformat loads jsonschema, whose format checkers take 1.5 s to import
    # (rfc3987-syntax builds a grammar), and every report kernel imports this module
    import nbformat

    nb = nbformat.read(str(nb_path), as_version=4)
    cell = next(
        (
            c
            for c in nb.cells
            if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])
        ),
        None,
    )
    if cell is None:
        return {}
    # magics and shell lines blanked (not dropped), so that line numbers match the cell
    lines = [
        "" if line.lstrip().startswith(("%", "!")) else line for line in cell.source.splitlines()
    ]
    source = "\n".join(lines)
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(
            f"{Path(nb_path).name}: cannot parse the parameters cell: {exc}"
        ) from exc
    specs: dict[str, ParamSpec] = {}
    for node in tree.body:
        targets: list[ast.expr]
        annotation = None
        if isinstance(node, ast.Assign):
            targets, value_node = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value_node, annotation = [node.target], node.value, node.annotation
        else:
            continue
        try:
            default = ast.literal_eval(value_node)
            literal = True
        except (ValueError, SyntaxError, TypeError):
            default, literal = None, False
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            line = lines[node.end_lineno - 1] if node.end_lineno else ""
            specs[target.id] = _spec_of(target.id, default, literal, annotation, line, nb_path)
    return specs


def _spec_of(
    name: str,
    default: Any,
    literal: bool,
    annotation: ast.expr | None,
    line: str,
    nb_path: str | Path,
) -> ParamSpec:
    """The :class:`ParamSpec` of parameter ``name`` assigned ``default`` on ``line``.

    ``literal``: whether the value is a literal; ``annotation``: its type annotation, if any.
    """
    types = _annotation_types(annotation)
    if types is None:
        types = _type_of(default) if literal else ()
    element = None
    if isinstance(default, list) and default:
        kinds = {type(v).__name__ for v in default}
        if len(kinds) == 1:
            element = kinds.pop()
    allowed = _literal_values(annotation)
    if allowed is not None and "NoneType" in types:
        allowed = tuple(dict.fromkeys((*allowed, None)))
    low, high = _range_comment(line, name, nb_path)
    if name == "min_cell":
        # disclosure control: never below 1, whatever the cell says (see check_min_cell)
        low = max(low or 1.0, 1.0)
    return ParamSpec(name, default, tuple(types), element, allowed, low, high)


def _yaml_scalar(text: str) -> Any:
    """Parse one ``-p`` value like a YAML scalar/flow value (``2022`` → int, ``[a, b]`` → list)."""
    try:
        return yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text


def _check(nb_name: str, spec: ParamSpec, value: Any, raw: str | None) -> Any:
    """Return ``value`` converted to what ``spec`` expects, or raise ParameterError.

    ``raw`` is the original command-line text (``-p``), None for values from YAML files:
    a ``-p`` value for a ``str`` parameter is taken verbatim (``-p authority 01001`` keeps
    its leading zero), whereas YAML files must quote such strings.
    """
    types = spec.types
    if not types:
        return value
    if value is None and "NoneType" in types:
        return None
    if "str" in types and raw is not None:
        return value if isinstance(value, str) else raw
    if "bool" in types and isinstance(value, bool):
        return value
    if "int" in types and isinstance(value, int) and not isinstance(value, bool):
        return value
    if "float" in types and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if "str" in types and isinstance(value, str):
        return value
    if "dict" in types and isinstance(value, dict):
        return value
    if "list" in types:
        return _check_list(nb_name, spec, value, raw)
    raise _type_error(nb_name, spec, value, raw)


def _type_error(nb_name: str, spec: ParamSpec, value: Any, raw: str | None) -> ParameterError:
    """The error for ``value`` (typed as ``raw`` on the command line) not fitting ``spec``."""
    shown = raw if raw is not None else value
    return ParameterError(
        f"{nb_name}: parameter {spec.name!r} expects {spec.describe()}, "
        f"got {type(value).__name__} {shown!r}"
    )


def _check_list(nb_name: str, spec: ParamSpec, value: Any, raw: str | None) -> list:
    """``value`` as the list ``spec`` expects, each element checked; see :func:`_check`.

    From the command line a single value is a list of one.
    """
    items = value if isinstance(value, list) else ([value] if raw is not None else None)
    if items is None:
        raise _type_error(nb_name, spec, value, raw)
    if spec.element_type:
        element_spec = ParamSpec(spec.name, None, (spec.element_type,))
        try:
            # from the command line, items of a str list are taken as text
            # (``[11002, 44021]`` -> ``["11002", "44021"]``)
            items = [
                _check(
                    nb_name,
                    element_spec,
                    v,
                    None if raw is None else (str(v) if isinstance(value, list) else raw),
                )
                for v in items
            ]
        except ParameterError as exc:
            raise _type_error(nb_name, spec, value, raw) from exc
    return items


def _check_allowed(nb_name: str, spec: ParamSpec, value: Any) -> None:
    """Raise ParameterError when ``value`` is outside the values or bounds of ``spec``.

    ``value`` or an element of a list; the ``Literal[...]`` values or the ``# range:`` bounds.
    """
    items = value if isinstance(value, list) else [value]
    for item in items:
        if spec.allowed is not None and item not in spec.allowed:
            shown = ", ".join(repr(v) for v in spec.allowed)
            raise ParameterError(
                f"{nb_name}: parameter {spec.name!r} must be one of {shown}; got {item!r}"
            )
        if item is None or isinstance(item, bool) or not isinstance(item, (int, float)):
            continue
        if (spec.low is not None and item < spec.low) or (
            spec.high is not None and item > spec.high
        ):
            extra = ""
            if spec.name == "min_cell":
                extra = (
                    " (disclosure control: counts below min_cell are suppressed; to publish "
                    "every count use --no-disclosure-control-i-know)"
                )
            raise ParameterError(
                f"{nb_name}: parameter {spec.name!r} must be in the range "
                f"{spec.describe_range()}; got {item!r}{extra}"
            )


def validate_parameters(
    nb_path: str | Path,
    params: dict[str, Any],
    *,
    raw: dict[str, str] | None = None,
    disclosure_off: bool = False,
) -> dict[str, Any]:
    """Check ``params`` against the notebook's ``parameters`` cell; return converted values.

    ``raw`` maps names to their command-line text for values that came from ``-p``.
    Raises :class:`ParameterError` naming the notebook, the parameter and the expected
    type for an unknown or ill-typed parameter, or allowed values / range for a value
    outside its ``Literal[...]`` or ``# range: LO..HI`` declaration. ``min_cell`` is always
    at least 1, except with ``disclosure_off`` (the explicit opt-out), where 0 is allowed.
    Starts no kernel.
    """
    import dataclasses

    nb_name = Path(nb_path).name
    specs = parse_parameters(nb_path)
    raw = raw or {}
    out: dict[str, Any] = {}
    for name, value in params.items():
        if name not in specs:
            known = ", ".join(sorted(specs)) or "none"
            raise ParameterError(
                f"{nb_name}: unknown parameter {name!r} (declared parameters: {known})"
            )
        spec = specs[name]
        if name == "min_cell" and disclosure_off:
            spec = dataclasses.replace(spec, low=0.0)
        out[name] = _check(nb_name, spec, value, raw.get(name))
        _check_allowed(nb_name, spec, out[name])
    return out


def _read_parameter_file(path: Path) -> dict:
    """The mapping a YAML parameter file holds; ParameterError when it cannot be read or is none."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ParameterError(f"cannot read parameter file {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ParameterError(f"parameter file {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ParameterError(f"parameter file {path} must hold a mapping of name: value")
    return data


def read_parameters(
    param_files: Sequence[str | Path] = (), params: Sequence[tuple[str, str]] | Sequence[str] = ()
) -> tuple[dict[str, Any], dict[str, str], dict[str, dict[str, Any]]]:
    """Merge ``-f`` YAML files (in order) and ``-p NAME VALUE`` pairs (last wins).

    Returns ``(values, raw_texts, per_notebook)``. A YAML file is a mapping of parameter
    names to values; a key ``notebooks:`` may hold ``{notebook_stem: {name: value}}`` for
    parameters meant for one notebook only. ``params`` may also be a flat list
    ``[NAME, VALUE, NAME, VALUE, ...]``.
    """
    values: dict[str, Any] = {}
    raw: dict[str, str] = {}
    per_nb: dict[str, dict[str, Any]] = {}
    for file in param_files:
        path = Path(file)
        data = _read_parameter_file(path)
        for key, value in data.items():
            if key == "notebooks" and isinstance(value, dict):
                for stem, mapping in value.items():
                    if not isinstance(mapping, dict):
                        raise ParameterError(
                            f"parameter file {path}: notebooks.{stem} must be a mapping"
                        )
                    per_nb.setdefault(str(stem), {}).update(mapping)
                continue
            values[str(key)] = value
            raw.pop(str(key), None)
    pairs: list[tuple[str, str]]
    if params and all(isinstance(p, str) for p in params):
        flat = cast(list[str], list(params))
        if len(flat) % 2:
            raise ParameterError("-p expects NAME VALUE pairs")
        pairs = list(zip(flat[::2], flat[1::2], strict=True))
    else:
        pairs = [tuple(p) for p in params]  # type: ignore[misc]
    for name, text in pairs:
        values[str(name)] = _yaml_scalar(str(text))
        raw[str(name)] = str(text)
    return values, raw, per_nb


# ----------------------------------------------------------------- checks inside the report modules
# The report modules (the evaluation reports, the migration-roots map) check their values here
# too, so that a bad value fails the same way with or without the runner.


def check_choice(name: str, value: Any, allowed: Any) -> None:
    """Raise ParameterError unless ``value`` is in ``allowed``.

    For a non-empty list: unless every element is.
    """
    values = value if isinstance(value, (list, tuple)) else [value]
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        raise ParameterError(f"{name} must be among {sorted(allowed)}, not {value!r}")


def check_years_present(years: Sequence[int]) -> None:
    """A year-based report needs a table holding at least one year."""
    if not years:
        raise ParameterError("the table holds no years")


def check_authority_pool(pool: Sequence[str]) -> None:
    """``authority = "auto"`` needs at least one authority above the threshold."""
    if not pool:
        raise ParameterError("no authority above the threshold to study: pass authority")


def check_authority_known(authority: Any, code: str, codes: Any) -> None:
    """The requested ``authority`` (normalised to ``code``) must be in the outcome table."""
    if code not in set(codes):
        raise ParameterError(f"authority {authority!r} is not in the outcome table")


def check_authority_funded(code: str, *, never_funded: bool) -> None:
    """An authority that was never funded needs a (placebo) ``treatment_year``."""
    if never_funded:
        raise ParameterError(
            f"authority {code} was never funded: pass treatment_year for a placebo analysis"
        )
