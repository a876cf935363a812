/**
 * The email types of stories 61-71 (names binding) and the outbox states. Pure.
 */
export const CUSTOMER_EMAIL_TYPES = ['picking_started', 'prepared', 'shipped', 'delivered'] as const;
export const INTERNAL_EMAIL_TYPES = [
  'override_used',
  'shipment_approval_needed',
  'new_customer_pending_review',
  'supply_request_created',
  'eta_near',
  'soft_arrival_confirmed',
  'credit_request_submitted',
  /** A customer sent the order form (story 59): the org's team hears of the new request. */
  'order_form_submitted',
] as const;
export const DIGEST_EMAIL_TYPES = ['weekly_digest', 'central_stock_check_digest', 'cost_daily_pack'] as const;
/** Documents sent to the customer, with content written for them (stories 42, 43; the order form's confirmation and changes, 56, 59). */
export const DOCUMENT_EMAIL_TYPES = ['proforma_sent', 'order_form_confirmation', 'order_form_changes'] as const;
export const EMAIL_TYPES = [...CUSTOMER_EMAIL_TYPES, ...INTERNAL_EMAIL_TYPES, ...DIGEST_EMAIL_TYPES, ...DOCUMENT_EMAIL_TYPES] as const;

export type CustomerEmailType = (typeof CUSTOMER_EMAIL_TYPES)[number];
export type InternalEmailType = (typeof INTERNAL_EMAIL_TYPES)[number];
export type DigestEmailType = (typeof DIGEST_EMAIL_TYPES)[number];
export type DocumentEmailType = (typeof DOCUMENT_EMAIL_TYPES)[number];
export type EmailType = (typeof EMAIL_TYPES)[number];

/** Customer status emails that exist but are off for every org until its admin enables them (62, 66). */
export const OPT_IN_EMAIL_TYPES: readonly EmailType[] = ['picking_started', 'prepared'];
/** The status emails a customer profile's opt-out stops (65). */
export const OPT_OUT_EMAIL_TYPES: readonly EmailType[] = ['shipped', 'delivered'];

export const EMAIL_STATES = ['pending', 'sending', 'sent', 'failed', 'dead', 'suppressed'] as const;
export type EmailState = (typeof EMAIL_STATES)[number];

export const SUPPRESSION_REASONS = ['type_disabled', 'opted_out', 'policy', 'no_recipient'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export const EMAIL_POLICIES = ['send', 'hold'] as const;
export type EmailPolicy = (typeof EMAIL_POLICIES)[number];

export type Audience = 'customer' | 'internal';
export type Language = 'tr' | 'en';

export function isCustomerType(type: EmailType): type is CustomerEmailType {
  return (CUSTOMER_EMAIL_TYPES as readonly string[]).includes(type);
}

export function isDocumentType(type: EmailType): type is DocumentEmailType {
  return (DOCUMENT_EMAIL_TYPES as readonly string[]).includes(type);
}

export function isEmailType(value: string): value is EmailType {
  return (EMAIL_TYPES as readonly string[]).includes(value);
}

export function audienceOf(type: EmailType): Audience {
  return isCustomerType(type) || isDocumentType(type) ? 'customer' : 'internal';
}
