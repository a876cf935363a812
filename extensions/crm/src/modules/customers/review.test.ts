import { describe, expect, it } from 'vitest';
import type { Grant } from '../orgs/access.js';
import { checkMergeTarget, checkReview, profileStatusAfter } from './review.js';

const manager: Grant[] = [{ orgId: 'mod', orgCode: 'MOD', role: 'sales_manager' }];
const owner: Grant[] = [{ orgId: 'mod', orgCode: 'MOD', role: 'sales_owner' }];

describe('customers pending review', () => {
  it('a manager of the org decides a pending customer', () => {
    expect(checkReview({ orgId: 'mod', status: 'pending_review' }, manager)).toEqual({ ok: true });
    expect(checkReview({ orgId: 'jtr', status: 'pending_review' }, null)).toEqual({ ok: true });
  });

  it('another org is not found, a sales owner is not allowed, a decided one is not pending', () => {
    expect(checkReview(undefined, manager)).toMatchObject({ ok: false, reason: 'not_found' });
    expect(checkReview({ orgId: 'jtr', status: 'pending_review' }, manager)).toMatchObject({ ok: false, reason: 'not_found' });
    expect(checkReview({ orgId: 'mod', status: 'pending_review' }, owner)).toMatchObject({ ok: false, reason: 'not_allowed' });
    expect(checkReview({ orgId: 'mod', status: 'active' }, manager)).toMatchObject({ ok: false, reason: 'not_pending' });
  });

  it('merges only into another, non-pending customer of the same org', () => {
    const pending = [{ id: 'p1', orgId: 'mod' }];
    expect(checkMergeTarget({ id: 't', orgId: 'mod', status: 'active' }, pending)).toEqual({ ok: true });
    expect(checkMergeTarget({ id: 't', orgId: 'mod', status: 'inactive' }, pending)).toEqual({ ok: true });
    expect(checkMergeTarget({ id: 't', orgId: 'jtr', status: 'active' }, pending).ok).toBe(false);
    expect(checkMergeTarget({ id: 'p1', orgId: 'mod', status: 'active' }, pending).ok).toBe(false);
    expect(checkMergeTarget({ id: 't', orgId: 'mod', status: 'pending_review' }, pending).ok).toBe(false);
    expect(checkMergeTarget(undefined, pending).ok).toBe(false);
  });

  it('approve activates, reject and merge retire the pending profile', () => {
    expect(profileStatusAfter('approve')).toBe('active');
    expect(profileStatusAfter('reject')).toBe('inactive');
    expect(profileStatusAfter('merge')).toBe('inactive');
  });
});
