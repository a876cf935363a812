/**
 * FX use cases (story 14): read current rates and history, look a rate up as of a moment, add a
 * rate. Rates are group-wide (not org data): every signed-in user with a grant reads them; pricing
 * managers and finance (and admins) add them. Each addition is audited with who, when and note.
 */
import { writeAudit } from '../../shared/audit.js';
import { CrmError } from '../../shared/errors.js';
import type { RequestScope } from '../../shared/services.js';
import { requireAccess } from '../orgs/require-access.js';
import type { FxPair } from './rates.js';
import { currentAndScheduled, insertRate, rateHistory, rateRowAsOf, type FxRateView } from './repository.js';

/** Rates are group-wide, but a user without any grant sees no CRM data at all, FX rates included. */
async function requireReader(scope: RequestScope) {
  const access = await requireAccess(scope, {
    in: 'any_org',
    forbidden: () => new CrmError('forbidden', 'FX_NOT_ALLOWED', 'you hold no org grant, so you see no CRM data'),
  });
  return { userId: access.userId, mayWrite: access.may('fx.write') };
}

export async function readFxOverview(scope: RequestScope, pair: FxPair | null, limit: number) {
  const { mayWrite } = await requireReader(scope);
  const now = new Date();
  return {
    now: now.toISOString(),
    may_add: mayWrite,
    current: await currentAndScheduled(scope.database, now),
    history: await rateHistory(scope.database, pair, limit),
  };
}

export async function lookUpRateAsOf(scope: RequestScope, pair: FxPair, at: Date): Promise<FxRateView> {
  await requireReader(scope);
  const rate = await rateRowAsOf(scope.database, pair, at);
  if (!rate)
    throw new CrmError('not_found', 'FX_RATE_NOT_FOUND', `no ${pair} rate is effective at ${at.toISOString()}`, [
      { field: 'at', reason: `no ${pair} rate effective at or before this moment` },
    ]);
  return rate;
}

export async function addFxRate(
  scope: RequestScope,
  input: { pair: FxPair; rate: string; effective_at: Date; note: string },
): Promise<FxRateView> {
  const { userId, mayWrite } = await requireReader(scope);
  if (!mayWrite) throw new CrmError('forbidden', 'FX_NOT_ALLOWED', 'only pricing managers, finance and admins add FX rates');
  const recordedAt = new Date();
  const id = await scope.database.transaction(async (trx) => {
    const rateId = await insertRate(trx, {
      pair: input.pair,
      rate: input.rate,
      effectiveAt: input.effective_at,
      note: input.note,
      userId,
      recordedAt,
    });
    await writeAudit(trx, [
      {
        // FX rates belong to the group, not to one org: the entry is org-less (admins read it).
        orgId: null,
        at: recordedAt,
        actor: userId,
        action: 'fx_rate.added',
        collection: 'fx_rates',
        entityId: rateId,
        note: input.note,
        details: { pair: input.pair, rate: input.rate, effective_at: input.effective_at.toISOString() },
      },
    ]);
    return rateId;
  });
  const [created] = (await rateHistory(scope.database, input.pair, 50)).filter((r) => r.id === id);
  return created!;
}
