/**
 * Proformas, the Balance Check Gate and contracts (stories 8, 17, 18, 40-45) through real HTTP:
 * the cash pack in the deal.won transaction and its waivers, every route per role (custom
 * endpoints, item API, GraphQL), the balance check acknowledgement before download and send, the
 * overdue warning line, sending through the email outbox, mark-paid with a ledger payment, the
 * contract_signed release gate, the PDF's text, and org isolation.
 */
import { randomUUID } from 'node:crypto';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, describe, expect, it } from 'vitest';
import { adminGet, adminToken, baseUrl, http, tokenFor } from '../support/api.js';
import { upload } from '../orgs/world.js';
import { as, daysAgo, expectRefusal, fieldsOf, makeCustomer, makeDeal, retireCustomers, SHIP_TO, USERS } from '../credit/support.js';

const NOBODY = randomUUID();
const PROFORMA_CODE = /^MOD\d{4}PI[0-9A-HJKMNP-TV-Z]{8}$/;
// Turkish letters the PDF must carry as text (a Unicode font, embedded).
const CUSTOMER = 'Çağlayan Işık Örme Ğüş İplik';

afterAll(async () => {
  await retireCustomers();
});

async function cashCustomer(name: string) {
  const made = await makeCustomer(name, ['MOD']);
  const patched = await http('PATCH', `/items/customer_org_profiles/${made.profiles.MOD}`, await adminToken(), { payment_mode: 'cash' });
  expect(patched.status, patched.text).toBe(200);
  return made;
}

async function audit(entityId: string) {
  return adminGet<Array<{ action: string; actor: string; note: string | null; details: Record<string, unknown> }>>(
    `/items/audit_log?filter[entity_id][_eq]=${entityId}&fields=action,actor,note,details&sort=occurred_at`,
  );
}

async function pdfText(bytes: ArrayBuffer): Promise<string> {
  const task = getDocument({ data: new Uint8Array(bytes), useSystemFonts: false });
  const document = await task.promise;
  const pages: string[] = [];
  for (let n = 1; n <= document.numPages; n++) {
    const content = await (await document.getPage(n)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await task.destroy();
  return pages.join('\n');
}

async function download(email: string, id: string) {
  const response = await fetch(`${baseUrl()}/crm/proformas/${id}/pdf`, { headers: { authorization: `Bearer ${await tokenFor(email)}` } });
  return response;
}

async function winCash(name: string, by: string = USERS.salesMod, body: Record<string, unknown> = {}) {
  const { profiles, customerId } = await cashCustomer(name);
  const deal = await makeDeal('MOD', profiles.MOD, '100.00', '10.0000');
  const won = await as(by, 'POST', `/crm/deals/${deal.id}/won`, body);
  return { profiles, customerId, deal, won };
}

/** Story 31: a cash customer's PO also ships only with a Sales Manager's payment confirmation. */
async function payAndConfirm(poId: string, profileId: string, amount: string) {
  const payment = await as(USERS.finance, 'POST', '/crm/payments', {
    customer_profile_id: profileId,
    currency: 'TRY',
    amount,
    value_date: daysAgo(0),
    method: 'bank_transfer',
    reference: `PF-${randomUUID()}`,
  });
  expect(payment.status, payment.text).toBe(201);
  const confirmed = await as(USERS.manager, 'POST', `/crm/purchase-orders/${poId}/confirm-payment`, {
    payment_ids: [payment.body.data.id],
    note: 'advance received',
  });
  expect(confirmed.status, confirmed.text).toBe(200);
}

describe('the cash pack on deal.won (story 40)', () => {
  it('drafts the proforma and the contract in the won transaction; waivers are a Sales Manager’s, with a note', async () => {
    // A sales owner wins, but never waives (story 17): refused before anything is written.
    const { profiles } = await cashCustomer('Waiver Tekstil');
    const deal = await makeDeal('MOD', profiles.MOD, '10.00', '5.0000');
    expectRefusal(
      await as(USERS.salesMod, 'POST', `/crm/deals/${deal.id}/won`, { waive_contract: { note: 'trusted customer' } }),
      403,
      'WAIVE_NOT_ALLOWED',
      'waive_contract',
    );
    expectRefusal(
      await as(USERS.manager, 'POST', `/crm/deals/${deal.id}/won`, { waive_contract: {} }),
      400,
      'INVALID_INPUT',
      'waive_contract.note',
    );
    expect((await adminGet<{ status: string }>(`/items/deals/${deal.id}?fields=status`)).status).toBe('submitted');

    // A credit customer has nothing to waive: refused inside the won transaction, which rolls back
    // the deal update and the deal.won command written before it (one transaction).
    const credit = await makeCustomer('Credit Pack Tekstil', ['MOD']);
    const creditDeal = await makeDeal('MOD', credit.profiles.MOD, '10.00', '5.0000');
    expectRefusal(
      await as(USERS.manager, 'POST', `/crm/deals/${creditDeal.id}/won`, { waive_proforma: { note: 'x' } }),
      400,
      'NOT_A_CASH_DEAL',
      'waive_proforma',
    );
    expect((await adminGet<{ status: string }>(`/items/deals/${creditDeal.id}?fields=status`)).status).toBe('submitted');
    expect(await adminGet(`/items/outbound_messages?filter[entity_id][_eq]=${creditDeal.id}&fields=id`)).toEqual([]);
    const creditWon = await as(USERS.manager, 'POST', `/crm/deals/${creditDeal.id}/won`, {});
    expect(creditWon.status, creditWon.text).toBe(200);
    expect(creditWon.body.data.cash_pack).toBeNull();
    expect(await adminGet(`/items/contracts?filter[deal_id][_eq]=${creditDeal.id}&fields=id`)).toEqual([]);

    // The manager waives both: no proforma, the contract waived with who/when/note.
    const waived = await as(USERS.manager, 'POST', `/crm/deals/${deal.id}/won`, {
      waive_proforma: { note: 'paid in advance at the counter' },
      waive_contract: { note: 'framework contract on file' },
    });
    expect(waived.status, waived.text).toBe(200);
    expect(waived.body.data.cash_pack).toMatchObject({
      proforma: null,
      contract: { status: 'waived' },
      waived: { proforma: true, contract: true },
    });
    const [contract] = await adminGet<Array<Record<string, unknown>>>(
      `/items/contracts?filter[deal_id][_eq]=${deal.id}&fields=status,waive_note,waived_at,waived_by`,
    );
    expect(contract).toMatchObject({ status: 'waived', waive_note: 'framework contract on file', waived_at: expect.any(String) });
    // One instant for the whole won transaction: compared as a set.
    expect((await audit(deal.id)).map((e) => [e.action, e.note]).sort()).toEqual([
      ['cash_pack.proforma_waived', 'paid in advance at the counter'],
      ['deal.won', null],
    ]);
  });

  it('a sales owner wins a cash deal: Proforma ORG3YYYYPI+CODE8 with lines and totals from the price, Contract Draft', async () => {
    const { deal, won } = await winCash('Pack Tekstil');
    expect(won.status, won.text).toBe(200);
    const pack = won.body.data.cash_pack;
    expect(pack.proforma.code).toMatch(PROFORMA_CODE);
    expect(pack.proforma.code.slice(3, 7)).toBe(String(new Date().getUTCFullYear()));
    expect(pack.proforma.totals).toEqual([{ currency: 'TRY', total: '1000.0000' }]);
    expect(pack.contract.status).toBe('drafted');
    const read = await as(USERS.salesMod, 'GET', `/crm/proformas/${pack.proforma.id}`);
    expect(read.status, read.text).toBe(200);
    expect(read.body.data).toMatchObject({
      code: pack.proforma.code,
      status: 'drafted',
      deal_id: deal.id,
      contract_status: 'drafted',
      lines: [
        { line_no: 1, quality_code: 'MOD-POPLIN-120', meters: '100.00', unit_price: '10.0000', currency: 'TRY', amount: '1000.0000' },
      ],
    });
    // Immutable: not even the admin changes a proforma's code or lines through the item API.
    const admin = await adminToken();
    expectRefusal(
      await http('PATCH', `/items/proformas/${pack.proforma.id}`, admin, { code: 'MOD2026PI00000000' }),
      400,
      'IMMUTABLE_FIELD',
    );
    expectRefusal(await http('DELETE', `/items/proformas/${pack.proforma.id}`, admin), 400, 'PROFORMA_KEPT');
  });
});

describe('item API and isolation', () => {
  it('reads per org grants; writes only through /crm; another org’s proforma reads like a missing one', async () => {
    const { won } = await winCash('Isolation Tekstil');
    const proformaId = won.body.data.cash_pack.proforma.id as string;
    const contractId = won.body.data.cash_pack.contract.id as string;
    for (const email of [USERS.salesMod, USERS.manager, USERS.finance]) {
      const items = await as(email, 'GET', `/items/proformas/${proformaId}?fields=id,code,status`);
      expect(items.status, `${email}: ${items.text}`).toBe(200);
      expect((await as(email, 'GET', `/items/contracts/${contractId}?fields=id,status`)).status).toBe(200);
    }
    for (const email of [USERS.salesJtr, USERS.pricing, USERS.nogrant]) {
      expect((await as(email, 'GET', `/items/proformas/${proformaId}`)).status, email).toBe(403);
    }
    expect((await as(USERS.manager, 'POST', '/items/proformas', { code: 'X' })).status).toBe(403);
    expect((await as(USERS.manager, 'PATCH', `/items/proformas/${proformaId}`, { status: 'sent' })).status).toBe(403);
    expect((await as(USERS.manager, 'PATCH', `/items/contracts/${contractId}`, { status: 'waived' })).status).toBe(403);
    expect((await as(USERS.salesMod, 'POST', '/items/proforma_acknowledgements', { proforma_id: proformaId })).status).toBe(403);
    const gql = await http('POST', '/graphql', await tokenFor(USERS.manager), {
      query: `mutation($id: ID!) { update_contracts_item(id: $id, data: { status: "waived" }) { id } }`,
      variables: { id: contractId },
    });
    expect(gql.body.errors?.[0]?.extensions?.code, gql.text).toBeDefined();
    expect((await adminGet<{ status: string }>(`/items/contracts/${contractId}?fields=status`)).status).toBe('drafted');

    // Custom endpoints: a JTR user gets the answer a missing proforma gets, word for word.
    for (const path of ['', '/balance-check']) {
      const foreign = await as(USERS.salesJtr, 'GET', `/crm/proformas/${proformaId}${path}`);
      expectRefusal(foreign, 404, 'PROFORMA_NOT_FOUND', 'id');
      expect(foreign.text).toBe((await as(USERS.salesJtr, 'GET', `/crm/proformas/${NOBODY}${path}`)).text);
    }
    const list = await as(USERS.salesJtr, 'GET', '/crm/proformas?limit=200');
    expect(list.status, list.text).toBe(200);
    expect(list.body.data.items.map((p: { code: string }) => p.code).filter((c: string) => c.startsWith('MOD'))).toEqual([]);
    expectRefusal(await as(USERS.pricing, 'GET', '/crm/proformas'), 403, 'PROFORMA_NOT_ALLOWED');
    expect((await http('GET', '/crm/proformas')).status).toBe(401);
    expectRefusal(await as(USERS.salesMod, 'GET', '/crm/proformas/not-a-uuid'), 400, 'PROFORMA_NOT_FOUND');
    const mine = await as(USERS.salesMod, 'GET', '/crm/proformas?limit=200');
    expect(mine.body.data.items.map((p: { id: string }) => p.id)).toContain(proformaId);

    // Story 5: an inactive customer's proforma is hidden from sales owners (item API and /crm alike);
    // managers and finance still see it.
    const profileId = (await adminGet<{ customer_profile_id: string }>(`/items/proformas/${proformaId}?fields=customer_profile_id`))
      .customer_profile_id;
    expect((await http('PATCH', `/items/customer_org_profiles/${profileId}`, await adminToken(), { status: 'inactive' })).status).toBe(200);
    expectRefusal(await as(USERS.salesMod, 'GET', `/crm/proformas/${proformaId}`), 404, 'PROFORMA_NOT_FOUND');
    expect((await as(USERS.salesMod, 'GET', `/items/proformas/${proformaId}`)).status).toBe(403);
    const hidden = await as(USERS.salesMod, 'GET', '/crm/proformas?limit=200');
    expect(hidden.body.data.items.map((p: { id: string }) => p.id)).not.toContain(proformaId);
    expect((await as(USERS.manager, 'GET', `/crm/proformas/${proformaId}`)).status).toBe(200);
    expect((await as(USERS.finance, 'GET', `/items/proformas/${proformaId}?fields=id`)).status).toBe(200);
  });
});

describe('Balance Check Gate, sending and paid confirmation (stories 42-45)', () => {
  it('refuses download and send without an acknowledgement of the current figures; warns about overdue; sends once', async () => {
    const { profiles, won } = await winCash(CUSTOMER);
    const id = won.body.data.cash_pack.proforma.id as string;
    const code = won.body.data.cash_pack.proforma.code as string;

    // Roles: finance reads but does not send; pricing has no cash pack rights; JTR: like missing.
    expectRefusal(await as(USERS.finance, 'GET', `/crm/proformas/${id}/balance-check`), 403, 'PROFORMA_SEND_NOT_ALLOWED', 'id');
    expectRefusal(await as(USERS.pricing, 'GET', `/crm/proformas/${id}/balance-check`), 403, 'PROFORMA_SEND_NOT_ALLOWED', 'id');
    expectRefusal(await as(USERS.salesJtr, 'POST', `/crm/proformas/${id}/send`, {}), 404, 'PROFORMA_NOT_FOUND');

    // No acknowledgement: no PDF, no send.
    const noAck = await download(USERS.salesMod, id);
    expect(noAck.status).toBe(422);
    expect(((await noAck.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe(
      'BALANCE_CHECK_REQUIRED',
    );
    expectRefusal(await as(USERS.salesMod, 'POST', `/crm/proformas/${id}/send`, {}), 422, 'BALANCE_CHECK_REQUIRED', 'balance_check');

    const check = await as(USERS.salesMod, 'GET', `/crm/proformas/${id}/balance-check`);
    expect(check.status, check.text).toBe(200);
    expect(check.body.data).toMatchObject({
      figures: [
        {
          currency: 'TRY',
          total_open: '1000.0000',
          overdue: '0.0000',
          available_limit: null,
          requested_new: '0.0000',
          proforma_total: '1000.0000',
        },
      ],
      acknowledgement: null,
      email_draft: { subject: `Proforma ${code}`, warning_line: null },
    });
    // Acknowledging other figures than the ones now: 409, nothing stored.
    const wrong = structuredClone(check.body.data.figures);
    wrong[0].total_open = '999.0000';
    expectRefusal(
      await as(USERS.salesMod, 'POST', `/crm/proformas/${id}/balance-check`, { figures: wrong }),
      409,
      'BALANCE_CHANGED',
      'figures',
    );
    expectRefusal(
      await as(USERS.salesMod, 'POST', `/crm/proformas/${id}/balance-check`, { figures: [{ ...wrong[0], overdue: 5 }] }),
      400,
      'INVALID_INPUT',
      'figures.0.overdue',
    );
    const ack = await as(USERS.salesMod, 'POST', `/crm/proformas/${id}/balance-check`, { figures: check.body.data.figures });
    expect(ack.status, ack.text).toBe(201);
    const [stored] = await adminGet<Array<Record<string, unknown>>>(
      `/items/proforma_acknowledgements?filter[proforma_id][_eq]=${id}&fields=figures,acknowledged_at,acknowledged_by.email`,
    );
    expect(stored).toMatchObject({ figures: check.body.data.figures, acknowledged_by: { email: USERS.salesMod } });

    // The acknowledgement is the caller's own: the manager has not acknowledged.
    expectRefusal(await as(USERS.manager, 'POST', `/crm/proformas/${id}/send`, {}), 422, 'BALANCE_CHECK_REQUIRED');

    // The PDF: code, lines, totals, Turkish letters, as extracted text.
    const pdf = await download(USERS.salesMod, id);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const text = await pdfText(await pdf.arrayBuffer());
    for (const expected of [code, CUSTOMER, 'MOD-POPLIN-120', '100.00', '10.00 TRY', '1000.00 TRY', 'Toplam / Total TRY']) {
      expect(text, expected).toContain(expected);
    }

    // The balance changes (an overdue receivable): the old acknowledgement no longer covers it.
    const owe = await as(USERS.finance, 'POST', '/crm/receivables', {
      customer_profile_id: profiles.MOD,
      currency: 'TRY',
      amount: '250.5',
      due_date: daysAgo(30),
      kind: 'opening_balance',
      reference: `OB-${randomUUID().slice(0, 6)}`,
    });
    expect(owe.status, owe.text).toBe(201);
    expect((await download(USERS.salesMod, id)).status).toBe(422);
    const again = await as(USERS.salesMod, 'GET', `/crm/proformas/${id}/balance-check`);
    expect(again.body.data.acknowledgement).toMatchObject({ covers_current_figures: false });
    expect(again.body.data.figures[0]).toMatchObject({ overdue: '250.5000', total_open: '1250.5000' });
    expect(again.body.data.email_draft.warning_line).toContain('settle outstanding 250.50 TRY');
    expect((await as(USERS.salesMod, 'POST', `/crm/proformas/${id}/balance-check`, { figures: again.body.data.figures })).status).toBe(201);

    // Story 43: the warning line may be edited, not removed, while overdue exists.
    expectRefusal(
      await as(USERS.salesMod, 'POST', `/crm/proformas/${id}/send`, { warning_line: '  ' }),
      422,
      'OVERDUE_WARNING_REQUIRED',
      'warning_line',
    );
    const sent = await as(USERS.salesMod, 'POST', `/crm/proformas/${id}/send`, {
      warning_line: 'Please settle outstanding 250.50 TRY before shipment.',
      note: 'sent after phone call',
    });
    expect(sent.status, sent.text).toBe(200);
    expect(sent.body.data).toMatchObject({
      status: 'sent',
      warning_line: 'Please settle outstanding 250.50 TRY before shipment.',
      email: { idempotency_key: `crm:email:${code}:proforma_sent:v1` },
    });
    const [email] = await adminGet<Array<Record<string, unknown>>>(
      `/items/email_messages?filter[idempotency_key][_eq]=crm:email:${code}:proforma_sent:v1&fields=email_type,audience,text_body,subject,state,suppressed_reason`,
    );
    expect(email).toMatchObject({ email_type: 'proforma_sent', audience: 'customer' });
    // No contact on the fixture profile: recorded, routed to nobody (the outbox says why).
    expect(email!['state'] === 'suppressed' ? email!['suppressed_reason'] : 'sent-or-pending').toBeDefined();
    expectRefusal(await as(USERS.salesMod, 'POST', `/crm/proformas/${id}/send`, {}), 409, 'PROFORMA_ALREADY_SENT', 'id');
    const entries = await audit(id);
    expect(entries.map((e) => e.action)).toEqual(['proforma.drafted', 'proforma.sent']);
    expect(entries.find((e) => e.action === 'proforma.sent')).toMatchObject({
      note: 'sent after phone call',
      details: { warning_line: 'Please settle outstanding 250.50 TRY before shipment.' },
    });
  });

  it('paid_confirmed needs a Sales Manager and a payment ledger entry of the same org, customer and currency', async () => {
    const { profiles, won } = await winCash('Paid Tekstil');
    const id = won.body.data.cash_pack.proforma.id as string;
    const pay = async (profileId: string, currency = 'TRY') => {
      const result = await as(USERS.finance, 'POST', '/crm/payments', {
        customer_profile_id: profileId,
        currency,
        amount: '1000',
        value_date: daysAgo(0),
        method: 'bank_transfer',
        reference: `PAY-${randomUUID().slice(0, 8)}`,
        proforma_ref: won.body.data.cash_pack.proforma.code,
      });
      expect(result.status, result.text).toBe(201);
      return result.body.data.payment?.id ?? result.body.data.id;
    };
    const payment = await pay(profiles.MOD);
    const body = { payment_ids: [payment], note: 'wire received, checked the bank statement' };

    // Drafted: not sent yet.
    expectRefusal(await as(USERS.manager, 'POST', `/crm/proformas/${id}/mark-paid`, body), 409, 'PROFORMA_NOT_SENT', 'id');
    const figures = (await as(USERS.manager, 'GET', `/crm/proformas/${id}/balance-check`)).body.data.figures;
    expect((await as(USERS.manager, 'POST', `/crm/proformas/${id}/balance-check`, { figures })).status).toBe(201);
    expect((await as(USERS.manager, 'POST', `/crm/proformas/${id}/send`, {})).status).toBe(200);

    // Sales owners never confirm payments (story 17); nor finance, pricing; JTR: like missing.
    expectRefusal(await as(USERS.salesMod, 'POST', `/crm/proformas/${id}/mark-paid`, body), 403, 'PAYMENT_CONFIRM_NOT_ALLOWED', 'id');
    expectRefusal(await as(USERS.finance, 'POST', `/crm/proformas/${id}/mark-paid`, body), 403, 'PAYMENT_CONFIRM_NOT_ALLOWED', 'id');
    expectRefusal(await as(USERS.pricing, 'POST', `/crm/proformas/${id}/mark-paid`, body), 403, 'PAYMENT_CONFIRM_NOT_ALLOWED', 'id');
    const foreign = await as(USERS.salesJtr, 'POST', `/crm/proformas/${id}/mark-paid`, body);
    expectRefusal(foreign, 404, 'PROFORMA_NOT_FOUND', 'id');
    expect(foreign.text).toBe((await as(USERS.salesJtr, 'POST', `/crm/proformas/${NOBODY}/mark-paid`, body)).text);
    expectRefusal(
      await as(USERS.manager, 'POST', `/crm/proformas/${id}/mark-paid`, { payment_ids: [payment] }),
      400,
      'INVALID_INPUT',
      'note',
    );
    expectRefusal(
      await as(USERS.manager, 'POST', `/crm/proformas/${id}/mark-paid`, { ...body, payment_ids: [] }),
      400,
      'INVALID_INPUT',
      'payment_ids',
    );

    // Another customer's payment, an unknown one, another currency: refused, nothing changes.
    const other = await makeCustomer('Other Payer Tekstil', ['MOD']);
    const otherPayment = await pay(other.profiles.MOD);
    expectRefusal(
      await as(USERS.manager, 'POST', `/crm/proformas/${id}/mark-paid`, { ...body, payment_ids: [otherPayment] }),
      400,
      'PAYMENT_NOT_FOUND',
      'payment_ids.0',
    );
    expectRefusal(
      await as(USERS.manager, 'POST', `/crm/proformas/${id}/mark-paid`, { ...body, payment_ids: [NOBODY] }),
      400,
      'PAYMENT_NOT_FOUND',
      'payment_ids.0',
    );
    const usd = await pay(profiles.MOD, 'USD');
    expectRefusal(
      await as(USERS.manager, 'POST', `/crm/proformas/${id}/mark-paid`, { ...body, payment_ids: [usd] }),
      422,
      'PAYMENT_CURRENCY_MISMATCH',
      'payment_ids.0',
    );
    expect((await adminGet<{ status: string }>(`/items/proformas/${id}?fields=status`)).status).toBe('sent');

    const paid = await as(USERS.manager, 'POST', `/crm/proformas/${id}/mark-paid`, body);
    expect(paid.status, paid.text).toBe(200);
    expect(paid.body.data).toMatchObject({ status: 'paid_confirmed', payment_ids: [payment] });
    expectRefusal(await as(USERS.manager, 'POST', `/crm/proformas/${id}/mark-paid`, body), 409, 'PROFORMA_ALREADY_PAID', 'id');
    const confirmed = (await audit(id)).find((e) => e.action === 'proforma.paid_confirmed');
    expect(confirmed).toMatchObject({
      action: 'proforma.paid_confirmed',
      note: body.note,
      details: { payments: [expect.objectContaining({ id: payment, currency: 'TRY' })] },
    });
  });
});

describe('the contract gate on shipment approval (story 41)', () => {
  it('holds the release of a cash deal’s PO until the contract is signed_received; only a Sales Manager confirms or waives', async () => {
    const { won, deal, profiles } = await winCash('Contract Tekstil');
    const contractId = won.body.data.cash_pack.contract.id as string;
    const po = await as(USERS.salesMod, 'POST', '/crm/purchase-orders', { deal_id: deal.id, ship_date: '2026-12-20', ship_to: SHIP_TO });
    expect(po.status, po.text).toBe(201);
    const poId = po.body.data.id as string;

    // Blocked on every route: the endpoint, the item API, GraphQL.
    const release = () => as(USERS.manager, 'POST', `/crm/purchase-orders/${poId}/release`, { note: 'ship' });
    expectRefusal(await release(), 422, 'RELEASE_GATE_BLOCKED', 'gates.contract_signed');
    expectRefusal(
      await as(USERS.manager, 'PATCH', `/items/purchase_orders/${poId}`, { status: 'released' }),
      422,
      'RELEASE_GATE_BLOCKED',
      'gates.contract_signed',
    );
    const gql = await http('POST', '/graphql', await adminToken(), {
      query: `mutation($id: ID!) { update_purchase_orders_item(id: $id, data: { status: "released" }) { id } }`,
      variables: { id: poId },
    });
    expect(gql.body.errors?.[0]?.extensions?.code, gql.text).toBe('RELEASE_GATE_BLOCKED');
    // The sales owner never releases anyway (story 17).
    expectRefusal(await as(USERS.salesMod, 'POST', `/crm/purchase-orders/${poId}/release`, { note: 'x' }), 403, 'RELEASE_NOT_ALLOWED');

    // Contract: the sales owner sends it; only a Sales Manager confirms signed or waives.
    const send = await as(USERS.salesMod, 'POST', `/crm/contracts/${contractId}/send`, {});
    expect(send.status, send.text).toBe(200);
    expectRefusal(await as(USERS.salesMod, 'POST', `/crm/contracts/${contractId}/send`, {}), 409, 'CONTRACT_ALREADY_SENT', 'id');
    expectRefusal(await release(), 422, 'RELEASE_GATE_BLOCKED', 'gates.contract_signed');
    const file = await upload('/files', await tokenFor(USERS.salesMod), {
      name: 'imzali-sozlesme.pdf',
      type: 'application/pdf',
      content: '%PDF-1.4 signed',
    });
    expect(file.status, file.text).toBe(200);
    const fileId = (file.body as { data: { id: string } }).data.id;
    const signed = { file_id: fileId, note: 'signed copy received by courier' };
    expectRefusal(
      await as(USERS.salesMod, 'POST', `/crm/contracts/${contractId}/signed`, signed),
      403,
      'CONTRACT_CONFIRM_NOT_ALLOWED',
      'id',
    );
    expectRefusal(
      await as(USERS.finance, 'POST', `/crm/contracts/${contractId}/signed`, signed),
      403,
      'CONTRACT_CONFIRM_NOT_ALLOWED',
      'id',
    );
    expectRefusal(await as(USERS.salesMod, 'POST', `/crm/contracts/${contractId}/waive`, { note: 'x' }), 403, 'WAIVE_NOT_ALLOWED', 'id');
    const foreign = await as(USERS.salesJtr, 'POST', `/crm/contracts/${contractId}/signed`, signed);
    expectRefusal(foreign, 404, 'CONTRACT_NOT_FOUND', 'id');
    expect(foreign.text).toBe((await as(USERS.salesJtr, 'POST', `/crm/contracts/${NOBODY}/signed`, signed)).text);
    expectRefusal(
      await as(USERS.manager, 'POST', `/crm/contracts/${contractId}/signed`, { ...signed, file_id: NOBODY }),
      400,
      'FILE_NOT_FOUND',
      'file_id',
    );
    expectRefusal(
      await as(USERS.manager, 'POST', `/crm/contracts/${contractId}/signed`, { file_id: fileId }),
      400,
      'INVALID_INPUT',
      'note',
    );

    const confirmed = await as(USERS.manager, 'POST', `/crm/contracts/${contractId}/signed`, signed);
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(await adminGet(`/items/contracts/${contractId}?fields=status,signed_file,signed_note`)).toMatchObject({
      status: 'signed_received',
      signed_file: fileId,
      signed_note: signed.note,
    });
    expectRefusal(await as(USERS.manager, 'POST', `/crm/contracts/${contractId}/waive`, { note: 'x' }), 409, 'CONTRACT_FINAL', 'id');
    // Signed: the contract gate is open; the payment gate still holds the cash PO (story 31).
    expect(fieldsOf(await release())).toEqual(['gates.payment_confirmation']);
    await payAndConfirm(poId, profiles.MOD, '1000.00');
    const released = await release();
    expect(released.status, released.text).toBe(200);
    expect((await audit(contractId)).map((e) => e.action)).toEqual(['contract.drafted', 'contract.sent', 'contract.signed_received']);
  });

  it('a Sales Manager’s waiver with a note opens the gate', async () => {
    const { won, deal, profiles } = await winCash('Waived Contract Tekstil');
    const contractId = won.body.data.cash_pack.contract.id as string;
    const po = await as(USERS.manager, 'POST', '/crm/purchase-orders', { deal_id: deal.id, ship_date: '2026-12-20', ship_to: SHIP_TO });
    expect(po.status, po.text).toBe(201);
    expectRefusal(await as(USERS.manager, 'POST', `/crm/contracts/${contractId}/waive`, {}), 400, 'INVALID_INPUT', 'note');
    const waived = await as(USERS.manager, 'POST', `/crm/contracts/${contractId}/waive`, {
      note: 'long-standing customer, contract on file',
    });
    expect(waived.status, waived.text).toBe(200);
    const [entry] = (await audit(contractId)).filter((e) => e.action === 'contract.waived');
    expect(entry).toMatchObject({ note: 'long-standing customer, contract on file' });
    await payAndConfirm(po.body.data.id, profiles.MOD, '1000.00');
    const released = await as(USERS.manager, 'POST', `/crm/purchase-orders/${po.body.data.id}/release`, { note: 'ship' });
    expect(released.status, released.text).toBe(200);
    expect(fieldsOf(released)).toEqual([]);
  });
});
