import { describe, expect, it } from 'vitest';
import { crmErrorFromDatabase } from './database-errors.js';

describe('crmErrorFromDatabase', () => {
  it('maps a trigger refusal, with or without the SQL prefix knex adds', () => {
    const direct = crmErrorFromDatabase(new Error("CRM_IMMUTABLE_FIELD: a deal's org_id never changes after creation"));
    expect(direct).toMatchObject({ code: 'IMMUTABLE_FIELD', status: 400, message: "a deal's org_id never changes after creation" });
    const prefixed = crmErrorFromDatabase(new Error('update "deals" set "org_id" = $1 - CRM_CROSS_ORG_REFERENCE: wrong org'));
    expect(prefixed).toMatchObject({ code: 'CROSS_ORG_REFERENCE', message: 'wrong org' });
  });

  it('leaves other errors alone', () => {
    expect(crmErrorFromDatabase(new Error('duplicate key value violates unique constraint'))).toBeNull();
    expect(crmErrorFromDatabase(null)).toBeNull();
    expect(crmErrorFromDatabase({ message: 42 })).toBeNull();
  });
});
