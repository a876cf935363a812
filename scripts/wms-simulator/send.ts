/**
 * WMS simulator, sending side: signs and posts contract v1.0.23 events to the CRM's
 * POST /wms/events, including the awkward cases a real WMS produces.
 *
 *   node --import tsx scripts/wms-simulator/send.ts <scenario> [options]
 *
 * Scenarios:
 *   stock          one stock.changed (--quality, --owner MOD|JTR, --warehouse, --on-hand, --sequence)
 *   duplicate      the same stock.changed twice (second delivery under a new batch id): applied, duplicate
 *   out-of-order   sequences 5, 3, 7 for one scope: applied, stale, applied
 *   conflict       the same key with another payload: applied, then IDEMPOTENCY_KEY_CONFLICT
 *   malformed      events with broken idempotency keys: MALFORMED_IDEMPOTENCY_KEY each
 *   unsigned       a delivery without signature headers: 400 MISSING_WEBHOOK_HEADERS
 *   replay         one delivery signed 10 minutes ago: 401 STALE_TIMESTAMP
 *   lifecycle      for a deal (--deal CODE; its lines are read from the CRM as admin): reservation,
 *                  Abra checks, order picking → delivered, a send-back, a gate override, then a
 *                  supply item for the first line's quality (ordered → at port → soft arrival) and
 *                  its WAC after receipt. --po PO-NUMBER names a PO the CRM released (the mirrors
 *                  then link it by id); without it a random PO number is used (po_id stays empty)
 *   file           the events in --file (a JSON array, or one event), signed as one batch
 *
 * Options: --url (default http://localhost:$PORT), --secret (default WMS_WEBHOOK_SECRET or the
 * documented demo secret), --admin-password (lifecycle only, default demo-password).
 * Prints each request's status and per-event results; exits 1 if the CRM could not be reached.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULTS } from '../lib/config.js';
import {
  batchOf,
  centralStockCheck,
  orderEvent,
  randomId,
  randomPoNumber,
  reservation,
  send,
  shipmentGateOverridden,
  shortageSentBack,
  stockChanged,
  supplyUpdated,
  wacChanged,
  receiptRecorded,
  type DealLineTarget,
  type Delivery,
  type SendOptions,
  type WireEvent,
} from './lib.js';

const SCENARIOS = [
  'stock',
  'duplicate',
  'out-of-order',
  'conflict',
  'malformed',
  'unsigned',
  'replay',
  'lifecycle',
  'file',
  'receipt',
] as const;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string' },
    secret: { type: 'string' },
    quality: { type: 'string', default: 'SAT-120/B' },
    owner: { type: 'string', default: 'MOD' },
    warehouse: { type: 'string', default: 'IST-01' },
    'on-hand': { type: 'string', default: '1250.50' },
    sequence: { type: 'string' },
    deal: { type: 'string' },
    po: { type: 'string' },
    file: { type: 'string' },
    'admin-password': { type: 'string', default: DEFAULTS.DEMO_PASSWORD },
  },
});

const Args = z.object({
  scenario: z.enum(SCENARIOS, { message: `scenario must be one of: ${SCENARIOS.join(', ')}` }),
  url: z.url({ message: '--url must be an absolute URL' }),
  secret: z.string().min(24, '--secret must be at least 24 characters'),
  owner: z.enum(['MOD', 'JTR'], { message: '--owner must be MOD or JTR' }),
  onHand: z.string().regex(/^(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?$/, '--on-hand must be meters as a decimal string, e.g. 1250.50'),
  sequence: z.coerce.number().int().positive('--sequence must be a positive integer'),
});
const parsed = Args.safeParse({
  scenario: positionals[0],
  url: values.url ?? `http://localhost:${process.env['PORT'] ?? DEFAULTS.PORT}`,
  secret: values.secret ?? process.env['WMS_WEBHOOK_SECRET'] ?? DEFAULTS.WMS_WEBHOOK_SECRET_DEMO,
  owner: values.owner,
  onHand: values['on-hand'],
  sequence: values.sequence ?? Math.floor(Date.now() / 1000),
});
if (!parsed.success) {
  console.error(parsed.error.issues.map((issue) => `✗ ${issue.message}`).join('\n'));
  console.error('usage: node --import tsx scripts/wms-simulator/send.ts <scenario> [options]  (see the header of this file)');
  process.exit(2);
}
const args = parsed.data;

async function deliver(label: string, delivery: Delivery, options: SendOptions = { secrets: [args.secret] }): Promise<void> {
  const response = await send(args.url, delivery, options);
  const summary = response.body.results
    ? response.body.results
        .map((r) => {
          if (!r.error) return r.status;
          const issues = r.error.issues?.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
          return `${r.status} ${r.error.code}${r.error.detail_code ? `/${r.error.detail_code}` : ''}${issues ? ` (${issues})` : ''}`;
        })
        .join(', ')
    : `${response.body.error?.code}: ${response.body.error?.message}`;
  console.log(`${label.padEnd(34)} HTTP ${response.status}  ${summary}`);
}

const events = (label: string, list: unknown[]) => deliver(label, batchOf(list));

function stock(sequence: number, onHand = args.onHand): WireEvent {
  return stockChanged({
    sequence,
    scopes: [
      {
        owner_org: args.owner,
        quality_code: values.quality!,
        warehouse_code: values.warehouse!,
        on_hand_meters: onHand,
        roll_count: onHand === '0' ? 0 : 10,
        lot_count: onHand === '0' ? 0 : 2,
      },
    ],
  });
}

async function dealTargets(dealCode: string): Promise<DealLineTarget[]> {
  const login = await fetch(`${args.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: DEFAULTS.ADMIN_EMAIL, password: values['admin-password'] }),
  }).then((r) => r.json() as Promise<{ data?: { access_token: string } }>);
  if (!login.data) throw new Error('admin login failed (lifecycle reads the deal lines as admin)');
  const query = `fields=id,quality_code,deal_id.code,deal_id.org_id.code&filter[deal_id][code][_eq]=${encodeURIComponent(dealCode)}&sort=line_no`;
  const lines = await fetch(`${args.url}/items/deal_lines?${query}`, {
    headers: { authorization: `Bearer ${login.data.access_token}` },
  }).then(
    (r) =>
      r.json() as Promise<{
        data: Array<{ id: string; quality_code: string; deal_id: { code: string; org_id: { code: 'MOD' | 'JTR' } } }>;
      }>,
  );
  if (!lines.data?.length) throw new Error(`deal ${dealCode} has no lines (or does not exist)`);
  return lines.data.map((line) => ({
    orgCode: line.deal_id.org_id.code,
    dealCode: line.deal_id.code,
    dealLineId: line.id,
    qualityCode: line.quality_code,
  }));
}

try {
  switch (args.scenario) {
    case 'stock':
      await events('stock.changed', [stock(args.sequence)]);
      break;
    case 'receipt': {
      // A goods receipt of three rolls for costing (docs/costing.md): then match it to an invoice line.
      const receipt = receiptRecorded({
        ownerOrg: args.owner as 'MOD' | 'JTR',
        warehouseCode: values.warehouse!,
        rolls: ['400.00', '350.25', '300.00'].map((meters) => ({ quality_code: values.quality!, meters })),
      });
      await events(`receipt.recorded ${(receipt['payload'] as { receipt_id: string }).receipt_id}`, [receipt]);
      break;
    }
    case 'duplicate': {
      const event = stock(args.sequence);
      await events('stock.changed', [event]);
      await events('same event, new delivery', [event]);
      break;
    }
    case 'out-of-order':
      await events('sequence 5', [stock(5, '500.00')]);
      await events('sequence 3 (late)', [stock(3, '300.00')]);
      await events('sequence 7', [stock(7, '700.00')]);
      break;
    case 'conflict': {
      const event = stock(args.sequence, '100.00');
      await events('original', [event]);
      const altered = structuredClone(event);
      const scope = (altered['payload'] as { scopes: Array<Record<string, unknown>> }).scopes[0]!;
      Object.assign(scope, { on_hand_meters: '999.00', available_meters: '999.00' });
      await events('same key, other payload', [altered]);
      break;
    }
    case 'malformed':
      await events(
        'broken keys',
        ['wms:stock:TB-1:changed', 'wms:stock:TB 1:changed:v1', 'erp:stock:TB-1:changed:v1', 'wms:stock:TB-1:changed:v01', ''].map(
          (key) => ({ ...stock(args.sequence), idempotency_key: key }),
        ),
      );
      break;
    case 'unsigned':
      await deliver('unsigned', batchOf([stock(args.sequence)]), {});
      break;
    case 'replay':
      await deliver('signed 10 minutes ago', batchOf([stock(args.sequence)]), {
        secrets: [args.secret],
        nowSeconds: Math.floor(Date.now() / 1000) - 600,
      });
      break;
    case 'lifecycle': {
      if (!values.deal) throw new Error('lifecycle needs --deal <deal code>, e.g. one from the admin app');
      const targets = await dealTargets(values.deal);
      const [first] = targets;
      const po = values.po ?? randomPoNumber(first!.orgCode);
      const reservationId = randomId('RSV');
      await events('reservation.created', [reservation('created', { reservationId, sequence: 1, target: first! })]);
      for (const [index, target] of targets.entries()) {
        await events(`central_stock_check.completed #${index + 1}`, [
          centralStockCheck('completed', { sequence: 1, target, result: index === 0 ? 'partial' : 'not_found', etaText: '2 weeks' }),
        ]);
      }
      await events('shortage.sent_back', [
        shortageSentBack({ targets, checks: targets.map((_, i) => ({ result: i === 0 ? 'partial' : 'not_found' })) }),
      ]);
      const steps = ['picking_started', 'prepared', 'shipped', 'delivered'] as const;
      for (const [index, step] of steps.entries())
        await events(`order.${step}`, [orderEvent(step, { poNumber: po, sequence: index + 1, target: first! })]);
      await events('shipment_gate.overridden', [shipmentGateOverridden({ orgCode: first!.orgCode, poNumber: po })]);
      await events('reservation.released', [reservation('released', { reservationId, sequence: 2, target: first! })]);
      const supplyId = randomId('SUP');
      const supply = { supplyId, ownerOrg: first!.orgCode, lines: [{ quality_code: first!.qualityCode, meters: '5000.00' }] };
      await events('supply.updated (ordered)', [supplyUpdated({ ...supply, sequence: 1, milestone: 'ordered', etaText: 'about 6 weeks' })]);
      await events('supply.updated (at port)', [supplyUpdated({ ...supply, sequence: 2, milestone: 'at_port', etaDate: '2026-03-16' })]);
      await events('supply.updated (soft arrival)', [
        supplyUpdated({ ...supply, sequence: 3, milestone: 'soft_arrival_confirmed', etaDate: '2026-03-16' }),
      ]);
      await events('wac.changed', [
        wacChanged({
          sequence: Math.floor(Date.now() / 1000),
          scopes: [{ owner_org: first!.orgCode, quality_code: first!.qualityCode, wac_try_per_meter: '84.1250' }],
        }),
      ]);
      break;
    }
    case 'file': {
      if (!values.file) throw new Error('file needs --file <path to a JSON event or array of events>');
      const content: unknown = JSON.parse(readFileSync(values.file, 'utf8'));
      await events(values.file, Array.isArray(content) ? content : [content]);
      break;
    }
  }
} catch (error) {
  console.error(`✗ ${(error as Error).message}`);
  process.exit(1);
}
