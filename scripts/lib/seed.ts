/**
 * Demo data for `npm start` (SEED_DEMO=true, the default outside production): the two orgs, one
 * user per role, customers that trade with MOD, with JTR or with both, profiles in every status,
 * and deals with lines in both orgs. Written through the REST API as the admin, so every server
 * rule (codes, org checks) applies to it as to any other write.
 *
 * Seeds once: when any org exists already the step does nothing, so a restart never re-creates
 * what somebody deleted on purpose.
 */
import {
  batchOf,
  centralStockCheck,
  orderEvent,
  receiptRecorded,
  send,
  shortageSentBack,
  stockChanged,
  supplyUpdated,
  type SupplyMilestone,
  type WireEvent,
} from '../wms-simulator/lib.js';
import { DEFAULTS } from './config.js';
import { DirectusApi } from './directus-api.js';

const ROLE = {
  salesOwner: '6673b026-b132-4aa5-be82-ce2a16ebf4a4',
  salesManager: '03d3464f-0941-407c-a8bf-dabef381d60f',
  pricingManager: '5651ee86-49e3-4bcd-b0b3-f50b1c4ccaca',
  finance: '91c7be67-b0e5-47bf-8337-fa5264d07f71',
  crmAdmin: 'fda2f085-6a35-4a15-a992-0dd3b5bfdc08',
  costing: 'c0571e6a-5b2e-4f3c-9d1a-7e8f4a2b6c01',
} as const;

type OrgCode = 'MOD' | 'JTR';
type OrgRole = 'sales_owner' | 'sales_manager' | 'pricing_manager' | 'finance' | 'crm_admin' | 'costing';

interface DemoUser {
  email: string;
  description: string;
  firstName: string;
  lastName: string;
  role: string;
  grants: Array<[OrgCode, OrgRole]>;
  activeOrg: OrgCode | null;
}

const USERS: DemoUser[] = [
  {
    email: 'admin@example.com',
    description: 'CRM Admin (all orgs)',
    firstName: 'Ada',
    lastName: 'Admin',
    role: ROLE.crmAdmin,
    grants: [
      ['MOD', 'crm_admin'],
      ['JTR', 'crm_admin'],
    ],
    activeOrg: 'MOD',
  },
  {
    email: 'manager@example.com',
    description: 'Sales Manager, MOD + JTR',
    firstName: 'Mert',
    lastName: 'Manager',
    role: ROLE.salesManager,
    grants: [
      ['MOD', 'sales_manager'],
      ['JTR', 'sales_manager'],
    ],
    activeOrg: 'MOD',
  },
  {
    email: 'sales.mod@example.com',
    description: 'Sales Owner, MOD only',
    firstName: 'Selin',
    lastName: 'Mod',
    role: ROLE.salesOwner,
    grants: [['MOD', 'sales_owner']],
    activeOrg: 'MOD',
  },
  {
    email: 'sales.jtr@example.com',
    description: 'Sales Owner, JTR only',
    firstName: 'Jale',
    lastName: 'Jtr',
    role: ROLE.salesOwner,
    grants: [['JTR', 'sales_owner']],
    activeOrg: 'JTR',
  },
  {
    email: 'pricing@example.com',
    description: 'Pricing Manager, MOD + JTR',
    firstName: 'Pınar',
    lastName: 'Pricing',
    role: ROLE.pricingManager,
    grants: [
      ['MOD', 'pricing_manager'],
      ['JTR', 'pricing_manager'],
    ],
    activeOrg: 'MOD',
  },
  {
    email: 'finance@example.com',
    description: 'Finance, MOD + JTR',
    firstName: 'Filiz',
    lastName: 'Finance',
    role: ROLE.finance,
    grants: [
      ['MOD', 'finance'],
      ['JTR', 'finance'],
    ],
    activeOrg: 'MOD',
  },
  {
    email: 'nogrant@example.com',
    description: 'Sales Owner with no grants (sees nothing)',
    firstName: 'Nuri',
    lastName: 'Nogrant',
    role: ROLE.salesOwner,
    grants: [],
    activeOrg: null,
  },
  {
    email: 'costing@example.com',
    description: 'Costing, MOD + JTR',
    firstName: 'Cem',
    lastName: 'Costing',
    role: ROLE.costing,
    grants: [
      ['MOD', 'costing'],
      ['JTR', 'costing'],
    ],
    activeOrg: 'MOD',
  },
];

export const DEMO_USERS = USERS.map(({ email, description }) => ({ email, description }));

interface DemoCustomer {
  legalName: string;
  taxNumber: string;
  country: string;
  profiles: Array<{
    org: OrgCode;
    status: 'active' | 'inactive' | 'pending_review';
    paymentMode: 'cash' | 'credit';
    graceDays: number;
    city: string;
  }>;
}

const CUSTOMERS: DemoCustomer[] = [
  {
    legalName: 'Anka Tekstil San. ve Tic. A.Ş.',
    taxNumber: '1234567890',
    country: 'TR',
    profiles: [
      { org: 'MOD', status: 'active', paymentMode: 'cash', graceDays: 0, city: 'Bursa' },
      { org: 'JTR', status: 'active', paymentMode: 'credit', graceDays: 15, city: 'Bursa' },
    ],
  },
  {
    legalName: 'Boğaziçi Moda Ltd. Şti.',
    taxNumber: '2345678901',
    country: 'TR',
    profiles: [{ org: 'MOD', status: 'active', paymentMode: 'credit', graceDays: 10, city: 'İstanbul' }],
  },
  {
    legalName: 'Kapadokya Ev Tekstili A.Ş.',
    taxNumber: '3456789012',
    country: 'TR',
    profiles: [{ org: 'MOD', status: 'inactive', paymentMode: 'cash', graceDays: 0, city: 'Kayseri' }],
  },
  {
    legalName: 'Deniz Konfeksiyon',
    taxNumber: '4567890123',
    country: 'TR',
    profiles: [{ org: 'MOD', status: 'pending_review', paymentMode: 'cash', graceDays: 0, city: 'İzmir' }],
  },
  {
    legalName: 'Ege Fashion GmbH',
    taxNumber: 'DE811907980',
    country: 'DE',
    profiles: [{ org: 'JTR', status: 'active', paymentMode: 'credit', graceDays: 30, city: 'Düsseldorf' }],
  },
  {
    legalName: 'Fırat İplik Tic. Ltd.',
    taxNumber: '5678901234',
    country: 'TR',
    profiles: [{ org: 'JTR', status: 'inactive', paymentMode: 'cash', graceDays: 0, city: 'Gaziantep' }],
  },
  {
    legalName: 'Galata Design SRL',
    taxNumber: 'RO18547290',
    country: 'RO',
    profiles: [{ org: 'JTR', status: 'pending_review', paymentMode: 'cash', graceDays: 0, city: 'București' }],
  },
];

const DEALS: Array<{
  org: OrgCode;
  customer: string;
  currency: 'TRY' | 'USD' | 'EUR';
  status: 'draft' | 'submitted' | 'won';
  lines: Array<[string, string, string]>;
}> = [
  {
    org: 'MOD',
    customer: '1234567890',
    currency: 'TRY',
    status: 'submitted',
    lines: [
      ['MOD-POPLIN-120', '1250.00', '84.5000'],
      ['MOD-SATEN-090', '600.00', '132.0000'],
    ],
  },
  { org: 'MOD', customer: '2345678901', currency: 'USD', status: 'draft', lines: [['MOD-KETEN-150', '3000.00', '4.2500']] },
  { org: 'MOD', customer: '4567890123', currency: 'TRY', status: 'draft', lines: [['MOD-POPLIN-120', '400.00', '84.5000']] },
  {
    org: 'JTR',
    customer: '1234567890',
    currency: 'EUR',
    status: 'won',
    lines: [
      ['JTR-DENIM-1400', '5200.00', '3.9000'],
      ['JTR-GABARDIN-200', '800.00', '5.1000'],
    ],
  },
  { org: 'JTR', customer: 'DE811907980', currency: 'EUR', status: 'submitted', lines: [['JTR-DENIM-1400', '12000.00', '3.8500']] },
  { org: 'JTR', customer: 'RO18547290', currency: 'USD', status: 'draft', lines: [['JTR-VISKON-300', '2500.00', '2.7500']] },
];

export interface DemoOptions {
  /** The secret the WMS signs its events with: the costing demo arrives as WMS goods receipts. */
  wmsWebhookSecret: string;
}

export async function seedDemoData(api: DirectusApi, options: DemoOptions): Promise<void> {
  const existingOrgs = await api.get<Array<{ id: string }>>('/items/orgs?limit=1&fields=id');
  if (existingOrgs.length) return;

  const orgs: Record<OrgCode, string> = {
    MOD: (
      await api.post<{ id: string }>('/items/orgs', {
        code: 'MOD',
        name: 'MOD Tekstil A.Ş.',
        base_currency: 'TRY',
        brand_color: '#1F4E79',
        email_sender_name: 'MOD Tekstil',
        email_sender_address: 'orders@mod.example.com',
      })
    ).id,
    JTR: (
      await api.post<{ id: string }>('/items/orgs', {
        code: 'JTR',
        name: 'JTR Kumaş San. A.Ş.',
        base_currency: 'TRY',
        brand_color: '#8A1538',
        email_sender_name: 'JTR Kumaş',
        email_sender_address: 'orders@jtr.example.com',
      })
    ).id,
  };

  const userIds: Record<string, string> = {};
  for (const user of USERS) {
    const found = await api.get<Array<{ id: string }>>(`/users?filter[email][_eq]=${encodeURIComponent(user.email)}&fields=id`);
    const body = {
      first_name: user.firstName,
      last_name: user.lastName,
      role: user.role,
      active_org: null,
      org_scope: 'active',
    };
    const id =
      found[0]?.id ??
      (await api.post<{ id: string }>('/users', { ...body, email: user.email, password: DEFAULTS.DEMO_PASSWORD, status: 'active' })).id;
    if (found[0]) await api.patch(`/users/${id}`, body);
    userIds[user.email] = id;
    for (const [org, role] of user.grants) await api.post('/items/org_grants', { user_id: id, org_id: orgs[org], role });
    // After the grants: the Active Org must be a granted org.
    if (user.activeOrg) await api.patch(`/users/${id}`, { active_org: orgs[user.activeOrg] });
  }

  const ownerOf: Record<OrgCode, string> = { MOD: userIds['sales.mod@example.com']!, JTR: userIds['sales.jtr@example.com']! };
  const profileIds = new Map<string, string>();
  for (const customer of CUSTOMERS) {
    const { id } = await api.post<{ id: string }>('/items/customers', {
      legal_name: customer.legalName,
      tax_number: customer.taxNumber,
      country: customer.country,
    });
    for (const profile of customer.profiles) {
      const created = await api.post<{ id: string }>('/items/customer_org_profiles', {
        customer_id: id,
        org_id: orgs[profile.org],
        // What the org knows of the customer is on its own profile (docs/access-model.md).
        legal_name: customer.legalName,
        country: customer.country,
        status: profile.status,
        payment_mode: profile.paymentMode,
        grace_days: profile.graceDays,
        billing_address: `${customer.legalName}\n${profile.city}`,
        shipping_address: `${customer.legalName} Depo\n${profile.city}`,
        owner: ownerOf[profile.org],
        // Contacts are relationship data: each org keeps its own.
        contacts: [
          {
            name: 'Satın Alma',
            email: `purchasing+${profile.org.toLowerCase()}.${customer.taxNumber.toLowerCase()}@example.com`,
            role: 'purchasing',
          },
        ],
      });
      profileIds.set(`${customer.taxNumber}:${profile.org}`, created.id);
    }
  }

  for (const deal of DEALS) {
    // A deal is won only through the CRM endpoint, which also tells the WMS (deal.won, outbox).
    const created = await api.post<{ id: string }>('/items/deals', {
      org_id: orgs[deal.org],
      customer_profile_id: profileIds.get(`${deal.customer}:${deal.org}`),
      owner: ownerOf[deal.org],
      status: deal.status === 'won' ? 'submitted' : deal.status,
      currency: deal.currency,
      lines: deal.lines.map(([quality, meters, price], index) => ({
        line_no: index + 1,
        quality_code: quality,
        meters,
        unit_price: price,
        currency: deal.currency,
      })),
    });
    if (deal.status === 'won') await api.post(`/crm/deals/${created.id}/won`, { note: 'demo data' });
  }

  await seedPricingDemo(api, orgs);
  await seedCreditDemo(api, orgs, ownerOf.MOD);
  await seedCostingDemo(api, orgs, options.wmsWebhookSecret);
  await seedCashPackDemo(api, orgs, profileIds.get('1234567890:MOD')!, ownerOf.MOD);
  await seedShipmentApprovalDemo(api, orgs, ownerOf.MOD);
  await seedFulfillmentDemo(api, orgs, ownerOf.MOD, options.wmsWebhookSecret);
  await seedWorkspaceDemo(api, orgs, ownerOf.MOD, options.wmsWebhookSecret);
  await seedIntercompanyDemo(api, orgs, ownerOf.JTR);
  await seedSupplyDemo(api, orgs, options.wmsWebhookSecret, ownerOf.MOD);
  await seedOrderFormDemo(api, profileIds.get('1234567890:MOD')!);
}

// ---------------------------------------------------------------------------------------------
// Pricing and FX demo (stories 12, 14, 22–26): qualities, list prices (fresh, stale, missing), FX
// rates, and a discount request waiting in the /pricing inbox. Stale prices show in the weekly
// review once the WMS reports the quality in stock (stock_by_quality_cache).

const DAY = 86_400_000;

const QUALITIES: Array<{ org: OrgCode; code: string; name: string; prices: Array<[string, string, number]> }> = [
  // [currency, price, confirmed days ago]; the default stale threshold is 30 days.
  {
    org: 'MOD',
    code: 'MOD-POPLIN-120',
    name: 'Poplin 120 g/m², 100% cotton',
    prices: [
      ['TRY', '84.5000', 3],
      ['USD', '2.2000', 3],
    ],
  },
  { org: 'MOD', code: 'MOD-SATEN-090', name: 'Satin 90 g/m²', prices: [['TRY', '132.0000', 45]] },
  { org: 'MOD', code: 'MOD-KETEN-150', name: 'Linen 150 g/m²', prices: [['USD', '4.2500', 10]] },
  { org: 'MOD', code: 'MOD-VUAL-060', name: 'Voile 60 g/m²', prices: [] },
  {
    org: 'JTR',
    code: 'JTR-DENIM-1400',
    name: 'Denim 14 oz',
    prices: [
      ['EUR', '3.9000', 5],
      ['TRY', '158.0000', 40],
    ],
  },
  { org: 'JTR', code: 'JTR-GABARDIN-200', name: 'Gabardine 200 g/m²', prices: [['EUR', '5.1000', 60]] },
  { org: 'JTR', code: 'JTR-VISKON-300', name: 'Viscose 300 g/m²', prices: [['USD', '2.7500', 2]] },
  { org: 'JTR', code: 'JTR-KADIFE-400', name: 'Velvet 400 g/m²', prices: [] },
];

export async function seedPricingDemo(api: DirectusApi, orgs: Record<OrgCode, string>): Promise<void> {
  const now = Date.now();
  for (const quality of QUALITIES) {
    const { id } = await api.post<{ id: string }>('/items/qualities', {
      org_id: orgs[quality.org],
      code: quality.code,
      name: quality.name,
    });
    for (const [currency, price, daysAgo] of quality.prices) {
      await api.post('/items/list_prices', {
        quality_id: id,
        currency,
        price,
        confirmed_at: new Date(now - daysAgo * DAY).toISOString(),
        confirmation_note: 'demo price list',
      });
    }
  }
  for (const [pair, rate, daysAgo] of [
    ['USDTRY', '37.850000', 14],
    ['EURTRY', '40.900000', 14],
    ['USDTRY', '38.250000', 1],
    ['EURTRY', '41.350000', 1],
  ] as const) {
    await api.post('/crm/fx-rates', {
      pair,
      rate,
      effective_at: new Date(now - daysAgo * DAY).toISOString(),
      note: 'demo: central bank fixing',
    });
  }
  // One discount request waiting for a pricing manager.
  const [line] = await api.get<Array<{ id: string }>>(
    '/items/deal_lines?filter[quality_code][_eq]=MOD-POPLIN-120&filter[deal_id][status][_eq]=submitted&fields=id&limit=1',
  );
  if (line) await api.post(`/crm/deal-lines/${line.id}/discount-request`, { discount_pct: '5', note: 'repeat customer, 1,250 m' });
  await seedCustomerPriceAgreements(api, now);
}

// Customer price agreements (story 39): what a customer agreed with an org, beside the list price
// (docs/pricing.md). One that has ended, the one in force after it, and one of JTR.
const AGREEMENTS: Array<[OrgCode, string, string, 'TRY' | 'USD' | 'EUR', string, number, number | null, string]> = [
  // [org, tax number, quality, currency, price, valid from (days from today), valid to (days), note]
  ['MOD', '2345678901', 'MOD-KETEN-150', 'USD', '4.1000', -120, -31, 'demo: 2026 spring contract (ended)'],
  ['MOD', '2345678901', 'MOD-KETEN-150', 'USD', '4.0500', -30, null, 'demo: framework contract'],
  ['JTR', 'DE811907980', 'JTR-GABARDIN-200', 'EUR', '4.8500', -10, 180, 'demo: season agreement'],
];

async function seedCustomerPriceAgreements(api: DirectusApi, now: number): Promise<void> {
  const day = (offset: number) => new Date(now + offset * DAY).toISOString().slice(0, 10);
  for (const [org, taxNumber, quality, currency, price, from, to, note] of AGREEMENTS) {
    const [profile] = await api.get<Array<{ id: string }>>(
      `/items/customer_org_profiles?filter[org_id][code][_eq]=${org}&filter[customer_id][tax_number][_eq]=${taxNumber}&fields=id&limit=1`,
    );
    const [found] = await api.get<Array<{ id: string }>>(`/items/qualities?filter[code][_eq]=${quality}&fields=id&limit=1`);
    await api.post('/crm/customer-price-agreements', {
      customer_profile_id: profile!.id,
      quality_id: found!.id,
      currency,
      price,
      valid_from: day(from),
      valid_to: to === null ? null : day(to),
      note,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Credit and payments demo (stories 13, 27-30, 60; docs/credit.md): /credit shows a customer over
// its limit, one overdue (with a partial payment), the overdue customer's deal won credit blocked,
// and a credit request waiting. Its own customers (profile ids that sort after every other one, so
// fixtures taking "the first active profile" never pick a customer with overdue receivables).

const CREDIT_DEMO_PROFILES = { over: 'ffffffff-ffff-4fff-8fff-00000000c001', overdue: 'ffffffff-ffff-4fff-8fff-00000000c002' };

export async function seedCreditDemo(api: DirectusApi, orgs: Record<OrgCode, string>, owner: string): Promise<void> {
  const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
  for (const [key, name, tax, grace] of [
    ['over', 'Marmara Örme A.Ş.', '6789012345', 7],
    ['overdue', 'Trakya Konfeksiyon Ltd.', '7890123456', 5],
  ] as const) {
    const { id } = await api.post<{ id: string }>('/items/customers', { legal_name: name, tax_number: tax, country: 'TR' });
    await api.post('/items/customer_org_profiles', {
      id: CREDIT_DEMO_PROFILES[key],
      customer_id: id,
      org_id: orgs.MOD,
      legal_name: name,
      country: 'TR',
      status: 'active',
      payment_mode: 'credit',
      grace_days: grace,
      owner,
    });
  }
  const { over, overdue } = CREDIT_DEMO_PROFILES;
  await api.post('/crm/credit/limits', { customer_profile_id: over, currency: 'TRY', amount: '50000', note: 'demo: annual limit' });
  await api.post('/crm/receivables', {
    customer_profile_id: over,
    currency: 'TRY',
    amount: '62000',
    due_date: day(20),
    kind: 'invoice',
    reference: 'MOD-INV-2026-0107',
  });
  await api.post('/crm/credit/limits', { customer_profile_id: overdue, currency: 'TRY', amount: '40000', note: 'demo: annual limit' });
  await api.post('/crm/receivables', {
    customer_profile_id: overdue,
    currency: 'TRY',
    amount: '18500',
    due_date: day(-45),
    kind: 'invoice',
    reference: 'MOD-INV-2026-0093',
  });
  await api.post('/crm/payments', {
    customer_profile_id: overdue,
    currency: 'TRY',
    amount: '3500',
    value_date: day(-10),
    method: 'bank_transfer',
    reference: 'TR-EFT-DEMO-0001',
    note: 'demo: partial payment',
  });
  const deal = await api.post<{ id: string }>('/items/deals', {
    org_id: orgs.MOD,
    customer_profile_id: overdue,
    owner,
    status: 'submitted',
    currency: 'TRY',
    lines: [{ line_no: 1, quality_code: 'MOD-POPLIN-120', meters: '150.00', unit_price: '84.5000', currency: 'TRY' }],
  });
  // Won with 15,000 TRY overdue: credit blocked, waiting for a Sales Manager's override.
  await api.post(`/crm/deals/${deal.id}/won`, { note: 'demo data' });
  await api.post('/crm/credit/requests', {
    customer_profile_id: over,
    currency: 'TRY',
    requested_amount: '75000',
    reason: 'demo: larger spring orders expected',
  });
}

// ---------------------------------------------------------------------------------------------
// Costing demo (stories 75-79, docs/costing.md): goods receipts arrive as the WMS would send them
// (signed receipt.recorded events through POST /wms/events, the real ingestion), then costing
// work in the CRM: a USD supplier invoice matched to MOD's receipt (the rolls re-costed from
// provisional to invoice value), freight on JTR's receipt, and one MOD receipt still waiting for
// its invoice (provisional), so /costing shows each state.

export async function seedCostingDemo(api: DirectusApi, orgs: Record<OrgCode, string>, wmsWebhookSecret: string): Promise<void> {
  const now = Date.now();
  const daysAgo = (days: number) => new Date(now - days * DAY).toISOString();
  const receive = async (batchId: string, events: ReturnType<typeof receiptRecorded>[]) => {
    const sent = await send(api.baseUrl, batchOf(events, batchId), { secrets: [wmsWebhookSecret] });
    if (sent.status !== 200 || sent.body.results?.some((r) => r.error)) {
      throw new Error(`demo receipts refused by /wms/events: ${sent.status} ${JSON.stringify(sent.body).slice(0, 500)}`);
    }
  };

  await receive('DEMO-RECEIPTS-1', [
    receiptRecorded({
      receiptId: 'RCV-DEMO-MOD-1',
      ownerOrg: 'MOD',
      warehouseCode: 'IST-01',
      receivedAt: daysAgo(20),
      supplierName: 'Zhejiang Silk Co.',
      supplierInvoiceNumber: 'ZS-2026-0418',
      rolls: [
        { roll_id: 'DEMO-M1-01', lot_id: 'L-2026-41', quality_code: 'MOD-SATEN-090', meters: '600.00' },
        { roll_id: 'DEMO-M1-02', lot_id: 'L-2026-41', quality_code: 'MOD-SATEN-090', meters: '600.00' },
      ],
    }),
    receiptRecorded({
      receiptId: 'RCV-DEMO-JTR-1',
      ownerOrg: 'JTR',
      warehouseCode: 'BUR-02',
      receivedAt: daysAgo(12),
      supplierName: 'Bursa Dokuma A.Ş.',
      rolls: [
        { roll_id: 'DEMO-J1-01', lot_id: 'L-2026-77', quality_code: 'JTR-GABARDIN-200', meters: '450.00' },
        { roll_id: 'DEMO-J1-02', lot_id: 'L-2026-77', quality_code: 'JTR-GABARDIN-200', meters: '350.00' },
      ],
    }),
  ]);
  const invoice = await api.post<{ lines: Array<{ id: string }> }>('/crm/costing/invoices', {
    org_id: orgs.MOD,
    supplier_name: 'Zhejiang Silk Co.',
    invoice_number: 'ZS-2026-0418',
    invoice_date: daysAgo(19).slice(0, 10),
    currency: 'USD',
    fx_rate: '34.250000',
    fx_rate_note: 'demo: bank rate of the payment',
    lines: [{ quality_code: 'MOD-SATEN-090', meters: '1200.00', unit_price: '2.8500' }],
  });
  await api.post(`/crm/costing/invoice-lines/${invoice.lines[0]!.id}/match`, { receipt_id: 'RCV-DEMO-MOD-1' });
  await api.post('/crm/costing/adjustments', {
    org_id: orgs.JTR,
    kind: 'freight',
    basis: 'meters',
    currency: 'TRY',
    amount: '4800.00',
    note: 'demo: freight Bursa → İstanbul, ARAS-55120',
    receipt_ids: ['RCV-DEMO-JTR-1'],
  });
  // Arrived after the invoice: booked provisionally at the pool's average until its own invoice.
  await receive('DEMO-RECEIPTS-2', [
    receiptRecorded({
      receiptId: 'RCV-DEMO-MOD-2',
      ownerOrg: 'MOD',
      warehouseCode: 'IST-01',
      receivedAt: daysAgo(3),
      supplierName: 'Zhejiang Silk Co.',
      rolls: [{ roll_id: 'DEMO-M2-01', lot_id: 'L-2026-52', quality_code: 'MOD-SATEN-090', meters: '500.00' }],
    }),
  ]);
}

// Cash pack demo (stories 40-45, docs/proformas.md): a cash customer's deal won in MOD, so the
// demo has a drafted Proforma (MOD{YYYY}PI…) and a Contract Draft waiting for the balance check,
// sending and the signed copy.
export async function seedCashPackDemo(api: DirectusApi, orgs: Record<OrgCode, string>, cashProfile: string, owner: string): Promise<void> {
  const deal = await api.post<{ id: string }>('/items/deals', {
    org_id: orgs.MOD,
    customer_profile_id: cashProfile,
    owner,
    status: 'submitted',
    currency: 'TRY',
    lines: [
      { line_no: 1, quality_code: 'MOD-SATEN-090', meters: '240.00', unit_price: '132.0000', currency: 'TRY' },
      { line_no: 2, quality_code: 'MOD-POPLIN-120', meters: '180.50', unit_price: '84.5000', currency: 'TRY' },
    ],
  });
  await api.post(`/crm/deals/${deal.id}/won`, { note: 'demo data: cash customer, proforma and contract drafted' });
}

// Shipment approval demo (stories 31-37; docs/shipment-approval.md): the approval screen shows a
// cash customer's PO with a payment to confirm, one partly confirmed (the rest to be recorded by
// Finance) and a credit customer's PO ready to approve. Profile ids sort after every other one.

const SHIPMENT_DEMO_PROFILES = { cash: 'ffffffff-ffff-4fff-8fff-00000000c003', credit: 'ffffffff-ffff-4fff-8fff-00000000c004' };

export async function seedShipmentApprovalDemo(api: DirectusApi, orgs: Record<OrgCode, string>, owner: string): Promise<void> {
  const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
  for (const [key, name, tax, mode] of [
    ['cash', 'Uludağ Perde San. Tic.', '8901234567', 'cash'],
    ['credit', 'Bergama Örme Ltd. Şti.', '9012345678', 'credit'],
  ] as const) {
    const { id } = await api.post<{ id: string }>('/items/customers', { legal_name: name, tax_number: tax, country: 'TR' });
    await api.post('/items/customer_org_profiles', {
      id: SHIPMENT_DEMO_PROFILES[key],
      customer_id: id,
      org_id: orgs.MOD,
      legal_name: name,
      country: 'TR',
      status: 'active',
      payment_mode: mode,
      grace_days: mode === 'credit' ? 30 : 0,
      owner,
    });
  }
  const po = async (profile: string, meters: string, price: string, shipIn: number) => {
    const deal = await api.post<{ id: string }>('/items/deals', {
      org_id: orgs.MOD,
      customer_profile_id: profile,
      owner,
      status: 'submitted',
      currency: 'TRY',
      lines: [{ line_no: 1, quality_code: 'MOD-POPLIN-120', meters, unit_price: price, currency: 'TRY' }],
    });
    await api.post(`/crm/deals/${deal.id}/won`, { note: 'demo data' });
    const ship_to = { name: 'Depo', address_lines: ['Organize Sanayi 4. Cad. No:7'], city: 'Bursa', country_code: 'TR' };
    return api.post<{ id: string }>('/crm/purchase-orders', { deal_id: deal.id, ship_date: day(shipIn), ship_to });
  };
  const payment = (amount: string, reference: string) =>
    api.post<{ id: string }>('/crm/payments', {
      customer_profile_id: SHIPMENT_DEMO_PROFILES.cash,
      currency: 'TRY',
      amount,
      value_date: day(-1),
      method: 'bank_transfer',
      reference,
      note: 'demo: advance payment',
    });
  // Cash, partly paid: 2,000 of 3,000 TRY confirmed, the rest to be recorded.
  const partial = await po(SHIPMENT_DEMO_PROFILES.cash, '60.00', '50.0000', 3);
  const first = await payment('2000', 'TR-EFT-DEMO-0101');
  await api.post(`/crm/purchase-orders/${partial.id}/confirm-payment`, { payment_ids: [first.id], note: 'demo: first instalment' });
  // Cash, paid in full and waiting for the manager's confirmation.
  await po(SHIPMENT_DEMO_PROFILES.cash, '100.00', '50.0000', 5);
  await payment('5000', 'TR-EFT-DEMO-0102');
  // Credit customer within limit: ready to approve.
  await po(SHIPMENT_DEMO_PROFILES.credit, '80.00', '84.5000', 7);
}

// /fulfillment demo (stories 9, 10, 46-50; docs/fulfillment.md): every Human Gates tab has rows.
// Payment Confirmation and Shipment Approval come from the shipment approval demo, Ship Date
// Required from the won deals without a PO above. Here: two released POs the warehouse has not
// confirmed yet (one being picked in the WMS), and a deal the WMS sent back for lack of stock with
// its Abra central stock checks (a first result and a revision: the history), all arriving as
// signed WMS events through POST /wms/events.

const FULFILLMENT_DEMO_PROFILE = 'ffffffff-ffff-4fff-8fff-00000000c005';
let fulfillmentBatches = 0;

export async function seedFulfillmentDemo(
  api: DirectusApi,
  orgs: Record<OrgCode, string>,
  owner: string,
  wmsWebhookSecret: string,
): Promise<void> {
  const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
  const deliver = async (events: WireEvent[]) => {
    // Demo batches are named DEMO-…, like the costing demo's (tests that count batches skip them).
    const sent = await send(api.baseUrl, batchOf(events, `DEMO-FULFILLMENT-${++fulfillmentBatches}`), { secrets: [wmsWebhookSecret] });
    if (sent.status !== 200 || sent.body.results?.some((r) => r.status !== 'applied')) {
      throw new Error(`fulfillment demo events refused by /wms/events: ${sent.status} ${JSON.stringify(sent.body).slice(0, 500)}`);
    }
  };
  const { id: customerId } = await api.post<{ id: string }>('/items/customers', {
    legal_name: 'Trakya Konfeksiyon A.Ş.',
    tax_number: '0123456789',
    country: 'TR',
  });
  await api.post('/items/customer_org_profiles', {
    id: FULFILLMENT_DEMO_PROFILE,
    customer_id: customerId,
    org_id: orgs.MOD,
    legal_name: 'Trakya Konfeksiyon A.Ş.',
    country: 'TR',
    status: 'active',
    payment_mode: 'credit',
    grace_days: 30,
    owner,
  });
  const ship_to = { name: 'Depo', address_lines: ['Çerkezköy OSB 2. Cad. No:14'], city: 'Tekirdağ', country_code: 'TR' };
  const wonDeal = async (lines: Array<[string, string, string]>) => {
    const deal = await api.post<{ id: string; code: string }>('/items/deals?fields=id,code', {
      org_id: orgs.MOD,
      customer_profile_id: FULFILLMENT_DEMO_PROFILE,
      owner,
      status: 'submitted',
      currency: 'TRY',
      lines: lines.map(([quality, meters, price], index) => ({
        line_no: index + 1,
        quality_code: quality,
        meters,
        unit_price: price,
        currency: 'TRY',
      })),
    });
    await api.post(`/crm/deals/${deal.id}/won`, { note: 'demo data' });
    const dealLines = await api.get<Array<{ id: string; quality_code: string }>>(
      `/items/deal_lines?filter[deal_id][_eq]=${deal.id}&fields=id,quality_code&sort=line_no`,
    );
    return {
      ...deal,
      targets: dealLines.map((l) => ({ orgCode: 'MOD' as const, dealCode: deal.code, dealLineId: l.id, qualityCode: l.quality_code })),
    };
  };
  const releasedPo = async (deal: { id: string }, shipIn: number) => {
    const po = await api.post<{ id: string; code: string }>('/crm/purchase-orders', { deal_id: deal.id, ship_date: day(shipIn), ship_to });
    await api.post(`/crm/purchase-orders/${po.id}/release`, { note: 'demo: approved for shipment' });
    return po;
  };

  // Warehouse Confirmation: one released PO being picked, one the WMS has not started.
  const picking = await wonDeal([['MOD-POPLIN-120', '320.00', '84.5000']]);
  const pickingPo = await releasedPo(picking, 2);
  await deliver([orderEvent('picking_started', { poNumber: pickingPo.code, sequence: 1, target: picking.targets[0]! })]);
  await releasedPo(await wonDeal([['MOD-SATEN-090', '150.00', '132.0000']]), 4);

  // Shortage Decisions: Abra checks (a first result, then a revision with an ETA) and the send-back.
  const short = await wonDeal([
    ['MOD-KETEN-150', '900.00', '140.0000'],
    ['MOD-SATEN-090', '400.00', '132.0000'],
  ]);
  const [linen, satin] = short.targets as [(typeof short.targets)[number], (typeof short.targets)[number]];
  await deliver([
    centralStockCheck('completed', { sequence: 1, target: linen, requestedQty: '900.00', result: 'not_found', checkedBy: 'mehmet.kaya' }),
    centralStockCheck('updated', {
      sequence: 2,
      target: linen,
      requestedQty: '900.00',
      result: 'partial',
      availableQty: '600.00',
      checkedBy: 'ayse.demir',
      etaText: 'about 2 weeks from Abra Gebze',
    }),
    centralStockCheck('completed', { sequence: 1, target: satin, requestedQty: '400.00', result: 'found', availableQty: '450.00' }),
  ]);
  await deliver([shortageSentBack({ sendBackId: 'SB-DEMO-0001', targets: [linen, satin] })]);
}

// Deal workspace demo (issue #14; docs/deal-workspace.md): the other demos give deals at every
// stage up to a PO awaiting shipment approval; this one goes further, so the workspace's WMS
// sections show at work: a won MOD deal whose PO is released and shipped by the WMS (signed events
// through POST /wms/events), stock of its qualities and an Abra check on its second line.

const WORKSPACE_DEMO_PROFILE = 'ffffffff-ffff-4fff-8fff-00000000c006';

export async function seedWorkspaceDemo(
  api: DirectusApi,
  orgs: Record<OrgCode, string>,
  owner: string,
  wmsWebhookSecret: string,
): Promise<void> {
  const name = 'Marmara Dokuma A.Ş.';
  const { id: customerId } = await api.post<{ id: string }>('/items/customers', {
    legal_name: name,
    tax_number: '7788990011',
    country: 'TR',
  });
  await api.post('/items/customer_org_profiles', {
    id: WORKSPACE_DEMO_PROFILE,
    customer_id: customerId,
    org_id: orgs.MOD,
    legal_name: name,
    country: 'TR',
    status: 'active',
    payment_mode: 'credit',
    grace_days: 30,
    owner,
  });
  const deal = await api.post<{ id: string; code: string }>('/items/deals', {
    org_id: orgs.MOD,
    customer_profile_id: WORKSPACE_DEMO_PROFILE,
    owner,
    status: 'submitted',
    currency: 'TRY',
    notes: 'demo: shipped, with an Abra check on the linen line',
    lines: [
      { line_no: 1, quality_code: 'MOD-POPLIN-120', meters: '100.00', unit_price: '84.5000', currency: 'TRY' },
      { line_no: 2, quality_code: 'MOD-KETEN-150', meters: '400.00', unit_price: '162.0000', currency: 'TRY' },
    ],
  });
  await api.post(`/crm/deals/${deal.id}/won`, { note: 'demo data' });
  const lines = await api.get<Array<{ id: string; quality_code: string }>>(
    `/items/deal_lines?filter[deal_id][_eq]=${deal.id}&fields=id,quality_code&sort=line_no`,
  );
  const ship_to = { name: 'Marmara Dokuma Depo', address_lines: ['Gebze OSB 1. Cad. No:12'], city: 'Kocaeli', country_code: 'TR' };
  const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
  const po = await api.post<{ id: string; code: string }>('/crm/purchase-orders', {
    deal_id: deal.id,
    ship_date: day(2),
    ship_to,
    lines: [{ deal_line_id: lines[0]!.id }],
  });
  await api.post(`/crm/purchase-orders/${po.id}/release`, { note: 'demo: shipment approved' });
  const target = (index: number) => ({
    orgCode: 'MOD' as const,
    dealCode: deal.code,
    dealLineId: lines[index]!.id,
    qualityCode: lines[index]!.quality_code,
  });
  const events = [
    stockChanged({
      sequence: 900,
      scopes: [
        {
          owner_org: 'MOD',
          quality_code: 'MOD-POPLIN-120',
          warehouse_code: 'IST-01',
          on_hand_meters: '1250.50',
          reserved_meters: '100.00',
          available_meters: '1150.50',
          roll_count: 12,
          lot_count: 3,
        },
        {
          owner_org: 'MOD',
          quality_code: 'MOD-KETEN-150',
          warehouse_code: 'IST-01',
          on_hand_meters: '150.00',
          reserved_meters: '0.00',
          available_meters: '150.00',
          roll_count: 2,
          lot_count: 1,
        },
      ],
    }),
    orderEvent('picking_started', { poNumber: po.code, sequence: 1, target: target(0) }),
    orderEvent('shipped', { poNumber: po.code, sequence: 3, target: target(0), trackingId: '3020117745' }),
    centralStockCheck('completed', {
      sequence: 1,
      target: target(1),
      result: 'partial',
      requestedQty: '400.00',
      availableQty: '150.00',
      checkedBy: 'mehmet.kaya',
      proposedNextStep: 'transfer_from_central',
      etaText: 'about 2 weeks',
    }),
  ];
  const sent = await send(api.baseUrl, batchOf(events, 'DEMO-WORKSPACE-1'), { secrets: [wmsWebhookSecret] });
  if (sent.status !== 200 || sent.body.results?.some((r) => r.error))
    throw new Error(`workspace demo refused by /wms/events: ${sent.status} ${JSON.stringify(sent.body).slice(0, 500)}`);
}

// Cross-ownership (stories 73, 74; docs/shipment-approval.md): MOD as JTR's intercompany customer,
// with a credit limit, so a MOD PO shipping JTR-owned stock creates its internal JTR→MOD deal at
// shipment approval. Only in JTR, and named without the sister org's name: org isolation holds both
// ways (a JTR-only user never reads MOD's name either; tests/orgs/world.ts markers).

export const INTERCOMPANY_DEMO_PROFILE = 'ffffffff-ffff-4fff-8fff-00000000a073';

export async function seedIntercompanyDemo(api: DirectusApi, orgs: Record<OrgCode, string>, owner: string): Promise<void> {
  const name = 'Grup İçi Alıcı (intercompany)';
  const { id } = await api.post<{ id: string }>('/items/customers', {
    legal_name: name,
    tax_number: '6230512345',
    country: 'TR',
  });
  await api.post('/items/customer_org_profiles', {
    id: INTERCOMPANY_DEMO_PROFILE,
    customer_id: id,
    org_id: orgs.JTR,
    legal_name: name,
    country: 'TR',
    status: 'active',
    payment_mode: 'credit',
    grace_days: 30,
    owner,
  });
  await api.post('/items/intercompany_customers', {
    org_id: orgs.JTR,
    buyer_org_id: orgs.MOD,
    customer_profile_id: INTERCOMPANY_DEMO_PROFILE,
  });
  await api.post('/crm/credit/limits', {
    customer_profile_id: INTERCOMPANY_DEMO_PROFILE,
    currency: 'TRY',
    amount: '1000000',
    note: 'demo: intercompany limit of the sister org',
  });
}

// ---------------------------------------------------------------------------------------------
// Supply tracking and shortage decisions (stories 10, 11, 18, 46-50, 70): the WMS's supplies at
// each milestone (one import due in two days: ETA near), a JTR supply a MOD-only user never sees,
// supply requests made in the CRM (one asked by the sales owner and waiting for a manager, one
// ordered by a manager and linked to the WMS supply it became), and an undecided shortage send-back
// whose lines carry their Abra checks, all sent as WMS events through /wms/events.

export async function seedSupplyDemo(
  api: DirectusApi,
  orgs: Record<OrgCode, string>,
  wmsWebhookSecret: string,
  owner: string,
): Promise<void> {
  const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
  const deliver = async (batchId: string, events: unknown[]) => {
    const sent = await send(api.baseUrl, batchOf(events, batchId), { secrets: [wmsWebhookSecret] });
    if (sent.status !== 200 || sent.body.results?.some((r) => r.error)) {
      throw new Error(`demo supply refused by /wms/events: ${sent.status} ${JSON.stringify(sent.body).slice(0, 500)}`);
    }
  };
  const supplies: Array<[string, 'MOD' | 'JTR', 'manufacturing' | 'import', SupplyMilestone, number | null, string, string]> = [
    ['SUP-DEMO-M1', 'MOD', 'manufacturing', 'ordered', 25, 'MOD-POPLIN-120', '8000.00'],
    ['SUP-DEMO-M2', 'MOD', 'manufacturing', 'in_production', 12, 'MOD-SATEN-090', '5000.00'],
    ['SUP-DEMO-I1', 'MOD', 'import', 'shipped_from_origin', 2, 'MOD-KETEN-150', '12000.00'],
    ['SUP-DEMO-I2', 'MOD', 'import', 'customs_cleared', null, 'MOD-POPLIN-120', '3000.00'],
    ['SUP-DEMO-I3', 'MOD', 'import', 'soft_arrival_confirmed', -1, 'MOD-SATEN-090', '2500.00'],
    ['SUP-DEMO-M3', 'MOD', 'manufacturing', 'received', -6, 'MOD-POPLIN-120', '4000.00'],
    ['SUP-DEMO-J1', 'JTR', 'import', 'at_port', 8, 'JTR-DENIM-1400', '6000.00'],
  ];
  await deliver(
    'DEMO-SUPPLY-1',
    supplies.map(([supplyId, ownerOrg, supplyType, milestone, eta, quality, meters]) =>
      supplyUpdated({
        supplyId,
        sequence: 1,
        ownerOrg,
        supplyType,
        milestone,
        lines: [{ quality_code: quality, meters }],
        ...(eta === null ? { etaText: 'after customs, early next month' } : { etaDate: day(eta) }),
        supplierName: supplyType === 'import' ? 'Zhejiang Silk Weaving Co.' : 'Bursa Dokuma A.Ş.',
      }),
    ),
  );

  // A MOD deal the warehouse sent back for lack of stock, each line with its Abra check.
  const deal = await api.post<{ id: string; code: string }>('/items/deals?fields=id,code', {
    org_id: orgs.MOD,
    customer_profile_id: SHIPMENT_DEMO_PROFILES.credit,
    owner,
    status: 'submitted',
    currency: 'TRY',
    lines: [
      { line_no: 1, quality_code: 'MOD-POPLIN-120', meters: '400.00', unit_price: '84.5000', currency: 'TRY' },
      { line_no: 2, quality_code: 'MOD-SATEN-090', meters: '400.00', unit_price: '132.0000', currency: 'TRY' },
    ],
  });
  const lines = await api.get<Array<{ id: string; quality_code: string }>>(
    `/items/deal_lines?filter[deal_id][_eq]=${deal.id}&fields=id,quality_code&sort=line_no`,
  );
  const targets = lines.map((l) => ({ orgCode: 'MOD' as const, dealCode: deal.code, dealLineId: l.id, qualityCode: l.quality_code }));
  await deliver('DEMO-SHORTAGE-1', [
    shortageSentBack({
      sendBackId: 'SB-DEMO-MOD-1',
      targets,
      checks: [
        { result: 'partial', availableQty: '150.00', proposedNextStep: 'ship_available', etaText: 'rest in two weeks' },
        { result: 'not_found', proposedNextStep: 'wait_for_supply' },
      ],
    }),
  ]);

  // Supply asked for in the CRM: by the sales owner (waits for a manager), and by the admin (ordered
  // at once, then linked to the WMS supply it became).
  const owner_ = await DirectusApi.login(api.baseUrl, 'sales.mod@example.com', DEFAULTS.DEMO_PASSWORD);
  await owner_.post('/crm/supply/requests', {
    deal_line_id: lines[1]!.id,
    supply_type: 'import',
    note: 'demo: the customer can wait for the satin, ask for the next lot',
  });
  const ordered = await api.post<{ id: string }>('/crm/supply/requests', {
    deal_line_id: lines[0]!.id,
    supply_type: 'manufacturing',
    meters: '250.00',
    note: 'demo: weave the missing poplin',
  });
  await api.post(`/crm/supply/requests/${ordered.id}/update`, {
    status: 'in_production',
    supplier_name: 'Bursa Dokuma A.Ş.',
    eta_date: day(25),
    supply_id: 'SUP-DEMO-M1',
    note: 'demo: on the mill order SUP-DEMO-M1',
  });
}

// Order form demo (stories 51-55; docs/order-form.md): a live link for a MOD customer (printed while
// seeding: only its hash is stored, so it cannot be shown again), and a prospect's submitted form,
// a deal pending review. The prospect's form goes through the public page as a browser would.

export async function seedOrderFormDemo(api: DirectusApi, profileId: string): Promise<{ link: string }> {
  const live = await api.post<{ path: string }>('/crm/order-form-tokens', { customer_profile_id: profileId, expires_in_days: 30 });
  const prospect = await api.post<{ path: string }>('/crm/order-form-tokens', {
    prospect_name: 'Marmara Konfeksiyon',
    expires_in_days: 30,
  });
  const url = new URL(prospect.path, api.baseUrl);
  const page = await fetch(url);
  const html = await page.text();
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const form = new URLSearchParams({
    csrf,
    lang: 'tr',
    company: 'Marmara Konfeksiyon Ltd. Şti.',
    tax_number: '5566778899',
    country: 'TR',
    contact_name: 'Derya Marmara',
    contact_email: 'derya@marmara-konfeksiyon.example.com',
    q1: 'MOD-POPLIN-120',
    m1: '450',
    d1: new Date(Date.now() + 21 * DAY).toISOString().slice(0, 10),
    n1: 'Beyaz, yıkanmış',
    q2: 'MOD-SATEN-090',
    m2: '120,5',
    note: 'Numune sonrası sipariş',
  });
  const sent = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: form.toString(),
  });
  if (sent.status !== 303) throw new Error(`order form demo: the prospect's form was refused (${sent.status})`);
  const link = new URL(live.path, api.baseUrl).toString();
  console.log(`  order form demo link (MOD, Anka Tekstil): ${link}`);
  return { link };
}
