// The HA panel: who served, who leads, member health, stream figures, last collections, timeline.
import { memo } from "react";
import type { ServedBy } from "../api/client";
import type { HaStatus } from "../api/types";
import { MEMBERS, SERVICES, memberHealth, type HaEvent, type HaSnapshot } from "../lib/ha";
import { useNow } from "../hooks/useNow";
import { formatAgo, formatKstTime } from "../lib/time";
import { useI18n, type DictKey } from "../i18n";
import { Ago } from "./Ago";

const EVENT_KEY: Record<HaEvent["kind"], DictKey> = {
  initial: "evInitial",
  leader: "evLeader",
  "member-down": "evMemberDown",
  "member-up": "evMemberUp",
  "member-partial": "evMemberPartial",
  source: "evSource",
};
const EVENT_COLOR: Record<HaEvent["kind"], string> = {
  initial: "border-slate-500",
  leader: "border-sky-400",
  "member-down": "border-red-500",
  "member-up": "border-emerald-500",
  "member-partial": "border-amber-400",
  source: "border-purple-400",
};

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section className="border-b border-slate-800 px-3 py-2.5">
      <h3 className="mb-1.5 text-xs font-bold uppercase tracking-wider text-slate-400">{title}</h3>
      {children}
    </section>
  );
}

/** A member that served a response lately: green while it served in the last 15 s. */
function RecentServer({ member, at }: { member: string; at: number }) {
  const { lang } = useI18n();
  const now = useNow(1000);
  return (
    <span className={now - at < 15000 ? "text-emerald-300" : "text-slate-400"}>
      {member} · {formatAgo(at, now, lang)}
    </span>
  );
}

export const HaPanel = memo(function HaPanel({
  ha,
  snapshot,
  servedBy,
  recentServers,
  timeline,
}: {
  ha: HaStatus | null;
  snapshot: HaSnapshot | null;
  servedBy: ServedBy | null;
  recentServers: Record<string, number>;
  timeline: HaEvent[];
}) {
  const { t } = useI18n();
  const beats = new Map<string, string | null>();
  for (const m of ha?.members ?? []) for (const s of m.services) beats.set(`${m.member}/${s.service}`, s.lastBeat);
  const memberNames = [...new Set<string>([...MEMBERS, ...(ha?.members ?? []).map((m) => m.member)])].sort();
  const leaderMember = snapshot?.leaderMember ?? ha?.leader?.member ?? null;
  const epoch = snapshot?.epoch ?? ha?.leader?.epoch ?? null;

  return (
    <section
      className="flex h-full flex-col overflow-y-auto text-sm"
      data-testid="ha-panel"
      id="ha-panel"
      aria-label={t("haPanel")}
    >
      <div className="sticky top-0 z-10 border-b border-slate-800 bg-slate-900 px-3 py-2 text-base font-bold text-white">
        {t("haPanel")}
      </div>

      <Section title={t("servedBy")}>
        <div
          data-testid="served-by"
          data-gateway={servedBy?.gateway ?? ""}
          data-data-api={servedBy?.dataApi ?? ""}
          className="text-base"
        >
          {servedBy ? (
            <>
              <span className="font-bold text-sky-300">{servedBy.gateway ?? "?"}</span>
              <span className="text-slate-400">/gateway → </span>
              <span className="font-bold text-sky-300">{servedBy.dataApi ?? "?"}</span>
              <span className="text-slate-400">/data-api</span>
            </>
          ) : (
            "—"
          )}
        </div>
        <div className="mt-1 flex flex-wrap gap-x-3 text-xs text-slate-400">
          <span>{t("recentServers")}:</span>
          {Object.entries(recentServers)
            .sort()
            .map(([m, at]) => (
              <RecentServer key={m} member={m} at={at} />
            ))}
        </div>
      </Section>

      <Section title={t("leader")}>
        <div data-testid="leader" data-member={leaderMember ?? ""} data-epoch={epoch ?? ""} className="text-base">
          {leaderMember ? (
            <>
              <span className="text-xl font-extrabold text-amber-300">{leaderMember}</span>{" "}
              <span className="text-slate-300">
                · {t("epoch")} <strong className="tabular-nums">{epoch ?? "?"}</strong>
              </span>
            </>
          ) : (
            "—"
          )}
        </div>
        {(snapshot?.leaderHolder ?? ha?.leader?.holder) ? (
          <div className="truncate text-xs text-slate-400">{snapshot?.leaderHolder ?? ha?.leader?.holder}</div>
        ) : null}
        <div className="mt-1 text-xs text-slate-400" data-testid="ha-source">
          {t("source")}:{" "}
          <strong className="text-slate-200">{snapshot?.sourceActive ?? ha?.source?.active ?? "—"}</strong> ({t("mode")}{" "}
          {snapshot?.sourceMode ?? ha?.source?.mode ?? "—"})
        </div>
      </Section>

      <Section title={t("members")}>
        <div className="grid grid-cols-2 gap-2">
          {memberNames.map((m) => {
            // no status yet: loading, not down
            const health = snapshot ? memberHealth(snapshot, m) : "loading";
            const alive = health === "alive";
            const border = alive
              ? "border-emerald-500/70"
              : health === "loading"
                ? "border-slate-600"
                : health === "down" || health === "unknown"
                  ? "border-red-500/70"
                  : "border-amber-400/70";
            return (
              <div
                key={m}
                data-testid={`ha-member-${m}`}
                data-alive={alive ? "true" : "false"}
                data-health={health}
                className={`rounded-md border ${border} bg-slate-900 p-2`}
              >
                <div className="mb-1 flex items-center justify-between">
                  <strong className="text-white">{m}</strong>
                  <span
                    className={`text-xs font-bold ${alive ? "text-emerald-300" : health === "loading" ? "text-slate-400" : health === "partial" ? "text-amber-300" : "text-red-400"}`}
                  >
                    {alive
                      ? t("alive")
                      : health === "loading"
                        ? t("checking")
                        : health === "partial"
                          ? t("partial")
                          : t("down")}
                  </span>
                </div>
                <ul className="space-y-0.5">
                  {SERVICES.map((s) => {
                    const key = `${m}/${s}`;
                    const ok = snapshot?.services[key] === true;
                    const beat = beats.get(key) ?? null;
                    return (
                      <li
                        key={s}
                        className="flex items-center gap-1.5 whitespace-nowrap text-xs"
                        data-testid={`ha-service-${m}-${s}`}
                        data-alive={ok ? "true" : "false"}
                      >
                        <span
                          className={`h-2 w-2 shrink-0 rounded-full ${ok ? "bg-emerald-400" : snapshot ? "bg-red-500" : "bg-slate-600"}`}
                        />
                        <span className="text-slate-200">{s}</span>
                        {leaderMember === m && s === "collector" ? (
                          <span
                            className="rounded bg-amber-500/20 px-1 text-[10px] font-bold text-amber-300"
                            title="leader"
                          >
                            ★
                          </span>
                        ) : null}
                        <span className="ml-auto text-[11px] text-slate-400">{beat ? <Ago at={beat} /> : ""}</span>
                      </li>
                    );
                  })}
                </ul>
              </div>
            );
          })}
        </div>
      </Section>

      <Section title={t("stream")}>
        <dl className="grid grid-cols-4 gap-1 text-center" data-testid="ha-stream">
          {(
            [
              ["streamLength", ha?.stream?.length],
              ["pending", ha?.stream?.pending],
              ["lag", ha?.stream?.lag],
              ["deadLetters", ha?.stream?.deadLetters],
            ] as [DictKey, number | null | undefined][]
          ).map(([k, v]) => (
            <div key={k} className="rounded bg-slate-900 px-1 py-1">
              <dt className="text-[11px] text-slate-400">{t(k)}</dt>
              <dd
                className={`text-lg font-bold tabular-nums ${k === "deadLetters" && (v ?? 0) > 0 ? "text-red-400" : "text-white"}`}
              >
                {v ?? "—"}
              </dd>
            </div>
          ))}
        </dl>
      </Section>

      <Section title={t("collections")}>
        <ul className="space-y-0.5" data-testid="ha-collections">
          {(ha?.collections ?? []).map((c) => (
            <li key={c.kind} className="flex items-center gap-2 text-xs">
              <span className={`h-2 w-2 rounded-full ${c.ok ? "bg-emerald-400" : "bg-red-500"}`} />
              <span className="w-16 font-semibold text-slate-200">{c.kind}</span>
              <span className="tabular-nums text-slate-300">
                {c.at ? formatKstTime(c.at).replace(" KST", "") : t("never")}
              </span>
              <span className="text-slate-400">{c.at ? <Ago at={c.at} /> : ""}</span>
              <span className="ml-auto tabular-nums text-slate-400">{c.records ?? "—"}</span>
              {c.source ? <span className="text-slate-400">{c.source}</span> : null}
            </li>
          ))}
        </ul>
      </Section>

      <Section title={t("timeline")}>
        <ol className="space-y-1" data-testid="ha-timeline">
          {timeline.length === 0 ? <li className="text-xs text-slate-400">{t("noEvents")}</li> : null}
          {timeline.map((e) => (
            <li
              key={e.id}
              data-testid="ha-event"
              data-kind={e.kind}
              className={`border-l-4 ${EVENT_COLOR[e.kind]} bg-slate-900 px-2 py-1`}
            >
              <div className="flex justify-between text-xs">
                <strong className="text-slate-100">{t(EVENT_KEY[e.kind])}</strong>
                <span className="tabular-nums text-slate-400">{formatKstTime(e.at)}</span>
              </div>
              <div className="text-xs text-slate-300">{e.text}</div>
            </li>
          ))}
        </ol>
      </Section>
    </section>
  );
});
