/**
 * What GET /crm/pricing/overview answers (stories 12, 22, 24, 25, 26, 38): the response types the
 * service returns and the Pricing command center reads. Types only, so the app imports them
 * without pulling server code into its bundle.
 */
import type { Currency } from '../fx/rates.js';

export type ApprovalKind = 'discount' | 'currency_exception' | 'stale_price';

export interface PricingOrgView {
  id: string;
  code: string;
  name: string;
  price_stale_days: number;
}

/** A pending pricing request, oldest first. */
export interface InboxItemView {
  id: string;
  kind: ApprovalKind;
  org_code: string;
  deal_code: string;
  line_no: number | null;
  quality_code: string | null;
  meters: string | null;
  currency: Currency | null;
  discount_pct: string | null;
  unit_price: string | null;
  request_note: string | null;
  requested_at: string;
  requested_by: string | null;
}

/** An in-stock list price past its stale date; `quality_id` is what POST /crm/pricing/list-prices names. */
export interface StalePriceView {
  id: string;
  quality_id: string;
  org_code: string;
  quality_code: string;
  quality_name: string;
  currency: Currency;
  price: string;
  confirmed_at: string;
  stale_after: string;
}

/** A quality without any list price (sales cannot see it). */
export interface MissingPriceView {
  id: string;
  org_code: string;
  quality_code: string;
  quality_name: string;
  in_stock: boolean;
}

export interface PricingOverview {
  now: string;
  orgs: PricingOrgView[];
  inbox: InboxItemView[];
  stale: StalePriceView[];
  missing: MissingPriceView[];
  /** The customer-price import panel is shown (story 39: pricing managers, the CRM admin). */
  may_import_customer_prices: boolean;
}
