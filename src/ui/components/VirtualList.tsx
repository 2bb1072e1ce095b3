// A fixed-row-height virtual list: only the rows in view (plus a small margin) are in the DOM,
// so a 10,000-record trace scrolls and steps as fast as a short one.
import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';

interface Props {
  count: number;
  rowHeight: number;
  renderRow: (index: number) => ReactNode;
  /** Row to keep in view (scrolled to when it changes). */
  activeIndex?: number;
  /** The active row follows a growing live trace: the view follows it unless the person scrolled off the end (they
   * are left where they are until they scroll back or go to the end). */
  follow?: boolean;
  overscan?: number;
  className?: string;
  label?: string;
  role?: string;
  /** Extra dependency that forces a re-render of visible rows (e.g. selection). */
  version?: unknown;
  testId?: string;
}

/** What the view last kept in view: the active row, with the row count, height and row height it was placed with. */
export interface Shown {
  active: number;
  count: number;
  height: number;
  rowHeight: number;
}

/**
 * Where the view goes when the active row, the row count or the geometry changes (`was` what it showed, `top` its
 * position, `away`: the person scrolled the view off the end of the list), or null to leave it. The active row is
 * brought into view when the list is new (nothing shown yet, or fewer rows than before), when a person moved it
 * (stepping, or going to the end), and, following a growing live trace, unless the person scrolled away. Within the
 * scroll range once the view's height is known (0: not yet; the browser clamps, and the next change places it).
 */
export function viewTopFor(was: Shown, now: Shown, top: number, follow: boolean, away: boolean): number | null {
  if (now.active < 0) return null;
  const fresh = was.active < 0 || now.count < was.count;
  const moved = now.active !== was.active;
  const personMoved = moved && (!follow || now.count === was.count);
  if (!fresh && !personMoved && !(follow && !away)) return null;
  const height = now.height || DEFAULT_HEIGHT;
  // The newest row followed: the view's bottom at the list's end, whatever the position noted last.
  if (follow && now.active === now.count - 1) return Math.max(0, now.count * now.rowHeight - height);
  const rowTop = now.active * now.rowHeight;
  let next = top;
  if (rowTop < next) next = rowTop;
  else if (rowTop + now.rowHeight > next + height) next = rowTop + now.rowHeight - height;
  if (now.height) next = Math.min(next, now.count * now.rowHeight - now.height);
  return Math.max(0, next);
}

/** The rows drawn before the view's height is known. */
const DEFAULT_HEIGHT = 400;

export function VirtualList({ count, rowHeight, renderRow, activeIndex, follow = false, overscan = 8, className, label, role = 'list', testId }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  /** 0 until the ResizeObserver's first report. */
  const [height, setHeight] = useState(0);
  // What the view last placed and where it is, one state: the move a render decides and a scroll event's position
  // are updates of the same value, applied in order (as two states, a render after a key's move was seen with the
  // new step but the old position: e2e/ladder-scroll.spec.ts).
  const [view, setView] = useState<Shown & { top: number }>({ active: -1, count, height, rowHeight, top: 0 });
  const scrollTop = view.top;
  /** The element's scroll position as last written or read: a move is written once, never read back. */
  const elementTop = useRef(0);
  /** The person scrolled the view off the end of the list: a followed trace leaves it there (see onScroll). */
  const away = useRef(false);

  // The view's height from a ResizeObserver only: its first report comes after the browser's own layout, so
  // mounting the list does not force one.
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Keep the active row in view, worked out while rendering from the position and height already known: the rows
  // are drawn where the view will be and the element is scrolled once after the commit (a growing live trace
  // costs one render per take-in, with no layout read and no second render from the scroll it causes).
  const active = activeIndex ?? -1;
  if (active !== view.active || count !== view.count || height !== view.height || rowHeight !== view.rowHeight) {
    const next = { active, count, height, rowHeight };
    const top = viewTopFor(view, next, scrollTop, follow, away.current);
    if (top !== null) away.current = false;
    setView({ ...next, top: top ?? scrollTop });
  }

  // The element is scrolled in the next frame, before its layout (the rows are already drawn where it will be).
  // Scrolled here, inside React's commit, the browser laid the whole page out at once to place it (3-5 ms when a new
  // session is drawn) inside the task that handled the update; in the frame, several commits (a take-in while
  // streaming, the view resized) share one layout.
  // The frame's scroll events come before it: one reporting a position the element had before this move was decided
  // is older news (focusing a row scrolls it into view; a key then moves the step) and must not take the move back,
  // or the two positions take turns, frame after frame. `decidedAt`: when the pending move was decided (0: none).
  const scrollFrame = useRef(0);
  const decidedAt = useRef(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || elementTop.current === scrollTop) return;
    elementTop.current = scrollTop;
    cancelAnimationFrame(scrollFrame.current);
    decidedAt.current = performance.now();
    scrollFrame.current = requestAnimationFrame(() => {
      decidedAt.current = 0;
      elementTop.current = scrollTop;
      el.scrollTop = scrollTop;
    });
  }, [scrollTop]);
  useEffect(() => () => cancelAnimationFrame(scrollFrame.current), []);

  // A list that shrank (a new session) is drawn from where the browser will have clamped its view.
  const viewHeight = height || DEFAULT_HEIGHT;
  const viewTop = Math.max(0, Math.min(scrollTop, count * rowHeight - viewHeight));
  const first = Math.max(0, Math.floor(viewTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((viewTop + viewHeight) / rowHeight) + overscan);
  const items: ReactNode[] = [];
  // Keyed by slot, not by index: scrolling reuses the same DOM nodes instead of creating new ones.
  const slots = Math.ceil(viewHeight / rowHeight) + 2 * overscan + 2;
  for (let i = first; i < last; i++) {
    items.push(
      <div key={i % slots} className="vrow" style={{ top: i * rowHeight, height: rowHeight }} role={role === 'list' ? 'listitem' : undefined}>
        {renderRow(i)}
      </div>,
    );
  }
  // A scroll the person made (within a second of their wheel, touch, pointer or key on the list; never the list's own
  // moves, nor the browser's when the view changes size) says whether the view is still at the end of the list.
  const personAt = useRef(-Infinity);
  const personInput = () => void (personAt.current = performance.now());
  const onScroll = (e: React.UIEvent<HTMLDivElement>) => {
    const el = e.currentTarget;
    const top = el.scrollTop;
    if (decidedAt.current !== 0) {
      // A move is pending: a scroll from before it was decided (no person's input since) is left to it; a person's
      // scroll since wins over it.
      if (personAt.current <= decidedAt.current) return;
      cancelAnimationFrame(scrollFrame.current);
      decidedAt.current = 0;
    }
    if (top !== elementTop.current && performance.now() - personAt.current < 1000) away.current = top + el.clientHeight < el.scrollHeight - rowHeight;
    elementTop.current = top;
    setView((v) => (v.top === top ? v : { ...v, top }));
  };
  return (
    <div ref={ref} className={`vlist ${className ?? ''}`} onScroll={onScroll} onWheel={personInput} onTouchMove={personInput} onPointerDown={personInput} onKeyDown={personInput} aria-label={label} role={role} tabIndex={0} data-testid={testId}>
      <div className="vlist-inner" style={{ height: count * rowHeight }}>
        {items}
      </div>
    </div>
  );
}
