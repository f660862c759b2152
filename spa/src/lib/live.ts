// Which resources to refetch for which server-sent event.

export type Resource = "accidents" | "stats" | "notices" | "tollgates" | "roadStatus" | "roadSummary" | "ha";

export const RESOURCE_URLS: Record<Resource, string> = {
  accidents: "/api/accidents/latest?limit=1000",
  stats: "/api/accidents/stats",
  notices: "/api/notices",
  tollgates: "/api/tollgates",
  roadStatus: "/api/road/status",
  roadSummary: "/api/road/summary",
  ha: "/api/ha/status",
};

export const ALL_RESOURCES: Resource[] = Object.keys(RESOURCE_URLS) as Resource[];

const KIND_RESOURCES: Record<string, Resource[]> = {
  accidents: ["accidents", "stats", "notices"],
  tollgate: ["tollgates"],
  tollgates: ["tollgates"],
  road: ["roadStatus", "roadSummary"],
  // VDS locations only place the network's sections (see networkChanges)
  vds: [],
};

/** Committed kinds the data API learns the road network from (its REBUILD_KINDS). */
export const NETWORK_KINDS: ReadonlySet<string> = new Set(["road", "tollgates", "vds"]);

/** Whether an SSE event may have moved the learned network (/api/network, /api/network/sections). */
export function networkChanges(eventName: string, data: unknown): boolean {
  if (eventName !== "commit") return false;
  const kind = typeof data === "object" && data !== null ? (data as { kind?: unknown }).kind : undefined;
  return typeof kind === "string" && NETWORK_KINDS.has(kind);
}

/**
 * Resources to refetch for an SSE event. A commit refreshes its kind's endpoints plus the HA
 * status (its "last collection" moved); leader/source/members refresh only the HA status;
 * a commit of an unknown kind refreshes every data endpoint.
 */
export function resourcesForEvent(eventName: string, data: unknown): Resource[] {
  switch (eventName) {
    case "commit": {
      const kind = typeof data === "object" && data !== null ? (data as { kind?: unknown }).kind : undefined;
      const res = typeof kind === "string" ? KIND_RESOURCES[kind] : undefined;
      return res ? [...res, "ha"] : [...ALL_RESOURCES];
    }
    case "leader":
    case "source":
    case "members":
      return ["ha"];
    case "hello":
      return [...ALL_RESOURCES];
    default:
      return [];
  }
}

export type ConnectionState = "live" | "polling" | "offline";

/** live while the event stream is open; polling while it is down but requests succeed; offline otherwise. */
export function connectionState(sseOpen: boolean, lastFetchOk: boolean): ConnectionState {
  if (sseOpen) return "live";
  return lastFetchOk ? "polling" : "offline";
}
