/**
 * Deal-line selection (stories 22, 23), called by the deal-line filter hooks: a sales owner cannot
 * put a quality on a line that has no list price in the deal's org, or whose only prices are stale
 * while it is in stock; the refusal is word for word the one for a quality that does not exist.
 * Roles that see the whole catalogue still need a quality of the deal's org. System and admin
 * writes (migrations, seeds) are not checked.
 */
import type { Knex } from 'knex';
import { CrmError } from '../../shared/errors.js';
import { actorOf, type Accountability } from '../../shared/directus.js';
import { isUuid } from '../../shared/ids.js';
import { can } from '../orgs/access.js';
import { loadUserOrgContext } from '../orgs/repository.js';

import { loadListPrices, loadQuality } from './repository.js';
import { isQualityVisibleToSales } from './rules.js';

const qualityNotFound = () =>
  new CrmError('invalid_input', 'QUALITY_NOT_FOUND', "quality_code: no such quality in the deal's org", [
    { field: 'quality_code', reason: "no such quality in the deal's org" },
  ]);

export async function checkQualitySelectable(
  db: Knex,
  accountability: Accountability | null,
  orgId: string,
  qualityCode: unknown,
): Promise<void> {
  const actor = actorOf(accountability);
  if (actor.kind !== 'user') return;
  if (typeof qualityCode !== 'string') throw qualityNotFound();
  const quality = await loadQuality(db, orgId, qualityCode);
  if (!quality) throw qualityNotFound();
  const { grants } = await loadUserOrgContext(db, actor.userId);
  if (can(grants, orgId, 'quality.see_all')) return;
  if (!isQualityVisibleToSales(await loadListPrices(db, quality.id), new Date())) throw qualityNotFound();
}

/**
 * On update (before Directus' access check): only when the quality changes, and silent for lines
 * out of the caller's reach so that Directus answers its uniform 403.
 */
export async function checkQualityChange(
  payload: Record<string, unknown>,
  keys: string[],
  db: Knex,
  accountability: Accountability | null,
): Promise<void> {
  if (!('quality_code' in payload)) return;
  const actor = actorOf(accountability);
  if (actor.kind !== 'user') return;
  const lines: Array<{ org_id: string }> = await db('deal_lines').whereIn('id', keys.filter(isUuid)).select('org_id');
  const { grants } = await loadUserOrgContext(db, actor.userId);
  if (lines.length !== keys.length || lines.some((l) => !can(grants, l.org_id, 'deal_line.write'))) return;
  for (const orgId of new Set(lines.map((l) => l.org_id))) await checkQualitySelectable(db, accountability, orgId, payload['quality_code']);
}
