// A fixed-row-height virtual list: only the rows in view (plus a small margin) are in the DOM,
// so a 10,000-record trace scrolls and steps as fast as a short one.
import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';

interface Props {
  count: number;
  rowHeight: number;
  renderRow: (index: number) => ReactNode;
  /** Row to keep in view (scrolled to when it changes). */
  activeIndex?: number;
  overscan?: number;
  className?: string;
  label?: string;
  role?: string;
  /** Extra dependency that forces a re-render of visible rows (e.g. selection). */
  version?: unknown;
  testId?: string;
}

export function VirtualList({ count, rowHeight, renderRow, activeIndex, overscan = 8, className, label, role = 'list', testId }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);

  // The view's height from a ResizeObserver only: its first report comes after the browser's own layout, so
  // mounting the list does not force one.
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight || 400));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Keep the active row visible. When it changed and left the view, this render already draws the rows of the
  // position that shows it, computed from the scroll position and height known (nothing is read from the page);
  // the element is scrolled there before paint, so a growing live trace costs one layout per update, not three.
  const shownActive = useRef<number | undefined>(undefined);
  let viewTop = scrollTop;
  if (activeIndex !== undefined && activeIndex >= 0 && activeIndex !== shownActive.current) {
    const rowTop = activeIndex * rowHeight;
    if (rowTop < scrollTop) viewTop = rowTop;
    else if (rowTop + rowHeight > scrollTop + height) viewTop = Math.max(0, Math.min(rowTop + rowHeight - height, count * rowHeight - height));
  }
  useLayoutEffect(() => {
    shownActive.current = activeIndex;
    const el = ref.current;
    if (!el || viewTop === scrollTop) return;
    el.scrollTop = viewTop;
    // Read back once the write has laid the list out (free now): a scroll the browser clamped keeps its real place.
    setScrollTop(el.scrollTop);
  });

  const first = Math.max(0, Math.floor(viewTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((viewTop + height) / rowHeight) + overscan);
  const items: ReactNode[] = [];
  // Keyed by slot, not by index: scrolling reuses the same DOM nodes instead of creating new ones.
  const slots = Math.ceil(height / rowHeight) + 2 * overscan + 2;
  for (let i = first; i < last; i++) {
    items.push(
      <div key={i % slots} className="vrow" style={{ top: i * rowHeight, height: rowHeight }} role={role === 'list' ? 'listitem' : undefined}>
        {renderRow(i)}
      </div>,
    );
  }
  return (
    <div ref={ref} className={`vlist ${className ?? ''}`} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)} aria-label={label} role={role} tabIndex={0} data-testid={testId}>
      <div className="vlist-inner" style={{ height: count * rowHeight }}>
        {items}
      </div>
    </div>
  );
}
