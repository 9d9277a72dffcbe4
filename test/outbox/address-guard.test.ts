import { describe, expect, test } from 'vitest';
import {
  canonicalHost,
  checkWebhookUrl,
  isAllowedAddress,
  parseWebhookUrl,
  refusedAddressKind,
} from '../../src/outbox/address-guard.js';

const noneAllowed = { allowedHosts: [] };

describe('refusedAddressKind', () => {
  test.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.255', 'shared (CGNAT)'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved or broadcast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['::ffff:100.64.0.1', 'shared (CGNAT)'],
    ['::127.0.0.1', 'IPv4-compatible IPv6'],
    ['not an address', 'unspecified'],
  ])('%s is refused as %s', (address, kind) => {
    expect(refusedAddressKind(address)).toBe(kind);
    expect(isAllowedAddress(address)).toBe(false);
  });

  test.each([
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '11.0.0.1',
    '2606:2800:220:1:248:1893:25c8:1946',
    '::ffff:93.184.216.34',
  ])('%s is allowed', (address) => {
    expect(refusedAddressKind(address)).toBeNull();
    expect(isAllowedAddress(address)).toBe(true);
  });
});

describe('canonicalHost', () => {
  test('lowercase, IPv6 without brackets and compressed, IPv4 dotted, no trailing dot', () => {
    expect(canonicalHost('Hooks.Example.COM.')).toBe('hooks.example.com');
    expect(canonicalHost('[::1]')).toBe('::1');
    expect(canonicalHost('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(canonicalHost('::FFFF:127.0.0.1')).toBe('::ffff:7f00:1');
    expect(canonicalHost('127.1')).toBe('127.0.0.1');
    expect(canonicalHost('2130706433')).toBe('127.0.0.1');
  });

  test('anything but a host alone is null', () => {
    for (const value of [
      '',
      ' ',
      'http://a.example',
      'a.example:80',
      'a.example/x',
      'u@a.example',
      'a b',
      'a?b',
      'a#b',
    ]) {
      expect(canonicalHost(value)).toBeNull();
    }
  });
});

describe('parseWebhookUrl', () => {
  test('gives the canonical host of an http or https URL', () => {
    const parsed = parseWebhookUrl('https://[::FFFF:127.0.0.1]:8443/hooks?x=1');
    expect(parsed.ok && parsed.host).toBe('::ffff:7f00:1');
  });
});

describe('checkWebhookUrl', () => {
  test.each([
    ['http://127.0.0.1/hook', /host 127\.0\.0\.1 is a loopback address/],
    ['http://localhost:8080/hook', /host "localhost" resolves to a loopback address/],
    ['http://[::1]/hook', /host ::1 is a loopback address/],
    ['http://10.0.0.1/hook', /host 10\.0\.0\.1 is a private address/],
    ['http://169.254.169.254/latest/meta-data/', /is a link-local address/],
    ['http://[::ffff:127.0.0.1]/hook', /host ::ffff:7f00:1 is a loopback address/],
    ['http://0.0.0.0:4000/graphql', /host 0\.0\.0\.0 is an unspecified address/],
    ['http://2130706433/', /host 127\.0\.0\.1 is a loopback address/],
    ['http://0x7f.1/', /host 127\.0\.0\.1 is a loopback address/],
    ['https://100.64.1.1/', /is a shared \(CGNAT\) address/],
  ])('%s is refused', async (url, message) => {
    const problem = await checkWebhookUrl(url, noneAllowed);
    expect(problem).toMatch(message);
    expect(problem).toMatch(/EVENTLOOM_WEBHOOK_ALLOWED_HOSTS/);
  });

  test('a hostname that resolves to a refused address is refused without naming the address', async () => {
    const problem = await checkWebhookUrl('http://localhost/', noneAllowed);
    expect(problem).not.toBeNull();
    expect(problem).not.toContain('127.0.0.1');
  });

  test('a public IP literal passes (nothing is sent to it)', async () => {
    expect(await checkWebhookUrl('http://93.184.216.34/hook', noneAllowed)).toBeNull();
    expect(await checkWebhookUrl('https://93.184.216.34:8443/hook?tenant=a', noneAllowed)).toBeNull();
    expect(await checkWebhookUrl('https://[2606:2800:220:1:248:1893:25c8:1946]/', noneAllowed)).toBeNull();
  });

  test.each([
    ['ftp://93.184.216.34/hook', 'The webhook URL must use http or https, not ftp:'],
    ['file:///etc/passwd', 'The webhook URL must use http or https, not file:'],
    ['mailto:ops@example.com', 'The webhook URL must use http or https, not mailto:'],
    ['https://user:pass@93.184.216.34/hook', 'The webhook URL must not contain a user name or password.'],
    ['https://user@93.184.216.34/hook', 'The webhook URL must not contain a user name or password.'],
    ['/relative/hook', 'The webhook URL is not a valid absolute URL.'],
    ['http://', 'The webhook URL is not a valid absolute URL.'],
  ])('%s is refused whatever its host', async (url, message) => {
    expect(await checkWebhookUrl(url, noneAllowed)).toBe(message);
    expect(await checkWebhookUrl(url, { allowedHosts: ['93.184.216.34'] })).toBe(message);
  });

  test('a credential in the URL is never echoed back', async () => {
    const problem = await checkWebhookUrl('https://hook:s3cr3t-pa55@93.184.216.34/', noneAllowed);
    expect(problem).not.toContain('s3cr3t-pa55');
  });

  test('a hostname that does not resolve is refused', async () => {
    expect(await checkWebhookUrl('https://nowhere.invalid/hook', noneAllowed)).toBe(
      'The webhook URL\'s host "nowhere.invalid" does not resolve.',
    );
  });

  test('listed hosts pass whatever they are or resolve to, in any written form', async () => {
    expect(await checkWebhookUrl('http://127.0.0.1:8080/hook', { allowedHosts: ['127.0.0.1'] })).toBeNull();
    expect(await checkWebhookUrl('http://127.1:8080/hook', { allowedHosts: ['127.0.0.1'] })).toBeNull();
    expect(await checkWebhookUrl('http://LOCALHOST./hook', { allowedHosts: ['localhost'] })).toBeNull();
    expect(await checkWebhookUrl('http://[::1]/hook', { allowedHosts: ['[::1]'] })).toBeNull();
    expect(
      await checkWebhookUrl('http://[::ffff:127.0.0.1]/', { allowedHosts: ['::ffff:127.0.0.1'] }),
    ).toBeNull();
    // Listing a name does not list what it resolves to, nor the other way round.
    expect(await checkWebhookUrl('http://127.0.0.1/hook', { allowedHosts: ['localhost'] })).not.toBeNull();
    expect(await checkWebhookUrl('http://localhost/hook', { allowedHosts: ['127.0.0.1'] })).not.toBeNull();
  });
});
