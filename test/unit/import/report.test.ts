import { csvCell } from '../../../api/routes/campaign-import';

describe('import report cells', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+44 7911', "'+44 7911"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['\rcmd', `"'\rcmd"`],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['plain, with comma', '"plain, with comma"'],
    ['two\nlines', '"two\nlines"'],
    ['a-b=c', 'a-b=c'],
    [12, '12'],
  ])('when a cell is %j, then it is written as %j', (value, written) => {
    expect(csvCell(value)).toBe(written);
  });
});
