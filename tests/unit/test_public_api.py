"""The library as a product: the supported names, their docs, their types, their reference page."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import inspect
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest
from mypy import api as mypy_api

import trafficha
from trafficha._apidoc import library_markdown, public_methods

ROOT = Path(__file__).parents[2]
USAGE = ROOT / "tests" / "typing" / "custom_service.py"
EXPORTS = trafficha._EXPORTS
# Name -> (module, the name it has there).
DEFINED = {n: (t.partition(":")[0], t.partition(":")[2] or n) for n, t in EXPORTS.items()}
# Values, not callables: they carry no docstring of their own.
CONSTANTS = {"SCHEMA_VERSION", "KST", "Source", "StreamEntry"}


def test_all_is_exactly_the_export_table() -> None:
    assert len(trafficha.__all__) == len(set(trafficha.__all__))
    assert set(trafficha.__all__) == {"__version__", *EXPORTS}
    assert sorted(dir(trafficha)) == sorted(trafficha.__all__)


def test_the_type_checkers_view_imports_every_export_from_its_module() -> None:
    tree = ast.parse((ROOT / "src" / "trafficha" / "__init__.py").read_text(encoding="utf-8"))
    (guard,) = [
        n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"
    ]
    seen: dict[str, tuple[str, str]] = {}
    for node in guard.body:
        assert isinstance(node, ast.ImportFrom)
        assert node.module is not None
        for alias in node.names:
            seen[alias.asname or alias.name] = (node.module, alias.name)
    assert seen == DEFINED


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_every_export_resolves_to_the_object_its_module_defines(name: str) -> None:
    obj = getattr(trafficha, name)
    if inspect.isclass(obj) or inspect.isfunction(obj):
        assert (obj.__module__, obj.__name__) == DEFINED[name], name


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'DedupStor'"):
        _ = trafficha.DedupStor  # type: ignore[attr-defined]


def test_importing_the_package_or_a_worker_name_does_not_load_the_web_stack() -> None:
    code = dedent(
        """
        import sys
        import trafficha
        from trafficha import StreamConsumer, DedupStore, Collector
        assert "litestar" not in sys.modules, "litestar loaded"
        from trafficha import create_data_api_app
        assert "litestar" in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def _documented(name: str) -> list[str]:
    """Names of the export and its public members that lack a docstring of their own."""
    obj = getattr(trafficha, name)
    missing = []
    own = vars(obj).get("__doc__") if inspect.isclass(obj) else obj.__doc__
    if not (own and own.strip()):
        missing.append(name)
    if inspect.isclass(obj):
        for member, func, _ in public_methods(obj):
            if not (func.__doc__ and func.__doc__.strip()):
                missing.append(f"{name}.{member}")
    return missing


def test_every_public_class_function_and_member_has_a_docstring() -> None:
    missing = [m for name in EXPORTS if name not in CONSTANTS for m in _documented(name)]
    assert missing == []


@pytest.mark.parametrize(
    ("name", "raised"),
    [
        ("load_settings", "ConfigError"),
        ("parse_accidents", "ProviderPayloadError"),
        ("parse_road_status", "ProviderAuthError"),
        ("decode_entry", "UndecodableEntryError"),
        ("latest_accidents", "Error"),
    ],
)
def test_functions_that_raise_say_what(name: str, raised: str) -> None:
    doc = getattr(trafficha, name).__doc__
    assert "Raises:" in doc
    assert raised in doc.split("Raises:", 1)[1]


def test_the_library_reference_is_current() -> None:
    page = (ROOT / "docs" / "library.md").read_text(encoding="utf-8")
    assert page == library_markdown(), "docs/library.md is stale: regenerate it with `make docs`"
    for name in EXPORTS:
        assert f"### `{name}`" in page


def _mypy(source: str, tmp_path: Path) -> tuple[str, int]:
    module = tmp_path / "misuse.py"
    module.write_text(dedent(source), encoding="utf-8")
    out, err, status = mypy_api.run(
        ["--strict", "--no-incremental", "--follow-imports=silent", str(module)]
    )
    return out + err, status


@pytest.mark.slow  # mypy --strict without its cache, ~8 s
def test_the_custom_service_module_type_checks(tmp_path: Path) -> None:
    out, status = _mypy(USAGE.read_text(encoding="utf-8"), tmp_path)
    assert status == 0, out


@pytest.mark.slow  # mypy --strict without its cache, ~8 s per case
@pytest.mark.parametrize(
    ("snippet", "error"),
    [
        ("from trafficha import DedupStor\n", 'Module "trafficha" has no attribute "DedupStor"'),
        (
            """
            from trafficha import StreamConsumer, StreamEntry, load_settings, redis_client

            async def handle(batch: StreamEntry) -> None: ...

            settings = load_settings()
            StreamConsumer(redis_client(settings), "traffic-stream", "c1", handle)
            """,
            'incompatible type "str"; expected "StreamKeys"',
        ),
        (
            """
            from trafficha import Provider

            class Half:
                source = "sim"

                async def fetch_accidents(self) -> list[object]:
                    return []

            def use(provider: Provider) -> None: ...

            use(Half())
            """,
            'incompatible type "Half"; expected "Provider"',
        ),
        (
            """
            from trafficha import Settings

            Settings(port="8080")
            """,
            'incompatible type "str"; expected "int"',
        ),
    ],
)
def test_misuse_of_the_api_is_a_type_error(snippet: str, error: str, tmp_path: Path) -> None:
    out, status = _mypy(snippet, tmp_path)
    assert status == 1, out
    assert error in out


def test_every_subpackage_declares_what_it_exports() -> None:
    packages = sorted((ROOT / "src" / "trafficha").rglob("__init__.py"))
    assert len(packages) >= 10
    for init in packages:
        module = ".".join(init.parent.relative_to(ROOT / "src").parts)
        package = importlib.import_module(module)
        assert isinstance(getattr(package, "__all__", None), list), module
        for name in package.__all__:
            assert hasattr(package, name), f"{module}.{name}"


def test_one_version_everywhere() -> None:
    assert importlib.metadata.version("trafficha") == trafficha.__version__
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    released = [line for line in changelog.splitlines() if line.startswith("## [0")]
    assert released[0].startswith(f"## [{trafficha.__version__}] - "), "CHANGELOG lags"
    out = subprocess.run(
        [sys.executable, "-m", "trafficha.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip() == f"trafficha {trafficha.__version__}"
