// Payloads of the server-sent events on /api/events. The OpenAPI document describes the stream only
// as text/event-stream, so these are written by hand (the data API's `Hello` and the hub's events).
import type { HaLeader, HaSource } from "./types";

export interface HelloEvent {
  servedBy?: string;
  dataVersion?: number;
  leader?: HaLeader | null;
  source?: HaSource | null;
  alive?: string[];
  down?: string[];
  /** the stream picked up after the browser's Last-Event-ID: the missed events follow */
  resumed?: boolean;
}
export interface CommitEvent {
  type: "commit";
  kind: string;
  batchId?: string;
  /** new rows */
  inserted?: number;
  /** rows seen again (they only bump a seen counter) */
  duplicates?: number;
  /** rows whose shown content changed (new, updated or cleared) where the dataset counts them;
   * null where it does not, absent from older servers */
  changed?: number | null;
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
