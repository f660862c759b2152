import { act, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useNow } from "../src/hooks/useNow";

const T0 = Date.parse("2026-11-27T13:48:00+09:00");

function Clock({ id, ms = 1000 }: { id: string; ms?: number }) {
  const now = useNow(ms);
  return <span data-testid={id}>{(now - T0) / 1000}</span>;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("useNow", () => {
  it("starts at the current time and ticks every interval, one timer for all callers", () => {
    const { unmount } = render(
      <>
        <Clock id="a" />
        <Clock id="b" />
        <Clock id="slow" ms={5000} />
      </>,
    );
    expect(screen.getByTestId("a").textContent).toBe("0");
    expect(vi.getTimerCount()).toBe(2); // one per interval, not per caller
    act(() => {
      vi.advanceTimersByTime(3000);
    });
    expect(screen.getByTestId("a").textContent).toBe("3");
    expect(screen.getByTestId("b").textContent).toBe("3");
    expect(screen.getByTestId("slow").textContent).toBe("0");
    unmount();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("catches up when a caller mounts after the clock sat idle", () => {
    render(<Clock id="a" />).unmount();
    vi.setSystemTime(T0 + 60_000);
    render(<Clock id="a" />);
    expect(screen.getByTestId("a").textContent).toBe("60");
  });
});
