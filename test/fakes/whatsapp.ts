import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { hmacSha256Header } from '../../channels/signature';

/** A request the fake received, as it arrived. */
export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
  /** When it arrived (ms since the epoch). */
  at: number;
}

/** A message the fake accepted, whether or not its answer reached the caller. */
export interface Accepted {
  id: string;
  to: string;
  type: string;
  body: any;
}

// Meta's answer for a recipient whose number ends in the code; 131047 refuses free text only, as Meta does.
const ERRORS: Record<string, { status: number; title: string }> = {
  '131047': { status: 400, title: 'Re-engagement message' },
  '131026': { status: 400, title: 'Message undeliverable' },
  '130429': { status: 400, title: 'Rate limit hit' },
  '131056': { status: 400, title: '(#131056) pair rate limit hit' },
  '131057': { status: 400, title: 'Account in maintenance mode' },
  '368': { status: 400, title: 'Temporarily blocked for policy violations' },
};

/**
 * A local WhatsApp Cloud API speaking CHANNELS.md's wire format. Recipients choose the fault:
 * a number ending in an error code gets that error; `...000429` a 429 with Retry-After: 2,
 * `...000500` a 500, `...000408` no answer at all (the message is not taken), and `...000504`
 * a message taken but never answered (the answer is lost, as after a timeout). `hang` does the same
 * once for a number, taking the message or not; `transientFault` fails valid sends by their count (1, 2, ...),
 * with a 429 (Retry-After: 1) or a 500, before taking them.
 */
export async function startFakeWhatsApp(opts: {
  accessToken: string;
  appSecret: string;
  phoneNumberId: string;
  enforceWindow?: boolean;
  transientFault?: (n: number) => 429 | 500 | undefined;
}) {
  const requests: Recorded[] = [];
  const accepted: Accepted[] = [];
  /** Numbers whose next send gets no answer, the message taken or not; each is used once. */
  const hang = new Map<string, 'taken' | 'not taken'>();
  /** Sends left without an answer by `hang`. */
  const hung: Recorded[] = [];
  let sends = 0;
  /** wa_id by `to`, for people whom WhatsApp knows by another number. */
  const waIds = new Map<string, string>();
  const sockets = new Set<Socket>();
  /** When each person last wrote in through `inbound`: with `enforceWindow`, free text needs one within 24 hours. */
  const lastInbound = new Map<string, number>();
  const outsideWindow = (to: string) => opts.enforceWindow && Date.now() - (lastInbound.get(to) ?? -Infinity) >= 24 * 3_600_000;

  const answer = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, code: number, message: string) =>
    answer(res, status, { error: { message, type: 'OAuthException', code, fbtrace_id: `A${randomBytes(6).toString('hex')}` } });

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
      const path = req.url ?? '';
      const recorded = { method: req.method ?? '', path, headers: req.headers, body, at: Date.now() };
      requests.push(recorded);
      if (req.method !== 'POST' || !/^\/v\d+\.0\/\d+\/messages$/.test(path)) return error(res, 404, 100, 'Unknown path');
      if (!path.includes(`/${opts.phoneNumberId}/`)) return error(res, 400, 100, 'Unsupported post request');
      if (req.headers.authorization !== `Bearer ${opts.accessToken}`) return error(res, 401, 190, 'Invalid OAuth access token');
      const to = typeof body?.to === 'string' ? body.to : '';
      if (body?.messaging_product !== 'whatsapp' || !/^\d{6,15}$/.test(to) || !['text', 'template'].includes(body.type)) {
        return error(res, 400, 100, 'Invalid parameter');
      }
      if (to.endsWith('000408')) return; // never answers, takes nothing
      const fault = opts.transientFault?.(++sends);
      if (fault === 429) return answer(res, 429, { error: { message: 'Too many', code: 4 } }, { 'retry-after': '1' });
      if (fault === 500) return error(res, 500, 1, 'An unknown error occurred');
      const hangs = hang.get(to);
      hang.delete(to);
      if (hangs) hung.push(recorded);
      if (hangs === 'not taken') return;
      if (to.endsWith('000429')) return answer(res, 429, { error: { message: 'Too many', code: 4 } }, { 'retry-after': '2' });
      if (to.endsWith('000500')) return error(res, 500, 1, 'An unknown error occurred');
      const code =
        body.type === 'text' && outsideWindow(to)
          ? '131047'
          : Object.keys(ERRORS).find((c) => to.endsWith(c) && (c !== '131047' || body.type === 'text'));
      if (code) return error(res, ERRORS[code].status, Number(code), ERRORS[code].title);
      const id = `wamid.${randomBytes(12).toString('base64url')}`;
      accepted.push({ id, to, type: body.type, body });
      if (to.endsWith('000504') || hangs) return; // taken, but the answer never comes
      answer(res, 200, { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: waIds.get(to) ?? to }], messages: [{ id }] });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const envelope = (value: Record<string, unknown>) => ({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA_ID',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: opts.phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
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
  const seconds = () => String(Math.floor(Date.now() / 1000));

  return {
    baseUrl: `http://127.0.0.1:${port}/v21.0`,
    requests,
    accepted,
    hang,
    hung,
    waIds,
    envelope,
    deliver,
    /** An inbound message; `message` holds the type's own fields, such as `{ type: 'text', text: { body } }`. */
    inbound: (url: string, from: string, message: Record<string, unknown>, id = `wamid.in${randomBytes(8).toString('hex')}`) => {
      lastInbound.set(from, Date.now());
      return deliver(
        url,
        envelope({
          contacts: [{ profile: { name: 'Test Person' }, wa_id: from }],
          messages: [{ from, id, timestamp: seconds(), ...message }],
        }),
      );
    },
    /** A status update of a message the fake accepted; like Meta, it echoes the send's `biz_opaque_callback_data`. */
    status: (url: string, m: Accepted, status: string, extra: Record<string, unknown> = {}) => {
      const echo = m.body.biz_opaque_callback_data ? { biz_opaque_callback_data: m.body.biz_opaque_callback_data } : {};
      return deliver(url, envelope({ statuses: [{ id: m.id, status, timestamp: seconds(), recipient_id: m.to, ...echo, ...extra }] }));
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FakeWhatsApp = Awaited<ReturnType<typeof startFakeWhatsApp>>;
