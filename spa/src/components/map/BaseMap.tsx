// The offline base map: plain dark background, a light graticule, the Korea outline (when the API
// serves one) and the expressway network lines. A tile URL can be set at build time (VITE_TILE_URL).
import { forwardRef, useEffect, useMemo, type ReactNode } from "react";
import { MapContainer, Pane, Polygon, Polyline, TileLayer, useMap } from "react-leaflet";
import type { Map as LeafletMap } from "leaflet";
import type { NetworkCollection, OutlineCollection } from "../../api/types";
import { KOREA_CENTER, LAT_MAX, LAT_MIN, LON_MAX, LON_MIN, lineLatLngs, memoLine } from "../../lib/geo";

const TILE_URL: string = (import.meta.env.VITE_TILE_URL as string | undefined) ?? "";
const TILE_ATTRIBUTION: string = (import.meta.env.VITE_TILE_ATTRIBUTION as string | undefined) ?? "";

/** What the map shows on open: all of South Korea, centred at about 36.5 N, 127.8 E. */
export const KOREA_VIEW: [[number, number], [number, number]] = [
  [KOREA_CENTER[0] - 2.2, KOREA_CENTER[1] - 1.8],
  [KOREA_CENTER[0] + 2.2, KOREA_CENTER[1] + 1.8],
];

const MAX_BOUNDS: [[number, number], [number, number]] = [
  [LAT_MIN - 1, LON_MIN - 2],
  [LAT_MAX + 1, LON_MAX + 2],
];

/** Keep the map sized to its container; refit Korea until the user moves the map. */
function FitKorea({ fixedZoom }: { fixedZoom: boolean }) {
  const map = useMap();
  useEffect(() => {
    let userMoved = false;
    const mark = () => {
      userMoved = true;
    };
    map.on("dragstart", mark);
    map.on("zoomstart", mark);
    const refit = () => {
      map.invalidateSize({ animate: false });
      if (!userMoved && !fixedZoom) {
        map.off("zoomstart", mark);
        map.fitBounds(KOREA_VIEW, { animate: false });
        map.on("zoomstart", mark);
      }
    };
    const el = map.getContainer();
    const ro = typeof ResizeObserver !== "undefined" ? new ResizeObserver(() => refit()) : null;
    ro?.observe(el);
    const t = window.setTimeout(refit, 50);
    return () => {
      ro?.disconnect();
      window.clearTimeout(t);
      map.off("dragstart", mark);
      map.off("zoomstart", mark);
    };
  }, [map, fixedZoom]);
  return null;
}

function Graticule() {
  const lines = useMemo(() => {
    const out: { key: string; pts: [number, number][] }[] = [];
    for (let lat = LAT_MIN; lat <= LAT_MAX; lat += 1)
      out.push({
        key: `lat${lat}`,
        pts: [
          [lat, LON_MIN],
          [lat, LON_MAX],
        ],
      });
    for (let lon = LON_MIN; lon <= LON_MAX; lon += 1)
      out.push({
        key: `lon${lon}`,
        pts: [
          [LAT_MIN, lon],
          [LAT_MAX, lon],
        ],
      });
    return out;
  }, []);
  return (
    <>
      {lines.map((l) => (
        <Polyline
          key={l.key}
          positions={l.pts}
          interactive={false}
          className="graticule"
          pathOptions={{ color: "#1e293b", weight: 1, dashArray: "2 6" }}
        />
      ))}
    </>
  );
}

function Outline({ outline }: { outline: OutlineCollection | null }) {
  const rings = useMemo(() => {
    const out: { key: string; pts: [number, number][] }[] = [];
    (outline?.features ?? []).forEach((f, fi) => {
      f.geometry.coordinates.forEach((poly, pi) => {
        const ring = poly[0];
        if (!ring) return;
        const pts = lineLatLngs(ring);
        if (pts.length >= 3) out.push({ key: `${fi}-${pi}`, pts });
      });
    });
    return out;
  }, [outline]);
  if (rings.length === 0) return null;
  return (
    <>
      {rings.map((r) => (
        <Polygon
          key={r.key}
          positions={r.pts}
          interactive={false}
          className="korea-outline"
          pathOptions={{ color: "#475569", weight: 1, fillColor: "#1e293b", fillOpacity: 0.85 }}
        />
      ))}
    </>
  );
}

function Network({ network, faint }: { network: NetworkCollection | null; faint: boolean }) {
  const lines = useMemo(() => {
    const out: { key: string; pts: [number, number][] }[] = [];
    (network?.features ?? []).forEach((f, i) => {
      if (f.geometry.type !== "LineString") return;
      const pts = memoLine(f.geometry.coordinates);
      if (pts.length >= 2) out.push({ key: `${String(f.properties?.routeNo ?? "")}-${i}`, pts });
    });
    return out;
  }, [network]);
  return (
    <>
      {lines.map((l) => (
        <Polyline
          key={l.key}
          positions={l.pts}
          interactive={false}
          className="network-route"
          pathOptions={{ color: faint ? "#334155" : "#64748b", weight: faint ? 5 : 2, opacity: 0.9 }}
        />
      ))}
    </>
  );
}

export interface BaseMapProps {
  network: NetworkCollection | null;
  outline: OutlineCollection | null;
  zoom?: number;
  className?: string;
  /** draw the network as a wide faint underlay (when sections are drawn on top) */
  faintNetwork?: boolean;
  children?: ReactNode;
  interactive?: boolean;
}

export const BaseMap = forwardRef<LeafletMap, BaseMapProps>(function BaseMap(
  { network, outline, zoom, className, faintNetwork = false, children, interactive = true },
  ref,
) {
  return (
    <MapContainer
      ref={ref}
      bounds={zoom === undefined ? KOREA_VIEW : undefined}
      center={zoom === undefined ? undefined : KOREA_CENTER}
      zoom={zoom}
      minZoom={6}
      maxZoom={14}
      zoomSnap={0.25}
      maxBounds={MAX_BOUNDS}
      maxBoundsViscosity={0.8}
      className={`h-full w-full ${className ?? ""}`}
      attributionControl={TILE_URL !== "" && TILE_ATTRIBUTION !== ""}
      scrollWheelZoom={interactive}
      dragging={interactive}
      doubleClickZoom={interactive}
      zoomControl={interactive}
    >
      <FitKorea fixedZoom={zoom !== undefined} />
      {TILE_URL ? <TileLayer url={TILE_URL} attribution={TILE_ATTRIBUTION} /> : null}
      {/* base layers live in panes under the overlay pane (z 400), whatever order they load in */}
      <Pane name="kr-outline" style={{ zIndex: 250 }}>
        {TILE_URL ? null : <Graticule />}
        <Outline outline={outline} />
      </Pane>
      <Pane name="kr-network" style={{ zIndex: 350 }}>
        <Network network={network} faint={faintNetwork} />
      </Pane>
      {children}
    </MapContainer>
  );
});
