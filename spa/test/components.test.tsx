import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, within } from "@testing-library/react";
import type { ReactNode } from "react";
import { IncidentDetails } from "../src/components/IncidentDetails";
import { IncidentList } from "../src/components/IncidentList";
import { NoticeList } from "../src/components/NoticeList";
import { HaPanel } from "../src/components/HaPanel";
import { Header } from "../src/components/Header";
import { DICTS, I18nContext, type Lang } from "../src/i18n";
import { parseServedBy } from "../src/api/client";
import { applyMembers, diffSnapshots, snapshotFromStatus } from "../src/lib/ha";
import { haStatus, incident, notice } from "./fixtures";
import { SeriesChart } from "../src/components/charts/SeriesChart";

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

describe("incident state, lanes and queue", () => {
  const work = incident({
    id: 20,
    accType: "작업",
    smsText: "K (2차로) 비탈면보수 작업중",
    processCode: "1",
    processName: "진행",
    lanesBlocked: "NNYNNN",
    lateLengthKm: 2.5,
  });
  const gone = incident({
    id: 21,
    lanesBlocked: "NNNNNN",
    active: false,
    clearedAt: "2026-11-27T13:45:00+09:00",
  });
  it("shows blocked lanes, queue length and KEC's progress in the list, Korean first", () => {
    render(withLang(<IncidentList incidents={[work, gone]} selectedId={null} onSelect={() => {}} />));
    const [row, clearedRow] = screen.getAllByTestId("accident-row");
    expect(within(row).getByTestId("incident-lanes").textContent).toBe("3차로");
    expect(within(row).getByTestId("incident-lanes").getAttribute("title")).toBe("차단 차로: 3차로");
    expect(within(row).getByTestId("incident-queue").textContent).toBe("정체 길이 2.5 km");
    expect(row.textContent).toContain("진행 (1)");
    expect(row.getAttribute("data-state")).toBe("active");
    expect(within(row).queryByTestId("incident-state")).toBeNull();
    expect(clearedRow.getAttribute("data-state")).toBe("cleared");
    expect(within(clearedRow).getByTestId("incident-state").textContent).toBe("해제");
    expect(within(clearedRow).queryByTestId("incident-lanes")).toBeNull();
    expect(within(clearedRow).queryByTestId("incident-queue")).toBeNull();
  });
  it("says it in English too", () => {
    render(withLang(<IncidentList incidents={[work]} selectedId={null} onSelect={() => {}} />, "en"));
    expect(screen.getByTestId("incident-lanes").textContent).toBe("lane 3");
    expect(screen.getByTestId("incident-queue").textContent).toBe("Queue 2.5 km");
  });
  it("gives the popup the state, progress, clearing time, lanes and queue", () => {
    const { unmount } = render(withLang(<IncidentDetails incident={work} />));
    expect(screen.getByTestId("incident-state").textContent).toBe("진행 중");
    expect(screen.getByTestId("incident-progress").textContent).toBe("처리: 진행 (1)");
    expect(screen.getByTestId("incident-lanes").textContent).toBe("3차로");
    expect(screen.getByTestId("incident-queue").textContent).toBe("정체 길이 2.5 km");
    expect(screen.queryByTestId("incident-cleared-at")).toBeNull();
    unmount();
    render(withLang(<IncidentDetails incident={{ ...gone, shoulderBlocked: true }} />));
    expect(screen.getByTestId("incident-state").textContent).toBe("해제");
    expect(screen.getByTestId("incident-cleared-at").textContent).toContain("2026-11-27 13:45:00 KST");
    expect(screen.getByTestId("incident-lanes").textContent).toBe("갓길");
  });
});

describe("notices", () => {
  it("lists notices apart, unwrapped, as text only", () => {
    const onerror = vi.fn();
    (window as unknown as { __pwned3: () => void }).__pwned3 = onerror;
    render(
      withLang(
        <NoticeList
          notices={[
            notice({ id: 1 }),
            notice({
              id: 2,
              smsText: `** <img src=x onerror="window.__pwned3()"> **`,
              occurredAt: "2023-09-27T09:11:24+09:00",
            }),
          ]}
        />,
      ),
    );
    const rows = screen.getAllByTestId("notice-row");
    expect(rows).toHaveLength(2);
    expect(rows[0].textContent).toContain("(강릉방향) 생태습지 졸음쉼터 화장실 폐쇄");
    expect(rows[0].textContent).not.toContain("**");
    expect(rows[0].textContent).toContain("게시 2025-11-17");
    expect(rows[1].textContent).toContain("<img");
    expect(document.querySelector('img[src="x"]')).toBeNull();
    expect(onerror).not.toHaveBeenCalled();
  });
  it("bounds the list and says how many more there are", () => {
    const many = Array.from({ length: 12 }, (_, i) => notice({ id: i + 1 }));
    render(withLang(<NoticeList notices={many} limit={5} />));
    expect(screen.getAllByTestId("notice-row")).toHaveLength(5);
    expect(screen.getByText("+7 건 더 있음")).toBeTruthy();
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

describe("series chart", () => {
  const at = (h: number) => `2026-11-27T${String(h).padStart(2, "0")}:00:00+09:00`;
  const labels = (values: number[]) => {
    const { container } = render(
      <SeriesChart label="chart" points={values.map((value, h) => ({ at: at(h), value }))} testId="series" />,
    );
    // the y-axis labels: the texts left of the plot (x = its left padding less 6)
    return [...container.querySelectorAll('text[x="38"]')].map((t) => t.textContent);
  };

  it("labels a small maximum without repeating it", () => {
    expect(labels([0, 1, 1])).toEqual(["0", "1"]);
  });

  it("labels zero, a whole middle value and the maximum", () => {
    expect(labels([3, 7, 10])).toEqual(["0", "5", "10"]);
  });
});
