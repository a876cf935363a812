/**
 * How long a new order form link lives (story 52), as every page that issues one offers it: days,
 * or `never` (the API's `expires_in_days: null`, an unexpirable link). The server checks the same
 * range (`POST /crm/order-form-tokens`: 1-365 days or null).
 */
export const LINK_EXPIRIES = ['7', '14', '30', '90', '365', 'never'] as const;
export type LinkExpiry = (typeof LINK_EXPIRIES)[number];
/** The server's default too. */
export const DEFAULT_LINK_EXPIRY: LinkExpiry = '14';

/** The request's `expires_in_days`. */
export function expiresInDays(expiry: LinkExpiry): number | null {
  return expiry === 'never' ? null : Number(expiry);
}

/** The choices of a v-select, in the user's language. */
export function linkExpiryItems(t: (key: string, values?: Record<string, unknown>) => string): Array<{ text: string; value: LinkExpiry }> {
  return LINK_EXPIRIES.map((e) => ({
    text: e === 'never' ? t('crm.order_links.expiry.never') : t('crm.order_links.expiry.days', { n: e }),
    value: e,
  }));
}
