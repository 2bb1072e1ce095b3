// Where the virtual list's view goes as rows come in or a person steps: the ladder follows the newest row of a
// live trace unless the person scrolled away from the end; a step the person takes is always brought into view.
import { describe, expect, it } from 'vitest';
import { viewTopFor } from '../../src/ui/components/VirtualList.tsx';

const ROW = 30;
const HEIGHT = 300; // ten rows
const shown = (active: number, count: number, height = HEIGHT) => ({ active, count, height, rowHeight: ROW });

describe('viewTopFor', () => {
  it('follows the newest row of a growing trace', () => {
    // Rows 0..19, the view at the end (rows 10..19), then 40 more come in and the newest is followed.
    expect(viewTopFor(shown(19, 20), shown(59, 60), 300, true, false)).toBe(60 * ROW - HEIGHT);
  });

  it('leaves the view where the person scrolled away from the end, until they go back', () => {
    expect(viewTopFor(shown(19, 20), shown(59, 60), 0, true, true)).toBeNull();
    expect(viewTopFor(shown(59, 60), shown(99, 100), 60 * ROW - HEIGHT, true, false)).toBe(100 * ROW - HEIGHT);
  });

  it('brings a row the person moved to into view, even after scrolling away', () => {
    expect(viewTopFor(shown(5, 100), shown(80, 100), 0, false, true)).toBe(81 * ROW - HEIGHT);
    expect(viewTopFor(shown(80, 100), shown(3, 100), 2100, false, false)).toBe(3 * ROW);
    // Going to the end (the cursor follows again, no new rows) while scrolled away.
    expect(viewTopFor(shown(40, 100), shown(99, 100), 0, true, true)).toBe(100 * ROW - HEIGHT);
    // A row already in view moves nothing.
    expect(viewTopFor(shown(4, 100), shown(5, 100), 0, false, false)).toBe(0);
  });

  it('leaves a stepped view alone when rows come in', () => {
    expect(viewTopFor(shown(50, 100), shown(50, 120), 0, false, false)).toBeNull();
  });

  it('keeps the followed row in view when the view changes height', () => {
    expect(viewTopFor(shown(99, 100, 330), shown(99, 100, 300), 100 * ROW - 330, true, false)).toBe(100 * ROW - HEIGHT);
  });

  it('starts a new, shorter list from its own rows, within the scroll range', () => {
    // The last session ended at row 499 and the person had scrolled away; the new one has 12 rows, the newest followed.
    expect(viewTopFor(shown(499, 500), shown(11, 12), 0, true, true)).toBe(12 * ROW - HEIGHT);
    // Fewer rows than fill the view: the top.
    expect(viewTopFor(shown(499, 500), shown(5, 6), 500 * ROW - HEIGHT, true, false)).toBe(0);
  });

  it('before the height is known, places the row by a guess and leaves the clamping to the browser', () => {
    expect(viewTopFor(shown(-1, 0, 0), shown(29, 30, 0), 0, true, false)).toBe(30 * ROW - 400);
  });

  it('leaves the view when there is no active row', () => {
    expect(viewTopFor(shown(10, 20), shown(-1, 0), 120, true, false)).toBeNull();
  });
});
