// What the road tab's strip and map agree on: the section (or IC/JC) picked in one, shown in the
// other. A strip pick moves the map to it; a map pick (a line's popup) scrolls the strip to it.
import type { StripDirection } from "../../api/routes";

export interface StripPick {
  routeNo: string;
  direction: StripDirection;
  /** the section picked (KEC's conzone id); null when a node is */
  conzoneId: string | null;
  /** the IC/JC picked: its index in the strip's nodes and where it is */
  node: { index: number; lat: number; lon: number } | null;
  /** where the pick was made: the other side follows it */
  from: "strip" | "map";
}
