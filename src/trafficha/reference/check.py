"""``trafficha network check``: how many of KEC's conzones the map can place, and why not the rest.

It learns the network as the data API does (:mod:`trafficha.reference.placement`) and prints the
coverage per route (placed/total, %) and every conzone it could not place, with the reason::

    trafficha network check                                    # the store (settings from env)
    trafficha network check --conzones road.json --units units.json [--vds vds.json]

Files may hold KEC's own answers (``trafficAmountByRealtime``, ``locationinfoUnit``,
``vdsList``: the envelope with its ``list``, or the bare row array) or a conzone index
(``{"conzones": [{"conzoneId", "conzoneName", "routeNo", "routeName"}]}``, the direction taken
from the id). Without files it reads the store: the conzones of the last day's road readings,
the tollgates and the VDS locations, with the database settings of the environment (or of the
local stack in ``--state-dir``). ``--json`` prints the placement's figures as JSON.

The exit status is 0 once it printed, 1 when the store or a file cannot be read.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import msgspec

from trafficha.config import Settings, load_settings
from trafficha.datasets.vds_list import parse_vds_list
from trafficha.errors import ConfigError, ProviderError, TrafficHaError
from trafficha.providers.kec import clean_text, normalize_route_no, parse_tollgates
from trafficha.reference.placement import (
    Conzone,
    NetworkInputs,
    Placement,
    chainages_of,
    conzone_direction,
    conzones_of,
    place_conzones,
    routes_of,
    units_of,
)
from trafficha.store import DedupStore
from trafficha.store.reads import road_conzones, route_list, tollgate_locations, vds_locations
from trafficha.topology.local import LocalStack, default_state_dir

__all__ = ["add_parser", "load_inputs", "main", "read_store", "report", "run"]

_LIST_KEYS: Final = ("conzones", "list")


class _ConzoneRow(msgspec.Struct, kw_only=True, rename="camel"):
    """A conzone row of a road answer or a conzone index: only what placing needs."""

    conzone_id: str | None = None
    conzone_name: str | None = None
    route_no: str | None = None
    route_name: str | None = None
    updown_type_code: str | None = None


def _rows(path: Path) -> list[msgspec.Raw]:
    """The rows of a file: a bare array, or the list under ``conzones`` or ``list``."""
    try:
        body = path.read_bytes()
        doc = msgspec.json.decode(body, type=list[msgspec.Raw] | dict[str, msgspec.Raw])
        if isinstance(doc, dict):
            raw = next((doc[k] for k in _LIST_KEYS if k in doc), None)
            if raw is None:
                raise ConfigError(f"{path}: no 'conzones' or 'list' in it")
            return msgspec.json.decode(raw, type=list[msgspec.Raw])
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror or exc}") from None
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ConfigError(f"{path}: not a JSON list of rows: {exc}") from None
    return doc


def _enveloped(path: Path) -> bytes:
    """A KEC answer as it came, or a bare row array wrapped in a success envelope."""
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror or exc}") from None
    if body.lstrip()[:1] == b"[":
        return b'{"code":"SUCCESS","list":' + body + b"}"
    return body


def _conzone(raw: msgspec.Raw) -> Conzone | None:
    try:
        row = msgspec.json.decode(raw, type=_ConzoneRow)
        route_no = normalize_route_no(row.route_no)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError):
        return None
    conzone_id = clean_text(row.conzone_id)
    if not conzone_id or route_no is None:
        return None
    code = clean_text(row.updown_type_code).upper()
    return Conzone(
        conzone_id=conzone_id,
        conzone_name=clean_text(row.conzone_name),
        route_no=route_no,
        route_name=clean_text(row.route_name),
        direction="E" if code == "E" else "S" if code == "S" else conzone_direction(conzone_id),
    )


def load_inputs(
    conzones: Path, units: Path | None = None, vds: Path | None = None
) -> NetworkInputs:
    """The inputs from files (see the module's notes); rows without a conzone id or route are
    skipped.

    Raises:
        ConfigError: a file cannot be read or holds no rows.
    """
    rows = [c for raw in _rows(conzones) if (c := _conzone(raw)) is not None]
    try:
        gates = parse_tollgates(_enveloped(units)) if units is not None else []
        zones = parse_vds_list(_enveloped(vds)) if vds is not None else []
    except ProviderError as exc:
        raise ConfigError(f"not a KEC answer: {exc}") from None
    return NetworkInputs(
        conzones=conzones_of(rows), units=units_of(gates), chainages=chainages_of(zones)
    )


async def read_store(settings: Settings) -> NetworkInputs:
    """The inputs from the store: the last day's conzones, the tollgates, the VDS locations,
    the route list's names."""
    async with await DedupStore.from_settings(settings) as store:
        return NetworkInputs(
            conzones=conzones_of(await road_conzones(store)),
            units=units_of(await tollgate_locations(store)),
            chainages=chainages_of(await vds_locations(store)),
            routes=routes_of(await route_list(store)),
        )


def report(placement: Placement, inputs: NetworkInputs) -> str:
    """The coverage per route, the total, and each unplaced conzone with its reason."""
    lines = [
        f"{len(inputs.conzones)} conzones, {len(inputs.units)} located tollgates, "
        f"{len(inputs.chainages)} VDS chainages",
        f"{'route':6} {'placed':>7} {'total':>6} {'%':>6} {'between':>8}  geometry  name",
    ]
    lines += [
        f"{c.route_no:6} {c.placed:7d} {c.total:6d} {c.percent:6.1f} {c.interpolated_ends:8d}"
        f"  {c.geometry:8}  {c.route_name}"
        for c in placement.coverage
    ]
    lines.append(f"{'all':6} {placement.placed:7d} {placement.total:6d} {placement.percent:6.1f}")
    lines.append(f"unplaced: {len(placement.unplaced)}")
    lines += [f"  {u.conzone_id}  {u.conzone_name}  {u.reason}" for u in placement.unplaced]
    return "\n".join(lines) + "\n"


def _as_json(placement: Placement, inputs: NetworkInputs) -> bytes:
    doc: dict[str, Any] = {
        "conzones": len(inputs.conzones),
        "tollgates": len(inputs.units),
        "vds_locations": len(inputs.chainages),
        "total": placement.total,
        "placed": placement.placed,
        "percent": round(placement.percent, 1),
        "routes": [
            {**msgspec.structs.asdict(c), "percent": round(c.percent, 1)}
            for c in placement.coverage
        ],
        "unplaced": placement.unplaced,
    }
    return msgspec.json.encode(doc)


def _configure(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="network_command", required=True)
    check = commands.add_parser(
        "check", help="place the conzones; print coverage per route and what is not placed"
    )
    check.add_argument(
        "--conzones",
        type=Path,
        metavar="FILE",
        help="conzones: a trafficAmountByRealtime answer or a conzone index (default: the store)",
    )
    check.add_argument(
        "--units", type=Path, metavar="FILE", help="tollgates: a locationinfoUnit answer"
    )
    check.add_argument("--vds", type=Path, metavar="FILE", help="VDS chainage: a vdsList answer")
    check.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="without files: the store of the local stack in DIR, if one was started there "
        "(default: $TRAFFICHA_STATE_DIR or .trafficha; else the settings of the environment)",
    )
    check.add_argument("--json", action="store_true", help="machine-readable output")


def add_parser(subparsers: Any, name: str = "network") -> argparse.ArgumentParser:
    """Mount the command as ``name`` under another CLI's subparsers; dispatch with :func:`run`.

    ``subparsers`` is what ``ArgumentParser.add_subparsers()`` returned.
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help="check how KEC's conzones are placed on the map",
        description=__doc__.split("\n\n")[0],
    )
    _configure(parser)
    return parser


def _settings(state_dir: Path | None) -> Settings:
    """The environment's settings, pointed at the local stack when one has been started there."""
    where = Path(state_dir or default_state_dir()).resolve()
    if (where / "stack.json").exists():
        return load_settings(LocalStack(where).service_env())
    return load_settings()


def run(args: argparse.Namespace) -> int:
    """Run a parsed command (from :func:`main` or a CLI that used :func:`add_parser`)."""
    if args.conzones is None and (args.units is not None or args.vds is not None):
        raise ConfigError("--units and --vds go with --conzones (without files: the store)")
    if args.conzones is not None:
        inputs = load_inputs(args.conzones, args.units, args.vds)
    else:
        inputs = asyncio.run(read_store(_settings(args.state_dir)))
    placement = place_conzones(
        inputs.conzones, inputs.units, inputs.chainages, routes=inputs.routes
    )
    if args.json:
        sys.stdout.buffer.write(_as_json(placement, inputs) + b"\n")
        sys.stdout.flush()
    else:
        sys.stdout.write(report(placement, inputs))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``trafficha network`` on its own."""
    parser = argparse.ArgumentParser(prog="trafficha network", description=__doc__.split("\n\n")[0])
    _configure(parser)
    try:
        return run(parser.parse_args(argv))
    except TrafficHaError as exc:
        sys.stderr.write(f"trafficha network: {exc}\n")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
