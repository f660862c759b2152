// A Leaflet control whose content is React: the map's own corner, its own keyboard order, and
// clicks and wheel turns that stay in the control instead of moving the map.
import { useEffect, useState, type ReactNode } from "react";
import { createPortal } from "react-dom";
import { Control, DomEvent, type ControlPosition } from "leaflet";
import { useMap } from "react-leaflet";

export function MapControl({
  position,
  className = "",
  children,
}: {
  position: ControlPosition;
  className?: string;
  children: ReactNode;
}) {
  const map = useMap();
  const [container] = useState(() => document.createElement("div"));
  useEffect(() => {
    container.className = `leaflet-control ${className}`;
  }, [container, className]);
  useEffect(() => {
    const control = new Control({ position });
    control.onAdd = () => container;
    control.addTo(map);
    DomEvent.disableClickPropagation(container);
    DomEvent.disableScrollPropagation(container);
    return () => {
      control.remove();
    };
  }, [map, container, position]);
  return createPortal(children, container);
}
