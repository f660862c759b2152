import { useCallback, useEffect, useMemo, useRef } from "react";
import { CircleMarker, Tooltip, useMap } from "react-leaflet";
import type { CircleMarker as LCircleMarker } from "leaflet";
import type { Tollgate } from "../../api/types";
import { volumeColor } from "../../lib/colors";
import { toLatLng } from "../../lib/geo";
import { fill, useI18n } from "../../i18n";
import { MapItems, type MapItem } from "./MapItems";
import { nameMarker } from "./names";

export function tollgateRadius(volume: number, max: number): number {
  if (!(max > 0) || !(volume > 0)) return 3;
  return 3 + 13 * Math.sqrt(Math.min(1, volume / max));
}

export function TollgateLayer({
  tollgates,
  selected,
  onSelect,
  flySeq,
}: {
  tollgates: readonly Tollgate[];
  selected: string | null;
  onSelect: (unitCode: string) => void;
  flySeq: number;
}) {
  const map = useMap();
  const { t, v: vocab } = useI18n();
  const markers = useRef(new Map<string, LCircleMarker>());
  const max = useMemo(() => Math.max(1, ...tollgates.map((t) => t.latestTrafficAmount ?? 0)), [tollgates]);
  const located = useMemo(
    () =>
      tollgates
        .map((tg) => ({ tg, ll: toLatLng(tg.lat, tg.lon) }))
        .filter((x): x is { tg: Tollgate; ll: [number, number] } => x.ll !== null),
    [tollgates],
  );
  // small ones last drawn underneath: draw in ascending volume
  const mapped = useMemo(
    () => located.slice().sort((a, b) => (a.tg.latestTrafficAmount ?? 0) - (b.tg.latestTrafficAmount ?? 0)),
    [located],
  );

  const label = useCallback(
    (tg: Tollgate) =>
      fill(t("tollgateItem"), {
        name: vocab.tollgate(tg.unitName),
        volume: (tg.latestTrafficAmount ?? 0).toLocaleString(),
      }) + (tg.routeName ? ` · ${vocab.route(tg.routeName, tg.routeNo)}` : ""),
    [t, vocab],
  );

  const show = useCallback(
    (code: string) => {
      const m = markers.current.get(code);
      if (!m) return;
      m.openTooltip();
      map.flyTo(m.getLatLng(), Math.max(map.getZoom(), 9), { duration: 0.8 });
    },
    [map],
  );

  useEffect(() => {
    if (!flySeq || !selected) return;
    const m = markers.current.get(selected);
    if (m) map.flyTo(m.getLatLng(), Math.max(map.getZoom(), 9), { duration: 0.8 });
  }, [flySeq, selected, map]);

  useEffect(() => {
    for (const { tg } of mapped) nameMarker(markers.current.get(tg.unitCode), label(tg));
  }, [mapped, label]);

  const items = useMemo<MapItem[]>(
    () =>
      located
        .slice()
        .sort((a, b) => a.tg.unitName.localeCompare(b.tg.unitName, "ko"))
        .map(({ tg }) => ({
          key: tg.unitCode,
          label: label(tg),
          selected: tg.unitCode === selected,
          cue: (
            <span
              className="block h-2.5 w-2.5 rounded-full"
              style={{ backgroundColor: volumeColor((tg.latestTrafficAmount ?? 0) / max) }}
            />
          ),
          onPick: () => {
            onSelect(tg.unitCode);
            show(tg.unitCode);
          },
        })),
    [located, label, selected, max, onSelect, show],
  );

  return (
    <>
      {mapped.map(({ tg, ll }) => {
        const v = tg.latestTrafficAmount ?? 0;
        const isSel = tg.unitCode === selected;
        return (
          <CircleMarker
            key={tg.unitCode}
            center={ll}
            radius={tollgateRadius(v, max)}
            className="tollgate-marker"
            ref={(m) => {
              if (m) markers.current.set(tg.unitCode, m);
              else markers.current.delete(tg.unitCode);
            }}
            pathOptions={{
              color: isSel ? "#f8fafc" : "#0f172a",
              weight: isSel ? 3 : 1,
              fillColor: volumeColor(v / max),
              fillOpacity: 0.85,
            }}
            eventHandlers={{ click: () => onSelect(tg.unitCode) }}
          >
            <Tooltip direction="top" offset={[0, -4]}>
              {`${vocab.tollgate(tg.unitName)} · ${v.toLocaleString()}`}
            </Tooltip>
          </CircleMarker>
        );
      })}
      <MapItems items={items} kind="tollgates" />
    </>
  );
}
