// The polite live region: failover and recovery said in the UI's language (lib/announce.ts).
import { memo, useEffect, useRef, useState } from "react";
import type { HaCollection } from "../api/types";
import { useNow } from "../hooks/useNow";
import { fill, useI18n } from "../i18n";
import { connectionMessage, eventMessage, freshnessMessage, type Say } from "../lib/announce";
import { chipState, type Freshness } from "../lib/freshness";
import type { HaEvent, HaSnapshot } from "../lib/ha";
import type { ConnectionState, Resource } from "../lib/live";
import { KIND_KEY } from "./LiveChip";

/** Messages kept in the region: a screen reader says each once, as it is added. */
const KEEP = 4;

interface Message {
  id: number;
  text: string;
}

export const LiveRegion = memo(function LiveRegion({
  timeline,
  snapshot,
  connection,
  failures,
  collections,
  clockOffsetMs,
  loaded,
}: {
  timeline: readonly HaEvent[];
  snapshot: HaSnapshot | null;
  connection: ConnectionState;
  failures: Partial<Record<Resource, number>>;
  collections: readonly HaCollection[] | null | undefined;
  clockOffsetMs: number;
  loaded: boolean;
}) {
  const { t } = useI18n();
  const [messages, setMessages] = useState<Message[]>([]);
  const nextId = useRef(0);
  const say: Say = (key, values) => fill(t(key), values ?? {});
  const push = (text: string | null) => {
    if (!text) return;
    nextId.current += 1;
    const id = nextId.current;
    setMessages((m) => [...m, { id, text }].slice(-KEEP));
  };

  // timeline events: the ones present on mount are history, not news
  const seen = useRef<Set<string> | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: said once per new event, in the language of the moment
  useEffect(() => {
    if (seen.current === null) {
      seen.current = new Set(timeline.map((e) => e.id));
      return;
    }
    const fresh = timeline.filter((e) => !seen.current?.has(e.id)).reverse();
    for (const e of fresh) {
      seen.current.add(e.id);
      push(eventMessage(e, snapshot, say));
    }
  }, [timeline]);

  // freshness, judged every second as the chip does
  const serverNow = useNow(1000) + clockOffsetMs;
  const chip = chipState({ connection, failures, collections, serverNow, loaded });
  const freshness = useRef<Freshness | null>(null);
  const staleNames = chip.stale.map((s) => (KIND_KEY[s.kind] ? t(KIND_KEY[s.kind]) : s.kind)).join("|");
  // biome-ignore lint/correctness/useExhaustiveDependencies: said on a change of state, not of its ticking age
  useEffect(() => {
    const prev = freshness.current;
    if (chip.freshness === "loading" && prev === null) return;
    freshness.current = chip.freshness;
    push(freshnessMessage(prev, chip.freshness, staleNames ? staleNames.split("|") : [], say));
  }, [chip.freshness]);

  const conn = useRef<ConnectionState | null>(null);
  const wasLive = useRef(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: said on a change of connection only
  useEffect(() => {
    push(connectionMessage(conn.current, connection, wasLive.current, say));
    conn.current = connection;
    if (connection === "live") wasLive.current = true;
  }, [connection]);

  return (
    <div className="sr-only" aria-live="polite" aria-relevant="additions" data-testid="live-region">
      {messages.map((m) => (
        <p key={m.id} data-testid="live-message">
          {m.text}
        </p>
      ))}
    </div>
  );
});
