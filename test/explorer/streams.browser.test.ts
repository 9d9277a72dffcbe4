/**
 * The explorer's Streams and Stream views in headless Chromium (test/support/browser.ts) against
 * a real gateway on DynamoDB Local: a key opens the streams of two categories, a stream's page
 * pages through its events both ways (newest first), the filter box filters and finds, a token
 * restricted to one category sees only its streams, and the stream page fits a 400 px window.
 * Test data is appended through the API. Screenshots go to test-results/explorer/.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { streamIdForName } from '../../src/store/index.js';
import { SaveSnapshotDocument } from '../generated/graphql.js';
import { uniqueName, useTestApi } from '../support/api.js';
import { useChromium } from '../support/browser.js';
import { uniqueTenant } from '../support/dynamo.js';
import { appendOk } from '../support/fixtures.js';
import { fakeTokens } from '../support/tokens.js';

const tenant = uniqueTenant('explorer-streams');
const key = 'explorer-streams-key-0123456789';
// A second tenant holds more categories than the nav asks for at once (30).
const manyKey = 'explorer-streams-many-categories-key-0123456789';
const tokens = fakeTokens();
const api = useTestApi({
  apiKeys: { [key]: tenant, [manyKey]: uniqueTenant('explorer-categories') },
  options: { tokens: tokens.verifier },
});
const browser = useChromium({ viewport: { width: 1280, height: 900 } });
const stepMs = 20_000;

const order = uniqueName('order');
const user = uniqueName('user');
const long = { name: uniqueName('o-long'), category: order };
const short = { name: uniqueName('o-short'), category: order };
const member = { name: uniqueName('u-member'), category: user };
const uncategorized = { name: uniqueName('loose'), category: null };
// More than a page (25) of streams in one category.
const crowd = uniqueName('crowd');
const crowdRefs = Array.from({ length: 27 }, (_, i) => ({
  name: `${crowd}-member-${String(i).padStart(2, '0')}`,
  category: crowd,
}));
const manyCategories = Array.from({ length: 31 }, (_, i) => `kind-${String(i).padStart(2, '0')}`);

const tick = (n: number) => ({
  type: 'Ticked',
  data: { n, note: `tick ${n}`, detail: { even: n % 2 === 0, tags: ['a', 'b'] } },
  metadata: { source: 'streams.browser.test' },
});

beforeAll(async () => {
  const asKey = { key };
  // 45 events: pages of 20 are 45..26, 25..6 and 5..1.
  await appendOk(
    api(),
    long,
    Array.from({ length: 32 }, (_, i) => tick(i + 1)),
    undefined,
    asKey,
  );
  await appendOk(
    api(),
    long,
    Array.from({ length: 13 }, (_, i) => tick(i + 33)),
    undefined,
    asKey,
  );
  await api().data(
    SaveSnapshotDocument,
    { input: { stream: long, version: 40, type: 'TickTotal', data: { total: 820, upTo: 40 } } },
    asKey,
  );
  await appendOk(api(), short, [{ type: 'Opened', data: { by: 'test' } }], 0, asKey);
  await appendOk(
    api(),
    member,
    [{ type: 'Joined', data: { email: 'someone@example.com' } }],
    undefined,
    asKey,
  );
  await appendOk(api(), uncategorized, [{ type: 'Noted', data: 'a note' }], undefined, asKey);
  await Promise.all(
    crowdRefs.map((ref) => appendOk(api(), ref, [{ type: 'Came', data: {} }], undefined, asKey)),
  );
  await Promise.all(
    manyCategories.map((category) =>
      appendOk(api(), { name: 'one', category }, [{ type: 'Made', data: {} }], undefined, { key: manyKey }),
    ),
  );
}, 60_000);

async function signIn(page: Page, credential: string, path = '#/streams'): Promise<void> {
  await page.goto(`${api().origin}/explorer${path}`);
  await page.getByLabel('API key or token').fill(credential);
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('navigation', { name: 'Views' }).waitFor({ timeout: stepMs });
}

const streamLink = (page: Page, name: string) => page.getByRole('link', { name, exact: true });

/** How the navigation marks its Streams link: "page" on the list, "true" on a stream's page. */
const streamsNavMark = (page: Page) =>
  page
    .getByRole('navigation', { name: 'Views' })
    .getByRole('link', { name: 'Streams', exact: true })
    .getAttribute('aria-current');

async function tableNames(page: Page): Promise<string[]> {
  return page.locator('table.stream-table tbody tr td:first-child').allTextContents();
}

describe('the Streams and Stream views', () => {
  test('a key sees the streams of two categories, opens one and pages through its events both ways', {
    timeout: 120_000,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    await signIn(page, key);
    // Every stream, two pages of them: both categories' and the one without category.
    await page.getByText('Page 1: 25 streams', { exact: true }).waitFor({ timeout: stepMs });
    const listed = await tableNames(page);
    await screenshot('explorer', 'streams-all');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2: 6 streams', { exact: true }).waitFor({ timeout: stepMs });
    listed.push(...(await tableNames(page)));
    const everyName = [long, short, member, uncategorized, ...crowdRefs].map((ref) => ref.name);
    expect(listed.sort()).toEqual(everyName.sort());

    // The categories, in order, then the streams without one; each category: only its streams.
    const nav = page.getByRole('navigation', { name: 'Categories' });
    await nav.getByRole('link', { name: user }).waitFor({ timeout: stepMs });
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      'All streams',
      ...[order, user, crowd].sort(),
      '(no category)',
    ]);
    await nav.getByRole('link', { name: user }).click();
    await page.getByRole('heading', { name: `Streams in ${user}` }).waitFor({ timeout: stepMs });
    await page.getByText('Page 1: 1 stream', { exact: true }).waitFor({ timeout: stepMs });
    expect(await tableNames(page)).toEqual([member.name]);
    await nav.getByRole('link', { name: order }).click();
    await page.getByRole('heading', { name: `Streams in ${order}` }).waitFor({ timeout: stepMs });
    await page.getByText('Page 1: 2 streams', { exact: true }).waitFor({ timeout: stepMs });
    expect((await tableNames(page)).sort()).toEqual([long.name, short.name].sort());
    expect(await nav.getByRole('link', { name: order }).getAttribute('aria-current')).toBe('page');
    expect(await streamsNavMark(page)).toBe('page');
    await screenshot('explorer', 'streams-category');

    await streamLink(page, long.name).click();
    await page.getByRole('heading', { name: long.name }).waitFor({ timeout: stepMs });
    await page.getByText('Events 45 to 26 of 45, newest first', { exact: true }).waitFor({ timeout: stepMs });
    expect(await streamsNavMark(page)).toBe('true');
    const events = page.getByRole('list', { name: 'Events, newest first' }).getByRole('article');
    expect(await events.count()).toBe(20);
    expect(await events.first().getAttribute('aria-label')).toBe('Event 45: Ticked');
    expect(await events.last().getAttribute('aria-label')).toBe('Event 26: Ticked');
    // The head and the latest snapshot.
    expect(await page.locator('.stream-head').textContent()).toContain(streamIdForName(long.name));
    const snapshot = page.getByRole('region', { name: 'Latest snapshot' });
    expect(await snapshot.textContent()).toContain('TickTotal');
    expect(await snapshot.textContent()).toContain('"total": 820');
    // Data and metadata as JSON; the position links to the live log just before the event.
    const newest = events.first();
    expect(await newest.textContent()).toContain('"note": "tick 45"');
    expect(await newest.textContent()).toContain('"source": "streams.browser.test"');
    const position = Number(await newest.getByTitle('The live log from this event').textContent());
    expect(position).toBeGreaterThan(0);
    expect(await newest.getByTitle('The live log from this event').getAttribute('href')).toBe(
      `#/log?after=${position - 1}`,
    );
    await screenshot('explorer', 'stream-newest');

    await page.getByRole('button', { name: 'Older' }).click();
    await page.getByText('Events 25 to 6 of 45, newest first', { exact: true }).waitFor({ timeout: stepMs });
    expect(await events.first().getAttribute('aria-label')).toBe('Event 25: Ticked');
    await page.getByRole('button', { name: 'Older' }).click();
    await page.getByText('Events 5 to 1 of 45, newest first', { exact: true }).waitFor({ timeout: stepMs });
    expect(await events.count()).toBe(5);
    expect(await page.getByRole('button', { name: 'Older' }).isDisabled()).toBe(true);
    await screenshot('explorer', 'stream-oldest');

    await page.getByRole('button', { name: 'Newer' }).click();
    await page.getByText('Events 25 to 6 of 45, newest first', { exact: true }).waitFor({ timeout: stepMs });
    await page.getByRole('button', { name: 'Newer' }).click();
    await page.getByText('Events 45 to 26 of 45, newest first', { exact: true }).waitFor({ timeout: stepMs });
    expect(await page.getByRole('button', { name: 'Newer' }).isDisabled()).toBe(true);

    // An event's own link opens the page ending at it, marked.
    await events.nth(3).getByRole('link', { name: 'v42' }).click();
    await page.getByText('Events 42 to 23 of 45, newest first', { exact: true }).waitFor({ timeout: stepMs });
    expect(await page.locator('.event-card[aria-current="true"]').getAttribute('aria-label')).toBe(
      'Event 42: Ticked',
    );

    // Collapsing the data of an event hides its fields.
    const data = page.locator('.event-card').first().locator('details.json').first();
    expect(await data.getAttribute('open')).not.toBeNull();
    await data.locator('summary').first().click();
    expect(await data.getAttribute('open')).toBeNull();
    expect(pageErrors).toEqual([]);
  });

  test('the filter box filters the page by substring and finds a stream by id or name', {
    timeout: 90_000,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    await signIn(page, key, `#/streams?category=${encodeURIComponent(order)}`);
    await page.getByText('Page 1: 2 streams', { exact: true }).waitFor({ timeout: stepMs });
    const filter = page.getByLabel('Name or id');
    await filter.fill('o-short');
    await page.getByText('1 of 2 streams on this page match “o-short”').waitFor({ timeout: stepMs });
    expect(await tableNames(page)).toEqual([short.name]);
    await screenshot('explorer', 'streams-filtered');

    // By id, in its category.
    await filter.fill(streamIdForName(member.name));
    await page.getByLabel('Category (empty: none)').fill(user);
    await page.getByRole('button', { name: 'Find' }).click();
    const found = page.locator('p.found');
    await found.getByRole('link', { name: member.name }).waitFor({ timeout: stepMs });
    // By name, in a category it is not in: not found, said in words.
    await filter.fill(long.name);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByText(`No stream ${long.name} in ${user}`).waitFor({ timeout: stepMs });
    await screenshot('explorer', 'streams-find-missing');
    await page.getByLabel('Category (empty: none)').fill(order);
    await page.getByRole('button', { name: 'Find' }).click();
    await found.getByRole('link', { name: long.name }).click();
    await page.getByRole('heading', { name: long.name }).waitFor({ timeout: stepMs });
    expect(pageErrors).toEqual([]);
  });

  test('a category of more than a page goes Next and Previous; the streams without category are listed apart', {
    timeout: 90_000,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    await signIn(page, key, `#/streams?category=${encodeURIComponent(crowd)}`);
    const names = crowdRefs.map((ref) => ref.name).sort();
    await page.getByText('Page 1: 25 streams', { exact: true }).waitFor({ timeout: stepMs });
    const firstPage = await tableNames(page);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2: 2 streams', { exact: true }).waitFor({ timeout: stepMs });
    const secondPage = await tableNames(page);
    expect([...firstPage, ...secondPage].sort()).toEqual(names);
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await screenshot('explorer', 'streams-second-page');
    await page.getByRole('button', { name: 'Previous' }).click();
    await page.getByText('Page 1: 25 streams', { exact: true }).waitFor({ timeout: stepMs });
    expect(await tableNames(page)).toEqual(firstPage);
    expect(await page.getByRole('button', { name: 'Previous' }).isDisabled()).toBe(true);

    await page
      .getByRole('navigation', { name: 'Categories' })
      .getByRole('link', { name: '(no category)' })
      .click();
    await page.getByRole('heading', { name: 'Streams without category' }).waitFor({ timeout: stepMs });
    await page.getByText('Page 1: 1 stream', { exact: true }).waitFor({ timeout: stepMs });
    expect(await tableNames(page)).toEqual([uncategorized.name]);
    expect(pageErrors).toEqual([]);
  });

  test('more categories than a page: "More categories" adds the next ones and moves the focus to them', {
    timeout: 90_000,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    await signIn(page, manyKey);
    const nav = page.getByRole('navigation', { name: 'Categories' });
    const more = nav.getByRole('button', { name: 'More categories' });
    await more.waitFor({ timeout: stepMs });
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      'All streams',
      ...manyCategories.slice(0, 30),
      '(no category)',
    ]);
    await more.click();
    await nav.getByRole('link', { name: 'kind-30' }).waitFor({ timeout: stepMs });
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      'All streams',
      ...manyCategories,
      '(no category)',
    ]);
    expect(await more.count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('kind-30');
    await screenshot('explorer', 'streams-more-categories');
    expect(pageErrors).toEqual([]);
  });

  test('a token restricted to one category sees only its streams; another stream reads as missing', {
    timeout: 90_000,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    const token = tokens.issue({ tenant, categories: [order], scopes: ['read'] });
    await signIn(page, token);
    await streamLink(page, short.name).waitFor({ timeout: stepMs });
    expect((await tableNames(page)).sort()).toEqual([long.name, short.name].sort());
    // Its category is offered; Append is not (no append scope).
    const nav = page.getByRole('navigation', { name: 'Categories' });
    await nav.getByRole('link', { name: order }).waitFor({ timeout: stepMs });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['All streams', order, '(no category)']);
    expect(await page.getByRole('link', { name: 'Append' }).count()).toBe(0);
    await screenshot('explorer', 'streams-restricted');

    await page.goto(
      `${api().origin}/explorer#/stream/${streamIdForName(member.name)}?category=${encodeURIComponent(user)}`,
    );
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: stepMs });
    expect(await alert.textContent()).toContain('does not exist, or this key may not read it');
    expect(pageErrors).toEqual([]);
  });

  test('the stream page is readable in a 400 px window: nothing wider than the window', {
    timeout: 90_000,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    await page.setViewportSize({ width: 400, height: 900 });
    await signIn(page, key, `#/stream/${streamIdForName(long.name)}?category=${encodeURIComponent(order)}`);
    await page.getByText('Events 45 to 26 of 45, newest first', { exact: true }).waitFor({ timeout: stepMs });
    await screenshot('explorer', 'stream-narrow');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(400);
    expect(pageErrors).toEqual([]);
  });
});
