import { existsSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type ConsoleMessage, chromium } from 'playwright-core';
import { type TestStack, apiClient, sampleJourney, seedOrg, startTestStack } from '../helpers/stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HOURS = "We're open 9am to 6pm, Monday to Saturday.";

/** A page on another origin that embeds the chat in an iframe, as a customer's site would. */
async function embeddingSite(chatUrl: () => string): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><title>Shop</title><iframe id="chat" src="${chatUrl()}" width="360" height="480"></iframe>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // localhost, not 127.0.0.1: another origin, but the same site, so the Lax cookie of plain http still reaches the frame.
  return { server, origin: `http://localhost:${(server.address() as AddressInfo).port}` };
}

describe('the web chat widget in a browser', () => {
  let stack: TestStack;
  let browser: Browser;
  let chatUrl: string;
  let site: Awaited<ReturnType<typeof embeddingSite>>;
  let stranger: Awaited<ReturnType<typeof embeddingSite>>;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `Chromium is missing at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`,
      );
    stack = await startTestStack();
    const org = await seedOrg(stack.db);
    const api = apiClient(stack.url, org.apiKey);
    const faq = await api.post('/v1/journeys', { name: 'FAQ', definition: sampleJourney('inbound-faq') });
    expect((await api.raw('PATCH', '/v1/org', { inboundJourneyId: faq.body.id })).status).toBe(200);
    // The chat is served on localhost too, so that a page on another localhost port is the same site.
    const apiPort = new URL(stack.url).port;
    site = await embeddingSite(() => chatUrl);
    stranger = await embeddingSite(() => chatUrl);
    const channel = await api.post('/v1/channels', {
      kind: 'webchat',
      name: 'Site chat',
      config: { allowedOrigins: [site.origin], title: 'Shop help', welcome: 'Ask us anything.' },
    });
    expect(channel.status).toBe(201);
    chatUrl = `http://localhost:${apiPort}/webchat/${channel.body.id}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
    for (const s of [site, stranger]) s?.server.close();
    await stack?.stop();
  });

  const errorsOf = (messages: ConsoleMessage[]) => messages.filter((m) => m.type() === 'error').map((m) => m.text());

  it('when a visitor types a question, then the bot answers and the page shows it, and a reload shows the conversation again', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const logged: ConsoleMessage[] = [];
    page.on('console', (m) => logged.push(m));
    const pageErrors: Error[] = [];
    page.on('pageerror', (err) => pageErrors.push(err));

    await page.goto(chatUrl);
    await page.waitForSelector('text=Ask us anything.');
    expect(await page.title()).toBe('Shop help');
    await page.fill('#text', 'What are your opening hours?');
    await page.click('button[type=submit]');
    await page.waitForSelector('#log li.visitor >> text=What are your opening hours?');
    await page.waitForSelector(`#log li.business >> text=${HOURS}`);
    await page.waitForSelector('#log li.business >> text=Anything else I can help with?');
    expect(await page.inputValue('#text')).toBe('');

    await page.reload();
    await page.waitForSelector('#log li.business >> text=Anything else I can help with?');
    const shown = await page.locator('#log li').allTextContents();
    expect(shown).toEqual([
      'Ask us anything.',
      'What are your opening hours?',
      'Hi! I can help with opening hours, delivery, returns or payments. Or type AGENT to talk to a person.',
      HOURS,
      'Anything else I can help with?',
    ]);
    expect(errorsOf(logged)).toEqual([]);
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('when the chat is embedded by an allowed site, then it works in the frame; another site is refused the frame', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(site.origin);
    const frame = page.frameLocator('#chat');
    await frame.locator('#text').fill('do you deliver?');
    await frame.locator('button[type=submit]').click();
    await frame.locator('#log li.business', { hasText: 'Orders arrive in 2' }).waitFor();

    const refused = page.waitForEvent('console', (m) => m.type() === 'error' && m.text().includes('frame-ancestors'));
    await page.goto(stranger.origin);
    await refused;
    await context.close();
  });
});
