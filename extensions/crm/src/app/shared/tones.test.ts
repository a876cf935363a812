import { describe, expect, it } from 'vitest';
import { toneBy } from './tones.js';

describe('toneBy', () => {
  const tone = toneBy({ success: ['sent'], danger: ['dead', 'lost'] });
  it('gives the tone whose list names the state', () => {
    expect(tone('sent')).toBe('success');
    expect(tone('lost')).toBe('danger');
  });
  it('gives neutral, or what it is told, for any other state', () => {
    expect(tone('pending')).toBe('neutral');
    expect(toneBy({ success: ['released'] }, 'warning')('open')).toBe('warning');
  });
});
