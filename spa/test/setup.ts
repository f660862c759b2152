import { afterEach } from "vitest";
import { cleanup } from "@testing-library/react";

afterEach(() => cleanup());

// Leaflet's SVG renderer needs createSVGRect (absent in jsdom) to pick SVG over canvas.
if (typeof window !== "undefined" && typeof SVGSVGElement !== "undefined") {
  const proto = SVGSVGElement.prototype as unknown as { createSVGRect?: () => object };
  if (!proto.createSVGRect) proto.createSVGRect = () => ({ x: 0, y: 0, width: 0, height: 0 });
}
