import { toCsv } from '../../../platform/dsr/bundle';

describe('bundle CSV files', () => {
  it('escapes every cell a spreadsheet would run as a formula, and quotes separators', () => {
    const rows = ['=1+1', '+44', '-2', '@SUM(A1)', '\tx', '\rx', 'plain', 'a,b', 'say "hi"'].map((v) => ({ v }));
    expect(toCsv(rows, ['v']).split('\r\n')).toEqual([
      'v',
      "'=1+1",
      "'+44",
      "'-2",
      "'@SUM(A1)",
      "'\tx",
      `"'\rx"`,
      'plain',
      '"a,b"',
      '"say ""hi"""',
      '',
    ]);
  });

  it('writes dates as ISO times, objects as JSON and nulls as empty cells', () => {
    const csv = toCsv([{ at: new Date('2030-01-01T00:00:00Z'), fields: { a: '1' }, gone: null }], ['at', 'fields', 'gone']);
    expect(csv).toBe('at,fields,gone\r\n2030-01-01T00:00:00.000Z,"{""a"":""1""}",\r\n');
  });
});
