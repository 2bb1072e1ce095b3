// Where the virtual list's view goes as rows come in or a person steps: the ladder follows the newest row of a
// live trace unless the person scrolled away from it; a step the person takes is always brought into view.
import { describe, expect, it } from 'vitest';
import { viewTopFor } from '../../src/ui/components/VirtualList.tsx';

const ROW = 30;
const HEIGHT = 300; // ten rows
const shown = (active: number, count: number) => ({ active, count, height: HEIGHT, rowHeight: ROW });

describe('viewTopFor', () => {
  it('follows the newest row while the last one followed was in view', () => {
    // Rows 0..19, the view at the end (rows 10..19), then 40 more come in and the newest is followed.
    expect(viewTopFor(shown(19, 20), shown(59, 60), 300, true)).toBe(60 * ROW - HEIGHT);
  });

  it('stays where a person scrolled away from the followed row', () => {
    // The person scrolled to the top while row 19 was followed: new rows do not pull the view back.
    expect(viewTopFor(shown(19, 20), shown(59, 60), 0, true)).toBe(0);
    // Back at the end, following resumes.
    expect(viewTopFor(shown(59, 60), shown(99, 100), 60 * ROW - HEIGHT, true)).toBe(100 * ROW - HEIGHT);
  });

  it('brings a row the person stepped to into view, wherever the view was', () => {
    expect(viewTopFor(shown(5, 100), shown(80, 100), 0, false)).toBe(81 * ROW - HEIGHT);
    expect(viewTopFor(shown(80, 100), shown(3, 100), 2100, false)).toBe(3 * ROW);
    // A row already in view moves nothing.
    expect(viewTopFor(shown(4, 100), shown(5, 100), 0, false)).toBe(0);
  });

  it('leaves a view the person scrolled when only the rows or the height change', () => {
    expect(viewTopFor(shown(50, 100), shown(50, 120), 0, false)).toBe(0);
  });

  it('starts a new, shorter list from its own rows, within the scroll range', () => {
    // The last session ended at row 499 (view at its end); the new one has 12 rows, the newest followed.
    expect(viewTopFor(shown(499, 500), shown(11, 12), 500 * ROW - HEIGHT, true)).toBe(12 * ROW - HEIGHT);
    // Fewer rows than fill the view: the top.
    expect(viewTopFor(shown(499, 500), shown(5, 6), 500 * ROW - HEIGHT, true)).toBe(0);
  });

  it('keeps the position when there is no active row', () => {
    expect(viewTopFor(shown(10, 20), shown(-1, 0), 120, true)).toBe(120);
  });
});
