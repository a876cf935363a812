-- Costing (docs/costing.md, stories 75-80). Re-runnable.

-- Receipts (receipt.recorded, written only by the WMS ingestion): one row per receipt, one per roll.
-- The receipt facts never change: a correction is a new receipt or a stock adjustment (contract D-RECEIPT).
create unique index if not exists costing_receipt_rolls_roll on costing_receipt_rolls (receipt_id, roll_id);
create index if not exists costing_receipt_rolls_scope on costing_receipt_rolls (org_id, quality_code, warehouse_code);
create index if not exists costing_receipts_org_received on costing_receipts (org_id, received_at);
alter table costing_receipt_rolls drop constraint if exists costing_receipt_rolls_meters_positive;
alter table costing_receipt_rolls add constraint costing_receipt_rolls_meters_positive check (meters > 0);
drop trigger if exists costing_receipts_guard_1_append_only on costing_receipts;
create trigger costing_receipts_guard_1_append_only before update or delete on costing_receipts for each row
  execute function crm_guard_refuse('CRM_RECEIPT_FINAL: a goods receipt is a fact of the WMS and never changes');
drop trigger if exists costing_receipt_rolls_guard_1_facts on costing_receipt_rolls;
create trigger costing_receipt_rolls_guard_1_facts before update on costing_receipt_rolls for each row
  execute function crm_guard_immutable('CRM_RECEIPT_FINAL: a received roll keeps its receipt, quality, warehouse and meters',
    'org_id', 'receipt_id', 'roll_id', 'lot_id', 'quality_code', 'warehouse_code', 'meters', 'received_at');
drop trigger if exists costing_receipt_rolls_guard_2_no_delete on costing_receipt_rolls;
create trigger costing_receipt_rolls_guard_2_no_delete before delete on costing_receipt_rolls for each row
  execute function crm_guard_refuse('CRM_RECEIPT_FINAL: a received roll is never deleted');

-- Supplier invoices and credit notes (story 75): posted on capture, never changed; one document
-- number per supplier and org. Corrections are credit notes.
create unique index if not exists supplier_invoices_number on supplier_invoices (org_id, supplier_name, kind, invoice_number);
alter table supplier_invoices drop constraint if exists supplier_invoices_kind_check;
alter table supplier_invoices add constraint supplier_invoices_kind_check check (
  (kind = 'invoice' and credits_invoice_id is null) or (kind = 'credit_note' and credits_invoice_id is not null));
alter table supplier_invoices drop constraint if exists supplier_invoices_currency_check;
alter table supplier_invoices add constraint supplier_invoices_currency_check check (
  currency in ('TRY', 'USD', 'EUR') and fx_rate > 0 and (currency <> 'TRY' or fx_rate = 1));
drop trigger if exists supplier_invoices_guard_1_posted on supplier_invoices;
create trigger supplier_invoices_guard_1_posted before update or delete on supplier_invoices for each row
  execute function crm_guard_refuse('CRM_INVOICE_POSTED: a posted supplier invoice never changes; correct it with a credit note');
create unique index if not exists supplier_invoice_lines_no on supplier_invoice_lines (invoice_id, line_no);
create index if not exists supplier_invoice_lines_org on supplier_invoice_lines (org_id, quality_code);
drop trigger if exists supplier_invoice_lines_guard_1_org on supplier_invoice_lines;
create trigger supplier_invoice_lines_guard_1_org before insert on supplier_invoice_lines for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: an invoice line belongs to its invoice''s org', 'invoice_id', 'supplier_invoices', 'org_id');
drop trigger if exists supplier_invoice_lines_guard_2_posted on supplier_invoice_lines;
create trigger supplier_invoice_lines_guard_2_posted before update or delete on supplier_invoice_lines for each row
  execute function crm_guard_refuse('CRM_INVOICE_POSTED: a posted supplier invoice never changes; correct it with a credit note');

-- Roll costs (story 76): one per received roll; meters never below 0 nor above received.
-- (roll_id and costing_entries.po_number are indexed in the snapshot: single-column indexes.)
create index if not exists costing_roll_costs_receipt on costing_roll_costs (org_id, receipt_id, quality_code);
alter table costing_roll_costs drop constraint if exists costing_roll_costs_figures;
alter table costing_roll_costs add constraint costing_roll_costs_figures check (
  remaining_meters >= 0 and remaining_meters <= received_meters and basis in ('provisional', 'invoice')
  and (basis = 'provisional') = (invoice_line_id is null));

-- The costing ledger (stories 77-80): append-only; value as of a date is a sum over it.
create index if not exists costing_entries_scope on costing_entries (org_id, quality_code, occurred_at);
alter table costing_entries drop constraint if exists costing_entries_kind_check;
alter table costing_entries add constraint costing_entries_kind_check check (
  kind in ('receipt', 'invoice_match', 'adjustment', 'credit_note', 'issue'));
drop trigger if exists costing_entries_guard_1_append_only on costing_entries;
create trigger costing_entries_guard_1_append_only before update or delete on costing_entries for each row
  execute function crm_guard_refuse('CRM_COSTING_LEDGER_APPEND_ONLY: costing entries are never changed or deleted');

-- Adjustments (story 78): recorded once.
alter table costing_adjustments drop constraint if exists costing_adjustments_check;
alter table costing_adjustments add constraint costing_adjustments_check check (
  kind in ('duty', 'freight', 'other') and basis in ('value', 'meters') and currency in ('TRY', 'USD', 'EUR') and fx_rate > 0);
drop trigger if exists costing_adjustments_guard_1_append_only on costing_adjustments;
create trigger costing_adjustments_guard_1_append_only before update or delete on costing_adjustments for each row
  execute function crm_guard_refuse('CRM_COSTING_LEDGER_APPEND_ONLY: adjustments are never changed or deleted');
