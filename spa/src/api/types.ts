// Shapes of the trafficha data API (see /schema/openapi.json). Only the fields the SPA reads.

export interface Incident {
  id: number;
  accDate: string;
  accHour: string;
  accPointNM: string;
  roadNM: string;
  nosunNM: string;
  smsText: string;
  accType: string;
  latitude: number | null;
  /** KEC quirk: `altitude` carries the longitude. */
  altitude: number | null;
  createdAt: string;
  occurredAt?: string | null;
  lastSeenAt?: string | null;
  typeCode?: string | null;
  direction?: string | null;
  processName?: string | null;
  lanesBlocked?: string | null;
  shoulderBlocked?: boolean | null;
  lateLengthKm?: number | null;
  source?: string | null;
}

export interface IncidentStats {
  totalAccidents: number;
  todayAccidents: number;
  byType: Record<string, number>;
}

export interface SeriesPoint {
  slotAt: string;
  trafficAmount: number;
}

export interface Tollgate {
  unitCode: string;
  unitName: string;
  routeNo?: string | null;
  routeName?: string | null;
  lat: number | null;
  lon: number | null;
  latestSlotAt: string | null;
  latestTrafficAmount: number | null;
  series: SeriesPoint[];
}

export interface RoadStatus {
  routeNo: string;
  routeName: string;
  conzoneId: string;
  conzoneName: string;
  vdsId: string;
  updownTypeCode: string;
  trafficAmount: number;
  speed: number;
  shareRatio: number;
  timeAvg: number;
  grade: number;
  collectedAt: string;
}

export interface RouteSummary {
  routeNo: string;
  routeName: string;
  totalSections: number;
  smoothSections: number;
  slowSections: number;
  congestedSections: number;
  avgSpeed: number;
  avgTrafficAmount: number;
  collectedAt: string;
}

export type Position = [number, number] | [number, number, number];

export interface LineFeature<P> {
  type: "Feature";
  geometry: { type: "LineString"; coordinates: Position[] };
  properties: P;
}
export interface PointFeature<P> {
  type: "Feature";
  geometry: { type: "Point"; coordinates: Position };
  properties: P;
}
export interface PolygonFeature {
  type: "Feature";
  geometry:
    | { type: "Polygon"; coordinates: Position[][] }
    | { type: "MultiPolygon"; coordinates: Position[][][] };
  properties: Record<string, unknown> | null;
}

export interface RouteProps {
  routeNo?: string;
  routeName?: string;
  name?: string;
  [k: string]: unknown;
}
export interface WaypointProps {
  name?: string;
  nameEn?: string;
  kind?: string;
  routeNo?: string;
}
export type NetworkFeature = LineFeature<RouteProps> | PointFeature<WaypointProps>;
export interface NetworkCollection {
  type: "FeatureCollection";
  features: NetworkFeature[];
}

export interface SectionProps {
  conzoneId: string;
  conzoneName: string;
  routeNo: string;
  routeName: string;
  direction: string;
  lengthKm?: number;
}
export interface SectionCollection {
  type: "FeatureCollection";
  features: LineFeature<SectionProps>[];
}
export interface OutlineCollection {
  type: "FeatureCollection";
  features: PolygonFeature[];
}

export interface HaService {
  service: string;
  alive: boolean;
  pid: number | null;
  port: number | null;
  lastBeat: string | null;
}
export interface HaMember {
  member: string;
  services: HaService[];
}
export interface HaLeader {
  holder: string | null;
  member: string | null;
  epoch: number | null;
}
export interface HaSource {
  mode: string | null;
  active: string | null;
  switches?: number;
  changedAt?: string | null;
  reason?: string | null;
}
export interface HaCollection {
  kind: string;
  at: string | null;
  ok: boolean;
  records: number | null;
  source: string | null;
  error: string | null;
}
export interface HaStatus {
  servedBy?: string;
  leader: HaLeader | null;
  source: HaSource | null;
  members: HaMember[];
  stream: {
    length: number;
    pending: number;
    lag: number | null;
    deadLetters: number;
    consumers?: { name: string; pending: number; idleMs: number }[];
  } | null;
  collections: HaCollection[];
  dataVersion?: number;
}

/** SSE payloads on /api/events. */
export interface HelloEvent {
  servedBy?: string;
  dataVersion?: number;
  leader?: HaLeader | null;
  source?: HaSource | null;
  alive?: string[];
  down?: string[];
}
export interface CommitEvent {
  type: "commit";
  kind: string;
  batchId?: string;
  inserted?: number;
  duplicates?: number;
  version?: number;
}
export interface LeaderEvent {
  type: "leader";
  holder: string;
  epoch: number;
}
export interface SourceEvent {
  type: "source";
  mode: string;
  active: string;
  reason?: string;
}
export interface MembersEvent {
  type: "members";
  alive: string[];
  down: string[];
}
