// A fixed-row-height virtual list: only the rows in view (plus a small margin) are in the DOM,
// so a 10,000-record trace scrolls and steps as fast as a short one.
import { useEffect, useRef, useState, type ReactNode } from 'react';

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

  // Keep the active row visible; scroll only when it has left the view. The scroll position and height already
  // known say when the row is surely in view (nothing is read back: a growing live trace does not force a layout
  // on every batch); otherwise the element is measured, scrolled, and the position it took is kept.
  useEffect(() => {
    const el = ref.current;
    if (!el || activeIndex === undefined || activeIndex < 0) return;
    const top = activeIndex * rowHeight;
    if (top >= scrollTop && top + rowHeight <= scrollTop + height) return;
    const viewTop = el.scrollTop;
    const viewHeight = el.clientHeight;
    if (top < viewTop) el.scrollTop = top;
    else if (top + rowHeight > viewTop + viewHeight) el.scrollTop = top + rowHeight - viewHeight;
    setScrollTop(el.scrollTop);
  }, [activeIndex, rowHeight]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
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
