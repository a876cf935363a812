/** Chip tones of the deal workspace's states (pure). */
export type Tone = 'neutral' | 'success' | 'warning' | 'danger';

export function dealStatusTone(status: string): Tone {
  return status === 'won'
    ? 'success'
    : status === 'lost' || status === 'cancelled'
      ? 'danger'
      : status === 'submitted'
        ? 'warning'
        : 'neutral';
}

export function pricingTone(status: string): Tone {
  return status === 'approved' ? 'success' : status === 'pending_approval' ? 'warning' : 'neutral';
}

export function approvalTone(status: string): Tone {
  return status === 'approved' ? 'success' : status === 'rejected' ? 'danger' : 'warning';
}

export function poTone(status: string): Tone {
  return status === 'released' ? 'success' : status === 'cancelled' ? 'danger' : 'warning';
}
