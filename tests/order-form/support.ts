/**
 * Helpers for the order form tests: issue links as sales, drive the public page like a browser
 * without JavaScript (GET for the CSRF cookie and field, POST urlencoded).
 */
import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { adminGet, baseUrl } from '../support/api.js';
import { as } from '../credit/support.js';

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A client address of its own per test, so the per-address limits of one test do not touch another's. */
export function clientAddress(): string {
  const b = randomUUID().replaceAll('-', '');
  return `10.${parseInt(b.slice(0, 2), 16)}.${parseInt(b.slice(2, 4), 16)}.${parseInt(b.slice(4, 6), 16)}`;
}

export async function issue(email: string, body: Record<string, unknown>) {
  const result = await as(email, 'POST', '/crm/order-form-tokens', body);
  return result;
}

export async function issued(
  email: string,
  body: Record<string, unknown>,
): Promise<{ id: string; token: string; path: string; expires_at: string | null }> {
  const result = await issue(email, body);
  expect(result.status, result.text).toBe(201);
  return result.body.data;
}

export interface Page {
  status: number;
  html: string;
  headers: Headers;
}

export async function getPage(path: string, opts: { ip?: string; lang?: string; acceptLanguage?: string } = {}): Promise<Page> {
  const url = `${baseUrl()}${path}${opts.lang ? `?lang=${opts.lang}` : ''}`;
  const response = await fetch(url, {
    redirect: 'manual',
    headers: {
      ...(opts.ip ? { 'x-forwarded-for': opts.ip } : {}),
      ...(opts.acceptLanguage ? { 'accept-language': opts.acceptLanguage } : {}),
    },
  });
  return { status: response.status, html: await response.text(), headers: response.headers };
}

export interface FormSession {
  cookie: string;
  csrf: string;
  html: string;
}

export async function openForm(path: string, ip: string): Promise<FormSession> {
  const response = await fetch(`${baseUrl()}${path}`, { headers: { 'x-forwarded-for': ip } });
  const html = await response.text();
  expect(response.status, html.slice(0, 300)).toBe(200);
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  expect(cookie).toMatch(/^crm_order_form_csrf=/);
  expect(csrf).not.toBe('');
  return { cookie, csrf, html };
}

export async function postForm(
  path: string,
  session: FormSession | null,
  fields: Record<string, string>,
  opts: { ip: string; contentType?: string; body?: string; origin?: string },
): Promise<Page> {
  const form = new URLSearchParams({ ...(session ? { csrf: session.csrf } : {}), ...fields });
  const response = await fetch(`${baseUrl()}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
      'x-forwarded-for': opts.ip,
      ...(session ? { cookie: session.cookie } : {}),
      ...(opts.origin ? { origin: opts.origin } : {}),
    },
    body: opts.body ?? form.toString(),
  });
  return { status: response.status, html: await response.text(), headers: response.headers };
}

/** The page without its per-response nonce: two dead-token pages must be byte for byte equal. */
export function withoutNonce(html: string): string {
  return html.replace(/nonce="[^"]*"/g, 'nonce=""');
}

export async function formDeals(profileId: string) {
  return adminGet<
    Array<{
      id: string;
      code: string;
      org_id: string;
      status: string;
      submitted_from_form: boolean;
      pending_review: boolean;
      notes: string | null;
    }>
  >(
    `/items/deals?filter[customer_profile_id][_eq]=${profileId}&filter[submitted_from_form][_eq]=true&fields=id,code,org_id,status,submitted_from_form,pending_review,notes&limit=-1`,
  );
}

export async function dealLines(dealId: string) {
  return adminGet<
    Array<{ line_no: number; quality_code: string; meters: string; requested_date: string | null; notes: string | null; org_id: string }>
  >(`/items/deal_lines?filter[deal_id][_eq]=${dealId}&fields=line_no,quality_code,meters,requested_date,notes,org_id&sort=line_no`);
}

export async function emailsOf(dealId: string) {
  return adminGet<
    Array<{
      email_type: string;
      subject: string | null;
      html_body: string | null;
      text_body: string | null;
      to_addresses: string[];
      audience: string;
    }>
  >(
    `/items/email_messages?filter[deal_id][_eq]=${dealId}&fields=email_type,subject,html_body,text_body,to_addresses,audience&sort=email_type`,
  );
}

export function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** A prospect's link in `org` sent through the page: a pending-review customer and its form deal. */
export async function prospectSubmits(issuer: string, company: string, taxNumber: string, quality: string) {
  const link = await issued(issuer, { prospect_name: company });
  const ip = clientAddress();
  const session = await openForm(link.path, ip);
  const sent = await postForm(
    link.path,
    session,
    {
      q1: quality,
      m1: '10',
      company,
      tax_number: taxNumber,
      contact_name: 'Alıcı',
      contact_email: `buyer.${taxNumber.toLowerCase()}@example.com`,
    },
    { ip },
  );
  expect(sent.status, sent.html.slice(0, 300)).toBe(303);
  const row = await adminGet<{ deal_id: string }>(`/items/order_form_tokens/${link.id}?fields=deal_id`);
  const deal = await adminGet<{ customer_profile_id: string }>(`/items/deals/${row.deal_id}?fields=customer_profile_id`);
  return { dealId: row.deal_id, profileId: deal.customer_profile_id };
}
