// The base map's tiles: where they come from (the data API's /api/map/config, a runtime
// setting, MAP_TILE_URL), and whether they load. The map draws our own outline of Korea under
// them and shows it alone when they cannot load (no internet, a dead tile server).
import { useEffect, useState } from "react";
import { fetchJson } from "../../api/client";
import type { components } from "../../api/types";

export const MAP_CONFIG_URL = "/api/map/config";

/** /api/map/config: tileUrl null means no tiles, the offline outline only. */
export type MapConfig = components["schemas"]["MapConfig"];

const TEMPLATE = /^https?:\/\/[^\s/]+\/\S*$/;
const WEB_URL = /^https?:\/\/\S+$/;

/** The answer when it has the expected shape, else null (the map stays offline). */
export function parseMapConfig(data: unknown): MapConfig | null {
  if (typeof data !== "object" || data === null) return null;
  const d = data as Record<string, unknown>;
  const tileUrl = d.tileUrl;
  if (tileUrl !== null && (typeof tileUrl !== "string" || !TEMPLATE.test(tileUrl))) return null;
  if (typeof tileUrl === "string" && !["{z}", "{x}"].every((p) => tileUrl.includes(p))) return null;
  return {
    tileUrl,
    subdomains: typeof d.subdomains === "string" && d.subdomains ? d.subdomains : "abc",
    attribution: typeof d.attribution === "string" ? d.attribution : "",
    attributionUrl: typeof d.attributionUrl === "string" && WEB_URL.test(d.attributionUrl) ? d.attributionUrl : "",
  };
}

// One request per page load, shared by every map; a failed one is asked again by the next map.
let pending: Promise<MapConfig | null> | null = null;
let known: MapConfig | null = null;

export function loadMapConfig(): Promise<MapConfig | null> {
  if (!pending) {
    pending = fetchJson<unknown>(MAP_CONFIG_URL)
      .then(({ data }) => {
        known = parseMapConfig(data);
        return known;
      })
      .catch(() => {
        pending = null;
        return null;
      });
  }
  return pending;
}

/** The map configuration; null until it is known (or when it cannot be): offline. */
export function useMapConfig(): MapConfig | null {
  const [config, setConfig] = useState<MapConfig | null>(known);
  useEffect(() => {
    let live = true;
    void loadMapConfig().then((c) => {
      if (live) setConfig(c);
    });
    return () => {
      live = false;
    };
  }, []);
  return config;
}

/**
 * Whether the tiles show. `loading` until the first tile loads (`online`); `offline` when a
 * whole round of requests ended without one tile (Leaflet's `load` comes after every tile has
 * either loaded or failed) or when none loaded within the timeout (a server that never
 * answers). A tile loading later puts it back online: the network came back.
 */
export type TileStatus = "loading" | "online" | "offline";
export type TileEvent = { type: "tileload" } | { type: "round-end"; loaded: number } | { type: "timeout" };

/** How long the first tile may take before the map says it is offline. */
export const TILE_TIMEOUT_MS = 8000;

export function nextTileStatus(status: TileStatus, event: TileEvent): TileStatus {
  switch (event.type) {
    case "tileload":
      return "online";
    case "round-end":
      return event.loaded > 0 ? "online" : "offline";
    case "timeout":
      return status === "loading" ? "offline" : status;
  }
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
}

/** Leaflet's attribution is HTML: ours is built from text, escaped, linked when there is a link. */
export function attributionHtml(text: string, url: string): string {
  if (!text) return "";
  const label = escapeHtml(text);
  return url ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener">${label}</a>` : label;
}

/** Leaflet's own credit (its attribution prefix), with a title in the UI's language. */
export function leafletPrefixHtml(title: string): string {
  return `<a href="https://leafletjs.com" title="${escapeHtml(title)}" target="_blank" rel="noopener">Leaflet</a>`;
}
