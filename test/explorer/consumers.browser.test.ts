/**
 * The explorer's Consumers view in headless Chromium against a real gateway: a consumer created
 * through the API, whose `consume` subscription (a graphql-ws client of the test) parked events
 * with nackEvents PARK, shows its checkpoint, lag and parked events (paged, with the reason);
 * replaying one and all of them from the page delivers them again to that subscription; a reset
 * from the page, after its confirmation step, moves the checkpoint and delivers again; a reset
 * beyond the head shows the typed refusal; a webhook consumer whose receiver fails shows where it
 * delivers and its parked events with the HTTP status, and a replay from the page delivers them
 * once the receiver answers; a key without `manage` is told so. Screenshots go to
 * test-results/explorer/.
 */
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { streamIdForName } from '../../src/store/index.js';
import {
  AckEventsDocument,
  ConsumeDocument,
  ConsumerDocument,
  CreateConsumerDocument,
  NackEventsDocument,
} from '../generated/graphql.js';
import { type Receiver, secret, startReceiver } from '../outbox/relay-fixtures.js';
import { uniqueName, useTestApi } from '../support/api.js';
import { useChromium } from '../support/browser.js';
import { appendOk, event } from '../support/fixtures.js';
import { useSubscriptionClients } from '../support/subscriptions.js';
import { until } from '../support/until.js';

const key = 'explorer-consumers-key-0123456789';
const readerKey = 'explorer-consumers-reader-0123456789';
const api = useTestApi({
  apiKeys: { [key]: 'explorer-consumers', [readerKey]: 'explorer-consumers:read+subscribe' },
  // The webhook test's receiver is on this machine; failed deliveries are retried within ms.
  webhooks: { allowedHosts: ['127.0.0.1'], retryBaseMs: 10 },
});
const clients = useSubscriptionClients();
const browser = useChromium({ viewport: { width: 1200, height: 900 } });
const stepMs = 30_000;
const asAdmin = { key };

async function openExplorer(page: Page, hash: string, credential = key): Promise<void> {
  await page.goto(`${api().origin}/explorer${hash}`);
  await page.getByLabel('API key or token').fill(credential);
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('navigation', { name: 'Views' }).waitFor({ timeout: stepMs });
}

const readConsumer = async (name: string) => {
  const { consumer } = await api().data(ConsumerDocument, { name }, asAdmin);
  if (!consumer) throw new Error(`no consumer ${name}`);
  return consumer;
};

/** A consumer of a new category with 12 events delivered to a live `consume` subscription: 11 parked, 1 acknowledged. */
async function consumerWithParkedEvents() {
  const name = uniqueName('consumer');
  const category = `parked${Date.now()}`;
  const created = await api().data(
    CreateConsumerDocument,
    { input: { name, filter: { categories: [category] }, maxAttempts: 3 } },
    asAdmin,
  );
  expect(created.createConsumer.__typename).toBe('ConsumerSuccess');
  const events = Array.from({ length: 12 }, (_, index) => event('Shipped', { index }));
  const stream = { name: uniqueName('s'), category };
  const appended = await appendOk(api(), stream, events, undefined, asAdmin);
  const positions = appended.events.map((appendedEvent) => appendedEvent.position);
  const deliveries = clients.ws(api().url, { key }).subscribe(ConsumeDocument, { consumer: name });
  await deliveries.waitFor(12);
  const parked = positions.slice(0, 11);
  const last = positions[11] as number;
  const nacked = await api().data(
    NackEventsDocument,
    { input: { consumer: name, positions: parked, action: 'PARK', reason: 'bad payload' } },
    asAdmin,
  );
  expect(nacked.nackEvents.__typename).toBe('ConsumerSuccess');
  await api().data(AckEventsDocument, { input: { consumer: name, positions: [last] } }, asAdmin);
  await expect.poll(async () => (await readConsumer(name)).checkpoint, { timeout: stepMs }).toBe(last);
  return { name, stream, positions, parked, deliveries };
}

const parkedRows = (page: Page): Promise<number[]> =>
  page
    .locator('table.parked-table tbody tr')
    .evaluateAll((rows) => rows.map((row) => Number((row as HTMLElement).dataset.position)));

const statusText = (page: Page, text: string) =>
  page.getByRole('status').filter({ hasText: text }).waitFor({ timeout: stepMs });

describe('the consumers view', () => {
  test('shows checkpoint, lag and parked events; replay and reset work from the page', {
    timeout: 180_000,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    const { name, stream, positions, parked, deliveries } = await consumerWithParkedEvents();
    const first = positions[0] as number;
    const last = positions[11] as number;

    await openExplorer(page, '#/consumers');
    const row = page.locator(`tr[data-consumer="${name}"]`);
    await row.waitFor({ timeout: stepMs });
    const { lag } = await readConsumer(name);
    const cells = await row.getByRole('cell').allTextContents();
    expect(cells.slice(1)).toEqual([
      expect.stringContaining('categories parked'),
      String(last),
      String(lag),
      'consume subscription',
      'yes',
    ]);
    const consumersNavLink = page
      .getByRole('navigation', { name: 'Views' })
      .getByRole('link', { name: 'Consumers', exact: true });
    expect(await consumersNavLink.getAttribute('aria-current')).toBe('page');
    await screenshot('explorer', 'consumers');

    // The consumer's page: its facts and the parked events, ten per page.
    await row.getByRole('link', { name }).click();
    await page.getByRole('heading', { name: `Consumer ${name}` }).waitFor({ timeout: stepMs });
    // A consumer's page is within Consumers: the navigation still marks it.
    expect(await consumersNavLink.getAttribute('aria-current')).toBe('true');
    await page.locator('table.parked-table').waitFor({ timeout: stepMs });
    expect(await page.locator('[data-fact="checkpoint"]').textContent()).toBe(String(last));
    expect(await page.locator('[data-fact="lag"]').textContent()).toBe(String(lag));
    expect(await parkedRows(page)).toEqual(parked.slice(0, 10));
    const reasons = await page.locator('table.parked-table tbody tr td:nth-child(6)').allTextContents();
    expect(reasons).toEqual(Array(10).fill('bad payload'));
    // A parked event's stream link opens the stream's page at that event (the first is version 1).
    const streamLink = page.locator(`tr[data-position="${first}"]`).getByRole('link', { name: stream.name });
    expect(await streamLink.getAttribute('href')).toBe(
      `#/stream/${streamIdForName(stream.name)}?category=${stream.category}&version=1`,
    );
    await screenshot('explorer', 'consumer-parked');
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.waitForFunction(
      () => document.querySelectorAll('table.parked-table tbody tr').length === 1,
      null,
      {
        timeout: stepMs,
      },
    );
    expect(await parkedRows(page)).toEqual(parked.slice(10));
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.waitForFunction(
      () => document.querySelectorAll('table.parked-table tbody tr').length === 10,
      null,
      {
        timeout: stepMs,
      },
    );

    // Replay one, then all: each is delivered again to the live subscription, from attempt 1.
    await page.getByRole('button', { name: `Replay the event at position ${first}`, exact: true }).click();
    await statusText(page, `Replayed the parked event at position ${first}`);
    await deliveries.waitUntil((items) => items.length >= 13);
    expect(deliveries.items[12]?.consume).toMatchObject({ attempt: 1, event: { position: first } });
    await page.waitForFunction((gone) => !document.querySelector(`tr[data-position="${gone}"]`), first, {
      timeout: stepMs,
    });
    // The replayed row is gone with its button; the focus went to the row now in its place.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
      `Replay the event at position ${parked[1]}`,
    );
    await page.getByRole('button', { name: 'Replay all parked events' }).click();
    await statusText(page, 'Replayed every parked event');
    await page.getByText('No parked events.').waitFor({ timeout: stepMs });
    // (The first one, replayed but not acknowledged, may come once more: the replay restarts delivery.)
    const deliveredAfter = (start: number) =>
      new Set(deliveries.items.slice(start).map((item) => item.consume.event.position));
    await deliveries.waitUntil(() => parked.every((position) => deliveredAfter(12).has(position)));
    expect([...deliveredAfter(12)].sort((a, b) => a - b)).toEqual(parked);
    expect(deliveries.items.slice(12).every((item) => item.consume.attempt === 1)).toBe(true);
    await screenshot('explorer', 'consumer-replayed');

    // Reset, after the confirmation step: the checkpoint moves back, and the events come again.
    await page.getByLabel('Reset to after position').fill(String(first - 1));
    await page.getByRole('button', { name: 'Reset…' }).click();
    const confirmation = page.getByRole('group', { name: 'Confirm the reset' });
    await confirmation.waitFor({ timeout: stepMs });
    expect(await confirmation.textContent()).toContain(`from ${last} to ${first - 1}`);
    await screenshot('explorer', 'consumer-reset-confirm');
    const before = deliveries.items.length;
    await confirmation.getByRole('button', { name: 'Confirm reset' }).click();
    await statusText(page, `Reset: the checkpoint is now ${first - 1}`);
    await page.waitForFunction(
      (checkpoint) => document.querySelector('[data-fact="checkpoint"]')?.textContent === checkpoint,
      String(first - 1),
      { timeout: stepMs },
    );
    expect((await readConsumer(name)).checkpoint).toBe(first - 1);
    expect(await page.locator('[data-fact="lag"]').textContent()).toBe(String(last - first + 1));
    await deliveries.waitUntil(() => positions.every((position) => deliveredAfter(before).has(position)));
    expect([...deliveredAfter(before)].sort((a, b) => a - b)).toEqual(positions);
    await screenshot('explorer', 'consumer-reset');

    // A reset beyond the head is refused with the typed error, in words.
    await page.getByLabel('Reset to after position').fill(String(last + 1000));
    await page.getByRole('button', { name: 'Reset…' }).click();
    await page.getByRole('button', { name: 'Confirm reset' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: stepMs });
    expect(await alert.textContent()).toMatch(/InvalidInputError: .*\(at input\.after\)/);
    await screenshot('explorer', 'consumer-reset-refused');
    expect(pageErrors).toEqual([]);
  });

  test('a webhook consumer whose receiver fails: where it delivers, its parked events with the reason, and a replay once the receiver answers', {
    timeout: 120_000,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    let answer = 500;
    const receiver: Receiver = await startReceiver(() => answer);
    try {
      const name = uniqueName('hook');
      const category = `hooked${Date.now()}`;
      const webhook = { url: receiver.url, secret, batchSize: 2 };
      const input = { name, filter: { categories: [category] }, maxAttempts: 2, webhook };
      const created = await api().data(CreateConsumerDocument, { input }, asAdmin);
      expect(created.createConsumer.__typename).toBe('ConsumerSuccess');
      const stream = { name: uniqueName('s'), category };
      const events = [event('Paid', { n: 1 }), event('Paid', { n: 2 })];
      const appended = await appendOk(api(), stream, events, undefined, asAdmin);
      const positions = appended.events.map((stored) => stored.position);
      // Two failed attempts of the one batch, then both events parked.
      await expect
        .poll(async () => (await readConsumer(name)).parked.edges.length, { timeout: stepMs, interval: 100 })
        .toBe(2);
      expect(receiver.requests.length).toBe(2);

      await openExplorer(page, '#/consumers');
      const row = page.locator(`tr[data-consumer="${name}"]`);
      await row.waitFor({ timeout: stepMs });
      expect(await row.textContent()).toContain(`webhook ${receiver.url} (2 per request)`);
      await row.getByRole('link', { name }).click();
      await page.locator('table.parked-table').waitFor({ timeout: stepMs });
      expect(await parkedRows(page)).toEqual(positions);
      const reasons = await page.locator('table.parked-table tbody tr td:nth-child(6)').allTextContents();
      expect(reasons).toEqual(['HTTP 500', 'HTTP 500']);
      const attempts = await page.locator('table.parked-table tbody tr td:nth-child(5)').allTextContents();
      expect(attempts).toEqual(['2', '2']);
      // The page names the receiver but never shows the webhook's secret.
      expect(await page.content()).not.toContain(secret);
      await screenshot('explorer', 'consumer-webhook-parked');

      answer = 200;
      await page.getByRole('button', { name: 'Replay all parked events' }).click();
      await statusText(page, 'Replayed every parked event');
      await page.getByText('No parked events.').waitFor({ timeout: stepMs });
      await until(() => receiver.requests.length === 3, 'the replayed batch delivered');
      expect(receiver.requests[2]?.body.events.map((delivered) => delivered.position)).toEqual(positions);
      await expect
        .poll(async () => (await readConsumer(name)).lag, { timeout: stepMs, interval: 100 })
        .toBe(0);
      await page.getByRole('button', { name: 'Reload' }).click();
      await page.waitForFunction(
        () => document.querySelector('[data-fact="lag"]')?.textContent === '0',
        null,
        { timeout: stepMs },
      );
      expect(pageErrors).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  test('a key without the manage scope has no Consumers link, and is told why when it opens the view', {
    timeout: 90_000,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    await openExplorer(page, '#/consumers', readerKey);
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: stepMs });
    expect(await alert.textContent()).toMatch(/Not allowed.*manage/);
    expect(await page.getByRole('navigation', { name: 'Views' }).getByRole('link').allTextContents()).toEqual(
      ['Streams', 'Live log'],
    );
    await screenshot('explorer', 'consumers-refused');
    expect(pageErrors).toEqual([]);
  });
});
