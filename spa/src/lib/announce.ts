// What the page says aloud (a polite live region) as the cluster fails over and recovers: a
// member down or back, a new collector leader, another source, data going stale or requests
// failing and coming back, the event stream lost and restored. Only changes are said, never
// the state the page opened on, and never a ticking age.
import type { Freshness } from "./freshness";
import type { HaEvent, HaSnapshot } from "./ha";
import type { ConnectionState } from "./live";

export type Say = (key: AnnouncementKey, values?: Record<string, string | number>) => string;

export type AnnouncementKey =
  | "annMemberDown"
  | "annMemberUp"
  | "annMemberPartial"
  | "annLeader"
  | "annSource"
  | "annStale"
  | "annFailing"
  | "annFresh"
  | "annPolling"
  | "annLive";

/** The sentence for a timeline event; null for the first state observed. */
export function eventMessage(e: HaEvent, snapshot: HaSnapshot | null, say: Say): string | null {
  switch (e.kind) {
    case "member-down":
      return say("annMemberDown", { member: e.member ?? "?" });
    case "member-up":
      return say("annMemberUp", { member: e.member ?? "?" });
    case "member-partial":
      return say("annMemberPartial", { member: e.member ?? "?" });
    case "leader":
      return say("annLeader", { member: e.member ?? snapshot?.leaderMember ?? "?", epoch: snapshot?.epoch ?? "?" });
    case "source":
      return say("annSource", { source: snapshot?.sourceActive ?? "?" });
    default:
      return null;
  }
}

/**
 * The sentence for a change of the data's freshness: stale (naming the kinds), failing, or fine
 * again after either; nothing while loading or for the same state (whose ages tick).
 */
export function freshnessMessage(
  prev: Freshness | null,
  next: Freshness,
  staleKinds: readonly string[],
  say: Say,
): string | null {
  if (prev === null || prev === next || next === "loading") return null;
  if (next === "stale") return say("annStale", { kind: staleKinds.join(", ") });
  if (next === "failing") return say("annFailing");
  if (next === "ok" && (prev === "stale" || prev === "failing")) return say("annFresh");
  return null;
}

/** The sentence for the event stream lost (polling) or back (live), once it had been live. */
export function connectionMessage(
  prev: ConnectionState | null,
  next: ConnectionState,
  wasLive: boolean,
  say: Say,
): string | null {
  if (prev === null || prev === next || !wasLive) return null;
  if (next === "live") return say("annLive");
  if (prev === "live") return say("annPolling");
  return null;
}
