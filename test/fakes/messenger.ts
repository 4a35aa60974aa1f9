import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { hmacSha256Header } from '../../channels/signature';

/** A request the fake received, as it arrived. */
export interface Recorded {
  method: string;
  /** The path without its query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: any;
}

/** A message the fake accepted, whether or not its answer reached the caller. */
export interface Accepted {
  id: string;
  to: string;
  body: any;
}

// Meta's answer for a recipient whose PSID ends in the code.
const ERRORS: Record<string, { code: number; subcode?: number; message: string }> = {
  '551': { code: 551, message: "This person isn't available right now." },
  '2018278': { code: 10, subcode: 2018278, message: 'This message is sent outside of allowed window.' },
  '2018001': { code: 100, subcode: 2018001, message: 'No matching user found' },
  '000613': { code: 613, message: 'Calls to this api have exceeded the rate limit.' },
  '080006': { code: 80006, message: 'There have been too many messages sent to this Messenger user.' },
  '001200': { code: 1200, message: 'Temporary send message failure. Please try again later' },
  '000230': { code: 230, message: 'Requires pages_messaging permission to manage the object' },
};
const TAGS = ['ACCOUNT_UPDATE', 'CONFIRMED_EVENT_UPDATE', 'POST_PURCHASE_UPDATE', 'HUMAN_AGENT'];

/**
 * A local Messenger Send API speaking CHANNELS.md's wire format. Recipients choose the fault: a PSID
 * ending in a code of ERRORS gets that error (2018278 refuses untagged messages only, as Meta does);
 * `...000429` a 429 with Retry-After: 2, `...000500` a 500, `...000408` no answer at all (the message
 * is not taken), and `...000504` a message taken but never answered (the answer is lost, as after a timeout).
 */
export async function startFakeMessenger(opts: { pageAccessToken: string; appSecret: string; pageId: string; enforceWindow?: boolean }) {
  const requests: Recorded[] = [];
  const accepted: Accepted[] = [];
  const sockets = new Set<Socket>();
  /** When each person last wrote in through `inbound`: with `enforceWindow`, untagged messages need one within 24 hours. */
  const lastInbound = new Map<string, number>();
  const outsideWindow = (to: string) => opts.enforceWindow && Date.now() - (lastInbound.get(to) ?? -Infinity) >= 24 * 3_600_000;

  const answer = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, e: { code: number; subcode?: number; message: string }) =>
    answer(res, status, {
      error: {
        message: e.message,
        type: 'OAuthException',
        code: e.code,
        ...(e.subcode ? { error_subcode: e.subcode } : {}),
        fbtrace_id: `A${randomBytes(6).toString('hex')}`,
      },
    });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const url = new URL(req.url ?? '/', 'http://fake');
      requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body });
      if (req.method !== 'POST' || !/^\/v\d+\.0\/me\/messages$/.test(url.pathname))
        return error(res, 404, { code: 100, message: 'Unknown path' });
      if (url.searchParams.get('access_token') !== opts.pageAccessToken)
        return error(res, 400, { code: 190, message: 'Invalid OAuth access token.' });
      const to = typeof body?.recipient?.id === 'string' ? body.recipient.id : '';
      const type = body?.messaging_type;
      const badTag = type === 'MESSAGE_TAG' ? !TAGS.includes(body.tag) : body?.tag !== undefined;
      if (
        !/^\d{1,32}$/.test(to) ||
        !['RESPONSE', 'UPDATE', 'MESSAGE_TAG'].includes(type) ||
        badTag ||
        typeof body?.message?.text !== 'string' ||
        body.message.text.length > 2000
      ) {
        return error(res, 400, { code: 100, message: 'Invalid parameter' });
      }
      if (to.endsWith('000408')) return; // never answers, takes nothing
      if (to.endsWith('000429')) {
        return answer(res, 429, { error: { message: 'Application request limit reached', code: 4 } }, { 'retry-after': '2' });
      }
      if (to.endsWith('000500')) return error(res, 500, { code: 1, message: 'An unknown error occurred' });
      const code =
        type !== 'MESSAGE_TAG' && outsideWindow(to)
          ? '2018278'
          : Object.keys(ERRORS).find((c) => to.endsWith(c) && (c !== '2018278' || type !== 'MESSAGE_TAG'));
      if (code) return error(res, 400, ERRORS[code]);
      const id = `m_${randomBytes(18).toString('base64url')}`;
      accepted.push({ id, to, body });
      if (to.endsWith('000504')) return; // taken, but the answer never comes
      answer(res, 200, { recipient_id: to, message_id: id });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  /** A page webhook body with these `messaging` events. */
  const envelope = (...messaging: Record<string, unknown>[]) => ({
    object: 'page',
    entry: [{ id: opts.pageId, time: Date.now(), messaging }],
  });
  /** Posts a body to Parley's webhook, signed with the app secret (or `secret`). */
  const deliver = async (url: string, body: unknown, secret = opts.appSecret) => {
    const text = JSON.stringify(body);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': hmacSha256Header(secret, text) },
      body: text,
    });
    return { status: res.status, text: await res.text() };
  };
  /** An event from the person to the page. */
  const fromPerson = (psid: string, fields: Record<string, unknown>, timestamp = Date.now()) => ({
    sender: { id: psid },
    recipient: { id: opts.pageId },
    timestamp,
    ...fields,
  });

  return {
    baseUrl: `http://127.0.0.1:${port}/v21.0`,
    requests,
    accepted,
    envelope,
    deliver,
    /** An inbound message; `message` holds its own fields, such as `{ text }` or `{ attachments }`. */
    inbound: (url: string, psid: string, message: Record<string, unknown>, mid = `m_in${randomBytes(12).toString('hex')}`) => {
      lastInbound.set(psid, Date.now());
      return deliver(url, envelope(fromPerson(psid, { message: { mid, ...message } })));
    },
    /** A button's postback. */
    postback: (url: string, psid: string, postback: Record<string, unknown>, timestamp = Date.now()) => {
      lastInbound.set(psid, Date.now());
      return deliver(url, envelope(fromPerson(psid, { postback }, timestamp)));
    },
    /** Every message to the person sent before `watermark` is delivered; `mids` names some of them. */
    delivery: (url: string, psid: string, watermark: number, mids?: string[]) =>
      deliver(url, envelope(fromPerson(psid, { delivery: { ...(mids ? { mids } : {}), watermark } }))),
    /** Every message to the person sent before `watermark` is read. */
    read: (url: string, psid: string, watermark: number) => deliver(url, envelope(fromPerson(psid, { read: { watermark } }))),
    /** The page's echo of a message the fake accepted; like Meta, it carries the send's `metadata`. */
    echo: (url: string, m: Accepted) =>
      deliver(
        url,
        envelope({
          sender: { id: opts.pageId },
          recipient: { id: m.to },
          timestamp: Date.now(),
          message: {
            is_echo: true,
            app_id: 1517776481860111,
            mid: m.id,
            text: m.body.message.text,
            ...(m.body.message.metadata ? { metadata: m.body.message.metadata } : {}),
          },
        }),
      ),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FakeMessenger = Awaited<ReturnType<typeof startFakeMessenger>>;
