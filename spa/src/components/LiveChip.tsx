// The header's live chip: how the page gets its data (event stream or polling) while that data is
// fresh and its requests answer; a warning saying which when they do not.
import { memo } from "react";
import type { HaCollection } from "../api/types";
import { useNow } from "../hooks/useNow";
import { fill, useI18n, type DictKey } from "../i18n";
import { chipState, type ChipState } from "../lib/freshness";
import type { ConnectionState, Resource } from "../lib/live";
import { formatAgo, formatDuration } from "../lib/time";

const CONN_KEY: Record<ConnectionState, DictKey> = { live: "connLive", polling: "connPolling", offline: "connOffline" };
const CONN_COLOR: Record<ConnectionState, string> = {
  live: "bg-emerald-500",
  polling: "bg-amber-400",
  offline: "bg-red-500",
};
export const KIND_KEY: Record<string, DictKey> = {
  accidents: "kindAccidents",
  tollgate: "kindTollgate",
  road: "kindRoad",
  tollgates: "kindTollgates",
  vds: "kindVds",
  routes: "kindRoutes",
};

const CHIP_PLAIN = "border-slate-700 bg-slate-800";
const CHIP_WARN = "border-amber-500 bg-amber-950/70 text-amber-100";
const CHIP_ALARM = "border-red-500 bg-red-950/70 text-red-100";

export const LiveChip = memo(function LiveChip({
  connection,
  failures,
  collections,
  clockOffsetMs,
  loaded,
}: {
  connection: ConnectionState;
  failures: Partial<Record<Resource, number>>;
  collections: readonly HaCollection[] | null | undefined;
  clockOffsetMs: number;
  loaded: boolean;
}) {
  const { t, lang } = useI18n();
  const serverNow = useNow(1000) + clockOffsetMs;
  const chip: ChipState = chipState({ connection, failures, collections, serverNow, loaded });
  const kindName = (kind: string) => (KIND_KEY[kind] ? t(KIND_KEY[kind]) : kind);

  let text: string;
  let dot = "";
  let look = CHIP_PLAIN;
  if (chip.freshness === "failing") {
    text = fill(t("requestsFailing"), { n: chip.failures });
    // red when no event stream is open either: nothing reaches the page
    look = connection === "live" ? CHIP_WARN : CHIP_ALARM;
  } else if (chip.freshness === "stale") {
    const worst = chip.stale[0];
    text = `${t("staleData")} · ${kindName(worst.kind)} ${formatAgo(worst.at, serverNow, lang)}`;
    if (chip.stale.length > 1) text += ` ${fill(t("staleMore"), { n: chip.stale.length - 1 })}`;
    look = CHIP_WARN;
  } else if (chip.freshness === "loading") {
    text = t("connLoading");
    dot = "bg-slate-400";
  } else {
    text = t(CONN_KEY[connection]);
    dot = `${CONN_COLOR[connection]} ${connection === "live" ? "animate-pulse" : ""}`;
  }

  const details = [
    ...chip.failing.map(([r, n]) => fill(t("failingDetail"), { resource: r, n })),
    ...chip.stale.map((s) =>
      fill(t("staleDetail"), {
        kind: kindName(s.kind),
        ago: formatAgo(s.at, serverNow, lang),
        interval: formatDuration(s.intervalMs / 1000, lang),
      }),
    ),
  ];

  return (
    <span
      // no live role: its text ticks every second while stale; LiveRegion says the changes
      className={`inline-flex min-w-0 max-w-full items-center gap-1.5 rounded-md border px-2 py-1 ${look}`}
      data-testid="connection-state"
      data-state={connection}
      data-freshness={chip.freshness}
      data-failures={chip.failures}
      data-stale={chip.stale.map((s) => s.kind).join(" ")}
      title={details.length ? details.join("\n") : undefined}
    >
      {dot === "" ? (
        <span aria-hidden="true" className="font-bold">
          ⚠
        </span>
      ) : (
        <span className={`h-2.5 w-2.5 shrink-0 rounded-full ${dot}`} />
      )}
      <span className="min-w-0 truncate">{text}</span>
    </span>
  );
});
