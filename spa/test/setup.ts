import { afterEach } from "vitest";
import { cleanup } from "@testing-library/react";

afterEach(() => cleanup());

// Leaflet's SVG renderer needs createSVGRect (absent in jsdom) to pick SVG over canvas.
if (typeof window !== "undefined" && typeof SVGSVGElement !== "undefined") {
  const proto = SVGSVGElement.prototype as unknown as { createSVGRect?: () => object };
  if (!proto.createSVGRect) proto.createSVGRect = () => ({ x: 0, y: 0, width: 0, height: 0 });
}

// The tabs' maps come in a chunk of their own (src/tabs/lazyMaps.tsx): loaded before any test
// renders a tab, so the tabs draw their maps at once, as the tests expect.
await import("../src/tabs/lazyMaps").then((m) => m.mapsReady);
