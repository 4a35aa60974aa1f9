import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { twilioSignature } from '../../channels/twilio';

/** A request the fake received, as it arrived. */
export interface TwilioRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeMessage {
  sid: string;
  to: string;
  from: string | null;
  body: string;
  messagingServiceSid: string | null;
  statusCallback: string | null;
  dateCreated: Date;
}

type Answer = { status: number; code?: number; retryAfter?: string } | 'hang' | 'accept-and-hang';

// A recipient whose number ends in one of these gets that answer; the codes are Twilio's.
const BY_SUFFIX: Record<string, Answer> = {
  '21610': { status: 400, code: 21610 },
  '21211': { status: 400, code: 21211 },
  '21614': { status: 400, code: 21614 },
  '63016': { status: 400, code: 63016 },
  '20429': { status: 429, code: 20429, retryAfter: '3' },
  '50000': { status: 500 },
  '40800': 'hang',
  '40801': 'accept-and-hang',
};

const MESSAGES = 'You have reached the fake Twilio';
export const newSid = (prefix: string) => prefix + randomBytes(16).toString('hex');

/**
 * A local Twilio Programmable Messaging API that speaks CHANNELS.md: checks Basic auth on every
 * request, records what it received, creates and lists messages, injects errors by the
 * recipient's last digits (BY_SUFFIX) or for the next sends (`failNext`), and posts signed
 * inbound messages and status callbacks to Parley. `deliver` maps the public URL Twilio would
 * call to the address Parley listens on, as a TLS-terminating proxy does.
 */
export async function startFakeTwilio(opts: { accountSid?: string; authToken?: string; deliver?: (publicUrl: string) => string }) {
  const accountSid = opts.accountSid ?? newSid('AC');
  const authToken = opts.authToken ?? randomBytes(16).toString('hex');
  const deliver = opts.deliver ?? ((url: string) => url);
  const requests: TwilioRequest[] = [];
  const messages: FakeMessage[] = [];
  const queued: Answer[] = [];
  const base = `/2010-04-01/Accounts/${accountSid}/Messages.json`;

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  const error = (res: ServerResponse, status: number, code: number | undefined, headers: Record<string, string> = {}) =>
    json(
      res,
      status,
      code ? { code, message: `${MESSAGES}: error ${code}`, more_info: `https://www.twilio.com/docs/errors/${code}`, status } : {},
      headers,
    );
  const view = (m: FakeMessage, status = 'queued') => ({
    sid: m.sid,
    status,
    to: m.to,
    from: m.from,
    body: m.body,
    messaging_service_sid: m.messagingServiceSid,
    date_created: m.dateCreated.toUTCString().replace('GMT', '+0000'),
    error_code: null,
  });

  const handle = (req: IncomingMessage, body: string, res: ServerResponse) => {
    requests.push({ method: req.method!, path: req.url!, headers: req.headers, body });
    const url = new URL(req.url!, 'http://fake');
    const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return error(res, 401, 20003);
    if (url.pathname !== base) return error(res, 404, 20404);
    const form = new URLSearchParams(body);
    const to = form.get('To') ?? '';
    const bySuffix = req.method === 'POST' ? Object.entries(BY_SUFFIX).find(([suffix]) => to.endsWith(suffix))?.[1] : undefined;
    const answer = queued.shift() ?? bySuffix;
    if (answer === 'hang') return;
    if (answer && answer !== 'accept-and-hang') {
      return error(res, answer.status, answer.code, answer.retryAfter ? { 'retry-after': answer.retryAfter } : {});
    }
    if (req.method === 'GET') {
      const query = { to: url.searchParams.get('To'), from: url.searchParams.get('From') };
      const found = messages.filter((m) => (!query.to || m.to === query.to) && (!query.from || m.from === query.from)).reverse();
      return json(res, 200, { messages: found.slice(0, Number(url.searchParams.get('PageSize') ?? 50)).map((m) => view(m)) });
    }
    if (!to || !form.get('Body') || (!form.get('From') && !form.get('MessagingServiceSid'))) return error(res, 400, 21604);
    const message: FakeMessage = {
      sid: newSid('SM'),
      to,
      from: form.get('From'),
      body: form.get('Body')!,
      messagingServiceSid: form.get('MessagingServiceSid'),
      statusCallback: form.get('StatusCallback'),
      dateCreated: new Date(),
    };
    messages.push(message);
    if (answer !== 'accept-and-hang') json(res, 201, view(message));
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  /** Posts a form to `publicUrl` (via `deliver`), signed as Twilio signs it. */
  const post = (publicUrl: string, params: Record<string, string>, token = authToken) => {
    const body = new URLSearchParams(params);
    return fetch(deliver(publicUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(token, publicUrl, body) },
      body: body.toString(),
    });
  };

  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    requests,
    messages,
    /** The next `n` requests (sends or look-ups) get this answer, whoever they are to. */
    failNext: (n: number, answer: Answer) => void queued.push(...Array<Answer>(n).fill(answer)),
    /** A message from a person to our number, as Twilio posts it to the number's webhook. */
    postInbound: (publicUrl: string, m: { from: string; to: string; body: string; sid?: string }, token?: string) => {
      const sid = m.sid ?? newSid('SM');
      const params = { ToCountry: 'GB', SmsMessageSid: sid, NumMedia: '0', SmsSid: sid, SmsStatus: 'received', Body: m.body, To: m.to };
      return post(
        publicUrl,
        { ...params, NumSegments: '1', MessageSid: sid, AccountSid: accountSid, From: m.from, ApiVersion: '2010-04-01' },
        token,
      );
    },
    /** A status callback for a message the fake took, to the StatusCallback it was sent with. */
    postStatus: (sid: string, status: string, errorCode?: number) => {
      const m = messages.find((x) => x.sid === sid);
      if (!m?.statusCallback) throw new Error(`no message ${sid} with a StatusCallback`);
      return post(m.statusCallback, {
        SmsSid: sid,
        SmsStatus: status,
        MessageStatus: status,
        To: m.to,
        MessageSid: sid,
        AccountSid: accountSid,
        From: m.from ?? '',
        ApiVersion: '2010-04-01',
        ...(errorCode !== undefined ? { ErrorCode: String(errorCode) } : {}),
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type FakeTwilio = Awaited<ReturnType<typeof startFakeTwilio>>;
