-- The deal workspace (issue #14, docs/deal-workspace.md) reads everything of one deal by its id:
-- the approvals of the deal and what POs order of each deal line (statements keyed by the deal).
create index if not exists approval_requests_deal on approval_requests (deal_id, date_created);
create index if not exists purchase_order_lines_deal_line on purchase_order_lines (deal_line_id);
