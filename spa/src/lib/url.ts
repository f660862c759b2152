// Tab (and language) from the URL: ?tab=accidents or #accidents; ?lang=en.
export const TABS = ["dashboard", "accidents", "tollgates", "road"] as const;
export type Tab = (typeof TABS)[number];

const ALIASES: Record<string, Tab> = {
  dashboard: "dashboard",
  accidents: "accidents",
  incidents: "accidents",
  tollgates: "tollgates",
  tollgate: "tollgates",
  road: "road",
  roads: "road",
};

export function tabFromLocation(search: string, hash: string): Tab {
  const q = new URLSearchParams(search).get("tab");
  if (q && ALIASES[q.toLowerCase()]) return ALIASES[q.toLowerCase()];
  const h = hash.replace(/^#\/?/, "").toLowerCase();
  if (h && ALIASES[h]) return ALIASES[h];
  return "dashboard";
}

export function langFromLocation(search: string): "ko" | "en" | null {
  const l = new URLSearchParams(search).get("lang");
  return l === "en" || l === "ko" ? l : null;
}
