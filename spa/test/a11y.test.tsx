// Accessibility outside the map: the tabs wired as WAI-ARIA tabs, badges readable, failover and
// recovery said in a polite live region in the UI's language.
import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { useState } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LiveData } from "../src/api/useLiveData";
import { LiveRegion } from "../src/components/LiveRegion";
import { StateBadge, TypeBadge } from "../src/components/IncidentDetails";
import { DICTS, I18nContext, type Lang } from "../src/i18n";
import { connectionMessage, eventMessage, freshnessMessage } from "../src/lib/announce";
import { GRADE_COLORS, INCIDENT_TYPES, OTHER_TYPE_COLOR, TYPE_COLORS } from "../src/lib/colors";
import { contrast, DARK_SURFACE, readable } from "../src/lib/contrast";
import { advance, snapshotFromStatus, type HaEvent } from "../src/lib/ha";
import { haStatus, incident } from "./fixtures";

const NOW = Date.parse("2026-11-27T13:48:00+09:00");

function inLang(lang: Lang, ui: React.ReactNode) {
  return <I18nContext.Provider value={{ lang, t: (k) => DICTS[lang][k] }}>{ui}</I18nContext.Provider>;
}

/** The colour a badge's text is drawn in, on the colour drawn behind it (both inline styles). */
function badgeContrast(el: HTMLElement): number {
  const hex = (rgb: string) =>
    `#${(rgb.match(/\d+/g) ?? [])
      .slice(0, 3)
      .map((n) => Number(n).toString(16).padStart(2, "0"))
      .join("")}`;
  return contrast(hex(el.style.color), hex(el.style.backgroundColor));
}

describe("badges", () => {
  it("keep every incident type's text at 4.5:1 or more, on the dark cards and the light popups", () => {
    for (const type of [...INCIDENT_TYPES, "기타유형"]) {
      for (const light of [false, true]) {
        const view = render(inLang("ko", <TypeBadge type={type} light={light} />));
        const badge = screen.getByTestId("type-badge");
        expect(badgeContrast(badge), `${type} light=${light}`).toBeGreaterThanOrEqual(4.5);
        view.unmount();
      }
    }
  });
  it("make a data colour readable only as far as needed", () => {
    for (const c of [...Object.values(TYPE_COLORS), OTHER_TYPE_COLOR, ...Object.values(GRADE_COLORS)]) {
      expect(contrast(readable(c), DARK_SURFACE)).toBeGreaterThanOrEqual(4.5);
    }
    expect(readable("#ffffff")).toBe("#ffffff");
  });
  it("say the type and state in English in the English UI", () => {
    render(inLang("en", <TypeBadge type="사고" />));
    expect(screen.getByTestId("type-badge").textContent).toBe("Accident");
    render(inLang("en", <StateBadge incident={incident({ id: 1, active: false })} />));
    expect(screen.getByTestId("incident-state").textContent).toBe("Cleared");
  });
});

describe("announcements", () => {
  const say = (k: keyof typeof DICTS.ko, v: Record<string, string | number> = {}) =>
    DICTS.en[k].replace(/\{(\w+)\}/g, (_, n: string) => String(v[n]));
  it("say members, the leader and the source as they change, never the state first seen", () => {
    const s0 = snapshotFromStatus(haStatus());
    const first = advance(null, s0, 0);
    expect(first.events.map((e) => eventMessage(e, first.snapshot, say))).toEqual([null]);
    const down = snapshotFromStatus(
      haStatus({
        leader: "member2",
        epoch: 2,
        down: ["collector", "data-api", "gateway", "processor", "proxy"].map((s) => `member1/${s}`),
      }),
    );
    const next = advance(first.snapshot, down, 1);
    expect(next.events.map((e) => eventMessage(e, next.snapshot, say))).toEqual([
      "Collector leader changed: member2, epoch 2",
      "member1 down",
    ]);
  });
  it("say data going stale or failing and coming back, once per change", () => {
    expect(freshnessMessage(null, "ok", [], say)).toBeNull();
    expect(freshnessMessage("ok", "stale", ["road flow"], say)).toBe("Data delayed: road flow");
    expect(freshnessMessage("stale", "stale", ["road flow"], say)).toBeNull();
    expect(freshnessMessage("stale", "failing", [], say)).toBe("Data requests failing");
    expect(freshnessMessage("failing", "ok", [], say)).toBe("Data is arriving normally again");
    expect(freshnessMessage("loading", "ok", [], say)).toBeNull();
    expect(connectionMessage("live", "polling", true, say)).toBe("Live connection lost, checking every 5 seconds");
    expect(connectionMessage("polling", "live", true, say)).toBe("Live connection restored");
    expect(connectionMessage("polling", "live", false, say)).toBeNull();
  });
});

/** The region with a timeline and a connection the test changes by clicking. */
function Harness({ lang }: { lang: Lang }) {
  const [timeline, setTimeline] = useState<HaEvent[]>([
    { id: "0", at: NOW - 60_000, kind: "initial", text: "leader member1" },
    { id: "old", at: NOW - 50_000, kind: "member-down", member: "member2", text: "member2 0/5" },
  ]);
  const [connection, setConnection] = useState<LiveData["connection"]>("live");
  return inLang(
    lang,
    <>
      <button
        type="button"
        onClick={() =>
          setTimeline((t) => [
            { id: "new", at: NOW, kind: "member-down", member: "member1", text: "member1 0/5" },
            ...t,
          ])
        }
      >
        down
      </button>
      <button type="button" onClick={() => setConnection("polling")}>
        poll
      </button>
      <LiveRegion
        timeline={timeline}
        snapshot={null}
        connection={connection}
        failures={{}}
        collections={[]}
        clockOffsetMs={0}
        loaded
      />
    </>,
  );
}

describe("the live region", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
  });
  afterEach(() => vi.useRealTimers());

  it("is polite, says only what happens after the page opened, in the UI's language", () => {
    render(<Harness lang="ko" />);
    const region = screen.getByTestId("live-region");
    expect(region.getAttribute("aria-live")).toBe("polite");
    expect(region.textContent).toBe("");
    fireEvent.click(screen.getByText("down"));
    fireEvent.click(screen.getByText("poll"));
    expect(
      within(region)
        .getAllByTestId("live-message")
        .map((m) => m.textContent),
    ).toEqual(["member1 중단", "실시간 연결이 끊겨 5초마다 확인합니다"]);
  });
  it("says it in English in the English UI", () => {
    render(<Harness lang="en" />);
    fireEvent.click(screen.getByText("down"));
    expect(screen.getByTestId("live-region").textContent).toBe("member1 down");
  });
  it("says a kind gone stale once, not at every tick of its age", () => {
    const at = new Date(NOW - 15_000).toISOString();
    const collections = [{ kind: "road", at, ok: true, records: 1, source: "sim", error: null, intervalSeconds: 10 }];
    render(
      inLang(
        "ko",
        <LiveRegion
          timeline={[]}
          snapshot={null}
          connection="live"
          failures={{}}
          collections={collections}
          clockOffsetMs={0}
          loaded
        />,
      ),
    );
    const region = screen.getByTestId("live-region");
    expect(region.textContent).toBe("");
    act(() => {
      vi.advanceTimersByTime(7000); // 22 s old: past twice the 10 s interval
    });
    act(() => {
      vi.advanceTimersByTime(5000);
    });
    expect(
      within(region)
        .getAllByTestId("live-message")
        .map((m) => m.textContent),
    ).toEqual(["데이터 지연: 도로 소통"]);
  });
});
