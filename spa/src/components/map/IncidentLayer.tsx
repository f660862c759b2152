import { useCallback, useEffect, useMemo, useRef } from "react";
import { CircleMarker, Popup, useMap } from "react-leaflet";
import type { CircleMarker as LCircleMarker } from "leaflet";
import type { Incident } from "../../api/types";
import { typeColor } from "../../lib/colors";
import { incidentLatLng, incidentState } from "../../lib/incidents";
import { useI18n } from "../../i18n";
import { IncidentDetails } from "../IncidentDetails";
import { MapItems, type MapItem } from "./MapItems";
import { nameMarker } from "./names";

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
  const { t, v } = useI18n();
  const markers = useRef(new Map<number, LCircleMarker>());
  const located = useMemo(
    () =>
      incidents
        .map((i) => ({ i, ll: incidentLatLng(i) }))
        .filter((x): x is { i: Incident; ll: [number, number] } => x.ll !== null),
    [incidents],
  );
  // active ones drawn last, on top of the cleared
  const mapped = useMemo(() => located.slice().sort((a, b) => activeRank(a.i) - activeRank(b.i)), [located]);

  const label = useCallback(
    (i: Incident) =>
      [
        v.type(i.accType) || t("other"),
        incidentState(i) === "cleared" ? t("stateCleared") : t("stateActive"),
        [v.route(i.roadNM), v.place(i.accPointNM)].filter(Boolean).join(" "),
      ]
        .filter(Boolean)
        .join(" · "),
    [t, v],
  );

  /** The marker's popup open and the map on it: a list click here or in the tab's list. */
  const show = useCallback(
    (id: number) => {
      const m = markers.current.get(id);
      if (!m) return;
      m.openPopup();
      map.flyTo(m.getLatLng(), Math.max(map.getZoom(), 10), { duration: 0.8 });
    },
    [map],
  );

  useEffect(() => {
    if (fly) show(fly.id);
  }, [fly, show]);

  // Accessible names on the markers' paths (Leaflet draws them as bare SVG).
  useEffect(() => {
    for (const { i } of mapped) nameMarker(markers.current.get(i.id), label(i));
  }, [mapped, label]);

  const items = useMemo<MapItem[]>(
    () =>
      located.map(({ i }) => ({
        key: String(i.id),
        label: label(i),
        selected: i.id === selectedId,
        cue: <span className="block h-2.5 w-2.5 rounded-full" style={{ backgroundColor: typeColor(i.accType) }} />,
        onPick: () => {
          onSelect?.(i.id);
          // Without popups (the dashboard's mini map) the selection opens elsewhere.
          if (popups) show(i.id);
        },
      })),
    [located, label, selectedId, onSelect, popups, show],
  );

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
      <MapItems items={items} kind="incidents" />
    </>
  );
}
