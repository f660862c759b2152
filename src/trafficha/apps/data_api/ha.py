"""The pipeline's HA state as the data API shows it: ``/api/ha/status`` and the ``hello`` of
``/api/events``.

Only renderings: the state is read by :func:`trafficha.services.hastatus.read_ha_state`, the one
reader of every view (``/metrics`` renders it in :mod:`.telemetry`).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby

from trafficha.apps.data_api.models import (
    CollectionView,
    HaStatus,
    Hello,
    MemberView,
    ServiceView,
    SourceView,
)
from trafficha.config import Settings
from trafficha.datasets.registry import by_kind
from trafficha.kst import now_kst
from trafficha.providers.modes import SourceState
from trafficha.services.hastatus import HaState
from trafficha.services.heartbeat import Heartbeat

__all__ = ["alive_and_down", "ha_status", "hello", "interval_seconds", "members", "source_view"]


def source_view(state: SourceState | None) -> SourceView | None:
    if state is None:
        return None
    return SourceView(
        mode=state.mode,
        active=state.active,
        switches=state.switches,
        changed_at=state.changed_at,
        reason=state.reason,
    )


def members(beats: Iterable[Heartbeat], *, public: bool = False) -> list[MemberView]:
    """Heartbeats grouped by member, both ordered by name (``public``: without pids and
    ports, which are the operators' business)."""
    now = now_kst()
    ordered = sorted(beats, key=lambda b: (b.member, b.service))
    return [
        MemberView(
            member=member,
            services=[
                ServiceView(
                    service=b.service,
                    alive=b.alive(now),
                    pid=None if public else b.pid,
                    port=None if public else b.port,
                    last_beat=b.at,
                )
                for b in group
            ],
        )
        for member, group in groupby(ordered, key=lambda b: b.member)
    ]


def alive_and_down(beats: Iterable[Heartbeat]) -> tuple[list[str], list[str]]:
    """The ``member/service`` names beating now, and those that stopped, each sorted."""
    now = now_kst()
    alive: list[str] = []
    down: list[str] = []
    for b in sorted(beats, key=lambda b: b.name):
        (alive if b.alive(now) else down).append(b.name)
    return alive, down


def interval_seconds(kind: str, settings: Settings | None) -> float | None:
    """The collection interval of a kind in seconds, from the settings (``None``: unknown)."""
    if settings is None:
        return None
    try:
        dataset = by_kind(kind)
    except KeyError:
        return None
    return dataset.interval(settings).total_seconds()


def ha_status(
    state: HaState, served_by: str, settings: Settings | None = None, *, public: bool = False
) -> HaStatus:
    """The body of ``/api/ha/status``: leader, source, members, stream and collections (with
    each kind's collection interval when ``settings`` are given; ``public``: as the ingress
    serves it, without the services' pids and ports)."""
    return HaStatus(
        served_by=served_by,
        leader=state.leader,
        source=source_view(state.source),
        members=members(state.heartbeats, public=public),
        stream=state.stream,
        collections=[
            CollectionView(
                kind=c.kind,
                at=c.at,
                ok=c.ok,
                records=c.records,
                source=c.source,
                error=c.error,
                interval_seconds=interval_seconds(c.kind, settings),
            )
            for c in state.collections
        ],
        data_version=state.data_version,
    )


def hello(state: HaState | None, served_by: str, *, resumed: bool = False) -> Hello:
    """The first event of a stream: where things stand (``None``: Redis did not say)."""
    if state is None:
        return Hello(
            served_by=served_by,
            data_version=0,
            leader=None,
            source=None,
            alive=[],
            down=[],
            resumed=resumed,
        )
    alive, down = alive_and_down(state.heartbeats)
    return Hello(
        served_by=served_by,
        data_version=state.data_version,
        leader=state.leader,
        source=source_view(state.source),
        alive=alive,
        down=down,
        resumed=resumed,
    )
