/**
 * The explorer's Live log in headless Chromium against a real gateway: events appended through
 * the API appear; pause, append, resume shows every event exactly once; a category filter shows
 * only its category; the indicator says "Live" once caught up; jumping to a position starts
 * after it; the filter and the rows kept are in the address; the page keeps only the newest rows
 * and says how many it dropped; a key without the
 * `subscribe` scope gets the refusal in words. Screenshots go to test-results/explorer/.
 */
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { streamIdForName } from '../../src/store/index.js';
import { HeadDocument } from '../generated/graphql.js';
import { uniqueName, useTestApi } from '../support/api.js';
import { useChromium } from '../support/browser.js';
import { appendOk, event, type Ref } from '../support/fixtures.js';

const key = 'explorer-live-log-key-0123456789';
const readOnlyKey = 'explorer-live-log-read-only-0123456789';
const api = useTestApi({ apiKeys: { [key]: 'explorer-live', [readOnlyKey]: 'explorer-live:read' } });
const browser = useChromium({ viewport: { width: 1100, height: 800 } });
const stepMs = 30_000;
const testMs = 120_000;

async function openLog(page: Page, hash = '#/log', credential = key): Promise<void> {
  await page.goto(`${api().origin}/explorer${hash}`);
  await page.getByLabel('API key or token').fill(credential);
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('heading', { name: 'Live log' }).waitFor({ timeout: stepMs });
}

const indicator = (page: Page, label: string) =>
  page.getByRole('status').getByText(label, { exact: true }).waitFor({ timeout: stepMs });

/** Appends `count` events to a stream through the API; returns their positions. */
async function append(stream: Ref, count: number, type = 'Noted'): Promise<number[]> {
  const events = Array.from({ length: count }, (_, index) => event(type, { index }));
  const appended = await appendOk(api(), stream, events, undefined, { key });
  return appended.events.map((appendedEvent) => appendedEvent.position);
}

/** The positions of the table's rows, in the page's order (newest first). */
const shownPositions = (page: Page): Promise<number[]> =>
  page
    .locator('table.log-table tbody tr')
    .evaluateAll((rows) => rows.map((row) => Number((row as HTMLElement).dataset.position)));

async function waitForRows(page: Page, positions: number[]): Promise<void> {
  await page.waitForFunction(
    (wanted) => wanted.every((position) => document.querySelector(`tr[data-position="${position}"]`)),
    positions,
    { timeout: stepMs },
  );
}

describe('the live log', () => {
  test('an appended event appears once the log is live, with its data and a link to it in its stream', {
    timeout: testMs,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    await openLog(page);
    await indicator(page, 'Live');
    const stream = { name: uniqueName('order'), category: 'orders' };
    const [position] = await append(stream, 1, 'OrderPlaced');
    await waitForRows(page, [position as number]);
    const row = page.locator(`tr[data-position="${position}"]`);
    expect(await row.getByRole('cell').nth(2).textContent()).toBe('OrderPlaced');
    const link = row.getByRole('link');
    expect(await link.getAttribute('href')).toBe(
      `#/stream/${streamIdForName(stream.name)}?category=orders&version=1`,
    );
    // The data starts folded to one line with its start, and opens to its fields.
    const data = row.locator('details.json');
    expect(await data.getAttribute('open')).toBeNull();
    expect(await data.locator('summary').textContent()).toContain('{"index":0}');
    await data.locator('summary').click();
    expect(await data.getAttribute('open')).not.toBeNull();
    expect(await data.locator('.json-entries').textContent()).toBe('"index": 0');
    await screenshot('explorer', 'live-log');
    // The link opens the stream's page at the event, marked.
    await link.click();
    const target = page.locator('.event-card[aria-current="true"]');
    await target.waitFor({ timeout: stepMs });
    expect(await target.getAttribute('aria-label')).toBe('Event 1: OrderPlaced');
    expect(pageErrors).toEqual([]);
  });

  test('pause, append, resume: every appended event appears exactly once', { timeout: testMs }, async () => {
    const { page, pageErrors, screenshot } = browser();
    await openLog(page);
    await indicator(page, 'Live');
    const before = await append({ name: uniqueName('before') }, 3);
    await waitForRows(page, before);

    await page.getByRole('button', { name: 'Pause' }).click();
    await indicator(page, 'Paused');
    const checkpoint = Math.max(...before);
    await page.getByText(`after: ${checkpoint}`).waitFor({ timeout: stepMs });
    const whilePaused: number[] = [];
    for (let call = 0; call < 3; call += 1)
      whilePaused.push(...(await append({ name: uniqueName('paused') }, 2)));
    expect((await shownPositions(page)).filter((position) => whilePaused.includes(position))).toEqual([]);
    await screenshot('explorer', 'live-log-paused');

    await page.getByRole('button', { name: 'Resume' }).click();
    // Appends while the new subscription starts, too.
    const duringResume = await append({ name: uniqueName('resuming') }, 2);
    await indicator(page, 'Live');
    const after = await append({ name: uniqueName('after') }, 2);
    const all = [...before, ...whilePaused, ...duringResume, ...after];
    await waitForRows(page, all);
    const shown = await shownPositions(page);
    for (const position of all) expect(shown.filter((item) => item === position)).toHaveLength(1);
    expect(new Set(shown).size).toBe(shown.length);
    expect(shown).toEqual([...shown].sort((a, b) => b - a));
    await screenshot('explorer', 'live-log-resumed');
    expect(pageErrors).toEqual([]);
  });

  test('a category filter shows only its events', { timeout: testMs }, async () => {
    const { page, pageErrors, screenshot } = browser();
    await openLog(page);
    await indicator(page, 'Live');
    const wanted = uniqueName('wanted').slice(0, 20);
    const other = uniqueName('other').slice(0, 20);
    await page.getByLabel('Categories').fill(wanted);
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await indicator(page, 'Live');
    const kept: number[] = [];
    for (const category of [other, wanted, other, wanted]) {
      const positions = await append({ name: uniqueName('s'), category }, 2);
      if (category === wanted) kept.push(...positions);
    }
    // The last wanted event comes after every other one in the log: once it is shown, any
    // event of the other category would have been too.
    await waitForRows(page, kept);
    expect((await shownPositions(page)).sort((a, b) => a - b)).toEqual(kept);
    await page.getByText(`filter: categories ${wanted}`).waitFor({ timeout: stepMs });
    await screenshot('explorer', 'live-log-filtered');
    expect(pageErrors).toEqual([]);
  });

  test('the filter and the rows kept are in the address: a reload and a jump keep them', {
    timeout: testMs,
  }, async () => {
    const { page, pageErrors } = browser();
    const wanted = uniqueName('addr').slice(0, 20);
    const other = uniqueName('else').slice(0, 20);
    await openLog(page);
    await page.getByLabel('Categories').fill(`${wanted}, ${other}`);
    await page.getByLabel('Types').fill('Kept');
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await page.getByLabel('Rows kept').selectOption('100');
    const address = `#/log?category=${wanted}&category=${other}&type=Kept&keep=100`;
    await page.waitForFunction((wantedHash) => location.hash === wantedHash, address, { timeout: stepMs });

    // A reload (the key stays in this tab) opens the same view, and only its events show.
    await page.reload();
    await indicator(page, 'Live');
    expect(await page.getByLabel('Categories').inputValue()).toBe(`${wanted}, ${other}`);
    expect(await page.getByLabel('Types').inputValue()).toBe('Kept');
    expect(await page.getByLabel('Rows kept').inputValue()).toBe('100');
    const kept = [
      ...(await append({ name: uniqueName('s'), category: other }, 1, 'Dropped')),
      ...(await append({ name: uniqueName('s'), category: 'orders' }, 1, 'Kept')),
      ...(await append({ name: uniqueName('s'), category: wanted }, 2, 'Kept')),
    ].slice(2);
    await waitForRows(page, kept);
    expect(await shownPositions(page)).toEqual([...kept].reverse());

    // A jump keeps the filter and the rows kept, and puts its position in the address.
    const before = (kept[0] as number) - 1;
    await page.getByLabel('Start after position').fill(String(before));
    await page.getByRole('button', { name: 'Jump' }).click();
    await page.waitForFunction(
      (wantedHash) => location.hash === wantedHash,
      `#/log?after=${before}&category=${wanted}&category=${other}&type=Kept&keep=100`,
      { timeout: stepMs },
    );
    await waitForRows(page, kept);
    await indicator(page, 'Live');
    expect(await shownPositions(page)).toEqual([...kept].reverse());
    expect(pageErrors).toEqual([]);
  });

  test('jump to a position starts after it, from the form and from the address', {
    timeout: testMs,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    const [first, second, third] = (await append({ name: uniqueName('jump') }, 3)) as [
      number,
      number,
      number,
    ];
    await openLog(page);
    await indicator(page, 'Live');
    expect(await shownPositions(page)).toEqual([]);

    await page.getByLabel('Start after position').fill(String(first));
    await page.getByRole('button', { name: 'Jump' }).click();
    await waitForRows(page, [second, third]);
    await indicator(page, 'Live');
    expect(await shownPositions(page)).toEqual([third, second]);
    expect(new URL(page.url()).hash).toBe(`#/log?after=${first}`);
    await page.getByText(`Started after position ${first}.`).waitFor({ timeout: stepMs });
    await screenshot('explorer', 'live-log-jump');

    await page.goto(`${api().origin}/explorer#/log?after=${second}`);
    await waitForRows(page, [third]);
    await indicator(page, 'Live');
    expect(await shownPositions(page)).toEqual([third]);
    expect(pageErrors).toEqual([]);
  });

  test('the page keeps the newest rows and says how many it dropped', { timeout: testMs }, async () => {
    const { page, pageErrors, screenshot } = browser();
    await openLog(page);
    await page.getByLabel('Rows kept').selectOption('100');
    await indicator(page, 'Live');
    const stream = { name: uniqueName('many') };
    const appended: number[] = [];
    for (let call = 0; call < 4; call += 1) appended.push(...(await append(stream, 32)));
    await waitForRows(page, appended.slice(-100));
    expect(await shownPositions(page)).toEqual(appended.slice(-100).reverse());
    await page.getByText('28 older rows were dropped from the page').waitFor({ timeout: stepMs });
    await screenshot('explorer', 'live-log-bounded');
    expect(pageErrors).toEqual([]);
  });

  test('from position 0 the indicator says "Catching up" while history comes, then "Live"', {
    timeout: testMs,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    // More history than one batch (200 events) can bring, so the first batch cannot be caught up.
    const stream = { name: uniqueName('history') };
    for (let call = 0; call < 8; call += 1) await append(stream, 32);
    const { head } = await api().data(HeadDocument, {}, { key });
    await page.addInitScript(() => {
      const seen: string[] = [];
      Object.assign(window, { statusTexts: seen });
      new MutationObserver(() => {
        const text = document.querySelector('[role="status"] .status')?.textContent;
        if (text && seen[seen.length - 1] !== text) seen.push(text);
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    await openLog(page, '#/log?after=0');
    await indicator(page, 'Live');
    await waitForRows(page, [head]);
    const seen = await page.evaluate(() => (window as unknown as { statusTexts: string[] }).statusTexts);
    expect(seen).toEqual(['Connecting…', 'Catching up', 'Live']);
    const shown = await shownPositions(page);
    expect(shown).toEqual(Array.from({ length: Math.min(head, 500) }, (_, index) => head - index));
    await screenshot('explorer', 'live-log-history');
    expect(pageErrors).toEqual([]);
  });

  test('a key without the subscribe scope sees the refusal, not a blank page', {
    timeout: testMs,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    await openLog(page, '#/log', readOnlyKey);
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: stepMs });
    expect(await alert.textContent()).toMatch(/Not allowed.*subscribe/);
    await indicator(page, 'Stopped');
    await screenshot('explorer', 'live-log-refused');
    expect(pageErrors).toEqual([]);
  });
});

describe('the live log in a narrow window', () => {
  test('stays usable at 400 px', { timeout: testMs }, async () => {
    const { page, pageErrors, screenshot } = browser();
    await page.setViewportSize({ width: 400, height: 800 });
    await openLog(page);
    await indicator(page, 'Live');
    const positions = await append({ name: uniqueName('narrow'), category: 'orders' }, 2, 'OrderShipped');
    await waitForRows(page, positions);
    await screenshot('explorer', 'live-log-narrow');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(pageErrors).toEqual([]);
  });
});
