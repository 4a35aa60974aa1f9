import http from 'node:http';
import https from 'node:https';
import { type LookupFunction, isIP } from 'node:net';
import { type OutboundPolicy, checkAddress, checkUrlShape } from './guard';

export interface GetOptions {
  /** For the whole request: connect, headers and body. */
  timeoutMs: number;
  maxBytes: number;
  headers?: Record<string, string>;
  /** A keep-alive agent used for these guarded requests only, so that every socket it pools passed the checks. */
  agent?: http.Agent;
}

export interface GetResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class OutboundTimeoutError extends Error {
  override name = 'OutboundTimeoutError';
}

export class OutboundTooLargeError extends Error {
  override name = 'OutboundTooLargeError';
}

/** A lookup that checks every address before the socket connects, so DNS rebinding after the save-time check gets nowhere. */
function guardedLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    policy.resolve(hostname).then(
      (addresses) => {
        try {
          if (addresses.length === 0) throw Object.assign(new Error(`no address for host`), { code: 'ENOTFOUND' });
          for (const a of addresses) checkAddress(a, hostname, policy);
        } catch (err) {
          return callback(err as NodeJS.ErrnoException, '', 0);
        }
        const family = options.family === 4 || options.family === 6 ? options.family : 0;
        const usable = addresses.filter((a) => family === 0 || isIP(a) === family);
        if (options.all)
          return (callback as (e: null, a: { address: string; family: number }[]) => void)(
            null,
            usable.map((a) => ({ address: a, family: isIP(a) })),
          );
        callback(null, usable[0] ?? '', isIP(usable[0] ?? ''));
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

/**
 * One GET under the outbound policy: the connected address is checked,
 * redirects are returned rather than followed, and the body is capped.
 */
export const guardedGet = (target: string | URL, policy: OutboundPolicy, opts: GetOptions) => guardedRequest('GET', target, policy, opts);

/** One POST of `body` under the same rules as guardedGet. */
export const guardedPost = (target: string | URL, policy: OutboundPolicy, body: string | Buffer, opts: GetOptions) =>
  guardedRequest('POST', target, policy, opts, body);

async function guardedRequest(
  method: 'GET' | 'POST',
  target: string | URL,
  policy: OutboundPolicy,
  opts: GetOptions,
  body?: string | Buffer,
): Promise<GetResponse> {
  const url = checkUrlShape(target, policy);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err: Error | undefined, res?: GetResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(res!);
    };
    const tooLarge = () => settle(new OutboundTooLargeError(`response over ${opts.maxBytes} bytes`));
    // No shared agent: a pooled socket could have been opened by a request that skipped these checks.
    const agent = opts.agent ?? false;
    const req = client.request(url, { method, headers: opts.headers, agent, lookup: guardedLookup(policy) }, (res) => {
      if (Number(res.headers['content-length']) > opts.maxBytes) return tooLarge();
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > opts.maxBytes) return tooLarge();
        chunks.push(chunk);
      });
      res.on('end', () => settle(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', (err) => settle(err));
    });
    const timer = setTimeout(() => settle(new OutboundTimeoutError(`timed out after ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on('error', (err) => settle(err));
    req.end(body);
  });
}
