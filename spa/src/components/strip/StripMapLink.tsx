// The strip's map layer, loaded with Leaflet (the maps' chunk) rather than with the page: the
// road tab draws it inside its map, which only exists once that chunk is in.
import { lazy, Suspense } from "react";
import type { JoinedSection } from "../../lib/road";
import type { StripPick } from "./pick";

const Layer = lazy(() => import("./StripMapLayer").then((m) => ({ default: m.StripMapLayer })));

export function StripMapLink(props: {
  sections: readonly JoinedSection[];
  pick: StripPick | null;
  onPick: (pick: StripPick) => void;
}) {
  return (
    <Suspense fallback={null}>
      <Layer {...props} />
    </Suspense>
  );
}
