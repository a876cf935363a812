/** Chip tones of the deal workspace's states (pure). */
import { toneBy } from '../shared/tones.js';

export type { Tone } from '../shared/data-table.js';

export const dealStatusTone = toneBy({ success: ['won'], danger: ['lost', 'cancelled'], warning: ['submitted'] });
export const pricingTone = toneBy({ success: ['approved'], warning: ['pending_approval'] });
export const approvalTone = toneBy({ success: ['approved'], danger: ['rejected'] }, 'warning');
export const poTone = toneBy({ success: ['released'], danger: ['cancelled'] }, 'warning');
