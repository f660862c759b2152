// The tabs' maps, in a chunk of their own (Leaflet and its layers): the page's first screen is
// drawn and answers while it loads (tabs/lazyMaps.tsx).
export { BaseMap } from "../components/map/BaseMap";
export { IncidentLayer } from "../components/map/IncidentLayer";
export { RoadLayer } from "../components/map/RoadLayer";
export { TollgateLayer } from "../components/map/TollgateLayer";
