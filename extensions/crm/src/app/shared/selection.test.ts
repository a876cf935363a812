import { describe, expect, it } from 'vitest';
import { allSelected, keepExisting, toggleAllIds, toggleId } from './selection.js';

describe('row selection', () => {
  it('toggles one id in and out', () => {
    const list: string[] = [];
    toggleId(list, 'a');
    toggleId(list, 'b');
    expect(list).toEqual(['a', 'b']);
    toggleId(list, 'a');
    expect(list).toEqual(['b']);
  });
  it('selects all, then none; an empty list selects nothing', () => {
    const list = ['b'];
    toggleAllIds(list, ['a', 'b', 'c']);
    expect(list).toEqual(['a', 'b', 'c']);
    expect(allSelected(list, ['a', 'b', 'c'])).toBe(true);
    toggleAllIds(list, ['a', 'b', 'c']);
    expect(list).toEqual([]);
    toggleAllIds(list, []);
    expect(list).toEqual([]);
    expect(allSelected(list, [])).toBe(false);
  });
  it('keeps only the ids that still exist after a reload', () => {
    const list = ['a', 'b', 'c'];
    keepExisting(list, ['c', 'a', 'z']);
    expect(list).toEqual(['a', 'c']);
  });
});
