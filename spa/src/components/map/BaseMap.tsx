// The base map: tiles from the configured tile server (/api/map/config, default OpenStreetMap)
// over our own offline map (a graticule, the Korea outline when the API serves one), then the
// expressway network lines, IC/JC names at the higher zooms, and the tab's layers. When the tiles
// cannot load the offline map is what shows, and a note on the map says so. Controls are
// labelled in the UI's language, and each layer lists what it draws in "지도 항목" under the map
// for the keyboard.
import {
  forwardRef,
  useCallback,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type MutableRefObject,
  type ReactNode,
} from "react";
import { MapContainer, Pane, Polygon, Polyline, TileLayer, ZoomControl, useMap } from "react-leaflet";
import type { Map as LeafletMap } from "leaflet";
import type { NetworkCollection, OutlineCollection } from "../../api/types";
import { KOREA_CENTER, LAT_MAX, LAT_MIN, LON_MAX, LON_MIN, lineLatLngs, memoLine } from "../../lib/geo";
import { useI18n } from "../../i18n";
import { MapControl } from "./MapControl";
import { MapItemsHost } from "./MapItems";
import {
  attributionHtml,
  leafletPrefixHtml,
  nextTileStatus,
  TILE_TIMEOUT_MS,
  useMapConfig,
  type MapConfig,
  type TileEvent,
  type TileStatus,
} from "./tiles";
import { WaypointLabels } from "./WaypointLabels";
import "./map.css";

/** What the map shows on open: all of South Korea, centred at about 36.5 N, 127.8 E. */
export const KOREA_VIEW: [[number, number], [number, number]] = [
  [KOREA_CENTER[0] - 2.2, KOREA_CENTER[1] - 1.8],
  [KOREA_CENTER[0] + 2.2, KOREA_CENTER[1] + 1.8],
];

const MAX_BOUNDS: [[number, number], [number, number]] = [
  [LAT_MIN - 1, LON_MIN - 2],
  [LAT_MAX + 1, LON_MAX + 2],
];
const MIN_ZOOM = 6;
const MAX_ZOOM = 14;

/** A map view: its centre and zoom (what a shared URL keeps). */
export interface MapView {
  lat: number;
  lng: number;
  zoom: number;
}

/** `v` as this map can show it: its centre inside the map's bounds, its zoom within the map's
 * zooms; null when it has no such centre. */
export function mapViewOf(v: MapView | null | undefined): MapView | null {
  if (!v || !Number.isFinite(v.lat) || !Number.isFinite(v.lng) || !Number.isFinite(v.zoom)) return null;
  const [[south, west], [north, east]] = MAX_BOUNDS;
  if (v.lat < south || v.lat > north || v.lng < west || v.lng > east) return null;
  return { lat: v.lat, lng: v.lng, zoom: Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, v.zoom)) };
}

/**
 * Keep the map sized to its container; refit Korea until the map is moved (dragged, zoomed,
 * panned by the keyboard, flown to a selection, or set to a view). Neither the fit nor the
 * resize is a view anyone chose: `fitting` keeps them from onViewChange.
 */
function FitKorea({ fixedZoom, fitting }: { fixedZoom: boolean; fitting: MutableRefObject<boolean> }) {
  const map = useMap();
  useEffect(() => {
    let moved = false;
    const mark = () => {
      if (!fitting.current) moved = true;
    };
    map.on("movestart", mark);
    const refit = () => {
      fitting.current = true;
      try {
        map.invalidateSize({ animate: false });
        if (!moved && !fixedZoom) map.fitBounds(KOREA_VIEW, { animate: false });
      } finally {
        fitting.current = false;
      }
    };
    const el = map.getContainer();
    const ro = typeof ResizeObserver !== "undefined" ? new ResizeObserver(() => refit()) : null;
    ro?.observe(el);
    const t = window.setTimeout(refit, 50);
    return () => {
      ro?.disconnect();
      window.clearTimeout(t);
      map.off("movestart", mark);
    };
  }, [map, fixedZoom, fitting]);
  return null;
}

/** `view` applied when it changes (a URL opened, history walked); moves reported on moveend. */
function ViewSync({
  view,
  onViewChange,
  fitting,
}: {
  view?: MapView | null;
  onViewChange?: (view: MapView) => void;
  fitting: MutableRefObject<boolean>;
}) {
  const map = useMap();
  const report = useRef(onViewChange);
  report.current = onViewChange;
  useEffect(() => {
    const moved = () => {
      if (fitting.current || !report.current) return;
      const c = map.getCenter();
      report.current({ lat: c.lat, lng: c.lng, zoom: map.getZoom() });
    };
    map.on("moveend", moved);
    return () => {
      map.off("moveend", moved);
    };
  }, [map, fitting]);
  const lat = view?.lat;
  const lng = view?.lng;
  const zoom = view?.zoom;
  useEffect(() => {
    const v = mapViewOf({ lat: lat ?? Number.NaN, lng: lng ?? Number.NaN, zoom: zoom ?? Number.NaN });
    if (!v) return;
    const c = map.getCenter();
    // The view the map already shows (as reported, perhaps rounded): nothing to do.
    if (Math.abs(c.lat - v.lat) < 1e-4 && Math.abs(c.lng - v.lng) < 1e-4 && Math.abs(map.getZoom() - v.zoom) < 0.01)
      return;
    map.setView([v.lat, v.lng], v.zoom, { animate: false });
  }, [map, lat, lng, zoom]);
  return null;
}

/** The controls in the UI's language: Leaflet's credit, the popups' close button, the map itself. */
function MapChrome() {
  const map = useMap();
  const { t } = useI18n();
  useEffect(() => {
    // The zoom on the element, for what watches the page from outside (the browser tests).
    const el = map.getContainer();
    const mark = () => {
      el.dataset.zoom = String(map.getZoom());
    };
    mark();
    map.on("zoomend", mark);
    return () => {
      map.off("zoomend", mark);
    };
  }, [map]);
  useEffect(() => {
    map.attributionControl?.setPrefix(leafletPrefixHtml(t("leafletTitle")));
    const el = map.getContainer();
    el.setAttribute("role", "region");
    el.setAttribute("aria-label", t("mapLabel"));
    const close = t("closePopup");
    const onPopup = (e: { popup: { getElement(): HTMLElement | undefined } }) => {
      const button = e.popup.getElement()?.querySelector(".leaflet-popup-close-button");
      button?.setAttribute("aria-label", close);
      button?.setAttribute("title", close);
    };
    map.on("popupopen", onPopup);
    return () => {
      map.off("popupopen", onPopup);
    };
  }, [map, t]);
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

/**
 * The configured tiles, watched: `onEvent` hears whether they load. Their attribution is on
 * the map while they may be showing (not once they are known to fail).
 */
function BaseTiles({
  config,
  status,
  onEvent,
}: {
  config: MapConfig & { tileUrl: string };
  status: TileStatus;
  onEvent: (e: TileEvent) => void;
}) {
  const map = useMap();
  const loaded = useRef(0);
  useEffect(() => {
    const timer = window.setTimeout(() => onEvent({ type: "timeout" }), TILE_TIMEOUT_MS);
    return () => window.clearTimeout(timer);
  }, [onEvent]);
  const credit = attributionHtml(config.attribution, config.attributionUrl);
  useEffect(() => {
    const control = map.attributionControl;
    if (!control || !credit || status === "offline") return;
    control.addAttribution(credit);
    return () => {
      control.removeAttribution(credit);
    };
  }, [map, credit, status]);
  const handlers = useMemo(
    () => ({
      loading: () => {
        loaded.current = 0;
      },
      tileload: () => {
        loaded.current += 1;
        onEvent({ type: "tileload" });
      },
      load: () => onEvent({ type: "round-end", loaded: loaded.current }),
    }),
    [onEvent],
  );
  return (
    <TileLayer
      url={config.tileUrl}
      subdomains={config.subdomains}
      className="base-tiles"
      // OpenStreetMap's tile policy wants the site's address: the page's own policy sends none.
      referrerPolicy="strict-origin-when-cross-origin"
      maxNativeZoom={19}
      eventHandlers={handlers}
    />
  );
}

function LayerSwitch({
  tiles,
  base,
  onBase,
  labels,
  onLabels,
}: {
  tiles: boolean;
  base: "tiles" | "outline";
  onBase: (b: "tiles" | "outline") => void;
  labels: boolean;
  onLabels: (on: boolean) => void;
}) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const name = useId();
  const toggle = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    // Escape closes the panel, back on its button, as a menu would.
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setOpen(false);
      toggle.current?.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);
  return (
    <div className="map-layers leaflet-bar">
      <button
        ref={toggle}
        type="button"
        className="map-layers-toggle"
        aria-expanded={open ? "true" : "false"}
        aria-label={t("mapLayers")}
        title={t("mapLayers")}
        data-testid="map-layers"
        onClick={() => setOpen((o) => !o)}
      >
        <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true">
          <path d="M12 3 2 8l10 5 10-5-10-5Zm-7.6 9L2 13.2l10 5 10-5-2.4-1.2L12 15.8 4.4 12Z" fill="currentColor" />
        </svg>
      </button>
      {open ? (
        <fieldset className="map-layers-panel">
          <legend className="sr-only">{t("mapLayers")}</legend>
          {tiles ? (
            <>
              <label>
                <input type="radio" name={name} checked={base === "tiles"} onChange={() => onBase("tiles")} />
                {t("baseTiles")}
              </label>
              <label>
                <input type="radio" name={name} checked={base === "outline"} onChange={() => onBase("outline")} />
                {t("baseOutline")}
              </label>
              <hr />
            </>
          ) : null}
          <label>
            <input type="checkbox" checked={labels} onChange={(e) => onLabels(e.target.checked)} />
            {t("showLabels")}
          </label>
        </fieldset>
      ) : null}
    </div>
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
  /** the view to show (centre and zoom), instead of all of Korea; applied again when it changes */
  view?: MapView | null;
  /** called on every moveend the user or a selection caused (not the automatic fit to Korea) */
  onViewChange?: (view: MapView) => void;
}

export const BaseMap = forwardRef<LeafletMap, BaseMapProps>(function BaseMap(
  { network, outline, zoom, className, faintNetwork = false, children, interactive = true, view, onViewChange },
  ref,
) {
  const { t, lang } = useI18n();
  const config = useMapConfig();
  const [host, setHost] = useState<HTMLElement | null>(null);
  const [base, setBase] = useState<"tiles" | "outline">("tiles");
  const [labels, setLabels] = useState(true);
  const [status, setStatus] = useState<TileStatus>("loading");
  const onTileEvent = useCallback((e: TileEvent) => setStatus((s) => nextTileStatus(s, e)), []);
  const fitting = useRef(false);
  const tileConfig = config?.tileUrl ? (config as MapConfig & { tileUrl: string }) : null;
  const showTiles = tileConfig !== null && base === "tiles";
  // A view given at open wins over the fit to Korea (and over `zoom`).
  const [initial] = useState(() => mapViewOf(view));
  const fixed = initial !== null || zoom !== undefined;
  useEffect(() => {
    if (showTiles) setStatus("loading");
  }, [showTiles]);

  return (
    <div className={`flex h-full w-full flex-col ${className ?? ""}`}>
      <div className="relative min-h-0 flex-1" data-testid="map" data-tiles={showTiles ? status : "off"}>
        <MapContainer
          ref={ref}
          bounds={fixed ? undefined : KOREA_VIEW}
          center={initial ? [initial.lat, initial.lng] : zoom === undefined ? undefined : KOREA_CENTER}
          zoom={initial ? initial.zoom : zoom}
          minZoom={MIN_ZOOM}
          maxZoom={MAX_ZOOM}
          zoomSnap={0.25}
          maxBounds={MAX_BOUNDS}
          maxBoundsViscosity={0.8}
          className="h-full w-full"
          scrollWheelZoom={interactive}
          dragging={interactive}
          doubleClickZoom={interactive}
          zoomControl={false}
        >
          <MapItemsHost.Provider value={host}>
            <FitKorea fixedZoom={fixed} fitting={fitting} />
            <ViewSync view={view} onViewChange={onViewChange} fitting={fitting} />
            <MapChrome />
            {interactive ? (
              <ZoomControl key={lang} position="topleft" zoomInTitle={t("zoomIn")} zoomOutTitle={t("zoomOut")} />
            ) : null}
            {interactive ? (
              <MapControl position="topright">
                <LayerSwitch
                  tiles={tileConfig !== null}
                  base={base}
                  onBase={setBase}
                  labels={labels}
                  onLabels={setLabels}
                />
              </MapControl>
            ) : null}
            {showTiles && tileConfig ? <BaseTiles config={tileConfig} status={status} onEvent={onTileEvent} /> : null}
            {showTiles && status === "offline" ? (
              <MapControl position="bottomleft" className="map-offline">
                <span role="status" data-testid="map-offline">
                  {t("mapOffline")}
                </span>
              </MapControl>
            ) : null}
            {/* The offline map lies under the tiles (tile pane: z 200): it shows wherever they
                have not loaded, and alone when they cannot. Overlays are at z 400. */}
            <Pane name="kr-outline" style={{ zIndex: 150 }}>
              {showTiles && status !== "offline" ? null : <Graticule />}
              <Outline outline={outline} />
            </Pane>
            <Pane name="kr-network" style={{ zIndex: 350 }}>
              <Network network={network} faint={faintNetwork} />
            </Pane>
            <WaypointLabels network={network} show={labels} />
            {children}
          </MapItemsHost.Provider>
        </MapContainer>
      </div>
      {/* The lists under the map take at most this share of its box, scrolling within it: a
          map in a box of fixed height stays a map while its list is open. */}
      <div ref={setHost} className="max-h-[45%] min-h-0 shrink-0 overflow-y-auto" />
    </div>
  );
});
