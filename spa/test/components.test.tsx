import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, within } from "@testing-library/react";
import type { ReactNode } from "react";
import { IncidentDetails } from "../src/components/IncidentDetails";
import { IncidentList } from "../src/components/IncidentList";
import { HaPanel } from "../src/components/HaPanel";
import { Header } from "../src/components/Header";
import { DICTS, I18nContext, type Lang } from "../src/i18n";
import { parseServedBy } from "../src/api/client";
import { applyMembers, diffSnapshots, snapshotFromStatus } from "../src/lib/ha";
import { haStatus, incident } from "./fixtures";

function withLang(ui: ReactNode, lang: Lang = "ko") {
  return <I18nContext.Provider value={{ lang, t: (k) => DICTS[lang][k] }}>{ui}</I18nContext.Provider>;
}
const NOW = Date.parse("2026-11-27T13:48:00+09:00");

// Relative times ("4초 전") read the clock (hooks/useNow): freeze it at NOW.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("incident text is never HTML", () => {
  it("renders an <img onerror> / <script> message as text", () => {
    const onerror = vi.fn();
    (window as unknown as { __pwned: () => void }).__pwned = onerror;
    const evil = `<img src=x onerror="window.__pwned()"><script>window.__pwned()</script>`;
    const { container } = render(
      withLang(<IncidentDetails incident={incident({ id: 1, smsText: evil, accPointNM: "<b>IC</b>" })} />),
    );
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
    expect(screen.getByTestId("incident-message").textContent).toBe(evil);
    expect(container.textContent).toContain("<b>IC</b>");
    expect(onerror).not.toHaveBeenCalled();
  });
  it("also in the list rows", () => {
    const evil = `<img src=x onerror=alert(1)>`;
    const { container } = render(
      withLang(<IncidentList incidents={[incident({ id: 9, smsText: evil })]} selectedId={null} onSelect={() => {}} />),
    );
    expect(container.querySelector("img")).toBeNull();
    expect(screen.getByTestId("accident-row").textContent).toContain(evil);
  });
});

describe("incident list", () => {
  const many = Array.from({ length: 120 }, (_, i) => incident({ id: i + 1, accPointNM: `P${i + 1}` }));
  it("renders a bounded page of rows with ids and selection", () => {
    const onSelect = vi.fn();
    render(withLang(<IncidentList incidents={many} selectedId={3} onSelect={onSelect} />));
    const rows = screen.getAllByTestId("accident-row");
    expect(rows).toHaveLength(50);
    expect(rows[0].getAttribute("data-incident-id")).toBe("1");
    expect(rows[2].getAttribute("aria-selected")).toBe("true");
    expect(rows[0].getAttribute("aria-selected")).toBe("false");
    fireEvent.click(rows[4]);
    expect(onSelect).toHaveBeenCalledWith(5);
    fireEvent.click(screen.getByText(DICTS.ko.next));
    expect(screen.getAllByTestId("accident-row")[0].getAttribute("data-incident-id")).toBe("51");
  });
  it("jumps to the page holding a selection made elsewhere (marker click) and scrolls it into view", () => {
    const scroll = vi.fn();
    Element.prototype.scrollIntoView = scroll;
    const { rerender } = render(withLang(<IncidentList incidents={many} selectedId={null} onSelect={() => {}} />));
    rerender(withLang(<IncidentList incidents={many} selectedId={110} onSelect={() => {}} />));
    const row = document.querySelector('[data-incident-id="110"]');
    expect(row?.getAttribute("aria-selected")).toBe("true");
    expect(scroll).toHaveBeenCalled();
  });
});

describe("HA panel", () => {
  it("shows served-by, leader, member health and the timeline", () => {
    const s0 = snapshotFromStatus(haStatus());
    const s1 = applyMembers(
      s0,
      [],
      ["proxy", "processor", "data-api", "gateway", "collector"].map((s) => `member1/${s}`),
    );
    const s2 = { ...s1, leaderMember: "member2", epoch: 2, leaderHolder: "member2/collector-y" };
    const timeline = [
      ...diffSnapshots(s1, s2, NOW),
      ...diffSnapshots(s0, s1, NOW - 1000),
      ...diffSnapshots(null, s0, NOW - 5000),
    ];
    render(
      withLang(
        <HaPanel
          ha={haStatus({
            leader: "member2",
            epoch: 2,
            down: ["member1/proxy", "member1/processor", "member1/data-api", "member1/gateway", "member1/collector"],
          })}
          snapshot={s2}
          servedBy={parseServedBy("member2/gateway, member2/data-api")}
          recentServers={{ member2: NOW }}
          timeline={timeline}
        />,
      ),
    );
    expect(screen.getByTestId("ha-panel")).toBeTruthy();
    expect(screen.getByTestId("served-by").textContent).toContain("member2");
    const leader = screen.getByTestId("leader");
    expect(leader.textContent).toContain("member2");
    expect(leader.textContent).toContain("2");
    expect(screen.getByTestId("ha-member-member1").getAttribute("data-alive")).toBe("false");
    expect(screen.getByTestId("ha-member-member2").getAttribute("data-alive")).toBe("true");
    const events = within(screen.getByTestId("ha-timeline")).getAllByTestId("ha-event");
    expect(events.map((e) => e.getAttribute("data-kind"))).toEqual(["leader", "member-down", "initial"]);
    expect(events[0].textContent).toContain("KST");
  });
});

describe("header", () => {
  it("shows the connection state, source mode and last update, and toggles language", () => {
    const onLang = vi.fn();
    const { rerender } = render(
      withLang(
        <Header
          ha={haStatus()}
          connection="live"
          lastUpdate={NOW - 4000}
          onToggleLang={onLang}
          haOpen
          onToggleHa={() => {}}
        />,
      ),
    );
    expect(screen.getByTestId("connection-state").getAttribute("data-state")).toBe("live");
    expect(screen.getByTestId("last-update").textContent).toContain("4초 전");
    expect(screen.getByTestId("last-update").textContent).toContain("KST");
    expect(screen.getByTestId("source-mode").textContent).toContain("sim");
    expect(screen.getByText("실시간 고속도로 교통정보")).toBeTruthy();
    fireEvent.click(screen.getByTestId("lang-toggle"));
    expect(onLang).toHaveBeenCalled();
    rerender(
      withLang(
        <Header
          ha={haStatus()}
          connection="offline"
          lastUpdate={NOW - 4000}
          onToggleLang={onLang}
          haOpen={false}
          onToggleHa={() => {}}
        />,
        "en",
      ),
    );
    expect(screen.getByTestId("connection-state").getAttribute("data-state")).toBe("offline");
    expect(screen.getByTestId("last-update").textContent).toContain("4 s ago");
    expect(screen.getByText("Live Expressway Traffic")).toBeTruthy();
  });
});
