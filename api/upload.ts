import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { Request } from 'express';
import { HttpError } from './problem';

const MAX_FIELD_BYTES = 64 * 1024;
const MAX_PARTS = 20;
// One file is allowed; a second is read only to be named in the 400, more are a 413.

export interface Upload {
  /** The text parts, by name. */
  fields: Record<string, string>;
  /** Where the `file` part was written, if there was one. */
  filePath?: string;
  /** The file's SHA-256, hex, so that a retried upload can be recognised. */
  fileSha256?: string;
  /** Removes the temporary file; call it once the file has been read. */
  cleanup(): Promise<void>;
}

const partError = (status: number, part: string, message: string) =>
  new HttpError(status, status === 413 ? 'Payload Too Large' : 'Invalid request', `${part}: ${message}`, [{ field: part, message }]);

/**
 * Reads a multipart/form-data request: text parts into memory (small), the `file`
 * part streamed to a temporary file of at most `maxBytes`. Over the limit is a 413
 * naming the part; the temporary file is removed on any failure.
 */
export async function readUpload(req: Request, maxBytes: number): Promise<Upload> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-upload-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const fields = await new Promise<Omit<Upload, 'cleanup'>>((resolve, reject) => {
      let parser: busboy.Busboy;
      try {
        parser = busboy({
          headers: req.headers,
          limits: { fileSize: maxBytes, files: 2, fields: MAX_PARTS, fieldSize: MAX_FIELD_BYTES, parts: MAX_PARTS + 2 },
        });
      } catch (err) {
        return reject(partError(400, 'body', `not a multipart/form-data request (${(err as Error).message})`));
      }
      const fields: Record<string, string> = {};
      let filePath: string | undefined;
      let fileSha256: string | undefined;
      let failed: HttpError | undefined;
      let writing: Promise<void> = Promise.resolve();
      const fail = (err: HttpError) => {
        failed ??= err;
      };
      parser.on('field', (name, value, info) => {
        if (info.valueTruncated) fail(partError(400, name, `longer than ${MAX_FIELD_BYTES} bytes`));
        else if (name in fields || name === 'file') fail(partError(400, name, 'given more than once'));
        else fields[name] = value;
      });
      parser.on('file', (name, stream) => {
        if (name !== 'file' || filePath !== undefined) {
          fail(partError(400, name, name === 'file' ? 'given more than once' : 'unexpected file part; send the contacts file as "file"'));
          return void stream.resume();
        }
        filePath = join(dir, 'contacts');
        const hash = createHash('sha256');
        stream.on('data', (chunk: Buffer) => hash.update(chunk));
        stream.on('limit', () => fail(partError(413, 'file', `larger than the limit of ${maxBytes} bytes`)));
        writing = pipeline(stream, createWriteStream(filePath)).then(
          () => void (fileSha256 = hash.digest('hex')),
          (err: Error) => fail(partError(400, 'file', err.message)),
        );
      });
      const limited = (what: string) => () => fail(partError(413, 'body', `too many ${what}`));
      parser.on('partsLimit', limited('parts'));
      parser.on('filesLimit', limited('files'));
      parser.on('fieldsLimit', limited('fields'));
      parser.on('error', (err: Error) => reject(partError(400, 'body', `malformed multipart body (${err.message})`)));
      parser.on('close', () => {
        void writing.then(() => (failed ? reject(failed) : resolve({ fields, filePath, fileSha256 })));
      });
      req.on('aborted', () => reject(partError(400, 'body', 'the upload was interrupted')));
      req.pipe(parser);
    });
    return { ...fields, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
