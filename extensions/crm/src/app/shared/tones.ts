/**
 * A status chip's tone (StatusChip, a table's `chip`) from a state: the tone whose list names it,
 * else `otherwise` (neutral unless said). One line declares a page's states:
 * `toneBy({ success: ['sent'], warning: ['failed'], danger: ['dead'] })`.
 */
import type { Tone } from './data-table.js';

export const toneBy =
  (lists: Partial<Record<Tone, readonly string[]>>, otherwise: Tone = 'neutral') =>
  (state: string | null): Tone =>
    (Object.keys(lists) as Tone[]).find((tone) => state !== null && lists[tone]?.includes(state)) ?? otherwise;
