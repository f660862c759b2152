// The wall clock for components that show relative times ("4초 전"). Every caller with the same
// interval shares one timer, so their labels change together; only the callers re-render on a tick.
// Keep it in small leaf components (see components/Ago.tsx): a component calling it re-renders,
// with its whole subtree, on every tick.
import { useCallback, useSyncExternalStore } from "react";

interface Clock {
  now: number;
  listeners: Set<() => void>;
  timer: number | null;
}

const clocks = new Map<number, Clock>();

function clockFor(intervalMs: number): Clock {
  let clock = clocks.get(intervalMs);
  if (!clock) {
    clock = { now: Date.now(), listeners: new Set(), timer: null };
    clocks.set(intervalMs, clock);
  }
  return clock;
}

function subscribe(clock: Clock, intervalMs: number, listener: () => void): () => void {
  clock.listeners.add(listener);
  if (clock.timer === null) {
    clock.timer = window.setInterval(() => {
      clock.now = Date.now();
      for (const l of clock.listeners) l();
    }, intervalMs);
    // The clock was idle, so its time is old: catch up now rather than on the first tick.
    const now = Date.now();
    if (now !== clock.now) {
      clock.now = now;
      listener();
    }
  }
  return () => {
    clock.listeners.delete(listener);
    if (clock.listeners.size === 0 && clock.timer !== null) {
      window.clearInterval(clock.timer);
      clock.timer = null;
    }
  };
}

/** The current time (ms since the epoch), updated every `intervalMs`. */
export function useNow(intervalMs = 1000): number {
  const clock = clockFor(intervalMs);
  const sub = useCallback((listener: () => void) => subscribe(clock, intervalMs, listener), [clock, intervalMs]);
  return useSyncExternalStore(sub, () => clock.now);
}
