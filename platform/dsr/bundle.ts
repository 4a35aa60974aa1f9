import JSZip from 'jszip';
import type { SubjectData } from '../../db/dsr';
import { csvCell } from '../csv/cell';

type Cell = string | number | boolean | Date | null | undefined | object;

const text = (v: Cell): string =>
  v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** A CSV file of these rows and columns; every cell formula-safe. */
export function toCsv<T extends Record<string, Cell>>(rows: T[], columns: (keyof T & string)[]): string {
  const lines = [columns.map(csvCell).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell(text(r[c]))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * The export of an access or portability request: `subject.json` with everything, machine-readable
 * (portability), and one CSV per kind of record for a person to open in a spreadsheet.
 */
export async function buildBundle(meta: { requestId: string; orgId: string; createdAt: Date }, data: SubjectData): Promise<Buffer> {
  const zip = new JSZip();
  const transcripts = data.conversations.map((c) => ({
    ...c,
    transcript: data.messages.filter((m) => m.conversation_id === c.id),
  }));
  zip.file(
    'subject.json',
    JSON.stringify(
      {
        requestId: meta.requestId,
        orgId: meta.orgId,
        exportedAt: meta.createdAt.toISOString(),
        contacts: data.contacts,
        conversations: transcripts,
        consents: data.consents,
        campaigns: data.campaigns,
        eventDeliveries: data.deliveries,
      },
      null,
      2,
    ),
  );
  zip.file('contacts.csv', toCsv(data.contacts, ['id', 'channel_id', 'address', 'fields', 'created_at', 'updated_at', 'restricted_at']));
  zip.file(
    'conversations.csv',
    toCsv(data.conversations, [
      'id',
      'contact_id',
      'campaign_id',
      'channel_id',
      'status',
      'outcome',
      'propensity',
      'step',
      'notes',
      'created_at',
      'ended_at',
    ]),
  );
  zip.file(
    'messages.csv',
    toCsv(data.messages, ['id', 'conversation_id', 'created_at', 'direction', 'author', 'status', 'step', 'body', 'error']),
  );
  zip.file('consents.csv', toCsv(data.consents, ['id', 'contact_id', 'channel_id', 'status', 'purpose', 'source', 'created_at']));
  zip.file('campaigns.csv', toCsv(data.campaigns, ['id', 'name', 'status', 'created_at', 'completed_at']));
  zip.file(
    'event-deliveries.csv',
    toCsv(data.deliveries, ['event_id', 'type', 'occurred_at', 'conversation_id', 'endpoint_id', 'status', 'attempts', 'last_error']),
  );
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}
