import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openApiDocument } from '../api/openapi';
import { loadConfig } from '../config';

export const TYPES_FILE = join(__dirname, '../test/generated/openapi.ts');

/** The TypeScript types openapi-typescript generates from the document, with the default configuration. */
export async function generatedTypes(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'openapi-types-'));
  try {
    await writeFile(join(dir, 'openapi.json'), JSON.stringify(openApiDocument(loadConfig({}))));
    const cli = join(__dirname, '../node_modules/.bin/openapi-typescript');
    await promisify(execFile)(cli, ['openapi.json', '-o', 'openapi.ts'], { cwd: dir });
    return await readFile(join(dir, 'openapi.ts'), 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void generatedTypes().then((types) => writeFile(TYPES_FILE, types));
