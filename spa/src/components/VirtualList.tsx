// A list of many fixed-height rows of which only those in view (and a few either side) are in
// the DOM: every row is reachable by scrolling, at the cost of a screenful of elements. From the
// keyboard, the arrows, Page Up/Down, Home and End move the focus row by row through all of them.
import { useEffect, useRef, useState, type ReactNode } from "react";

const OVERSCAN = 6;

export function VirtualList<T>({
  items,
  rowHeight,
  render,
  itemKey,
  scrollTo,
  className,
  label,
  testId,
}: {
  items: readonly T[];
  /** every row's height in px (the rows must keep to it) */
  rowHeight: number;
  render: (item: T, index: number) => ReactNode;
  itemKey: (item: T) => string;
  /** an index to bring into view when it changes (a selection made elsewhere) */
  scrollTo?: number | null;
  className?: string;
  label: string;
  testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(400);
  const [focus, setFocus] = useState<number | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    setHeight(el.clientHeight || 400);
    if (typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight || 400));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const el = box.current;
    if (!el || scrollTo === null || scrollTo === undefined || scrollTo < 0) return;
    const y = scrollTo * rowHeight;
    // only when it is out of view: a click in the list leaves the list where it is
    if (y < el.scrollTop || y + rowHeight > el.scrollTop + el.clientHeight) {
      el.scrollTop = Math.max(0, y - (el.clientHeight - rowHeight) / 2);
      setTop(el.scrollTop);
    }
  }, [scrollTo, rowHeight]);

  const reveal = (index: number) => {
    const el = box.current;
    if (!el) return;
    const y = index * rowHeight;
    if (y < el.scrollTop) el.scrollTop = y;
    else if (y + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = y + rowHeight - el.clientHeight;
    setTop(el.scrollTop);
  };
  // the row moved to is rendered by now: focus its control
  useEffect(() => {
    if (focus === null) return;
    box.current?.querySelector<HTMLElement>(`[data-row="${focus}"] button, [data-row="${focus}"] a`)?.focus();
  }, [focus]);
  // The keys, on the rows' buttons (a native listener: the box itself is no control).
  const keys = useRef<(e: KeyboardEvent) => void>(() => {});
  keys.current = (e: KeyboardEvent) => {
    const row = (e.target as HTMLElement | null)?.closest<HTMLElement>("[data-row]");
    if (!row || items.length === 0) return;
    const at = Number(row.dataset.row);
    const page = Math.max(1, Math.floor(height / rowHeight) - 1);
    const to =
      e.key === "ArrowDown"
        ? at + 1
        : e.key === "ArrowUp"
          ? at - 1
          : e.key === "PageDown"
            ? at + page
            : e.key === "PageUp"
              ? at - page
              : e.key === "Home"
                ? 0
                : e.key === "End"
                  ? items.length - 1
                  : null;
    if (to === null) return;
    e.preventDefault();
    const next = Math.min(items.length - 1, Math.max(0, to));
    reveal(next);
    setFocus(next);
  };
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const onKey = (e: KeyboardEvent) => keys.current(e);
    el.addEventListener("keydown", onKey);
    return () => el.removeEventListener("keydown", onKey);
  }, []);

  const first = Math.max(0, Math.floor(top / rowHeight) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((top + height) / rowHeight) + OVERSCAN);
  return (
    <div
      ref={box}
      className={`min-h-0 overflow-y-auto ${className ?? ""}`}
      onScroll={(e) => setTop(e.currentTarget.scrollTop)}
      data-testid={testId}
      data-rows={items.length}
    >
      <ul aria-label={label} className="relative" style={{ height: items.length * rowHeight }}>
        {items.slice(first, last).map((item, k) => (
          <li
            key={itemKey(item)}
            className="absolute inset-x-0"
            style={{ top: (first + k) * rowHeight, height: rowHeight }}
            data-row={first + k}
            aria-setsize={items.length}
            aria-posinset={first + k + 1}
          >
            {render(item, first + k)}
          </li>
        ))}
      </ul>
    </div>
  );
}
