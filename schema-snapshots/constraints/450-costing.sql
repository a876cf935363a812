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
