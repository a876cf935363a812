/**
 * What an email says, from the facts its row carries (`context`). Pure.
 *
 * - Customer status emails: the carrier fields of the order mirror, as the trigger copied them
 *   (schema-snapshots/constraints/420-email.sql).
 * - Internal emails written by a trigger (override_used, supply_request_created,
 *   soft_arrival_confirmed) or by the eta_near check: their facts, mapped here.
 * - Everything else (digests, the daily pack, later issues' triggers) hands its content in ready
 *   made as `context.content` (InternalEmailData).
 */
import type { InternalEmailData, StatusEmailData } from './templates.js';
import type { CustomerEmailType, EmailType, Language } from './types.js';

type Facts = Record<string, unknown>;

const text = (v: unknown): string | null => (typeof v === 'string' && v.length ? v : typeof v === 'number' ? String(v) : null);

export function statusData(type: CustomerEmailType, facts: Facts, customerName: string | null): StatusEmailData {
  return {
    po_number: text(facts['po_number']) ?? '',
    customer_name: customerName,
    carrier_name: text(facts['carrier_name']),
    tracking_id: text(facts['tracking_id']),
    tracking_url: text(facts['tracking_url']),
    dispatch_note_number: text(facts['dispatch_note_number']),
    at: text(facts[`${type}_at`]),
  };
}

function factList(pairs: Array<[string, unknown]>): InternalEmailData['facts'] {
  return pairs.flatMap(([label, value]) => {
    const v = text(value);
    return v ? [{ label, value: v }] : [];
  });
}

export function isInternalEmailData(value: unknown): value is InternalEmailData {
  const v = value as InternalEmailData | null;
  return !!v && typeof v.subject === 'string' && typeof v.intro === 'string' && Array.isArray(v.facts) && Array.isArray(v.sections);
}

/** The content of an internal email, or null when its row carries nothing to say. */
export function internalData(type: EmailType, facts: Facts): InternalEmailData | null {
  if (isInternalEmailData(facts['content'])) return facts['content'];
  switch (type) {
    case 'override_used':
      return {
        subject: `PO ${text(facts['po_number']) ?? '?'}`,
        intro: 'The warehouse shipped past a shipment gate with an override. Review the reason below.',
        facts: factList([
          ['PO number', facts['po_number']],
          ['Gate', facts['gate']],
          ['Reason', facts['reason_code']],
          ['Note', facts['note']],
          ['Overridden by', facts['overridden_by']],
          ['At', facts['overridden_at']],
          ['Override', facts['override_id']],
        ]),
        sections: [],
      };
    case 'supply_request_created':
    case 'soft_arrival_confirmed':
    case 'eta_near':
      return {
        subject: `supply ${text(facts['supply_id']) ?? '?'}${text(facts['supplier_name']) ? ` (${text(facts['supplier_name'])})` : ''}`,
        intro:
          type === 'supply_request_created'
            ? 'A new supply was registered in the warehouse system.'
            : type === 'soft_arrival_confirmed'
              ? 'The warehouse confirmed the soft arrival of this supply.'
              : 'This supply is expected within the next days.',
        facts: factList([
          ['Supply', facts['supply_id']],
          ['Type', facts['supply_type']],
          ['Supplier', facts['supplier_name']],
          ['Milestone', facts['milestone']],
          ['ETA', facts['eta_date'] ?? facts['eta_text']],
          ['Soft arrival confirmed', facts['soft_arrival_confirmed_at']],
        ]),
        sections: [],
      };
    default:
      return null;
  }
}

/** Customer emails in the profile's language, else Turkish for customers in Turkey, else English. */
export function customerLanguage(profileLanguage: string | null | undefined, country: string | null | undefined): Language {
  if (profileLanguage === 'tr' || profileLanguage === 'en') return profileLanguage;
  return (country ?? '').toUpperCase() === 'TR' ? 'tr' : 'en';
}

/** A Directus language code (`tr-TR`, `en-US`, …) as an email language: Turkish or English. */
export function emailLanguageOf(directusLanguage: string | null | undefined): Language {
  return (directusLanguage ?? '').toLowerCase().startsWith('tr') ? 'tr' : 'en';
}

/**
 * Internal emails in the language their recipients read the CRM in: each recipient's Directus
 * language (`directus_users.language`), or, for a user who chose none and for an address that is no
 * user (a team mailbox), the project's default language (Settings, which is what the Directus app
 * shows such a user). One email goes to all its recipients (one key, one Message-ID): when they
 * differ, the language most of them read, and on a tie the project's default.
 */
export function staffLanguage(
  addresses: readonly string[],
  userLanguages: ReadonlyMap<string, string | null>,
  projectDefault: string | null,
): Language {
  const fallback = emailLanguageOf(projectDefault);
  let tr = 0;
  let en = 0;
  for (const address of addresses) {
    const language = emailLanguageOf(userLanguages.get(address.toLowerCase()) ?? projectDefault);
    if (language === 'tr') tr++;
    else en++;
  }
  return tr > en ? 'tr' : en > tr ? 'en' : fallback;
}
