import { z } from 'zod';
import { type ChannelKind, kindRules } from '../../channels';
import { parseFieldDate } from '../../workflows/journey/field-date';
import { readAmount } from '../../workflows/journey/match/number';
import type { NormalisedContact } from '../contacts';
import { InvalidInputError } from '../errors';
import type { Cell, ContactRows, RawRow } from './rows';

export const FIELD_TYPES = ['text', 'number', 'date', 'money'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

const column = z.string().trim().min(1, 'expected a column header').max(200);
const fieldName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a field name is 1–64 letters, digits or "_", not starting with a digit');

/** Which columns hold the address, the customer's reference and named, typed fields. */
export const mappingSchema = z.strictObject({
  address: column,
  customerRef: column.optional(),
  fields: z.record(fieldName, z.union([column, z.strictObject({ column, type: z.enum(FIELD_TYPES).default('text') })])).optional(),
});
export type Mapping = z.infer<typeof mappingSchema>;

/** Why an address is not to be processed at all; the reasons match the rejection reasons. */
export type BlockReason = 'optedOut' | 'suppressed' | 'restricted';

export type RejectReason =
  'missingAddress' | 'invalidAddress' | 'badDate' | 'badNumber' | 'optedOut' | 'suppressed' | 'restricted' | 'duplicate';

export interface Rejection {
  row: number;
  reason: RejectReason;
  detail: string;
}

export interface ImportCounts {
  total: number;
  accepted: number;
  rejected: number;
  duplicates: number;
}

export interface ImportedContacts {
  contacts: NormalisedContact[];
  /** Rejected and duplicate rows, in file order. */
  rejections: Rejection[];
  counts: ImportCounts;
  /** Rejected rows by reason; duplicates are counted in `counts.duplicates` only. */
  rejectedBy: Partial<Record<RejectReason, number>>;
}

export interface ImportOptions {
  kind: ChannelKind;
  defaultCountry: string;
  /** For reading written dates with two-digit years. */
  timeZone: string;
  now: number;
  maxFieldChars: number;
  maxFields: number;
  /** Of these normalised addresses, those not to import and why: opted out, suppressed or restricted. */
  blocked: (addresses: string[]) => Promise<Map<string, BlockReason>>;
}

const LOOKUP_BATCH = 1000;

interface Target {
  name: string;
  index: number;
  type: FieldType;
}

/** Where each mapped column sits in the header; a column the file does not have is a 400 on `mapping`. */
export function targets(header: string[], mapping: Mapping, maxFields: number) {
  const index = new Map<string, number>();
  header.forEach((h, i) => {
    if (h !== '' && !index.has(h)) index.set(h, i);
  });
  const find = (col: string, path: string) => {
    const i = index.get(col.trim());
    if (i === undefined) {
      throw new InvalidInputError('Invalid mapping', [{ field: `mapping.${path}`, message: `the file has no column "${col}"` }]);
    }
    return i;
  };
  const address = find(mapping.address, 'address');
  const used = new Set([address]);
  const fields: Target[] = [];
  if (mapping.customerRef !== undefined) {
    const i = find(mapping.customerRef, 'customerRef');
    used.add(i);
    fields.push({ name: 'customerRef', index: i, type: 'text' });
  }
  for (const [name, spec] of Object.entries(mapping.fields ?? {})) {
    const { column: col, type } = typeof spec === 'string' ? { column: spec, type: 'text' as const } : spec;
    const i = find(col, `fields.${name}`);
    used.add(i);
    fields.push({ name, index: i, type });
  }
  const named = new Set(fields.map((f) => f.name));
  for (const [h, i] of index) {
    const name = storable(h);
    if (!used.has(i) && !named.has(name) && name !== '__proto__') fields.push({ name, index: i, type: 'text' });
  }
  if (fields.length > maxFields) {
    throw new InvalidInputError('Invalid mapping', [
      { field: 'mapping', message: `the file gives ${fields.length} fields per contact; at most ${maxFields}` },
    ]);
  }
  return { address, fields };
}

function isoDate(d: Date): string {
  const iso = d.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

// PostgreSQL refuses NUL in jsonb, and a lone surrogate cannot be encoded as UTF-8.
// eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const storable = (s: string) => s.replace(UNSTORABLE, '\ufffd');

const pad = (n: number) => String(n).padStart(2, '0');

/** A cell as the text a contact field stores, or why it cannot be one. */
function fieldValue(cell: Cell, type: FieldType, opts: Omit<ImportOptions, 'blocked'>): { value?: string } | { error: RejectReason } {
  if (cell === null || (typeof cell === 'string' && cell.trim() === '')) return {};
  switch (type) {
    case 'text':
      return { value: cell instanceof Date ? isoDate(cell) : storable(String(cell)) };
    case 'number':
    case 'money': {
      const n = typeof cell === 'number' ? cell : typeof cell === 'string' ? readAmount(cell) : undefined;
      return n === undefined || !Number.isFinite(n) ? { error: 'badNumber' } : { value: String(n) };
    }
    case 'date': {
      if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? { error: 'badDate' } : { value: isoDate(cell) };
      if (typeof cell !== 'string') return { error: 'badDate' };
      const parsed = parseFieldDate(cell, opts.timeZone, opts.now);
      if (!parsed) return { error: 'badDate' };
      const { year, month, day } = parsed.date;
      return { value: `${String(year).padStart(4, '0')}-${pad(month)}-${pad(day)}` };
    }
  }
}

const cellText = (cell: Cell | undefined) =>
  cell === null || cell === undefined ? '' : cell instanceof Date ? isoDate(cell) : String(cell).trim();

export type ReaderOptions = Omit<ImportOptions, 'blocked'>;

/**
 * Reads rows of a file with this header by the mapping: each row's normalised address, and its contact.
 * Each distinct raw address is parsed once, until `forget`.
 */
export function contactReader(header: string[], mapping: Mapping, opts: ReaderOptions) {
  const { address: addressAt, fields } = targets(header, mapping, opts.maxFields);
  const rules = kindRules(opts.kind);
  const parsed = new Map<string, ReturnType<typeof rules.normaliseAddress>>();

  /** The row's normalised address, or why it has none. */
  function address({ row, cells }: RawRow): { address: string } | Rejection {
    const raw = cellText(cells[addressAt]);
    if (raw === '') return { row, reason: 'missingAddress', detail: `no value in "${mapping.address}"` };
    let result = parsed.get(raw);
    if (!result) parsed.set(raw, (result = rules.normaliseAddress(raw, opts.defaultCountry)));
    if ('error' in result) return { row, reason: 'invalidAddress', detail: `"${mapping.address}" ${result.error}` };
    return { address: result.address };
  }

  /** The row's fields, or the first that cannot be read. */
  function values({ row, cells }: RawRow): { fields: Record<string, string> } | Rejection {
    const values: Record<string, string> = {};
    for (const f of fields) {
      const v = fieldValue(cells[f.index] ?? null, f.type, opts);
      if ('error' in v) return { row, reason: v.error, detail: `"${header[f.index]}" is not a ${f.type === 'date' ? 'date' : 'number'}` };
      if (v.value !== undefined) values[f.name] = v.value.slice(0, opts.maxFieldChars);
    }
    return { fields: values };
  }

  /**
   * The row as a contact, or why not: rejected, or a duplicate of an earlier row. `firstRow` holds
   * the first accepted row of each address so far; an accepted row is added to it.
   */
  function read(r: RawRow, firstRow: Map<string, number>): AcceptedRow | Rejection {
    const a = address(r);
    if ('reason' in a) return a;
    const first = firstRow.get(a.address);
    if (first !== undefined) return { row: r.row, reason: 'duplicate', detail: `duplicate of row ${first}` };
    const v = values(r);
    if ('reason' in v) return v;
    firstRow.set(a.address, r.row);
    return { row: r.row, contact: { address: a.address, fields: v.fields } };
  }

  return { address, read, forget: () => parsed.clear() };
}

export interface AcceptedRow {
  row: number;
  contact: NormalisedContact;
}

const BLOCK_DETAIL = {
  optedOut: 'opted out on this channel',
  suppressed: 'address is on the suppression list',
  restricted: 'contact is restricted from processing',
};

/** Splits accepted rows into those that stay and the blocked ones, looking them up in batches. */
export async function withoutBlocked(accepted: AcceptedRow[], blocked: ImportOptions['blocked']) {
  const stopped = new Map<string, BlockReason>();
  for (let i = 0; i < accepted.length; i += LOOKUP_BATCH) {
    for (const [a, why] of await blocked(accepted.slice(i, i + LOOKUP_BATCH).map((a) => a.contact.address))) stopped.set(a, why);
  }
  const kept: AcceptedRow[] = [];
  const rejections: Rejection[] = [];
  for (const a of accepted) {
    const why = stopped.get(a.contact.address);
    if (why) rejections.push({ row: a.row, reason: why, detail: BLOCK_DETAIL[why] });
    else kept.push(a);
  }
  return { kept, rejections };
}

/** Rejected rows by reason; duplicates are counted apart. */
export function tally(rejections: Iterable<{ reason: string; n?: number }>) {
  const rejectedBy: ImportedContacts['rejectedBy'] = {};
  let duplicates = 0;
  let rejected = 0;
  for (const r of rejections) {
    const n = r.n ?? 1;
    if (r.reason === 'duplicate') duplicates += n;
    else {
      rejected += n;
      rejectedBy[r.reason as RejectReason] = (rejectedBy[r.reason as RejectReason] ?? 0) + n;
    }
  }
  return { rejectedBy, rejected, duplicates };
}

/**
 * Streams a contacts file through the reader in batches: every row is accepted, rejected with a reason, or a
 * duplicate of an earlier row with the same normalised address. `onBatch` sees each batch's kept contacts and
 * its rejected rows (in file order, opt-outs looked up per batch); memory holds one batch, plus each address's
 * first row for telling duplicates. Returns the counts.
 */
export async function scanContacts(
  file: ContactRows,
  mapping: Mapping,
  opts: ImportOptions,
  onBatch: (contacts: NormalisedContact[], rejections: Rejection[]) => void | Promise<void>,
): Promise<Pick<ImportedContacts, 'counts' | 'rejectedBy'>> {
  const reader = contactReader(file.header, mapping, opts);
  const firstRow = new Map<string, number>();
  const byReason = new Map<string, number>();
  let accepted: AcceptedRow[] = [];
  let rejections: Rejection[] = [];
  let total = 0;
  let kept = 0;
  const flush = async () => {
    const checked = await withoutBlocked(accepted, opts.blocked);
    const rejected = [...rejections, ...checked.rejections].sort((a, b) => a.row - b.row);
    for (const r of rejected) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1);
    kept += checked.kept.length;
    await onBatch(
      checked.kept.map((a) => a.contact),
      rejected,
    );
    accepted = [];
    rejections = [];
    reader.forget();
  };
  for await (const r of file.rows) {
    total++;
    const result = reader.read(r, firstRow);
    if ('reason' in result) rejections.push(result);
    else accepted.push(result);
    if (accepted.length + rejections.length >= LOOKUP_BATCH) await flush();
  }
  await flush();
  const { rejectedBy, rejected, duplicates } = tally([...byReason].map(([reason, n]) => ({ reason, n })));
  return { counts: { total, accepted: kept, rejected, duplicates }, rejectedBy };
}

/** Reads a whole contacts file into contacts and rejected rows, for an import small enough to hold. */
export async function importContacts(file: ContactRows, mapping: Mapping, opts: ImportOptions): Promise<ImportedContacts> {
  const contacts: NormalisedContact[] = [];
  const rejections: Rejection[] = [];
  const { counts, rejectedBy } = await scanContacts(file, mapping, opts, (kept, rejected) => {
    contacts.push(...kept);
    rejections.push(...rejected);
  });
  return { contacts, rejections, counts, rejectedBy };
}
