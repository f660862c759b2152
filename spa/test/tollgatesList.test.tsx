// The tollgate list: every tollgate reachable (a virtual list), a selection made on the map or in
// a link shown in it, the slot's age, and a series drawn on its own time axis.
import { act, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Tollgate } from "../src/api/types";
import { DICTS, I18nContext } from "../src/i18n";
import { daySoFar, slotSeries, tollgateOrder } from "../src/lib/tollgates";
import { TollgatesTab } from "../src/tabs/TollgatesTab";
import { tollgate } from "./fixtures";

const NOW = Date.parse("2026-11-27T13:48:00+09:00");
const MAPS = { network: { type: "FeatureCollection" as const, features: [] }, outline: null };

// 207 reporting and 30 that report nothing, as the simulator's list has them
const ALL: Tollgate[] = [
  ...Array.from({ length: 207 }, (_, i) =>
    tollgate({ unitCode: String(100 + i), unitName: `요금소${i}`, latestTrafficAmount: 1000 - i, lat: 36 + i / 500 }),
  ),
  ...Array.from({ length: 30 }, (_, i) =>
    tollgate({
      unitCode: String(500 + i),
      unitName: `무보고${i}`,
      latestTrafficAmount: null,
      latestSlotAt: null,
      series: [],
    }),
  ),
];

function withKo(ui: React.ReactNode) {
  return <I18nContext.Provider value={{ lang: "ko", t: (k) => DICTS.ko[k] }}>{ui}</I18nContext.Provider>;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
});
afterEach(() => vi.useRealTimers());

describe("tollgate order and series", () => {
  it("puts the reporting ones first, busiest first, then the rest by name", () => {
    const order = tollgateOrder(ALL.slice().reverse());
    expect(order).toHaveLength(ALL.length);
    expect(order[0].unitCode).toBe("100");
    expect(order[206].unitCode).toBe("306");
    expect(order.slice(207).every((t) => t.latestTrafficAmount === null)).toBe(true);
  });
  it("lays a series on its 15-minute slots up to the newest, gaps where no reading came", () => {
    const s = slotSeries(
      [
        { slotAt: "2026-11-27T13:15:00+09:00", trafficAmount: 90 },
        { slotAt: "2026-11-27T12:45:00+09:00", trafficAmount: 70 },
      ],
      "2026-11-27T13:15:00+09:00",
    );
    expect(s).toHaveLength(12);
    expect(s[11]).toEqual({ at: "2026-11-27T04:15:00.000Z", value: 90 });
    expect(s[10].value).toBeNull();
    expect(s[9].value).toBe(70);
    expect(s[0].at).toBe("2026-11-27T01:30:00.000Z");
    expect(slotSeries([], null)).toEqual([]);
  });
  it("draws a day up to its newest reading, gaps kept, the hours to come left out", () => {
    const day = Array.from({ length: 96 }, (_, i) => ({
      slotAt: new Date(Date.parse("2026-11-27T00:00:00+09:00") + i * 900_000).toISOString(),
      trafficAmount: i === 20 || i === 22 ? 50 + i : null,
    }));
    const shown = daySoFar(day);
    expect(shown).toHaveLength(23);
    expect(shown.filter((p) => p.value !== null).map((p) => p.value)).toEqual([70, 72]);
    expect(daySoFar(day.map((p) => ({ ...p, trafficAmount: null })))).toHaveLength(12);
  });
});

describe("tollgates tab", () => {
  it("reaches every tollgate of the list by scrolling, with only a screenful in the DOM", () => {
    render(withKo(<TollgatesTab {...MAPS} tollgates={ALL} />));
    const list = screen.getByTestId("tollgate-ranking");
    expect(list.getAttribute("data-rows")).toBe(String(ALL.length));
    expect(screen.getByTestId("tollgate-count").textContent).toBe("207곳 보고 · 전체 237곳");
    const rendered = screen.getAllByTestId("tollgate-row");
    expect(rendered.length).toBeLessThan(60);
    // jsdom lays nothing out: the list's box is its default height; scrolled to the end, the last row is there
    act(() => {
      list.scrollTop = 236 * 40;
      fireEvent.scroll(list);
    });
    // the last by name (무보고9) is there, the busiest (the first row) no longer is
    expect(screen.getByText("무보고9")).toBeTruthy();
    expect(document.querySelector('[data-unit-code="100"]')).toBeNull();
  });
  it("shows a tollgate selected elsewhere (the map, a link) in the list and its slot's age", () => {
    const onChange = vi.fn();
    render(withKo(<TollgatesTab {...MAPS} tollgates={ALL} selected="300" onChange={onChange} />));
    const row = document.querySelector('[data-testid="tollgate-row"][data-unit-code="300"]');
    expect(row?.getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByTestId("tollgate-detail").textContent).toContain("요금소200");
    expect(screen.getByTestId("tollgate-slot").textContent).toContain("33분 전");
    expect(screen.getByTestId("tollgate-series").getAttribute("data-bars")).toBe("1");
    fireEvent.click(screen.getAllByTestId("tollgate-row")[0]);
    expect(onChange).toHaveBeenCalledWith({ tollgate: expect.any(String) });
  });
  it("keeps a selection in view when the search would hide it", () => {
    render(withKo(<TollgatesTab {...MAPS} tollgates={ALL} selected="520" query="요금소1" onChange={() => {}} />));
    expect(document.querySelector('[data-unit-code="520"]')?.getAttribute("aria-pressed")).toBe("true");
  });
});
