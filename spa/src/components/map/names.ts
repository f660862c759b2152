// Accessible names for what Leaflet draws as bare SVG paths (markers, sections): a screen
// reader browsing the map hears what each one is. They are not focusable: the keyboard reaches
// them through the list under the map (MapItems).
import type { Path } from "leaflet";

export function nameMarker(layer: Path | undefined, label: string): void {
  const el = layer?.getElement();
  if (!el) return;
  if (el.getAttribute("aria-label") !== label) el.setAttribute("aria-label", label);
  if (el.getAttribute("role") !== "img") el.setAttribute("role", "img");
}
