/**
 * Supply milestones, WMS → CRM (stories 11, 68, 70).
 *
 * Incoming supply (manufacturing orders and imports) is tracked where the goods arrive, in the
 * WMS; /supply-tracking in the CRM shows it (story 11), the weekly digests list
 * manufacturing/import items (story 68) and the internal eta_near / soft_arrival_confirmed emails
 * fire from it (story 70). Each event is the full current state of one supply item, so ETA changes
 * and milestone changes are the same event type and the CRM derives transitions (e.g. "soft
 * arrival confirmed just now") by comparing with its mirror.
 */
import { z } from 'zod';
import { boundedText, entityId, IsoDate, Meters, OrgCode, QualityCode, UtcDateTime } from '../primitives.js';
import { defineSequencedEvent } from './define.js';
import { requireUnique } from './rules.js';

export const SUPPLY_TYPES = ['manufacturing', 'import'] as const;

export const MANUFACTURING_MILESTONES = ['ordered', 'in_production', 'production_completed'] as const;
export const IMPORT_MILESTONES = ['ordered', 'shipped_from_origin', 'at_port', 'customs_cleared'] as const;
/** Soft arrival: goods are physically in, not yet counted into stock (that is a stock.changed). */
export const COMMON_MILESTONES = ['soft_arrival_confirmed', 'received', 'cancelled'] as const;
export const SUPPLY_MILESTONES = [
  'ordered',
  'in_production',
  'production_completed',
  'shipped_from_origin',
  'at_port',
  'customs_cleared',
  ...COMMON_MILESTONES,
] as const;

const milestonesByType: Readonly<Record<(typeof SUPPLY_TYPES)[number], readonly string[]>> = {
  manufacturing: [...MANUFACTURING_MILESTONES, ...COMMON_MILESTONES],
  import: [...IMPORT_MILESTONES, ...COMMON_MILESTONES],
};

const SupplyLine = z.strictObject({
  quality_code: QualityCode,
  meters: Meters.describe('Meters expected for this quality.'),
});

export const SupplyUpdatedPayload = z
  .strictObject({
    supply_id: entityId('WMS id of the supply item (manufacturing order or import shipment).'),
    supply_type: z.enum(SUPPLY_TYPES),
    owner_org: OrgCode.describe('Org that will own the goods.'),
    supplier_name: boundedText(200, 'Mill or supplier.'),
    lines: z.array(SupplyLine).min(1).max(200).describe('Expected goods, each quality once.'),
    milestone: z
      .enum(SUPPLY_MILESTONES)
      .describe(
        `Current milestone. Manufacturing: ${milestonesByType.manufacturing.join(', ')}. ` +
          `Import: ${milestonesByType.import.join(', ')}.`,
      ),
    milestone_at: UtcDateTime.describe('When the current milestone was reached.'),
    eta_date: IsoDate.optional().describe('Expected arrival date, when known (drives the eta_near email).'),
    eta_text: boundedText(200, 'Free-text ETA when no date is known yet.').optional(),
    soft_arrival_confirmed_at: UtcDateTime.optional().describe(
      'When arrival was soft-confirmed. Rule: present once milestone is soft_arrival_confirmed or received.',
    ),
  })
  .superRefine((supply, ctx) => {
    if (!milestonesByType[supply.supply_type].includes(supply.milestone)) {
      ctx.addIssue({ code: 'custom', path: ['milestone'], message: `${supply.milestone} is not a ${supply.supply_type} milestone` });
    }
    const arrived = supply.milestone === 'soft_arrival_confirmed' || supply.milestone === 'received';
    if (arrived && supply.soft_arrival_confirmed_at === undefined) {
      ctx.addIssue({ code: 'custom', path: ['soft_arrival_confirmed_at'], message: `required when milestone is ${supply.milestone}` });
    }
    requireUnique(ctx, supply.lines, (line) => line.quality_code, ['lines'], 'quality_code');
  })
  .describe('Current state of one incoming supply item.');

export const supplyUpdated = defineSequencedEvent({
  type: 'supply.updated',
  source: 'wms',
  summary: 'Milestone or ETA of a manufacturing/import supply item changed.',
  description:
    'The CRM upserts its supply mirror by supply_id when the sequence is newer, shows it on /supply-tracking, ' +
    'lists it in the weekly digests and sends eta_near / soft_arrival_confirmed internal emails on the ' +
    'corresponding transitions. Each supply item changes many times, so the key id includes the sequence. ' +
    'Stories 11, 68, 70.',
  stories: [11, 68, 70],
  state: 'absolute',
  payload: SupplyUpdatedPayload,
  key: {
    entity: 'supply',
    action: 'updated',
    idTemplate: '{supply_id}.{sequence}',
    deriveId: (event) => `${event.payload.supply_id}.${event.sequence}`,
  },
  ordering: {
    scope: 'supply_id',
    scopeKeys: (event) => [`supply:${event.payload.supply_id}`],
  },
});
