// A flow grade's line as the map draws it (colour, width and dash), for legends and lists: the
// grade reads from the pattern as well as the colour.
import { GRADE_COLORS, GRADE_STROKES, type Grade } from "../../lib/colors";

export function GradeSwatch({ grade, width = 28 }: { grade: Grade; width?: number }) {
  const s = GRADE_STROKES[grade];
  const h = 8;
  // A legend line is short: the cap's half width is kept inside the box.
  const inset = s.lineCap === "round" ? s.weight / 2 : 0;
  return (
    <svg
      width={width}
      height={h}
      viewBox={`0 0 ${width} ${h}`}
      aria-hidden="true"
      className="shrink-0"
      data-testid={`grade-swatch-${grade}`}
    >
      <line
        x1={inset}
        x2={width - inset}
        y1={h / 2}
        y2={h / 2}
        stroke={GRADE_COLORS[grade]}
        strokeWidth={Math.min(s.weight, h)}
        strokeDasharray={s.dashArray}
        strokeLinecap={s.lineCap}
      />
    </svg>
  );
}
