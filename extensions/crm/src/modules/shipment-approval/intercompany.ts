/**
 * Cross-ownership (stories 73, 74), pure: who owns the stock a PO ships, the internal deal's
 * lines and price (the transfer rule), and the owner org's finance position towards the buyer.
 * The service loads the facts set-based (intercompany-repository.ts) and decides here.
 *
 * - **Owner of a PO line**: the owner org of the line's active reservations (reservation_mirrors,
 *   filled by the WMS). No active reservation: the selling org's own stock (as before). One owner
 *   other than the selling org: the line is cross-owned. Reservations of several owners on one
 *   line: the line cannot be released as one po.released line (the contract names one
 *   stock_owner_org per line) and the `stock_owner` gate refuses it until the WMS settles it.
 * - **Transfer price** (rule `buyer_price_snapshot_v1`): each internal line copies the suggested
 *   price of the buyer's line: the newest immutable price snapshot of the buyer's deal line (story
 *   38), else its unit price, in that currency; meters are the PO line's meters. The owner's
 *   pricing may revise it through its usual flow: the internal line starts unapproved.
 * - **The owner's finance rules** (story 74): the buyer, as the owner's intercompany customer, is
 *   refused while it has anything overdue with the owner, or while any currency would be over its
 *   limit there with this transfer counted. A manager granted in both orgs overrides in the same
 *   screen; the buyer's users see only that an intercompany rule blocks, never the owner's figures.
 */
import { addDecimals, compareDecimals, isPositiveDecimal, multiplyDecimals, roundDecimal } from '@crm/contract/decimal';

export const TRANSFER_PRICE_RULE = 'buyer_price_snapshot_v1';

export interface LineOwners {
  po_id: string;
  deal_line_id: string;
  /** Owner org codes of the line's active reservations (empty: none reserved). */
  owners: readonly string[];
}

export interface LineOwnership {
  deal_line_id: string;
  /** The owner org code; null when reservations of several owners make it ambiguous. */
  owner: string | null;
}

/** The owner of each line of one PO of `sellingOrg` (see the rule above). */
export function ownersOfLines(sellingOrg: string, lines: readonly Pick<LineOwners, 'deal_line_id' | 'owners'>[]): LineOwnership[] {
  return lines.map((line) => {
    const owners = [...new Set(line.owners)];
    if (!owners.length) return { deal_line_id: line.deal_line_id, owner: sellingOrg };
    return { deal_line_id: line.deal_line_id, owner: owners.length === 1 ? owners[0]! : null };
  });
}

export interface PricedLine {
  deal_line_id: string;
  quality_code: string;
  meters: string;
  /** The buyer line's newest price snapshot, else null (the line's unit price then). */
  snapshot_id: string | null;
  unit_price: string;
  currency: string;
}

export interface TransferLine extends PricedLine {
  amount: string;
}

/** The internal lines of a transfer: the cross-owned lines at the buyer's suggested price. */
export function transferLines(priced: readonly PricedLine[], ownership: readonly LineOwnership[], sellingOrg: string): TransferLine[] {
  const crossOwned = new Set(ownership.filter((o) => o.owner !== null && o.owner !== sellingOrg).map((o) => o.deal_line_id));
  return priced
    .filter((line) => crossOwned.has(line.deal_line_id))
    .map((line) => ({ ...line, amount: roundDecimal(multiplyDecimals(line.meters, line.unit_price), 4) }));
}

export interface CurrencyAmount {
  currency: string;
  amount: string;
}

export function totalsByCurrency(lines: readonly CurrencyAmount[]): CurrencyAmount[] {
  const sums = new Map<string, string>();
  for (const line of lines) sums.set(line.currency, addDecimals(sums.get(line.currency) ?? '0', line.amount));
  return [...sums].map(([currency, amount]) => ({ currency, amount: roundDecimal(amount, 4) }));
}

/** The buyer's position as the owner's customer, per currency (credit/repository.ts#exposureRows). */
export interface OwnerPosition {
  currency: string;
  exposure: string;
  overdue: string;
  credit_limit: string | null;
}

export interface FinanceVerdict {
  overdue: CurrencyAmount[];
  /** Currencies over the limit with the transfer counted: exposure after it, and the limit. */
  overLimit: Array<{ currency: string; exposure_after: string; limit: string }>;
}

/** Story 74: overdue anything, or over a limit with this transfer counted. */
export function ownerFinanceVerdict(position: readonly OwnerPosition[], transfer: readonly CurrencyAmount[]): FinanceVerdict {
  const overdue = position.filter((p) => isPositiveDecimal(p.overdue)).map((p) => ({ currency: p.currency, amount: p.overdue }));
  const currencies = new Set([...position.map((p) => p.currency), ...transfer.map((t) => t.currency)]);
  const overLimit: FinanceVerdict['overLimit'] = [];
  for (const currency of currencies) {
    const row = position.find((p) => p.currency === currency);
    if (row?.credit_limit == null) continue;
    const after = addDecimals(row.exposure, ...transfer.filter((t) => t.currency === currency).map((t) => t.amount));
    if (compareDecimals(after, row.credit_limit) > 0)
      overLimit.push({ currency, exposure_after: roundDecimal(after, 4), limit: row.credit_limit });
  }
  return { overdue, overLimit };
}
