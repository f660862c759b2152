import { useEffect, useMemo, useRef } from "react";
import { CircleMarker, Popup, useMap } from "react-leaflet";
import type { CircleMarker as LCircleMarker } from "leaflet";
import type { Incident } from "../../api/types";
import { typeColor } from "../../lib/colors";
import { incidentLatLng, incidentState } from "../../lib/incidents";
import { IncidentDetails } from "../IncidentDetails";

const activeRank = (i: Incident) => (incidentState(i) === "cleared" ? 0 : 1);

export interface FlyRequest {
  id: number;
  seq: number;
}

export function IncidentLayer({
  incidents,
  selectedId,
  onSelect,
  fly,
  radius = 8,
  popups = true,
}: {
  incidents: readonly Incident[];
  selectedId?: number | null;
  onSelect?: (id: number) => void;
  fly?: FlyRequest | null;
  radius?: number;
  popups?: boolean;
}) {
  const map = useMap();
  const markers = useRef(new Map<number, LCircleMarker>());
  const mapped = useMemo(
    () =>
      incidents
        .map((i) => ({ i, ll: incidentLatLng(i) }))
        .filter((x): x is { i: Incident; ll: [number, number] } => x.ll !== null)
        // active ones drawn last, on top of the cleared
        .sort((a, b) => activeRank(a.i) - activeRank(b.i)),
    [incidents],
  );

  useEffect(() => {
    if (!fly) return;
    const m = markers.current.get(fly.id);
    if (!m) return;
    m.openPopup();
    const target = m.getLatLng();
    map.flyTo(target, Math.max(map.getZoom(), 10), { duration: 0.8 });
  }, [fly, map]);

  return (
    <>
      {mapped.map(({ i, ll }) => {
        const selected = i.id === selectedId;
        const color = typeColor(i.accType);
        // Cleared: hollow, dashed, smaller. Leaflet sets a path's class only when it is made,
        // hence the state in the key.
        const cleared = incidentState(i) === "cleared";
        const size = cleared ? Math.max(3, radius - 2) : radius;
        return (
          <CircleMarker
            key={`${i.id}-${cleared ? "c" : "a"}`}
            center={ll}
            radius={selected ? size + 3 : size}
            ref={(m) => {
              if (m) markers.current.set(i.id, m);
              else markers.current.delete(i.id);
            }}
            className={cleared ? "incident-marker incident-marker-cleared" : "incident-marker"}
            pathOptions={{
              color: selected ? "#f8fafc" : cleared ? color : "#0f172a",
              weight: selected ? 3 : 1.5,
              dashArray: cleared ? "3 3" : undefined,
              fillColor: color,
              fillOpacity: cleared ? 0.15 : 0.9,
            }}
            eventHandlers={onSelect ? { click: () => onSelect(i.id) } : undefined}
          >
            {popups ? (
              <Popup autoPan={false} maxWidth={340}>
                <IncidentDetails incident={i} />
              </Popup>
            ) : null}
          </CircleMarker>
        );
      })}
    </>
  );
}
