"""Replay recorded traffic data from CSV files through the pipeline: a custom ``Provider``.

``CsvReplayProvider`` implements the ``trafficha.Provider`` protocol, so a ``trafficha.Collector``
polls it exactly as it polls the KEC OpenAPI or the simulator, and publishes what it returns to
the stream the processors consume: the replayed rows end up in MariaDB, the data API and the
dashboard like any collected data, deduplicated and audited the same way.

The replay goes frame by frame. Rows of one file that share a time (an incident feed poll, a
15-minute tollgate slot, a VDS reading time) form a frame; each fetch of that dataset returns
the next frame, and an empty list once the file is played out. A dataset without a file is
always empty. When every dataset is played out the replay stops by itself.

The files, in ``--data-dir`` (UTF-8, header row, times ISO 8601: with an offset, or KST
without one; empty cells are "no value"):

``accidents.csv``, incidents as the feed showed them at each poll
    recorded_at (the poll: the frame), occurred_at, route_no (4 digits), route_name,
    direction (as KEC words it: 서울방향), type_code, type_name, sms_text, process_code,
    process_name, point_name, lat, lon, late_length_km, lanes_blocked (Y/N for lanes 1-6:
    NYNNNN), shoulder_blocked (Y or N)
``tollgate_traffic.csv``, 15-minute tollgate volumes
    slot_at (the frame), unit_code, unit_name, inout_type (0 입구, 1 출구), tcs_type (1 TCS,
    2 hi-pass), car_type (1-6), traffic_amount. Office and period are KEC's usual ones
    (00 도공, 2 15분).
``road_status.csv``, VDS detector readings
    std_at (the frame), vds_id, conzone_id, conzone_name, route_no, route_name, direction
    (E or S), speed, traffic_amount, share_ratio, time_avg, grade (0 판정불가, 1 원활, 2 서행,
    3 정체)
``tollgates.csv``, the tollgate list (reference data: one frame)
    unit_code, unit_name, route_no, route_name, lat, lon

Times are moved by one offset, a whole number of 15-minute slots, so that the recording's
newest time falls within the last 15 minutes: the replay looks like recent traffic, slots stay
on quarter hours, and an incident keeps one identity across frames. ``--keep-times`` replays
the recorded times as they are.

The replay runs beside the stack's own collectors: its collector holds a lease of its own (see
``ReplayKeys``), so it neither waits for theirs nor takes it away. Against a local stack::

    eval "$(trafficha env)"
    python examples/csv_provider.py --data-dir examples/data
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, Generic, Literal, TypeVar, cast

from redis.exceptions import RedisError

from trafficha import (
    ACCIDENTS,
    KST,
    ROAD_STATUS,
    TOLLGATE_LIST,
    TOLLGATE_TRAFFIC,
    Accident,
    Collector,
    ConfigError,
    Dataset,
    Provider,
    RoadStatus,
    Settings,
    Source,
    StreamKeys,
    Tollgate,
    TollgateTraffic,
    incident_key,
    load_settings,
    redis_client,
)

log = logging.getLogger("csv_provider")

SLOT: Final = timedelta(minutes=15)
DATA_DIR: Final = Path(__file__).parent / "data"

T = TypeVar("T")


class ReplayKeys(StreamKeys):
    """The pipeline's stream and audit ledger, with the collector election of the replay's own.

    A ``Collector`` publishes only while it holds the lease, and the lease key derives from the
    stream name: with plain ``StreamKeys`` the replay would stand by for as long as the stack's
    collectors lead. Its lease, epoch, holder and announcements get keys of their own; the
    stream (what the processors read) and ``produced`` (what ``trafficha audit`` checks) stay
    the pipeline's. To take part in the stack's election instead, pass
    ``trafficha.stream_keys(settings)``.
    """

    @property
    def lease(self) -> str:
        return f"{self.stream}:replay:leader"

    @property
    def epoch(self) -> str:
        return f"{self.stream}:replay:leader:epoch"

    @property
    def holder(self) -> str:
        return f"{self.stream}:replay:leader:holder"

    @property
    def events(self) -> str:
        # The dashboard shows leader events as the stack's leader: keep ours off its channel.
        return f"{self.stream}:replay:events"

    @property
    def freshness(self) -> str:
        return f"{self.stream}:replay:freshness"


# --- reading the files ------------------------------------------------------------------------


class CsvError(ValueError):
    """A file that cannot be replayed; the message names the file and line."""


def _time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=KST)


def _opt(text: str) -> str | None:
    return text.strip() or None


def _opt_int(text: str) -> int | None:
    return None if not text.strip() else int(text)


def _opt_float(text: str) -> float | None:
    return None if not text.strip() else float(text)


def _yes(text: str) -> bool:
    if text not in ("Y", "N"):
        raise ValueError(f"expected Y or N, got {text!r}")
    return text == "Y"


def _route(text: str) -> str:
    if not (len(text) == 4 and text.isascii() and text.isdigit()):
        raise ValueError(f"route_no must have 4 digits (0010), got {text!r}")
    return text


def _direction(text: str) -> Literal["S", "E"]:
    if text == "S":
        return "S"
    if text == "E":
        return "E"
    raise ValueError(f"direction must be E or S, got {text!r}")


def _grade(text: str) -> Literal[0, 1, 2, 3]:
    grades: dict[str, Literal[0, 1, 2, 3]] = {"0": 0, "1": 1, "2": 2, "3": 3}
    if text not in grades:
        raise ValueError(f"grade must be 0-3, got {text!r}")
    return grades[text]


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV file whose header has at least ``columns``."""
    # utf-8-sig: spreadsheets save UTF-8 with a byte-order mark.
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        missing = set(columns) - set(reader.fieldnames or ())
        if missing:
            raise CsvError(f"{path.name}: missing columns {', '.join(sorted(missing))}")
        for row in reader:
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}


def _read(
    path: Path,
    columns: tuple[str, ...],
    frame_column: str | None,
    parse: Callable[[dict[str, str]], T],
) -> list[tuple[datetime | None, T]]:
    """Each row parsed, with its frame time; a missing file has no rows."""
    if not path.exists():
        log.info("%s: no file, that dataset stays empty", path.name)
        return []
    rows = []
    for line, row in _rows(path, columns):
        try:
            at = _time(row[frame_column]) if frame_column else None
            rows.append((at, parse(row)))
        except ValueError as exc:
            raise CsvError(f"{path.name}:{line}: {exc}") from exc
    return rows


ACCIDENT_COLUMNS: Final = (
    "recorded_at",
    "occurred_at",
    "route_no",
    "route_name",
    "direction",
    "type_code",
    "type_name",
    "sms_text",
    "process_code",
    "process_name",
    "point_name",
    "lat",
    "lon",
    "late_length_km",
    "lanes_blocked",
    "shoulder_blocked",
)
TOLLGATE_COLUMNS: Final = (
    "slot_at",
    "unit_code",
    "unit_name",
    "inout_type",
    "tcs_type",
    "car_type",
    "traffic_amount",
)
ROAD_COLUMNS: Final = (
    "std_at",
    "vds_id",
    "conzone_id",
    "conzone_name",
    "route_no",
    "route_name",
    "direction",
    "speed",
    "traffic_amount",
    "share_ratio",
    "time_avg",
    "grade",
)
TOLLGATE_LIST_COLUMNS: Final = ("unit_code", "unit_name", "route_no", "route_name", "lat", "lon")

INOUT_NAMES: Final = {"0": "입구", "1": "출구"}
TCS_NAMES: Final = {"1": "TCS", "2": "hi-pass"}


def _accident(row: dict[str, str], offset: timedelta) -> Accident:
    if len(row["lanes_blocked"]) != 6 or set(row["lanes_blocked"]) - {"Y", "N"}:
        raise ValueError(f"lanes_blocked must be 6 Y/N flags, got {row['lanes_blocked']!r}")
    occurred_at = _time(row["occurred_at"]) + offset
    route_no = _route(row["route_no"])
    return Accident(
        incident_key=incident_key(
            occurred_at, route_no, row["direction"], row["type_code"], row["point_name"]
        ),
        occurred_at=occurred_at,
        route_no=route_no,
        route_name=row["route_name"],
        direction=row["direction"],
        type_code=row["type_code"],
        type_name=row["type_name"],
        sms_text=row["sms_text"],
        process_code=_opt(row["process_code"]),
        process_name=_opt(row["process_name"]),
        point_name=_opt(row["point_name"]),
        lat=_opt_float(row["lat"]),
        lon=_opt_float(row["lon"]),
        late_length_km=_opt_float(row["late_length_km"]),
        lanes_blocked=row["lanes_blocked"],
        shoulder_blocked=_yes(row["shoulder_blocked"]),
    )


def _tollgate_traffic(row: dict[str, str], offset: timedelta) -> TollgateTraffic:
    if row["inout_type"] not in INOUT_NAMES or row["tcs_type"] not in TCS_NAMES:
        raise ValueError("inout_type must be 0 or 1 and tcs_type 1 or 2")
    return TollgateTraffic(
        unit_code=row["unit_code"],
        unit_name=row["unit_name"],
        ex_div_code="00",
        ex_div_name="도공",
        inout_type=row["inout_type"],
        inout_name=INOUT_NAMES[row["inout_type"]],
        tm_type="2",
        tm_name="15분",
        tcs_type=row["tcs_type"],
        tcs_name=TCS_NAMES[row["tcs_type"]],
        car_type=row["car_type"],
        traffic_amount=_opt_int(row["traffic_amount"]),
        slot_at=_time(row["slot_at"]) + offset,
    )


def _road_status(row: dict[str, str], offset: timedelta) -> RoadStatus:
    return RoadStatus(
        vds_id=row["vds_id"],
        conzone_id=row["conzone_id"],
        conzone_name=row["conzone_name"],
        route_no=_route(row["route_no"]),
        route_name=row["route_name"],
        direction=_direction(row["direction"]),
        speed=_opt_int(row["speed"]),
        traffic_amount=_opt_int(row["traffic_amount"]),
        share_ratio=_opt_int(row["share_ratio"]),
        time_avg=_opt_int(row["time_avg"]),
        grade=_grade(row["grade"]),
        std_at=_time(row["std_at"]) + offset,
    )


def _tollgate(row: dict[str, str]) -> Tollgate:
    route_no = _opt(row["route_no"])
    return Tollgate(
        unit_code=row["unit_code"],
        unit_name=row["unit_name"],
        route_no=_route(route_no) if route_no else None,
        route_name=_opt(row["route_name"]),
        lat=_opt_float(row["lat"]),
        lon=_opt_float(row["lon"]),
    )


# --- the provider ---------------------------------------------------------------------------


@dataclass
class Frames(Generic[T]):
    """One dataset's frames, played in order."""

    frames: list[list[T]]
    played: int = 0
    done: bool = False

    @classmethod
    def of(cls, rows: list[tuple[datetime | None, T]]) -> Frames[T]:
        by_time: dict[datetime | None, list[T]] = {}
        for at, record in rows:
            by_time.setdefault(at, []).append(record)
        # Rows without a frame time (the tollgate list) are all one frame.
        untimed = by_time.pop(None, None)
        frames = [by_time[at] for at in sorted(t for t in by_time if t is not None)]
        return cls([untimed, *frames] if untimed else frames)

    def next(self) -> list[T]:
        if self.played < len(self.frames):
            self.played += 1
            return self.frames[self.played - 1]
        self.done = True
        return []


@dataclass
class CsvReplayProvider:
    """A ``trafficha.Provider`` replaying CSV files: one frame per fetch, then empty lists.

    Build it with :meth:`from_dir`. ``finished`` is set once every dataset has been fetched
    past its last frame, which the collector does only after publishing that frame.

    The collector treats each fetch as a poll: a frame it could not publish (its lease lost
    mid-replay, say to a Redis restart) is not fetched again. A replay run again publishes
    every frame again; with the same time offset (within the same quarter hour, or with
    ``--keep-times``) the store takes the repeated rows as duplicates.
    """

    accidents: Frames[Accident]
    tollgate_traffic: Frames[TollgateTraffic]
    road_status: Frames[RoadStatus]
    tollgates: Frames[Tollgate]
    # "real" when the files are a recording of the KEC OpenAPI, "sim" otherwise: the stored
    # rows and the dashboard's source badge carry it.
    replay_source: Source = "sim"
    finished: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def from_dir(
        cls,
        directory: Path,
        *,
        source: Source = "sim",
        keep_times: bool = False,
        now: datetime | None = None,
    ) -> CsvReplayProvider:
        """Read every file of ``directory`` at once, so a bad row stops the replay before it
        publishes anything.

        Raises:
            CsvError: a file lacks a column or has a value that does not parse.
        """
        offset = timedelta(0)
        if not keep_times:
            newest = cls._newest(directory)
            if newest is not None:
                # Whole slots: quarter-hour slots stay on quarter hours.
                offset = (datetime.now(KST) if now is None else now) - newest
                offset = offset // SLOT * SLOT
        provider = cls(
            accidents=Frames.of(
                _read(
                    directory / "accidents.csv",
                    ACCIDENT_COLUMNS,
                    "recorded_at",
                    lambda row: _accident(row, offset),
                )
            ),
            tollgate_traffic=Frames.of(
                _read(
                    directory / "tollgate_traffic.csv",
                    TOLLGATE_COLUMNS,
                    "slot_at",
                    lambda row: _tollgate_traffic(row, offset),
                )
            ),
            road_status=Frames.of(
                _read(
                    directory / "road_status.csv",
                    ROAD_COLUMNS,
                    "std_at",
                    lambda row: _road_status(row, offset),
                )
            ),
            tollgates=Frames.of(
                _read(directory / "tollgates.csv", TOLLGATE_LIST_COLUMNS, None, _tollgate)
            ),
            replay_source=source,
        )
        log.info("replaying %s with times moved by %s", directory, offset)
        return provider

    @staticmethod
    def _newest(directory: Path) -> datetime | None:
        """The newest recorded time of any file (the reference of the time offset)."""
        newest: datetime | None = None
        for name, column in (
            ("accidents.csv", "occurred_at"),
            ("accidents.csv", "recorded_at"),
            ("tollgate_traffic.csv", "slot_at"),
            ("road_status.csv", "std_at"),
        ):
            path = directory / name
            if not path.exists():
                continue
            for line, row in _rows(path, (column,)):
                try:
                    at = _time(row[column])
                except ValueError as exc:
                    raise CsvError(f"{name}:{line}: {column}: {exc}") from exc
                newest = at if newest is None else max(newest, at)
        return newest

    # The Provider protocol ------------------------------------------------------------------

    @property
    def source(self) -> Source:
        return self.replay_source

    async def fetch(self, dataset: Dataset[T]) -> list[T]:
        """The next frame of the dataset's file; a dataset this replay has no file kind for
        (a dataset added to the registry later) is always empty."""
        frames: dict[str, Frames[Any]] = {
            ACCIDENTS.kind: self.accidents,
            TOLLGATE_TRAFFIC.kind: self.tollgate_traffic,
            ROAD_STATUS.kind: self.road_status,
            TOLLGATE_LIST.kind: self.tollgates,
        }
        played = frames.get(dataset.kind)
        return [] if played is None else cast(list[T], self._next(played))

    async def aclose(self) -> None:
        """Nothing to release: the files were read at the start."""

    def _next(self, frames: Frames[T]) -> list[T]:
        records = frames.next()
        datasets = (self.accidents, self.tollgate_traffic, self.road_status, self.tollgates)
        if all(d.done for d in datasets):
            self.finished.set()
        return records


# --- running it in a collector ----------------------------------------------------------------


async def replay(args: argparse.Namespace, settings: Settings) -> int:
    csv_provider = CsvReplayProvider.from_dir(
        args.data_dir, source=args.source, keep_times=args.keep_times
    )
    # What the collector needs is the protocol: the type checker verifies the fit here.
    provider: Provider = csv_provider
    redis = redis_client(settings)
    keys = ReplayKeys(stream=settings.stream_key, group=settings.stream_group)
    # Every kind at the same pace: a replay has no reason to wait 15 minutes for the next slot.
    every = args.interval
    collector = Collector(
        redis,
        keys,
        provider,
        holder=f"{settings.member_name}/csv-replay-{socket.gethostname()}-{os.getpid()}",
        intervals={
            d.kind: every for d in (ACCIDENTS, TOLLGATE_TRAFFIC, ROAD_STATUS, TOLLGATE_LIST)
        },
        lease_ttl_ms=int(settings.lease_ttl.total_seconds() * 1000),
        maxlen=settings.stream_maxlen,
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, collector.stop)
    try:
        running = asyncio.create_task(collector.run())
        finished = asyncio.create_task(csv_provider.finished.wait())
        await asyncio.wait({running, finished}, return_when=asyncio.FIRST_COMPLETED)
        # Played out, or signalled: either way stop the collector (it releases its lease).
        collector.stop()
        finished.cancel()
        await running
    finally:
        await provider.aclose()
        await redis.aclose()
    played = csv_provider.finished.is_set()
    log.info(
        "%s: published %d batches to %s",
        "replay complete" if played else "replay interrupted",
        collector.published,
        keys.stream,
    )
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Replay recorded CSV traffic data into the pipeline (settings from the env)."
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DATA_DIR,
        help="directory with accidents.csv, tollgate_traffic.csv, road_status.csv, "
        "tollgates.csv (any may be missing; default examples/data)",
    )
    parser.add_argument(
        "--interval", type=float, default=2.0, help="seconds between frames (default 2)"
    )
    parser.add_argument(
        "--source",
        choices=("sim", "real"),
        default="sim",
        help="what the rows are stored as: real for a recording of the KEC OpenAPI (default sim)",
    )
    parser.add_argument(
        "--keep-times", action="store_true", help="replay the recorded times unchanged"
    )
    args = parser.parse_args(argv)
    if args.interval <= 0:
        parser.error("--interval: must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"csv_provider: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        return asyncio.run(replay(args, settings))
    except CsvError as exc:
        print(f"csv_provider: {exc}", file=sys.stderr)
        return 2
    except RedisError as exc:  # Redis unreachable at start (later outages are ridden out)
        print(f"csv_provider: redis at {settings.redis_addr}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
