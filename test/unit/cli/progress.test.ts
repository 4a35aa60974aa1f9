import { parseMapping } from '../../../cli/mapping';
import { RateMeter, finished, progressLine, snapshot } from '../../../cli/progress';

describe('parseMapping', () => {
  it('when phone, ref and other keys are given, then they map to address, customerRef and fields', () => {
    expect(parseMapping('phone=Mobile, ref=CustomerRef,firstName=First Name')).toEqual({
      address: 'Mobile',
      customerRef: 'CustomerRef',
      fields: { firstName: 'First Name' },
    });
    expect(parseMapping('address=Phone')).toEqual({ address: 'Phone' });
  });

  it('when a pair has no column, then it is refused', () => {
    expect(() => parseMapping('phone=Mobile,firstName')).toThrow('--map: "firstName" is not key=Column');
    expect(() => parseMapping('phone=')).toThrow('is not key=Column');
  });
});

describe('snapshot', () => {
  it('when the API has a progress view, then sent and replied come from it', () => {
    const view = { id: 'c', status: 'running', total: 9, counts: { active: 1 }, progress: { total: 10, sent: 4, replied: 2 } };
    expect(snapshot(view)).toEqual({ id: 'c', status: 'running', total: 10, sent: 4, replied: 2 });
  });

  it('when there are only counts by conversation status, then sent counts those past pending and replied is unknown', () => {
    const view = { id: 'c', status: 'running', total: 10, counts: { pending: 5, active: 3, ended: 1, skipped: 1 } };
    expect(snapshot(view)).toEqual({ id: 'c', status: 'running', total: 10, sent: 4, replied: undefined });
  });

  it('when counts are by progress state, then sent adds up the states past sending', () => {
    const view = { id: 'c', status: 'running', total: 10, counts: { pending: 2, sent: 3, delivered: 2, replied: 2, completed: 1 } };
    expect(snapshot(view)).toMatchObject({ sent: 8, replied: 2 });
  });
});

describe('RateMeter', () => {
  it('when sends go on, then the rate is since the first reading and the ETA is what is left at that rate', () => {
    const meter = new RateMeter();
    const at = (sent: number) => ({ id: 'c', status: 'running', total: 100, sent });
    expect(meter.measure(at(10), 0)).toEqual({});
    expect(meter.measure(at(30), 10_000)).toEqual({ ratePerSecond: 2, etaSeconds: 35 });
    expect(progressLine(at(30), { ratePerSecond: 2, etaSeconds: 35 })).toBe(
      'campaign c running: sent 30/100 (30%), replied -, 2.0/s, ETA 35s',
    );
    expect(meter.measure(at(10), 20_000)).toEqual({ ratePerSecond: 0, etaSeconds: undefined });
  });
});

describe('import progress', () => {
  const importing = {
    id: 'c',
    status: 'importing',
    total: 0,
    counts: {},
    import: { status: 'importing', rowsRead: 1200, counts: { total: 1200, accepted: 1180, rejected: 20, duplicates: 0 } },
  };

  it('when the campaign is importing, then the line shows rows read, accepted and rejected so far', () => {
    const s = snapshot(importing);
    expect(s.import).toEqual({ status: 'importing', rowsRead: 1200, accepted: 1180, rejected: 20 });
    expect(progressLine(s, {})).toBe('campaign c importing: import importing: 1200 rows, 1180 accepted, 20 rejected');
  });

  it('when the API knows the total rows and bytes, then the line shows rows of total and the share of bytes', () => {
    const view = { ...importing, import: { ...importing.import, totalRows: 5000, bytesRead: 250, totalBytes: 1000 } };
    expect(progressLine(snapshot(view), {})).toBe(
      'campaign c importing: import importing: 1200/5000 rows, 25% of bytes, 1180 accepted, 20 rejected',
    );
  });

  it('when the import is done, then the line is about sends again; when it failed, then watching is finished', () => {
    const done = snapshot({ ...importing, status: 'created', total: 10, import: { ...importing.import, status: 'done' } });
    expect(progressLine(done, {})).toMatch(/^campaign c created: sent 0\/10/);
    expect(finished(done)).toBe(false);
    const failed = snapshot({ ...importing, import: { status: 'failed', rowsRead: 3, error: 'not a CSV' } });
    expect(finished(failed)).toBe(true);
    expect(progressLine(failed, {})).toBe('campaign c importing: import failed: 3 rows, error: not a CSV');
  });
});
