import { ZodError } from 'zod';
import type { WebhookRequest } from '../../../channels/provider';
import { SIGNATURE_HEADER, newSandboxConfig, sandbox } from '../../../channels/sandbox';
import { hmacSha256Header } from '../../../channels/signature';

const config = newSandboxConfig();
const request = (body: string, signature: string | null = hmacSha256Header(config.webhookSecret, body)): WebhookRequest => ({
  method: 'POST',
  headers: signature === null ? {} : { [SIGNATURE_HEADER]: signature },
  rawBody: Buffer.from(body),
  query: {},
});

describe('the sandbox webhook', () => {
  const body = JSON.stringify({ messages: [{ from: '07911 123456', text: 'Yes', id: 'm-1' }] });

  it('when the body is signed with the channel secret, then it verifies', () => {
    expect(sandbox.verify(request(body), config)).toBe(true);
    expect(
      sandbox.verify(request(body, hmacSha256Header(config.webhookSecret, body).toUpperCase().replace('SHA256=', 'sha256=')), config),
    ).toBe(true);
  });

  it.each([
    ['no signature', request(body, null), config],
    ['a signature by another secret', request(body, hmacSha256Header(newSandboxConfig().webhookSecret, body)), config],
    ['a signature of another body', request(body, hmacSha256Header(config.webhookSecret, `${body} `)), config],
    ['a signature that is not hex', request(body, 'sha256=zz'), config],
    ['a signature without its prefix', request(body, hmacSha256Header(config.webhookSecret, body).slice('sha256='.length)), config],
    ['a channel without a secret', request(body, hmacSha256Header('', body)), {}],
  ])('when it has %s, then it does not verify', (_what, req, channelConfig) => {
    expect(sandbox.verify(req, channelConfig)).toBe(false);
  });

  it('when messages and statuses arrive together, then each parser reads its own', () => {
    const both = JSON.stringify({
      messages: [
        { from: '07911 123456', text: 'Yes', id: 'm-1' },
        { from: '07911 123457', text: '', id: 'm-2' },
      ],
      statuses: [
        { id: 'sbx_1', status: 'read' },
        { id: 'sbx_2', status: 'failed', error: 'unreachable', errorCode: '30003', timestamp: '2026-11-23T05:00:00+01:00' },
      ],
    });
    expect(sandbox.parseInbound(request(both))).toEqual({
      messages: [
        { from: '07911 123456', text: 'Yes', providerMessageId: 'm-1' },
        { from: '07911 123457', text: '', providerMessageId: 'm-2' },
      ],
    });
    expect(sandbox.parseStatus(request(both))).toEqual([
      { providerMessageId: 'sbx_1', status: 'read' },
      { providerMessageId: 'sbx_2', status: 'failed', error: 'unreachable', errorCode: '30003', at: new Date('2026-11-23T04:00:00Z') },
    ]);
    expect(sandbox.parseStatus(request(body))).toEqual([]);
    expect(sandbox.parseInbound(request(JSON.stringify({ statuses: [] })))).toEqual({ messages: [] });
  });

  it.each([
    ['not JSON', '{"messages": ['],
    ['a message without an id', JSON.stringify({ messages: [{ from: '07911 123456', text: 'Yes' }] })],
    ['an unknown status', JSON.stringify({ statuses: [{ id: 'sbx_1', status: 'lost' }] })],
    ['a timestamp that is not ISO 8601', JSON.stringify({ statuses: [{ id: 'sbx_1', status: 'read', timestamp: '1750857384' }] })],
    ['an unknown field', JSON.stringify({ message: { from: '07911 123456', text: 'Yes', id: 'm-1' } })],
  ])('when the body is %s, then parsing throws a ZodError', (_what, text) => {
    expect(() => sandbox.parseInbound(request(text))).toThrow(ZodError);
  });

  it('when a new sandbox channel is configured, then it has its own 256-bit secret, which the schema calls secret', () => {
    expect(config.webhookSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(newSandboxConfig().webhookSecret).not.toBe(config.webhookSecret);
    expect(sandbox.config.secrets).toEqual(['webhookSecret']);
    expect(sandbox.config.schema.safeParse(config).success).toBe(true);
  });
});
