import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importContacts, type Mapping, mappingSchema } from '../../../platform/import/contacts';
import { openRows } from '../../../platform/import/rows';
import { InvalidInputError } from '../../../platform/errors';

describe('contacts from a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-contacts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const seen: string[][] = [];
  const opts = {
    kind: 'sandbox' as const,
    defaultCountry: 'GB',
    timeZone: 'Europe/London',
    now: Date.UTC(2026, 10, 23),
    maxFieldChars: 1000,
    maxFields: 100,
    blocked: async (addresses: string[]) => {
      seen.push(addresses);
      return new Map(addresses.filter((a) => a === '+447911123459').map((a) => [a, 'optedOut' as const]));
    },
  };
  async function run(csv: string, mapping: Mapping) {
    const path = join(dir, `f${++n}.csv`);
    writeFileSync(path, csv);
    return importContacts(await openRows(path), mappingSchema.parse(mapping), opts);
  }

  it('when rows are good, bad, repeated and opted out, then each is accepted or rejected with its reason and the counts add up', async () => {
    const csv = [
      'Phone,Ref,First,DOB,Owed,Notes',
      '07911 123456,R1,Aoife,14/02/1985,"£1,234.50",vip',
      ',R2,Bram,,,',
      'not a phone,R3,Chen,,,',
      '+44 7911 123456,R4,Dup,,,',
      '07911123457,R5,Eve,31/02/1985,,',
      '07911123458,R6,Finn,,lots,',
      '07911123459,R7,Gus,,,',
      '07911123460,R8,Hana,1990-07-01,12,=1+1',
    ].join('\n');
    const out = await run(csv, {
      address: 'Phone',
      customerRef: 'Ref',
      fields: { firstName: 'First', dob: { column: 'DOB', type: 'date' }, owed: { column: 'Owed', type: 'money' } },
    });
    expect(out.counts).toEqual({ total: 8, accepted: 2, rejected: 5, duplicates: 1 });
    expect(out.rejectedBy).toEqual({ missingAddress: 1, invalidAddress: 1, badDate: 1, badNumber: 1, optedOut: 1 });
    expect(out.rejections.map((r) => [r.row, r.reason, r.detail])).toEqual([
      [3, 'missingAddress', 'no value in "Phone"'],
      [4, 'invalidAddress', '"Phone" is not a valid phone number'],
      [5, 'duplicate', 'duplicate of row 2'],
      [6, 'badDate', '"DOB" is not a date'],
      [7, 'badNumber', '"Owed" is not a number'],
      [8, 'optedOut', 'opted out on this channel'],
    ]);
    expect(out.contacts).toEqual([
      { address: '+447911123456', fields: { customerRef: 'R1', firstName: 'Aoife', dob: '1985-02-14', owed: '1234.5', Notes: 'vip' } },
      { address: '+447911123460', fields: { customerRef: 'R8', firstName: 'Hana', dob: '1990-07-01', owed: '12', Notes: '=1+1' } },
    ]);
    expect(seen.at(-1)).toEqual(['+447911123456', '+447911123459', '+447911123460']);
  });

  it('when the mapping names a column the file lacks, then it is an input error on that mapping field', async () => {
    const err = await run('Phone,Name\n07911123456,A\n', { address: 'Mobile' }).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.errors).toEqual([{ field: 'mapping.address', message: 'the file has no column "Mobile"' }]);
  });

  it('when a mapping has an unknown type, then it does not parse', () => {
    expect(mappingSchema.safeParse({ address: 'P', fields: { a: { column: 'A', type: 'bool' } } }).success).toBe(false);
  });
});
