// IC and JC names at the higher zooms, placed so that none covers another. Drawn as plain,
// non-interactive markers in a pane above the sections: clicks go through to what is under
// them, and the keyboard never stops on them (they name places, they do nothing).
import { useEffect, useMemo, useState } from "react";
import { divIcon, layerGroup, marker } from "leaflet";
import { Pane, useMap } from "react-leaflet";
import type { NetworkCollection } from "../../api/types";
import { useI18n } from "../../i18n";
import { minZoomOf, placeLabels, waypointsOf, type Candidate } from "./labels";

const PANE = "kr-labels";

function Labels({ network }: { network: NetworkCollection | null }) {
  const map = useMap();
  const { lang } = useI18n();
  const points = useMemo(() => waypointsOf(network), [network]);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const redraw = () => setTick((n) => n + 1);
    map.on("moveend zoomend resize", redraw);
    return () => {
      map.off("moveend zoomend resize", redraw);
    };
  }, [map]);

  useEffect(() => {
    void tick;
    const group = layerGroup().addTo(map);
    const zoom = map.getZoom();
    const size = map.getSize();
    const bounds = map.getBounds().pad(0.05);
    const candidates: Candidate[] = [];
    for (const p of points) {
      if (zoom < minZoomOf(p.kind) || !bounds.contains(p.latLng)) continue;
      const pt = map.latLngToContainerPoint(p.latLng);
      const text = lang === "en" && p.nameEn ? p.nameEn : p.name;
      candidates.push({ key: p.key, text, x: pt.x, y: pt.y, rank: p.kind === "JC" ? 0 : 1 });
    }
    const kind = new Map(points.map((p) => [p.key, p.kind]));
    const where = new Map(points.map((p) => [p.key, p.latLng]));
    for (const c of placeLabels(candidates, { width: size.x, height: size.y })) {
      // Built as elements with textContent: a name is never parsed as HTML.
      const el = document.createElement("span");
      el.className = `wp-label wp-${(kind.get(c.key) ?? "").toLowerCase()}`;
      el.dataset.testid = "waypoint-label";
      const dot = document.createElement("span");
      dot.className = "wp-dot";
      const name = document.createElement("span");
      name.className = "wp-name";
      name.textContent = c.text;
      el.append(dot, name);
      const icon = divIcon({ html: el, className: "wp-icon", iconSize: undefined, iconAnchor: [4, 8] });
      const at = where.get(c.key);
      if (at) group.addLayer(marker(at, { icon, pane: PANE, interactive: false, keyboard: false }));
    }
    return () => {
      group.remove();
    };
  }, [map, points, lang, tick]);
  return null;
}

export function WaypointLabels({ network, show }: { network: NetworkCollection | null; show: boolean }) {
  // The pane is kept (Leaflet cannot remove one); the labels come and go.
  return (
    <Pane name={PANE} style={{ zIndex: 450, pointerEvents: "none" }}>
      {show ? <Labels network={network} /> : null}
    </Pane>
  );
}
