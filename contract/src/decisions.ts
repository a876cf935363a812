/**
 * Decisions taken where the user stories are silent. They are part of the contract: the catalogue
 * prints them, and changing one is a contract change. Ids are stable so that code comments and
 * reviews can cite them.
 */

export interface ContractDecision {
  readonly id: string;
  readonly title: string;
  readonly decision: string;
  readonly rationale: string;
}

export const CONTRACT_DECISIONS: readonly ContractDecision[] = [
  {
    id: 'D-EVENT-NAMING',
    title: 'Event type and key are the same two names',
    decision:
      'Every event_type is "{entity}.{action}" and its key is "{source}:{entity}:{id}:{action}:v1" with the same entity and action.',
    rationale:
      'Story 81 fixes stock.changed ↔ wms:stock:{transaction_batch_id}:changed:v1; applying the same rule everywhere makes every key predictable from its event type.',
  },
  {
    id: 'D-KEY-GRAMMAR',
    title: 'Key segment limits and check order',
    decision:
      'source ∈ {wms, crm}; entity and action [a-z][a-z0-9_]*, 1-32 chars; id 1-64 chars of [A-Za-z0-9._-]; version "v" + 1-4 digits without leading zero. ' +
      'A key longer than 140 chars (the longest possible valid key) is refused before it is split. Checks run length → segment count → source → entity → id → action → version, so the reported code is stable.',
    rationale:
      'Story 82 asks for strict 5-segment validation before any state mutation; bounded segments keep keys indexable and logs readable.',
  },
  {
    id: 'D-KEY-VERSION',
    title: 'What v{N} versions',
    decision:
      'v{N} versions the meaning of the key (which fact its id names), not deliveries. All keys of contract 1.0.23 are v1; a retry re-sends the identical key.',
    rationale: 'A retry counter in the key would defeat deduplication.',
  },
  {
    id: 'D-KEY-REPEATABLE',
    title: 'Keys of facts that repeat',
    decision:
      'Facts that happen once per entity use the entity id (order.shipped → {po_number}). Facts that can repeat append the envelope sequence: {entity_id}.{sequence} (reservation.updated, order.tracking_updated, central_stock_check.updated, supply.updated). Entity ids therefore never contain a dot.',
    rationale:
      'Each occurrence needs its own key while a retry of one occurrence must keep its key; the sequence is already unique per scope.',
  },
  {
    id: 'D-ENVELOPE-IDENTITY',
    title: 'The idempotency key is the event id',
    decision: 'The envelope has one identity field, idempotency_key. There is no separate event_id.',
    rationale: 'Two ids per event invite disagreement about which one deduplicates.',
  },
  {
    id: 'D-STRICT-SCHEMAS',
    title: 'Unknown fields are rejected',
    decision:
      'Every object in every schema is closed (additionalProperties: false). contract_version must equal "1.0.23" exactly; a new field is a new contract version.',
    rationale: '"No drift in schemas/field names": a misspelt field (trackingId) must fail loudly instead of being ignored.',
  },
  {
    id: 'D-DECIMALS',
    title: 'Decimal strings, meters everywhere',
    decision:
      'Money and quantities are decimal strings, never JSON numbers: meters ≤ 2 decimals, money ≤ 2 decimals, unit costs ≤ 4 decimals; no sign, exponent or leading zeros. All quantities are meters; the story 49 names available_qty / requested_qty are kept verbatim and mean meters.',
    rationale: 'Floats cannot represent 0.1 exactly; two systems summing rolls differently must still agree to the centimetre.',
  },
  {
    id: 'D-TIME',
    title: 'Timestamps',
    decision: 'Instants are ISO-8601 UTC with "Z" and at most milliseconds; business days (ship_date, eta_date) are YYYY-MM-DD.',
    rationale: 'One spelling per instant keeps string comparison, logs and signature checks unambiguous.',
  },
  {
    id: 'D-ORG-CODES',
    title: 'Org codes are an enum',
    decision:
      'org codes are MOD or JTR; deal/PO/proforma codes must start with one of them and, where an event also names org_code, with that org.',
    rationale: 'A row with an unknown or mismatched org escapes every org grant (story 1); adding an org is a deliberate contract change.',
  },
  {
    id: 'D-STOCK-MULTI-SCOPE',
    title: 'One stock.changed per transaction batch, with every scope it touched',
    decision:
      'stock.changed carries a list of scopes (owner org + quality + warehouse) with absolute figures; one envelope sequence covers them all and must increase per scope (a WMS stock-ledger counter does). The CRM applies each scope whose stored sequence is lower and records the rest as stale.',
    rationale:
      'The key is per transaction_batch_id (story 81). A batch touching two qualities would otherwise need two events under one key, which is a conflict.',
  },
  {
    id: 'D-ABSOLUTE-STATE',
    title: 'State travels as snapshots',
    decision:
      'Every stateful event (stock, reservations, orders, checks, supply, costing, PO commands) carries the full current state of its scope, with a sequence. Only one-off facts (shortage.sent_back, shipment_gate.overridden, receipt.recorded, shortage.decided, deal.won) are unsequenced.',
    rationale: 'With snapshots a gap is harmless and a late event is simply stale (story 83); deltas would need gap-free delivery.',
  },
  {
    id: 'D-ORDER-LIFECYCLE',
    title: 'Order lifecycle naming and snapshots',
    decision:
      'WMS order progress is order.picking_started, order.prepared, order.shipped, order.delivered, order.cancelled (once each per po_number), plus order.tracking_updated for carrier corrections. Each carries the whole order including milestones reached and carrier fields.',
    rationale:
      'Shipped/delivered emails go exactly once (story 63) and tracking changes must never email (story 62), so a correction cannot reuse the shipped key; snapshots keep carrier data even when delivered overtakes shipped.',
  },
  {
    id: 'D-ABRA-IN-SEND-BACK',
    title: 'The Abra check travels inside the send-back',
    decision:
      'Every line of shortage.sent_back embeds its central stock check record; a missing one is rejected with ABRA_CHECK_MISSING. No other event requires a check.',
    rationale:
      'Story 47 makes the check a precondition of the send-back and story 48 limits it to that path; embedding makes the rule checkable without depending on the arrival order of central_stock_check events.',
  },
  {
    id: 'D-CHECK-EVENTS',
    title: 'completed vs updated, available_qty',
    decision:
      'central_stock_check.completed is the first result of a deal line, .updated every revision. result ∈ found | partial | not_found; available_qty is required for found (≥ requested) and partial (> 0, < requested) and absent for not_found.',
    rationale: 'Story 49: "available_qty (if found)"; partial finds also have a quantity, a not-found has none.',
  },
  {
    id: 'D-NEXT-STEPS',
    title: 'One list of next steps',
    decision:
      'proposed_next_step (WMS proposal) and the shortage decision outcome (Sales Manager) share one enum: transfer_from_central, ship_available, wait_for_supply, request_supply, substitute_quality, cancel_line.',
    rationale: 'The decision screen pre-selects the proposal; two lists would drift.',
  },
  {
    id: 'D-DEAL-WON-TO-WMS',
    title: 'The WMS hears deal.won',
    decision:
      'deal.won is sent to the WMS with deal lines (quality, meters), the customer reference and credit_blocked; no prices, currencies or payment data.',
    rationale:
      'Story 48 names "won" among WMS paths, and Abra checks and send-backs are per deal line (stories 47, 49), which the WMS can only quote if it knows them. Commercial data has no warehouse use.',
  },
  {
    id: 'D-SHORTAGE-DECISION',
    title: 'Shortage decisions go back to the WMS',
    decision: 'shortage.decided (CRM → WMS) answers one send-back with an outcome per line; one decision per send-back.',
    rationale: 'Stories 10 and 18 make the Sales Manager decide; the warehouse holds the goods and must act on it.',
  },
  {
    id: 'D-PO-RELEASE',
    title: 'A PO is released once',
    decision:
      'po.released is sent once per po_number; changing a released PO means po.cancelled plus a new PO. The CRM sequences both per po_number; a WMS that receives a cancellation first keeps it as a tombstone.',
    rationale: 'Story 72: retries never create duplicate POs; a late release must not resurrect a cancelled PO.',
  },
  {
    id: 'D-INTERCOMPANY',
    title: 'Cross-ownership on PO lines',
    decision:
      'Each po.released line names stock_owner_org; when it differs from the PO org the line also names the internal PO of the owner (intercompany_po_number, prefixed with the owner org). ' +
      "The owner's internal PO is created and released by the CRM in the same transaction as the selling org's release; it is never sent as a po.released of its own (the warehouse picks once, on the selling org's PO, and books the transfer against intercompany_po_number). " +
      'A line whose active reservations belong to several owners is not released (the CRM refuses the approval until the WMS settles them).',
    rationale: 'Story 73: shipping JTR stock on a MOD PO auto-creates a linked JTR→MOD order the warehouse must book against.',
  },
  {
    id: 'D-GATE-OVERRIDE',
    title: 'WMS gate overrides are reported, not negotiated',
    decision:
      'shipment_gate.overridden reports an override by a WMS Manager (gate, reason_code, mandatory note, who, when). The CRM logs it and sends override_used; it does not change CRM gate state.',
    rationale: 'Story 20 gives the WMS Manager the override; stories 38 and 70 require audit and notification.',
  },
  {
    id: 'D-SUPPLY',
    title: 'Supply milestones come from the WMS',
    decision:
      'supply.updated carries the full state of a manufacturing/import supply item (milestone, ETA, soft arrival). Supply requests raised in the CRM (supply_request_created email) are CRM-internal in 1.0.23.',
    rationale: 'Goods arrive at the warehouse; the CRM shows and digests them (stories 11, 68, 70).',
  },
  {
    id: 'D-COSTING',
    title: 'Costing lives in the CRM; wac.changed is kept for deployments whose costing is elsewhere',
    decision:
      'The WMS reports goods receipts (receipt.recorded: rolls/lots, quality, meters, owner org, warehouse, supplier and invoice when known); ' +
      'the CRM captures supplier invoices, FX choice and post-receipt adjustments and computes WAC per owner org + quality itself. ' +
      'wac.changed stays in the catalogue for a deployment whose costing runs outside the CRM and that never sends receipt.recorded. ' +
      'A WAC scope (owner org + quality) is owned by one side: once the CRM has costed a receipt of that scope it closes the scope to ' +
      'wac.changed (its high-water mark is set to the largest sequence), so a later wac.changed is recorded stale for it and never ' +
      'overwrites the CRM figure; scopes the CRM has not costed keep taking wac.changed as before.',
    rationale:
      'Stories 75-78 need invoices, FX, receipts and adjustments in one place with an audit trail; keeping the event (and deciding per scope ' +
      'with the existing sequence rule) lets a deployment with external costing work unchanged and needs no switch in the ingestion path.',
  },
  {
    id: 'D-RECEIPT',
    title: 'A receipt is a one-off fact per receipt_id',
    decision:
      'receipt.recorded is unsequenced and deduplicated by its key wms:receipt:{receipt_id}:recorded:v1. Each roll_id appears once per receipt; meters > 0. ' +
      'A correction is a new receipt or a stock adjustment, never a second version of the same receipt.',
    rationale:
      'Goods enter once; the CRM attaches costs to the rolls of a receipt, so overwriting a receipt would silently change booked stock value (story 77: value is conserved).',
  },
  {
    id: 'D-BATCH-KEY',
    title: 'Batch key vs event keys',
    decision:
      'A batch has its own key, webhook-id = {source}:batch:{batch_id}:delivered:v1, which deduplicates the delivery (identical retry → stored response replayed). Each event is deduplicated by its own key regardless of the batch carrying it.',
    rationale: 'Senders may re-batch on retry; event-level deduplication must not depend on batch boundaries.',
  },
  {
    id: 'D-TRANSPORT',
    title: 'Endpoints, limits, signature',
    decision:
      'WMS → CRM: POST /wms/events on the CRM; CRM → WMS: POST /crm/commands on the WMS; same batch format. At most 500 events and 5 MiB per request. Standard Webhooks headers; HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}", 300 s tolerance.',
    rationale: 'One format in both directions halves the integration code; the tolerance bounds replays.',
  },
  {
    id: 'D-RESULTS',
    title: 'Per-event results',
    decision:
      'An accepted batch answers HTTP 200 with one result per event in request order: applied | duplicate | stale | rejected (+ error). A rejected event does not claim its key, so it can be fixed and re-sent under the same key. Duplicate detection compares the canonical JSON of key, type, occurred_at, sequence and payload.',
    rationale: 'One bad event must not block 499 good ones; the sender needs to know exactly what to fix.',
  },
  {
    id: 'D-STALE-RECORDED',
    title: 'Stale events are recorded',
    decision:
      'An event whose sequence is not newer than the stored one for its scope is stored as stale (and answered "stale") but changes nothing. A receiver stores a scope sequence even when it cannot act on the event yet.',
    rationale: 'Story 83: older updates cannot regress state; recording them keeps the audit trail complete.',
  },
  {
    id: 'D-EMAIL-KEY',
    title: "Idempotency keys of the CRM's emails",
    decision:
      'Every email the CRM sends has the key "crm:email:{subject}:{email_type}:v1" in the same five-segment grammar: the id names the one fact the email is about ' +
      '(a PO number for customer status emails, the WMS override or supply id for ops emails, "{org_code}.{period}" for digests, e.g. MOD.2026-W49 or MOD.2026-12-05). ' +
      'Its Message-ID is derived from the key alone: "<" + key with ":" replaced by "." + "@crm-mod-jtr>". Emails are not sent to the WMS; the key is the CRM\'s own.',
    rationale:
      'One key per fact means a redelivered event, a retried job or a second instance finds the key taken and sends nothing twice; a deterministic Message-ID lets receivers drop the one duplicate SMTP cannot rule out (docs/email.md).',
  },
];
