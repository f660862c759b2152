// The width an element is drawn at (px), followed as it changes: charts draw at their real width,
// so their text is never stretched or shrunk with the box.
import { useEffect, useRef, useState, type RefObject } from "react";

export function useWidth<E extends Element>(initial: number): [RefObject<E>, number] {
  const ref = useRef<E>(null);
  const [width, setWidth] = useState(initial);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => {
      const w = Math.round(el.getBoundingClientRect().width);
      if (w > 0) setWidth(w);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}
