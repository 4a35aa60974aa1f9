import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { CliError } from './client';
import { parseMapping } from './mapping';

const TYPES: Record<string, string> = {
  '.csv': 'text/csv',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.xls': 'application/vnd.ms-excel',
};

export interface CreateOptions {
  journey: string;
  channel: string;
  map?: string;
  country?: string;
  dryRun?: boolean;
  name?: string;
}

export const contentTypeOf = (file: string) => TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';

/** The multipart body of `POST /v1/campaigns`: the fields first, so a streaming server knows the mapping before the rows. */
export async function campaignForm(file: string, opts: CreateOptions): Promise<FormData> {
  const form = new FormData();
  form.append('journeyId', opts.journey);
  form.append('channelId', opts.channel);
  if (opts.map) form.append('mapping', JSON.stringify(parseMapping(opts.map)));
  if (opts.country) form.append('defaultCountry', opts.country.toUpperCase());
  if (opts.dryRun) form.append('dryRun', 'true');
  if (opts.name) form.append('name', opts.name);
  try {
    if (!(await stat(file)).isFile()) throw new CliError(`${file} is not a file`);
  } catch (err) {
    throw err instanceof CliError ? err : new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  // A blob backed by the file: fetch streams it instead of reading it all into memory.
  const blob = await openAsBlob(file, { type: contentTypeOf(file) });
  form.append('file', blob, path.basename(file));
  return form;
}
