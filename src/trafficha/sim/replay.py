"""Recorded KEC answers, played back by the simulator instead of its world.

A directory of recordings holds at most one file per dataset of the registry, named after the
dataset in any of three ways (:func:`file_names`): its stream kind (``accidents.json``,
``tollgate.json``, ``road.json``, ``travel_time.json``, ``tollgates.json``, ``vds.json``,
``routes.json``), its endpoint name in the fault API (``locations.json``) or the KEC operation,
the last part of its path (``realTimeSms.json``, ``trafficIc.json``,
``trafficAmountByRealtime.json``, ``realUnitTrtm.json``, ``locationinfoUnit.json``,
``vdsList.json``, ``spinRouteList.json``). Two files for one dataset are an error; other files
are ignored (and reported), so a directory of ``shared/kec-real`` recordings can be used as it
is.

A file is either a KEC answer (a JSON object with its rows under the dataset's list key, or
under the first key that holds a list) or a bare JSON array of rows, as some projects keep the
tollgate list. Only the rows are kept, byte for byte (key order, trailing spaces, nulls and all);
the simulator pages them again as KEC pages (:func:`~trafficha.sim.wire.page_spec`: ``numOfRows``
capped at the feed's maximum, ``pageNo`` from 1) inside the envelope KEC sends for that
endpoint, with ``count`` the rows recorded, ``pageSize`` the pages they make and KEC's success
``message`` and ``code``. The recorded ``count`` is not replayed: a recording of page 1 of 3
holds a third of the rows, and a client paging by the recorded figures would ask for pages that
are not there. Filters and ``sortType`` are not applied: a recording is served as recorded.

``trafficha capture DIR`` (:mod:`trafficha.capture`) writes such a directory from the live API.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import msgspec

from trafficha.datasets.registry import DATASETS, by_endpoint
from trafficha.datasets.spec import Dataset, PageSpec
from trafficha.errors import ProviderError
from trafficha.models.domain import Accident
from trafficha.sim.wire import SUCCESS_MESSAGE, encode_json, page_spec

__all__ = [
    "Recording",
    "RecordingError",
    "file_names",
    "load_dir",
    "operation",
    "recording_of",
    "scan_dir",
    "with_text",
]

SUFFIX: Final = ".json"


class RecordingError(ValueError):
    """A recording that cannot be replayed (not JSON, no rows, a KEC error answer, two files for
    one dataset …); the message says which and why."""


def operation(dataset: Dataset[Any]) -> str:
    """The KEC operation of a dataset: the last part of its path (``realTimeSms``)."""
    return dataset.feed.path.rstrip("/").rsplit("/", 1)[-1]


def file_names(dataset: Dataset[Any]) -> tuple[str, ...]:
    """The names a recording of ``dataset`` may have: ``<kind>.json``, ``<endpoint>.json``,
    ``<operation>.json`` (without repeats)."""
    stems = dict.fromkeys((dataset.kind, dataset.endpoint, operation(dataset)))
    return tuple(f"{stem}{SUFFIX}" for stem in stems)


_BY_NAME: Final = {name: d for d in DATASETS for name in file_names(d)}


@dataclass(frozen=True, slots=True)
class Recording:
    """The recorded rows of one dataset and where they came from.

    ``incidents`` holds, for a dataset of incidents, each row parsed on its own (None for a row
    the parser sets aside), so the simulator's ground truth knows what a page served.
    """

    dataset: Dataset[Any]
    source: str
    rows: tuple[msgspec.Raw, ...]
    incidents: tuple[Accident | None, ...] | None = None

    def page(self, page_no: int | None, num_of_rows: int | None) -> PageSpec:
        """The page a request for ``pageNo``/``numOfRows`` gets, as KEC pages."""
        return page_spec(
            self.dataset.feed, len(self.rows), page_no=page_no, num_of_rows=num_of_rows
        )

    def served(self, rows: slice) -> list[Accident]:
        """The incidents of some rows, a page's (none for a dataset that is not of incidents)."""
        if self.incidents is None:
            return []
        return [a for a in self.incidents[rows] if a is not None]

    def summary(self) -> dict[str, object]:
        """What ``GET /admin/replay`` reports of it."""
        return {"source": self.source, "rows": len(self.rows)}


def _decode(body: bytes, what: str) -> list[msgspec.Raw] | dict[str, msgspec.Raw]:
    try:
        doc: list[msgspec.Raw] | dict[str, msgspec.Raw] = msgspec.json.decode(
            body, type=list[msgspec.Raw] | dict[str, msgspec.Raw]
        )
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
        raise RecordingError(f"{what}: not a JSON object or array: {exc}") from None
    return doc


def _rows_of(dataset: Dataset[Any], doc: dict[str, msgspec.Raw], what: str) -> msgspec.Raw:
    code = doc.get("code")
    if code is not None and msgspec.json.decode(code) not in ("SUCCESS", None):
        raise RecordingError(f"{what}: KEC answered code {bytes(code).decode()}, not rows")
    if dataset.feed.list_key in doc:
        return doc[dataset.feed.list_key]
    for raw in doc.values():
        if bytes(raw).lstrip()[:1] == b"[":
            return raw
    raise RecordingError(f"{what}: no list of rows (expected under {dataset.feed.list_key!r})")


def _one_row_body(dataset: Dataset[Any], row: msgspec.Raw) -> bytes:
    return encode_json(
        {"code": "SUCCESS", "message": SUCCESS_MESSAGE, dataset.feed.list_key: [row]}
    )


def _incident(dataset: Dataset[Any], row: msgspec.Raw) -> Accident | None:
    try:
        parsed = dataset.parse(_one_row_body(dataset, row))
    except ProviderError:
        return None
    if len(parsed) != 1 or not isinstance(parsed[0], Accident):
        return None
    return parsed[0]


def recording_of(dataset: Dataset[Any], body: bytes, source: str) -> Recording:
    """The rows of one recording of ``dataset`` (a KEC answer or a bare array of rows).

    Raises:
        RecordingError: the body is not JSON, holds no list of rows, is a KEC error answer, or
            a row is not a JSON object.
    """
    doc = _decode(body, source)
    raw = _rows_of(dataset, doc, source) if isinstance(doc, dict) else None
    rows: list[msgspec.Raw]
    if raw is None:
        assert isinstance(doc, list)
        rows = doc
    elif bytes(raw).strip() == b"null":
        rows = []
    else:
        try:
            rows = msgspec.json.decode(raw, type=list[msgspec.Raw])
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise RecordingError(f"{source}: the rows are not a list: {exc}") from None
    for index, row in enumerate(rows):
        if bytes(row).lstrip()[:1] != b"{":
            raise RecordingError(f"{source}: row {index} is not a JSON object")
    incidents = tuple(_incident(dataset, r) for r in rows) if dataset.incidents else None
    return Recording(dataset, source, tuple(rows), incidents)


def scan_dir(directory: Path) -> tuple[dict[str, Path], list[str]]:
    """The recording of each dataset in ``directory`` (by endpoint name), and the names of the
    JSON files it ignored.

    Raises:
        RecordingError: the directory does not exist, or holds two files for one dataset.
    """
    if not directory.is_dir():
        raise RecordingError(f"{directory}: not a directory")
    found: dict[str, Path] = {}
    ignored: list[str] = []
    for path in sorted(directory.iterdir()):
        dataset = _BY_NAME.get(path.name)
        if dataset is None:
            if path.suffix == SUFFIX:
                ignored.append(path.name)
            continue
        other = found.get(dataset.endpoint)
        if other is not None:
            raise RecordingError(
                f"{directory}: both {other.name} and {path.name} are recordings of "
                f"{dataset.kind}; keep one"
            )
        found[dataset.endpoint] = path
    return found, ignored


def load_dir(directory: Path) -> dict[str, Recording]:
    """Every recording in ``directory``, by endpoint name (see :func:`scan_dir`).

    Raises:
        RecordingError: see :func:`scan_dir` and :func:`recording_of`; also a file that cannot
            be read.
    """
    found, _ = scan_dir(directory)
    recordings = {}
    for endpoint, path in found.items():
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise RecordingError(f"{path}: {exc.strerror or exc}") from None
        recordings[endpoint] = recording_of(by_endpoint(endpoint), body, path.name)
    return recordings


def with_text(rows: Iterable[msgspec.Raw], field: str, text: str) -> list[Any]:
    """The rows with ``field`` set to ``text`` (the text fault on a replayed feed)."""
    changed = []
    for raw in rows:
        row: dict[str, Any] = msgspec.json.decode(raw)
        row[field] = text
        changed.append(row)
    return changed
