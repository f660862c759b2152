"""The library reference, ``docs/library.md``, generated from ``trafficha.__all__`` and the
docstrings, so the page cannot drift from the code (a test compares them).

Regenerate with ``python -m trafficha._apidoc > docs/library.md`` (``make docs``).
"""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Final, Literal, Union, get_args, get_origin, get_type_hints

import msgspec

import trafficha

# Sections of the page, in order: (title, module prefixes of the names it holds).
SECTIONS: Final = (
    ("Settings", ("trafficha.config",)),
    ("Time", ("trafficha.kst",)),
    ("Errors", ("trafficha.errors",)),
    ("Models", ("trafficha.models",)),
    ("Datasets", ("trafficha.datasets",)),
    ("KEC parsing", ("trafficha.providers.kec",)),
    ("Providers", ("trafficha.providers",)),
    ("Streams and the collector lease", ("trafficha.streams", "trafficha.leader")),
    ("Clients from settings", ("trafficha.connections",)),
    ("Store", ("trafficha.store",)),
    ("Services", ("trafficha.services",)),
    ("App factories", ("trafficha.apps",)),
)

_HEADER: Final = """\
# Library API

Generated from the code by `python -m trafficha._apidoc` (`make docs`); a test fails when this
page and the code disagree. Import every name from the package root:

```python
from trafficha import Settings, StreamConsumer, StreamKeys, load_settings
```

These names are the supported API: their meaning holds within a minor version, and changes are
listed in the [changelog](../CHANGELOG.md). Modules and names not listed here are internal and
may move. Errors are exceptions from the `TrafficHaError` tree unless a name says otherwise; every
coroutine must run on an asyncio loop. Runnable uses are in [examples/](../examples/README.md).
"""


def _is_error(name: str, obj: object) -> bool:
    return inspect.isclass(obj) and issubclass(obj, BaseException) and name.endswith("Error")


def _section_of(name: str, obj: object) -> str:
    if _is_error(name, obj):
        return "Errors"
    module = trafficha._EXPORTS[name].partition(":")[0]
    for title, prefixes in SECTIONS:
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return title
    raise LookupError(f"no section for {name} ({module})")


_SECTION: Final = re.compile(r"^(Args|Raises|Returns|Attributes|Yields):\s*$")
_ITEM: Final = re.compile(r"^ {4}(\w[\w.]*(?: \([^)]*\))?): ?(.*)$")


def _markdown(doc: str) -> str:
    """A docstring as Markdown: reST roles and literals as code spans, Google-style sections
    (``Args:``, ``Raises:`` ...) as bold titles over bullet lists."""
    doc = re.sub(r":(?:class|meth|func|mod|attr|data|exc):`~?([^`]+)`", r"`\1`", doc)
    doc = re.sub(r"``([^`]+)``", r"`\1`", doc)
    # Dotted paths read better short: `trafficha.errors.X` -> `X`.
    doc = re.sub(r"`(?:[a-z_]+\.)+([A-Za-z_]\w*)`", r"`\1`", doc)
    out: list[str] = []
    in_section = False
    for line in doc.splitlines():
        if _SECTION.match(line):
            out += ["", f"**{line.strip()}**", ""]
            in_section = True
        elif in_section and (item := _ITEM.match(line)):
            out.append(f"- `{item[1]}`: {item[2]}")
        elif in_section and line.startswith("    ") and out:
            out[-1] += " " + line.strip()  # a wrapped item continues its bullet
        else:
            in_section = in_section and bool(line.strip())
            out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def _own_doc(obj: object) -> str:
    if not (inspect.isclass(obj) or callable(obj)):
        return ""  # a constant's __doc__ is its type's
    doc = vars(obj).get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    return inspect.cleandoc(doc) if isinstance(doc, str) else ""


def _type_text(tp: Any) -> str:
    """A type as a reader writes it: no ``Annotated`` metadata, no module paths."""
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        return _type_text(args[0])
    if origin is Union or origin is types.UnionType:
        return " | ".join(_type_text(a) for a in args)
    if origin is Literal:
        return f"Literal[{', '.join(repr(a) for a in args)}]"
    special = {type(None): "None", Ellipsis: "..."}
    if tp in special:
        return special[tp]
    if origin is not None:
        return f"{getattr(origin, '__name__', str(origin))}[{', '.join(map(_type_text, args))}]"
    return tp.__name__ if isinstance(tp, type) else str(tp).replace("typing.", "")


def _value_text(value: object) -> str:
    """A constant or type alias as source code, quoted as the formatter wants it."""
    alias = get_origin(value) is not None or isinstance(value, types.UnionType)
    text = _type_text(value) if alias else repr(value).replace("datetime.", "")
    return re.sub(r"'([^'\"]*)'", r'"\1"', text)


def _struct_fields(cls: type[msgspec.Struct]) -> list[str]:
    hints = get_type_hints(cls, include_extras=True)
    lines = []
    for field in msgspec.structs.fields(cls):
        text = f"- `{field.name}: {_type_text(hints[field.name])}"
        if field.default is not msgspec.NODEFAULT:
            text += f" = {_default(field.default)}"
        lines.append(text + "`")
    return lines


def _default(value: object) -> str:
    text = repr(value)
    if " at 0x" in text:  # a function or object default: its name, not its address
        return getattr(value, "__qualname__", type(value).__name__)
    return text


def _signature(obj: Callable[..., Any], *, skip_self: bool = False) -> str:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return "(...)"
    parts = []
    star_done = False
    params = list(sig.parameters.values())
    if skip_self and params and params[0].name in {"self", "cls"}:
        params = params[1:]
    for param in params:
        if param.kind is param.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        if param.kind is param.VAR_POSITIONAL:
            star_done = True
        prefix = {"VAR_POSITIONAL": "*", "VAR_KEYWORD": "**"}.get(param.kind.name, "")
        text = prefix + param.name
        if param.annotation is not param.empty:
            text += f": {param.annotation}"
        if param.default is not param.empty:
            text += f" = {_default(param.default)}"
        parts.append(text)
    returns = sig.return_annotation
    arrow = "" if returns is sig.empty or returns == "None" else f" -> {returns}"
    return f"({', '.join(parts)}){arrow}"


def public_methods(cls: type) -> Iterator[tuple[str, Callable[..., Any], str]]:
    """(name, function, kind) of the public methods and properties a class defines itself."""
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(value, property) and value.fget is not None:
            yield name, value.fget, "property"
        elif isinstance(value, classmethod):
            yield name, value.__func__, "classmethod"
        elif isinstance(value, staticmethod):
            yield name, value.__func__, "staticmethod"
        elif inspect.isfunction(value):
            yield name, value, "method"


def _entry(name: str, obj: object) -> list[str]:
    lines = [f"### `{name}`", ""]
    struct = inspect.isclass(obj) and issubclass(obj, msgspec.Struct)
    if inspect.isclass(obj):
        bases = ", ".join(b.__name__.lstrip("_") for b in obj.__bases__ if b is not object)
        lines += ["```python", f"class {name}{f'({bases})' if bases else ''}", "```", ""]
        if not struct and not issubclass(obj, BaseException):
            init = _signature(obj).removesuffix(" -> None")
            if init != "(...)":
                lines += [f"Constructor: `{name}{init}`", ""]
    elif callable(obj):
        is_async = inspect.iscoroutinefunction(obj)
        head = "async def" if is_async else "def"
        lines += ["```python", f"{head} {name}{_signature(obj)}", "```", ""]
    else:
        lines += ["```python", f"{name} = {_value_text(obj)}", "```", ""]
    doc = _own_doc(obj)
    if doc:
        lines += [_markdown(doc), ""]
    if obj is trafficha.Settings:
        lines += [
            "Fields (keyword-only): one per setting, named as its environment variable in lower",
            "case; see [configuration](configuration.md).",
            "",
        ]
    elif inspect.isclass(obj) and issubclass(obj, msgspec.Struct):
        lines += ["Fields (keyword-only):", "", *_struct_fields(obj), ""]
    if inspect.isclass(obj) and any(public_methods(obj)):
        lines += ["**Members:**", ""]
        for method, func, kind in public_methods(obj):
            if kind == "property":
                lines.append(f"- property `{method}`: {_markdown(_own_doc(func))}")
                continue
            prefix = "async " if inspect.iscoroutinefunction(func) else ""
            signature = _signature(func, skip_self=kind != "staticmethod")
            text = "\n".join(
                f"  {line}".rstrip() for line in _markdown(_own_doc(func)).splitlines()
            ).lstrip()
            lines.append(f"- {prefix}`{method}{signature}`: {text}")
        if lines[-1] != "":
            lines.append("")
    return lines


def library_markdown() -> str:
    """The whole page."""
    entries: dict[str, list[str]] = {title: [] for title, _ in SECTIONS}
    for name in sorted(n for n in trafficha.__all__ if n != "__version__"):
        obj = getattr(trafficha, name)
        entries[_section_of(name, obj)] += _entry(name, obj)
    out = [_HEADER, f"Version: `{trafficha.__version__}`.", ""]
    out += [f"- [{title}](#{title.lower().replace(' ', '-')})" for title, _ in SECTIONS]
    out.append("")
    for title, _ in SECTIONS:
        out += [f"## {title}", "", *entries[title]]
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(library_markdown(), end="")
