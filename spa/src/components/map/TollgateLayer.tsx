import { useEffect, useMemo, useRef } from "react";
import { CircleMarker, Tooltip, useMap } from "react-leaflet";
import type { CircleMarker as LCircleMarker } from "leaflet";
import type { Tollgate } from "../../api/types";
import { volumeColor } from "../../lib/colors";
import { toLatLng } from "../../lib/geo";

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
  const markers = useRef(new Map<string, LCircleMarker>());
  const max = useMemo(() => Math.max(1, ...tollgates.map((t) => t.latestTrafficAmount ?? 0)), [tollgates]);
  const mapped = useMemo(
    () =>
      tollgates
        .map((tg) => ({ tg, ll: toLatLng(tg.lat, tg.lon) }))
        .filter((x): x is { tg: Tollgate; ll: [number, number] } => x.ll !== null)
        // small ones last drawn underneath: draw in ascending volume
        .sort((a, b) => (a.tg.latestTrafficAmount ?? 0) - (b.tg.latestTrafficAmount ?? 0)),
    [tollgates],
  );

  useEffect(() => {
    if (!flySeq || !selected) return;
    const m = markers.current.get(selected);
    if (m) map.flyTo(m.getLatLng(), Math.max(map.getZoom(), 9), { duration: 0.8 });
  }, [flySeq, selected, map]);

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
              {`${tg.unitName} · ${v.toLocaleString()}`}
            </Tooltip>
          </CircleMarker>
        );
      })}
    </>
  );
}
