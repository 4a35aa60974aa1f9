import http from 'node:http';
import { type TestStack, apiClient, seedOrg, startTestStack } from '../helpers/stack';

const ADMIN_TOKEN = 'a'.repeat(40);
// fetch() will not send another Host header, as a browser after DNS rebinding would.
const decodeAsHost = (url: string, host: string) =>
  new Promise<{ status: number }>((resolve, reject) => {
    const req = http.request(`${url}/codec/decode`, { method: 'POST', headers: { host, 'content-type': 'application/json' } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('error', reject);
    req.end(JSON.stringify({ payloads: [] }));
  });
const decode = (url: string, token?: string, headers: Record<string, string> = {}) =>
  apiClient(url, token).post('/codec/decode', { payloads: [] }, headers);

describe('the codec endpoint', () => {
  describe('with PARLEY_ADMIN_TOKEN', () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await startTestStack({ PARLEY_ADMIN_TOKEN: ADMIN_TOKEN }, { worker: false });
    });
    afterAll(() => stack?.stop());

    it('when the admin token is sent, then it decodes', async () => {
      const res = await decode(stack.url, ADMIN_TOKEN);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ payloads: [] });
    });

    it('when no token, a tenant API key or a wrong token is sent, then it is 401 even from this machine', async () => {
      const org = await seedOrg(stack.db);
      const answers = await Promise.all([
        decode(stack.url),
        decode(stack.url, org.apiKey),
        decode(stack.url, 'b'.repeat(40)),
        decode(stack.url, ADMIN_TOKEN.slice(1)),
      ]);
      expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401]);
      expect(answers[0].headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it('when the token has a multibyte character and the same length in characters, then it is 401, not 500', async () => {
      // 'é' travels as one Latin-1 byte and is two bytes in UTF-8.
      const res = await decode(stack.url, `${ADMIN_TOKEN.slice(1)}é`);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });
  });

  describe('without PARLEY_ADMIN_TOKEN', () => {
    it('when not in the npm start development mode, then it is disabled even for this machine', async () => {
      const stack = await startTestStack({}, { worker: false });
      try {
        const answers = await Promise.all([
          decode(stack.url),
          decode(stack.url, ADMIN_TOKEN),
          apiClient(stack.url).post('/codec/encode', { payloads: [] }),
        ]);
        expect(answers.map((a) => a.status)).toEqual([404, 404, 404]);
        expect(answers[0].headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(answers[0].body.detail).toMatch(/codec is disabled/);
      } finally {
        await stack.stop();
      }
    });

    it('when in the development mode, then this machine may call it, but not a request a proxy forwarded or one to another host name', async () => {
      const stack = await startTestStack({ PARLEY_DEV_CODEC_LOOPBACK: true }, { worker: false });
      try {
        expect((await decode(stack.url)).status).toBe(200);
        const forwarded = await Promise.all([
          decode(stack.url, undefined, { 'x-forwarded-for': '203.0.113.7' }),
          decode(stack.url, undefined, { 'x-forwarded-for': '127.0.0.1' }),
          decode(stack.url, undefined, { forwarded: 'for=203.0.113.7' }),
          decode(stack.url, undefined, { 'x-real-ip': '203.0.113.7' }),
          decodeAsHost(stack.url, 'rebound.example:3000'),
        ]);
        expect(forwarded.map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
      } finally {
        await stack.stop();
      }
    });
  });
});
