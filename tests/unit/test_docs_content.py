"""The reference pages in docs/ agree with the code, so either drifting fails here.

Checked: every table, column and key of the migrations in tables.md; every field of the stream
entry, the batches and the records, every kind, key and dead-letter field in stream.md, the
schema version and the consumer's behaviour the versioning rule relies on; every route of the
four HTTP apps and every data API parameter in http-api.md; every ``trafficha`` command and
option, every metric and the backup blocks in operations.md; the ports and the module map in
architecture.md; and every relative link (and #anchor) of docs/*.md and README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import re
import subprocess
import typing
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, get_args

import msgspec
import pytest

from trafficha import cli
from trafficha.apps.data_api import create_app as data_api_app
from trafficha.apps.data_api.telemetry import Telemetry
from trafficha.apps.gateway import app as gateway_module
from trafficha.apps.gateway import create_app as gateway_app
from trafficha.apps.gateway.metrics import GatewayMetrics
from trafficha.apps.gateway.upstreams import UpstreamPool
from trafficha.apps.proxy import Metrics as ProxyMetrics
from trafficha.apps.proxy import create_app as proxy_app
from trafficha.apps.simulator import create_app as simulator_app
from trafficha.config import Settings
from trafficha.datasets.registry import KINDS, entry_types
from trafficha.kst import now_kst
from trafficha.models.domain import Tollgate
from trafficha.models.stream import SCHEMA_VERSION, StreamEntry, TollgateListBatch
from trafficha.secrets import Secret
from trafficha.store.accounts import READ_ONLY
from trafficha.store.migrations import MIGRATIONS, SCHEMA_MIGRATIONS
from trafficha.streams import consumer
from trafficha.streams.codec import (
    ENTRY_FIELDS,
    UndecodableEntryError,
    decode_entry,
    encode_entry,
)
from trafficha.streams.keys import StreamKeys
from trafficha.topology.local import (
    _PORT_OFFSETS,
    APP_PRIVILEGES,
    DB_READER,
    DB_USER,
    MEMBERS,
    StackLayout,
)

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PACKAGE = ROOT / "src" / "trafficha"
# The code blocks of operations.md that tests/integration/test_backup.py runs.
BACKUP_BLOCKS = (
    "setup",
    "backup-mariadb",
    "backup-redis-aof",
    "backup-redis-rdb",
    "restore-redis-aof",
    "restore-redis-rdb",
    "restore-mariadb",
)


# --- reading the pages ----------------------------------------------------------------------


def page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def flat(text: str) -> str:
    """Whitespace collapsed: a code span wrapped across lines still matches."""
    return " ".join(text.split())


def section(text: str, heading: str) -> str:
    """The text under ``heading`` (a whole heading line) up to the next heading of its level or
    above."""
    lines = text.splitlines()
    level = len(heading) - len(heading.lstrip("#"))
    try:
        start = lines.index(heading)
    except ValueError:
        pytest.fail(f"no heading {heading!r}")
    out: list[str] = []
    for line in lines[start + 1 :]:
        match = re.match(r"(#+) ", line)
        if match and len(match[1]) <= level:
            break
        out.append(line)
    return "\n".join(out)


def first_cells(text: str) -> list[str]:
    """The first cell of every table row, without its backticks (header rows included)."""
    cells = []
    for line in text.splitlines():
        match = re.match(r"\|\s*`([^`]+)`\s*\|", line)
        if match:
            cells.append(match[1])
    return cells


def code_blocks(text: str) -> dict[str, str]:
    """The fenced blocks marked ``<!-- test: NAME -->``, by name."""
    return dict(re.findall(r"<!-- test: ([\w-]+) -->\n```\w+\n(.*?)```", text, re.S))


# --- tables.md ------------------------------------------------------------------------------


class TableSpec(msgspec.Struct, kw_only=True):
    name: str
    columns: list[str]
    primary: list[str]
    uniques: dict[str, list[str]]
    indexes: dict[str, list[str]]


def _columns(text: str) -> list[str]:
    return [c.strip() for c in text.split(",")]


def parse_table(statement: str) -> TableSpec:
    name_match = re.search(r"CREATE TABLE IF NOT EXISTS (\w+) \(", statement)
    assert name_match, statement
    body = statement[name_match.end() : statement.rindex(")")]
    columns, primary = [], []
    for line in body.splitlines():
        column = re.match(r"\s*([a-z_][a-z0-9_]*)\s+[A-Z]", line)
        if column:
            columns.append(column[1])
            if "PRIMARY KEY" in line:
                primary.append(column[1])
    return TableSpec(
        name=name_match[1],
        columns=columns,
        primary=primary,
        uniques={n: _columns(c) for n, c in re.findall(r"UNIQUE KEY (\w+)\s*\(([^)]*)\)", body)},
        indexes={
            n: _columns(c) for n, c in re.findall(r"(?<!UNIQUE )\bKEY (\w+)\s*\(([^)]*)\)", body)
        },
    )


def alter_table(tables: dict[str, TableSpec], statement: str) -> None:
    """Apply an ``ALTER TABLE … ADD COLUMN/KEY IF NOT EXISTS`` to the table it names."""
    name_match = re.search(r"ALTER TABLE (\w+)", statement)
    assert name_match, statement
    table = tables[name_match[1]]
    table.columns += re.findall(r"ADD COLUMN IF NOT EXISTS (\w+)", statement)
    for unique, name, columns in re.findall(
        r"ADD (UNIQUE )?KEY IF NOT EXISTS (\w+)\s*\(([^)]*)\)", statement
    ):
        (table.uniques if unique else table.indexes)[name] = _columns(columns)


def schema() -> list[TableSpec]:
    """Every table as the migrations leave it (statements that are not DDL are skipped)."""
    statements = [SCHEMA_MIGRATIONS, *(s for m in MIGRATIONS for s in m.statements)]
    tables: dict[str, TableSpec] = {}
    for statement in statements:
        if "CREATE TABLE" in statement:
            table = parse_table(statement)
            tables[table.name] = table
        elif "ALTER TABLE" in statement:
            alter_table(tables, statement)
    return list(tables.values())


def table_sections(text: str) -> dict[str, tuple[str, str]]:
    """Sections headed by a table name in backticks (``## `batch_ledger` `` and the like), each
    with the introduction of the section it sits in: tables of the same shape (the proxy cache)
    share the column table there."""
    out = {}
    intro = ""
    for line in text.splitlines():
        if line.startswith("## "):
            intro = section(text, line).split("\n### ", 1)[0]
        match = re.fullmatch(r"#{2,3} `(\w+)`", line)
        if match:
            out[match[1]] = (section(text, line), intro)
    return out


def test_the_schema_parser_sees_every_table() -> None:
    tables = {t.name: t for t in schema()}
    assert len(tables) == 16
    assert tables["batch_ledger"].primary == ["batch_id"]
    assert tables["tollgate_traffic_history"].uniques == {
        "uq_tollgate_traffic_slot": [
            "unit_code",
            "slot_at",
            "inout_type",
            "tcs_type",
            "car_type",
            "ex_div_code",
            "tm_type",
        ]
    }
    assert all(t.primary and t.columns for t in tables.values())


def test_every_table_is_documented_with_its_columns_and_keys() -> None:
    sections = table_sections(page("tables.md"))
    tables = schema()
    assert set(sections) == {t.name for t in tables}, "documented tables != migrated tables"
    for table in tables:
        own, intro = sections[table.name]
        text = flat(own)
        cells = first_cells(own) or first_cells(intro)
        assert set(cells) - {"Column"} == set(table.columns), (
            f"{table.name}: the column table differs from the migration"
        )
        primary = ", ".join(f"`{c}`" for c in table.primary)
        assert f"Primary key: {primary}." in text, f"{table.name}: primary key"
        for name, columns in table.uniques.items():
            assert f"`{name} ({', '.join(columns)})`" in text, f"{table.name}: unique {name}"
        for name, columns in table.indexes.items():
            assert f"`{name} ({', '.join(columns)})`" in text, f"{table.name}: index {name}"
        if not table.uniques:
            assert "No other unique key" in text or table.name == "schema_migrations"


def test_every_migration_is_listed() -> None:
    text = section(page("tables.md"), "## Migrations")
    for migration in MIGRATIONS:
        assert f"| {migration.version} | {migration.name} |" in text


def test_the_accounts_are_documented_with_their_rights() -> None:
    text = flat(section(page("tables.md"), "## Database accounts"))
    assert f"| `{DB_USER}` (app, read-write) | `{APP_PRIVILEGES}` |" in text
    assert f"| `{DB_READER}` (read-only) | `{READ_ONLY}` |" in text


# --- stream.md ------------------------------------------------------------------------------


def sample_batch() -> TollgateListBatch:
    tollgate = Tollgate(
        unit_code="101", unit_name="서울", route_no="0010", route_name="경부선", lat=None, lon=None
    )
    return TollgateListBatch(
        producer="member1/collector-test",
        epoch=1,
        source="sim",
        fetched_at=now_kst(),
        batch_id="tollgates-1-0123456789abcdef0123",
        records=(tollgate,),
    )


def wire_fields(batch: StreamEntry) -> dict[bytes, bytes]:
    """An entry's fields as Redis hands them back: names and values as bytes."""
    return {
        name.encode(): value if isinstance(value, bytes) else str(value).encode()
        for name, value in encode_entry(batch).items()
    }


def batch_structs() -> dict[str, type[msgspec.Struct]]:
    """Tag -> batch struct, from the dataset registry (the union the stream decodes)."""
    out: dict[str, type[msgspec.Struct]] = {}
    for struct in entry_types():
        tag = struct.__struct_config__.tag
        assert isinstance(tag, str)
        out[tag] = struct
    return out


def record_structs() -> dict[str, type[msgspec.Struct]]:
    """The record structs the batches carry, by name."""
    out: dict[str, type[msgspec.Struct]] = {}
    for struct in batch_structs().values():
        hints = typing.get_type_hints(struct)
        for field in struct.__struct_fields__:
            args = get_args(hints[field])
            if args and isinstance(args[0], type) and issubclass(args[0], msgspec.Struct):
                out[args[0].__name__] = args[0]
    return out


def envelope_fields() -> set[str]:
    """The fields of the batches' common base (the envelope; each batch types its records)."""
    bases = {s.__base__ for s in batch_structs().values()}
    assert bases == {StreamEntry}
    return set(StreamEntry.__struct_fields__) - {"records"}


def test_the_entry_fields_are_documented() -> None:
    text = section(page("stream.md"), "## Stream entry")
    table = "| Field |" + text.split("\n\n| Field |", 1)[1].split("\n\n", 1)[0]
    assert first_cells(table) == list(encode_entry(sample_batch()))


def test_the_envelope_and_each_batch_struct_are_documented() -> None:
    text = section(page("stream.md"), "## Batch body")
    envelope = re.findall(r"\| Field \| Type \| Meaning \|.*?(?=\n\n)", text, re.S)[0]
    assert set(first_cells(envelope)) == envelope_fields() | {"kind"}
    for tag, struct in batch_structs().items():
        row = f"| `{struct.__name__}` |"
        rows = [line for line in text.splitlines() if line.startswith(row)]
        assert len(rows) == 1, f"{struct.__name__}: one row"
        assert f"| `{tag}` |" in rows[0]
        hints = typing.get_type_hints(struct)
        for field in set(struct.__struct_fields__) - envelope_fields():
            (record,) = get_args(hints[field])[:1]
            assert f"`{field}: tuple[{record.__name__}, ...]`" in rows[0], f"{struct.__name__}"


def test_every_kind_is_documented_with_its_struct() -> None:
    text = section(page("stream.md"), "## Kinds")
    structs = batch_structs()
    assert set(KINDS) == set(structs)
    for kind, struct in structs.items():
        assert f"| `{kind}` | `{struct.__name__}` |" in text


def test_every_record_field_is_documented_per_record() -> None:
    text = section(page("stream.md"), "## Records")
    structs = record_structs()
    documented: dict[str, set[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        match = re.match(r"`(\w+)` \(", line)
        if match and match[1] in structs:
            current = match[1]
            documented[current] = set()
        elif current and (cell := re.match(r"\|\s*`(\w+)`\s*\|", line)):
            documented[current].add(cell[1])
    assert set(documented) == set(structs)
    for name, struct in structs.items():
        assert documented[name] == set(struct.__struct_fields__), name


def test_the_dead_letter_fields_are_documented() -> None:
    source = inspect.getsource(consumer.StreamConsumer._dead_letter)
    added = re.findall(r'b"(\w+)":', source)
    assert added == ["origin_id", "reason", "consumer"]
    text = section(page("stream.md"), "## Dead letters")
    cells = first_cells(text)
    for name in added:
        assert name in cells
    copied = ", ".join(f"`{f}`" for f in encode_entry(sample_batch()))
    assert f"| {copied} | copied unchanged" in text
    assert f"`{StreamKeys().dead}`" in text


def test_every_redis_key_is_documented() -> None:
    keys = StreamKeys()
    derived = {
        getattr(keys, name)
        for name, value in vars(StreamKeys).items()
        if isinstance(value, property)
    }
    text = section(page("stream.md"), "## Redis keys")
    cells = set(first_cells(text)) - {"Key"}
    assert cells == derived | {keys.stream}
    assert f"`{keys.group}`" in text


def test_the_documented_schema_version_is_the_code_s() -> None:
    text = page("stream.md")
    versions = re.findall(r"SCHEMA_VERSION = (\d+)", text)
    assert versions, "stream.md states SCHEMA_VERSION = N"
    assert {int(v) for v in versions} == {SCHEMA_VERSION}


def test_an_unknown_version_is_refused_as_documented() -> None:
    """stream.md: a consumer refuses any other version before decoding (so it dead-letters it),
    and quotes the reason it gives."""
    batch = sample_batch()
    fields = wire_fields(batch)
    assert decode_entry(fields) == batch
    for other in (str(SCHEMA_VERSION + 1), str(SCHEMA_VERSION - 1), "x"):
        with pytest.raises(UndecodableEntryError) as refused:
            decode_entry({**fields, b"v": other.encode()})
        if other == str(SCHEMA_VERSION + 1):
            assert f"`{refused.value}`" in page("stream.md")


def test_the_additive_rule_holds_for_these_structs() -> None:
    """stream.md: unknown fields are ignored (forbid_unknown_fields=False everywhere) and no field
    has a default, so only additions are compatible."""
    text = flat(page("stream.md"))
    assert "`forbid_unknown_fields=False`" in text
    assert "no field has a default" in text
    for struct in [*batch_structs().values(), *record_structs().values()]:
        config = struct.__struct_config__
        assert not config.forbid_unknown_fields, struct.__name__
        assert not config.array_like, struct.__name__
        assert struct.__struct_defaults__ == (), struct.__name__
    # A body with a field this consumer does not know still decodes.
    batch = sample_batch()
    body = msgspec.msgpack.decode(wire_fields(batch)[b"body"])
    body["added_later"] = "x"
    body["records"][0]["also_added"] = 1
    fields = {**wire_fields(batch), b"body": msgspec.msgpack.encode(body)}
    assert decode_entry(fields) == decode_entry(wire_fields(batch))


def test_the_documented_replay_copies_exactly_the_entry_fields() -> None:
    text = section(page("stream.md"), "### Replaying dead letters")
    listed = re.search(r"entry fields \(([^)]*)\)", text)
    assert listed
    assert re.findall(r"`(\w+)`", listed[1]) == list(ENTRY_FIELDS)
    assert list(encode_entry(sample_batch())) == list(ENTRY_FIELDS)


def plain(path: str) -> str:
    """``/admin/faults/{endpoint:str}`` as documented: ``/admin/faults/{endpoint}``."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def test_every_data_api_route_is_documented() -> None:
    app = data_api_app(Settings())
    text = page("http-api.md")
    paths = {r.path for r in app.routes}
    for path in paths:
        assert f"`{path}`" in text, path
    routes = section(text, "### Routes")
    documented = {c for c in first_cells(routes) if c.startswith("/")} - {"/schema/openapi.json"}
    assert documented <= paths
    assert app.openapi_config is not None
    assert app.openapi_config.path == "/schema"
    assert "/schema/openapi.json" in paths
    assert "http://127.0.0.1:8080/schema/openapi.json" in text


def test_every_data_api_parameter_is_documented() -> None:
    schema = data_api_app(Settings()).openapi_schema.to_schema()
    names = {
        p["name"]
        for item in schema["paths"].values()
        for operation in item.values()
        for p in operation.get("parameters", [])
        if p["in"] == "query"
    }
    documented = set(first_cells(section(page("http-api.md"), "### Parameters"))) - {"Parameter"}
    assert documented == names


def test_the_gateway_routes_are_documented() -> None:
    text = section(page("http-api.md"), "## Gateway")
    for route in gateway_app(Settings()).routes:
        assert f"`{route.path}`" in text
    for prefix in gateway_module._FORWARDED_PREFIXES:
        assert f"`{prefix}*`" in text


def test_the_proxy_routes_are_documented() -> None:
    text = section(page("http-api.md"), "## openapi-proxy")
    for route in proxy_app(Settings(real_openapi_key=Secret("k"))).routes:
        assert f"`{route.path}`" in text


def test_the_simulator_routes_are_documented_with_their_methods() -> None:
    text = section(page("http-api.md"), "## Simulator")
    for route in simulator_app(Settings()).routes:
        for method in sorted(route.methods - {"OPTIONS", "HEAD"}):
            assert f"`{method} {plain(route.path)}" in text, f"{method} {route.path}"


# --- operations.md --------------------------------------------------------------------------


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> Iterator[Any]:
    """(command words, option strings, positional choices) of every (sub)command."""
    options: list[str] = []
    choices: list[str] = []
    nested: list[tuple[str, argparse.ArgumentParser]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            nested += list(action.choices.items())
        elif action.option_strings:
            options += [o for o in action.option_strings if o.startswith("--") and o != "--help"]
        elif action.choices:
            choices += [str(c) for c in action.choices]
    yield path, options, choices
    for name, sub in nested:
        yield from commands(sub, (*path, name))


def test_every_command_option_and_choice_is_documented() -> None:
    text = page("operations.md")
    found = list(commands(cli._parser(), ("trafficha",)))
    assert {p[1] for p, _, _ in found if len(p) == 2} == set(cli.COMMANDS)
    for path, options, choices in found:
        assert " ".join(path) in text, " ".join(path)
        for option in options:
            assert option in text, f"{' '.join(path)} {option}"
        for choice in choices:
            assert choice in text, f"{' '.join(path)}: {choice}"


async def _data_api_metrics() -> str:
    """The data API's /metrics text, with an empty pipeline in a stand-in Redis."""

    class EmptyRedis:
        async def xlen(self, _key: str) -> int:
            return 0

        async def xinfo_groups(self, _key: str) -> list[object]:
            return []

        async def xinfo_consumers(self, _key: str, _group: str) -> list[object]:
            return []

        async def hgetall(self, _key: str) -> dict[bytes, bytes]:
            return {}

        async def get(self, _key: str) -> None:
            return None

    cache = SimpleNamespace(hits=0, misses=0, shared=0, stale=0)
    hub = SimpleNamespace(clients=0, relayed=0, dropped=0)
    return await Telemetry().render(cache, hub, EmptyRedis(), StreamKeys())  # type: ignore[arg-type]


def metric_names(exposition: str) -> set[str]:
    return set(re.findall(r"^# TYPE (\w+) ", exposition, re.M))


def test_every_metric_is_documented() -> None:
    expositions = {
        "data API": asyncio.run(_data_api_metrics()),
        "gateway": GatewayMetrics(
            UpstreamPool(["http://127.0.0.1:1"], eject_after=2, eject_for=1.0)
        ).render(
            rate_limit_clients=0,
            hub=SimpleNamespace(clients=0, opened=0, resumed=0, dropped=0, relayed=0),  # type: ignore[arg-type]
        ),
        "proxy": ProxyMetrics().render(),
    }
    names = set().union(*(metric_names(e) for e in expositions.values()))
    assert "trafficha_stream_dead_letters" in names  # the stand-in Redis answered
    text = section(page("operations.md"), "## Metrics")
    documented = set(first_cells(text)) - {"Metric"}
    assert documented == names


def test_the_backup_blocks_exist_and_parse() -> None:
    blocks = code_blocks(page("operations.md"))
    assert set(BACKUP_BLOCKS) <= set(blocks)
    for name in BACKUP_BLOCKS:
        result = subprocess.run(
            ["bash", "-n"], input=blocks[name], text=True, capture_output=True, check=False
        )
        assert result.returncode == 0, f"{name}: {result.stderr}"


# --- architecture.md ------------------------------------------------------------------------


def test_the_port_table_matches_the_layout() -> None:
    layout = StackLayout(ingress_port=8080, db_password="", reader_password="", redis_password="")
    rows = section(page("architecture.md"), "## Ports of the local topology").splitlines()
    expected = [
        ("ingress", "HAProxy", layout.ingress_port),
        ("central", "simulator", layout.simulator_port),
        ("central", "Redis", layout.redis_port),
        ("central", "MariaDB", layout.mariadb_port),
        *(
            (member, service, layout.member_port(member, service))
            for member in MEMBERS
            for service in _PORT_OFFSETS
        ),
    ]
    for member, service, port in expected:
        assert any(
            r.startswith(f"| {member} | {service}") and r.endswith(f"| {port} |") for r in rows
        ), f"{member} {service} {port}"
    assert len([r for r in rows if re.search(r"\| \d+ \|$", r)]) == len(expected)


def test_the_module_map_names_every_module() -> None:
    text = section(page("architecture.md"), "## Module map")
    documented = set(first_cells(text)) - {"Module"}
    packages = {
        "trafficha." + ".".join(p.parent.relative_to(PACKAGE).parts)
        for p in PACKAGE.rglob("__init__.py")
        if p.parent != PACKAGE
    }
    modules = {
        f"trafficha.{p.stem}"
        for p in PACKAGE.glob("*.py")
        if not p.name.startswith("_") and p.stem != "__main__"
    }
    assert documented == packages | modules


# --- links ----------------------------------------------------------------------------------


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    in_code = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        match = re.match(r"#{1,6} (.+?)\s*#*$", line)
        if match and not in_code:
            base = slug(match[1])
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.add(base if n == 0 else f"{base}-{n}")
    return out


def links(path: Path) -> Iterator[str]:
    """Link targets outside code blocks and code spans."""
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    yield from re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", text)
    yield from re.findall(r"^\[[^\]]+\]:\s*(\S+)", text, re.M)


def markdown_pages() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("path", markdown_pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path: Path) -> None:
    broken = []
    for target in links(path):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        file, _, anchor = target.partition("#")
        resolved = (path.parent / file).resolve() if file else path
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading #{anchor} in {resolved.name}")
    assert not broken, f"{path.name}: {broken}"


def test_the_slugs_are_github_s() -> None:
    assert slug("The stack's settings in your shell") == "the-stacks-settings-in-your-shell"
    assert slug("`batch_ledger`") == "batch_ledger"
    assert slug("One batch, end to end") == "one-batch-end-to-end"
    assert slug("실시간 도로 소통") == "실시간-도로-소통"
