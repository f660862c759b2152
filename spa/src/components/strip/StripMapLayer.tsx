// The strip's side of the road map (in the maps' chunk, with Leaflet): the section or IC picked
// in the strip is outlined on the map and flown to, and a section picked on the map (its popup
// opening, from a click on its line or from the map's keyboard list) is told to the strip.
import { type LatLng, Polyline as LPolyline, type Popup } from "leaflet";
import { useEffect, useMemo } from "react";
import { CircleMarker, Pane, Polyline, useMap, useMapEvents } from "react-leaflet";
import { carriagewayOffset, memoLine } from "../../lib/geo";
import type { JoinedSection } from "../../lib/road";
import { type DrawnSection, lineEnds, nearestSection, sectionByEnds } from "../../lib/strip";
import type { StripPick } from "./pick";

const FOCUS = "#38bdf8";
/** A click lands within a few pixels of the line it is on. */
const CLICK_PX = 8;

/** The ends of the line a popup belongs to: Leaflet keeps its layer as `_source` (no public
 * getter), and a section's line is where its popup opened from. */
function sourceEnds(popup: Popup): ReturnType<typeof lineEnds> {
  const source = (popup as unknown as { _source?: unknown })._source;
  if (!(source instanceof LPolyline)) return null;
  const flat = (source.getLatLngs() as (LatLng | LatLng[])[]).flat() as LatLng[];
  return lineEnds(flat.map((p) => [p.lat, p.lng] as [number, number]));
}

export function StripMapLayer({
  sections,
  pick,
  onPick,
}: {
  sections: readonly JoinedSection[];
  pick: StripPick | null;
  onPick: (pick: StripPick) => void;
}) {
  const map = useMap();
  const drawn = useMemo<DrawnSection[]>(
    () =>
      sections.map((s) => ({
        conzoneId: s.conzoneId,
        routeNo: s.routeNo,
        direction: s.direction,
        points: memoLine(s.coordinates, carriagewayOffset(s.direction)),
      })),
    [sections],
  );
  useMapEvents({
    popupopen(e) {
      const ends = sourceEnds(e.popup);
      const at = e.popup.getLatLng();
      // the line itself when Leaflet says which; else the line nearest where the popup opened
      const metresPerPx = at ? (40_075_016 * Math.cos((at.lat * Math.PI) / 180)) / 2 ** (map.getZoom() + 8) : 0;
      const near = ends
        ? sectionByEnds(drawn, ends[0], ends[1])
        : at
          ? nearestSection([at.lat, at.lng], drawn, Math.max(0.2, (CLICK_PX * metresPerPx) / 1000))
          : null;
      if (near && (near.direction === "E" || near.direction === "S"))
        onPick({
          routeNo: near.routeNo,
          direction: near.direction,
          conzoneId: near.conzoneId,
          node: null,
          from: "map",
        });
    },
  });
  const focus = useMemo(() => {
    if (!pick?.conzoneId) return null;
    return drawn.find((s) => s.conzoneId === pick.conzoneId && s.direction === pick.direction) ?? null;
  }, [pick, drawn]);

  useEffect(() => {
    if (pick?.from !== "strip") return;
    // an open popup is about something else now, and would pan the map back to itself
    map.closePopup();
    if (pick.node) {
      map.flyTo([pick.node.lat, pick.node.lon], Math.max(map.getZoom(), 11), { duration: 0.8 });
    } else if (focus && focus.points.length >= 2) {
      const lats = focus.points.map((p) => p[0]);
      const lons = focus.points.map((p) => p[1]);
      map.flyToBounds(
        [
          [Math.min(...lats), Math.min(...lons)],
          [Math.max(...lats), Math.max(...lons)],
        ],
        { maxZoom: 11, padding: [32, 32], duration: 0.8 },
      );
    }
  }, [pick, focus, map]);

  return (
    // under the sections (overlay pane, z 400): the picked one keeps its own grade's look, ringed
    <Pane name="strip-focus" style={{ zIndex: 390 }}>
      {focus && focus.points.length >= 2 ? (
        <Polyline
          positions={focus.points as [number, number][]}
          interactive={false}
          className="strip-focus"
          pathOptions={{ color: FOCUS, weight: 16, opacity: 0.55, lineCap: "round" }}
        />
      ) : null}
      {pick?.node ? (
        <CircleMarker
          center={[pick.node.lat, pick.node.lon]}
          radius={11}
          interactive={false}
          className="strip-focus"
          pathOptions={{ color: FOCUS, weight: 3, fillOpacity: 0.15 }}
        />
      ) : null}
    </Pane>
  );
}
