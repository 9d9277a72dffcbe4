/**
 * The explorer by keyboard alone, in headless Chromium against a real gateway: Tab (never a
 * click) reaches the sign-in form, the navigation, each view's forms and pagers, in the order
 * the page reads; Enter follows links, presses buttons, submits forms and folds JSON; the focused
 * control always has the visible focus ring (3 px outline, :focus-visible). Test data is appended
 * through the API. Screenshots go to test-results/explorer/.
 */
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { CreateConsumerDocument } from '../generated/graphql.js';
import { uniqueName, useTestApi } from '../support/api.js';
import { useChromium } from '../support/browser.js';
import { uniqueTenant } from '../support/dynamo.js';
import { appendOk } from '../support/fixtures.js';

const key = 'explorer-keyboard-key-0123456789';
const api = useTestApi({ apiKeys: { [key]: uniqueTenant('explorer-keyboard') } });
const browser = useChromium({ viewport: { width: 1280, height: 900 } });
const stepMs = 20_000;
const testMs = 120_000;
/** More Tab presses than any view has controls before the one a test looks for. */
const maxTabs = 120;

/** The focused element as a person would name it: its tag, then its label or text. */
const focused = (page: Page): Promise<string> =>
  page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body) return 'body';
    const label = element.id ? document.querySelector(`label[for="${element.id}"]`)?.textContent : null;
    const name = element.getAttribute('aria-label') ?? label ?? element.textContent ?? '';
    return `${element.tagName.toLowerCase()} ${name.trim()}`;
  });

/**
 * Presses Tab until the focus is on `wanted` (exact, or matching), forward from where it is. A
 * control still loading is not there yet: when the focus wraps around the page first, it waits a
 * moment and goes round again (from the top), until `stepMs`; then it fails with the path taken.
 */
async function tabTo(page: Page, wanted: string | RegExp): Promise<void> {
  const deadline = Date.now() + stepMs;
  let path: string[] = [];
  do {
    path = [];
    for (let press = 0; press < maxTabs; press += 1) {
      await page.keyboard.press('Tab');
      const now = await focused(page);
      path.push(now);
      if (typeof wanted === 'string' ? now === wanted : wanted.test(now)) return;
      if (now === 'body' && press > 0) break;
    }
    await page.waitForTimeout(250);
  } while (Date.now() < deadline);
  throw new Error(`Tab never reached ${wanted}; it went: ${path.join(' → ')}`);
}

/** The focused element shows the focus ring of style.css (keyboard focus: :focus-visible). */
async function expectFocusRing(page: Page): Promise<void> {
  const ring = await page.evaluate(() => {
    const element = document.activeElement as HTMLElement;
    const style = getComputedStyle(element);
    return {
      focusVisible: element.matches(':focus-visible'),
      style: style.outlineStyle,
      width: style.outlineWidth,
    };
  });
  expect(ring).toEqual({ focusVisible: true, style: 'solid', width: '3px' });
}

/** Tabs to `wanted` and checks its focus ring. */
async function tabToVisibly(page: Page, wanted: string | RegExp): Promise<void> {
  await tabTo(page, wanted);
  await expectFocusRing(page);
}

/** Signs in with the keyboard: Tab to the key field, type, Enter. */
async function signInByKeyboard(page: Page, hash: string): Promise<void> {
  await page.goto(`${api().origin}/explorer${hash}`);
  await page.getByLabel('API key or token').waitFor({ timeout: stepMs });
  await tabToVisibly(page, 'input API key or token');
  await page.keyboard.type(key);
  await page.keyboard.press('Enter');
  await page.getByRole('navigation', { name: 'Views' }).waitFor({ timeout: stepMs });
}

/**
 * Puts the keyboard at the top of the page, as a person who just opened it: the next Tab goes to
 * its first control. (The body takes the focus for a moment; a page never focuses it itself.)
 */
async function focusFromTop(page: Page): Promise<void> {
  await page.evaluate(() => {
    document.body.tabIndex = -1;
    document.body.focus();
    document.body.removeAttribute('tabindex');
  });
}

/** From the top of the page, Tab to a navigation link and follow it with Enter. */
async function openByNav(page: Page, link: string, heading: string): Promise<void> {
  await focusFromTop(page);
  await tabToVisibly(page, `a ${link}`);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: heading, exact: true }).waitFor({ timeout: stepMs });
}

const statusWithText = (page: Page, text: string) =>
  page.getByRole('status').filter({ hasText: text }).first().waitFor({ timeout: stepMs });

describe('the explorer by keyboard', () => {
  test('streams: the navigation, the find form, the pager, a stream, its event pager and its JSON', {
    timeout: testMs,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    const category = uniqueName('keys');
    // 26 streams: the list has a second page. The first has 21 events: its page has an older one.
    const refs = Array.from({ length: 26 }, (_, i) => ({
      name: `${category}-${String(i).padStart(2, '0')}`,
      category,
    }));
    const events = (count: number) =>
      Array.from({ length: count }, (_, n) => ({ type: 'Keyed', data: { n, nested: { deep: true } } }));
    await Promise.all(
      refs.map((ref, i) => appendOk(api(), ref, events(i === 0 ? 21 : 1), undefined, { key })),
    );

    await signInByKeyboard(page, `#/streams?category=${category}`);
    await statusWithText(page, 'Page 1: 25 streams');
    await page.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: category }).waitFor({
      timeout: stepMs,
    });
    // The navigation first, in its order, then the categories, the find form and the pager.
    await focusFromTop(page);
    for (const link of ['Streams', 'Live log', 'Consumers', 'Append']) await tabToVisibly(page, `a ${link}`);
    await tabToVisibly(page, 'button Forget key');
    await tabToVisibly(page, 'a All streams');
    await tabToVisibly(page, `a ${category}`);
    await tabToVisibly(page, 'input Name or id');
    await page.keyboard.type(`${category}-0`);
    await tabToVisibly(page, 'input Category (empty: none)');
    await tabToVisibly(page, 'button Find');
    await tabToVisibly(page, 'button Previous page');
    await tabToVisibly(page, 'button Next page');
    await screenshot('explorer', 'keyboard-pager');
    await page.keyboard.press('Enter');
    await statusWithText(page, 'Page 2: 1 stream');
    // On the last page Next is unavailable, yet keeps the focus (a disabled button would drop it).
    expect(await focused(page)).toBe('button Next page');
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toBe('button Previous page');
    await page.keyboard.press('Enter');
    await statusWithText(page, 'Page 1: 25 streams');

    // The filter typed above keeps the streams "<category>-0…": the first is a link in the table.
    await focusFromTop(page);
    await tabTo(page, `a ${category}-00`);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `${category}-00` }).waitFor({ timeout: stepMs });
    await statusWithText(page, 'Events 21 to 2 of 21, newest first');
    await focusFromTop(page);
    await tabToVisibly(page, 'button Refresh');
    await tabToVisibly(page, 'button Older');
    await page.keyboard.press('Enter');
    await statusWithText(page, 'Events 1 to 1 of 21, newest first');
    expect(await focused(page)).toBe('button Older');
    // An event's data folds and opens with Enter on its summary.
    await focusFromTop(page);
    await tabToVisibly(page, /^summary data: \{2 keys\}/);
    // The focused summary's <details>: whether it is open.
    const dataOpen = () =>
      page.evaluate(() => (document.activeElement?.parentElement as HTMLDetailsElement | null)?.open);
    expect(await dataOpen()).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(dataOpen, { timeout: stepMs }).toBe(false);
    await screenshot('explorer', 'keyboard-json');
    await page.keyboard.press('Enter');
    await expect.poll(dataOpen, { timeout: stepMs }).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  test('live log and append: their forms are reached in order and submitted with Enter', {
    timeout: testMs,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    await signInByKeyboard(page, '#/streams');
    await openByNav(page, 'Live log', 'Live log');
    for (const control of [
      'input Categories',
      'input Types',
      'button Apply filter',
      'input Start after position',
      'button Jump',
      'a From the head',
      'button Pause',
      'select Rows kept',
    ])
      await tabToVisibly(page, control);
    await focusFromTop(page);
    await tabTo(page, 'input Categories');
    const category = uniqueName('typed').slice(0, 20);
    await page.keyboard.type(category);
    await page.keyboard.press('Enter');
    await page.getByText(`filter: categories ${category}`).waitFor({ timeout: stepMs });
    await screenshot('explorer', 'keyboard-live-log');

    await openByNav(page, 'Append', 'Append an event');
    const name = uniqueName('typed-stream');
    await tabToVisibly(page, 'input Stream (name or id)');
    await page.keyboard.type(name);
    await tabToVisibly(page, 'input Category (empty: none)');
    await page.keyboard.type(category);
    await tabToVisibly(page, 'input Event type');
    await page.keyboard.type('Typed');
    await tabToVisibly(page, 'textarea Data (JSON)');
    await tabToVisibly(page, 'textarea Metadata (JSON, optional)');
    await tabToVisibly(page, 'input Expected version (empty: none)');
    await tabToVisibly(page, 'button Append');
    await page.keyboard.press('Enter');
    await statusWithText(page, 'AppendEventsSuccess');
    // The button kept the focus while the form was sent; the answer's links come next.
    expect(await focused(page)).toBe('button Append');
    await tabToVisibly(page, `a ${name}`);
    await screenshot('explorer', 'keyboard-append');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name }).waitFor({ timeout: stepMs });
    expect(pageErrors).toEqual([]);
  });

  test('consumers: the list, a consumer, and the reset with its confirmation step', {
    timeout: testMs,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    const name = uniqueName('keyed-consumer');
    const created = await api().data(CreateConsumerDocument, { input: { name } }, { key });
    expect(created.createConsumer.__typename).toBe('ConsumerSuccess');
    await signInByKeyboard(page, '#/streams');
    await openByNav(page, 'Consumers', 'Consumers');
    await page.locator(`tr[data-consumer="${name}"]`).waitFor({ timeout: stepMs });
    await tabToVisibly(page, 'button Reload');
    await tabToVisibly(page, `a ${name}`);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `Consumer ${name}` }).waitFor({ timeout: stepMs });

    await tabToVisibly(page, 'button Replay all parked events');
    await tabToVisibly(page, 'input Reset to after position');
    await page.keyboard.type('0');
    await page.keyboard.press('Enter');
    // The confirmation step takes the focus: Enter there would reset; Tab, Enter cancels.
    await page.getByRole('group', { name: 'Confirm the reset' }).waitFor({ timeout: stepMs });
    expect(await focused(page)).toBe('button Confirm reset');
    await expectFocusRing(page);
    await screenshot('explorer', 'keyboard-reset-confirm');
    await tabToVisibly(page, 'button Cancel');
    await page.keyboard.press('Enter');
    await page
      .getByRole('group', { name: 'Confirm the reset' })
      .waitFor({ state: 'detached', timeout: stepMs });
    // The focus goes back to the position, not to the page.
    expect(await focused(page)).toBe('input Reset to after position');
    await tabToVisibly(page, 'select Per page');
    expect(pageErrors).toEqual([]);
  });
});
