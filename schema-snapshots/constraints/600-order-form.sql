-- The order form (stories 51-55, docs/order-form.md). Re-runnable.

-- order_form_tokens: only the SHA-256 of a token is stored; a token is for a customer profile of
-- its own org, or for a prospect (then the form asks who they are).
alter table order_form_tokens drop constraint if exists order_form_tokens_status_check;
alter table order_form_tokens add constraint order_form_tokens_status_check check (status in ('active', 'used', 'revoked', 'replaced'));
alter table order_form_tokens drop constraint if exists order_form_tokens_hash_format;
alter table order_form_tokens add constraint order_form_tokens_hash_format check (token_hash ~ '^[0-9a-f]{64}$');
alter table order_form_tokens drop constraint if exists order_form_tokens_used_complete;
alter table order_form_tokens add constraint order_form_tokens_used_complete check (status <> 'used' or used_at is not null);
alter table order_form_tokens drop constraint if exists order_form_tokens_sent_version_check;
alter table order_form_tokens add constraint order_form_tokens_sent_version_check check (sent_version >= 0);
create index if not exists order_form_tokens_org_profile on order_form_tokens (org_id, customer_profile_id, issued_at);

drop trigger if exists order_form_tokens_guard_1_fixed on order_form_tokens;
create trigger order_form_tokens_guard_1_fixed before update on order_form_tokens for each row
  execute function crm_guard_immutable('CRM_IMMUTABLE_FIELD: an order form token''s org, customer and hash never change',
                                       'org_id', 'customer_profile_id', 'token_hash', 'issued_at');
-- A token that is no longer active never comes back (one-time; regenerating kills the old one).
drop trigger if exists order_form_tokens_guard_2_final on order_form_tokens;
create trigger order_form_tokens_guard_2_final before update on order_form_tokens for each row
  when (old.status <> 'active' and new.status is distinct from old.status)
  execute function crm_guard_refuse('CRM_ORDER_FORM_TOKEN_FINAL: a used, revoked or replaced order form token never comes back');
drop trigger if exists order_form_tokens_guard_3_profile on order_form_tokens;
create trigger order_form_tokens_guard_3_profile before insert or update on order_form_tokens for each row
  when (new.customer_profile_id is not null)
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: an order form token''s customer profile is in its org',
                                     'customer_profile_id', 'customer_org_profiles', 'org_id');
drop trigger if exists order_form_tokens_guard_4_deal on order_form_tokens;
create trigger order_form_tokens_guard_4_deal before insert or update on order_form_tokens for each row
  when (new.deal_id is not null)
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: an order form token''s deal is in its org', 'deal_id', 'deals', 'org_id');

-- order_form_attachments: internal files of a form's deal, in the deal's org; never changed.
alter table order_form_attachments drop constraint if exists order_form_attachments_size_check;
alter table order_form_attachments add constraint order_form_attachments_size_check check (size_bytes > 0 and size_bytes <= 10485760);
create index if not exists order_form_attachments_deal on order_form_attachments (deal_id, uploaded_at);
drop trigger if exists order_form_attachments_guard_1_org on order_form_attachments;
create trigger order_form_attachments_guard_1_org before insert or update on order_form_attachments for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: an attachment is in its deal''s org', 'deal_id', 'deals', 'org_id');
drop trigger if exists order_form_attachments_guard_2_final on order_form_attachments;
create trigger order_form_attachments_guard_2_final before update on order_form_attachments for each row
  execute function crm_guard_refuse('CRM_IMMUTABLE_FIELD: an order form attachment never changes');
-- The links list shows which link replaced which (regenerate): found by the new link's replaces_id,
-- a single-column index kept in the snapshot (order_form_tokens.replaces_id is_indexed), as Directus
-- compares it there.
