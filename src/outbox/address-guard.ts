/**
 * Which addresses a webhook may reach. A tenant chooses its webhook's URL, and the gateway
 * makes the request from inside the operator's network: without this guard a tenant could
 * make it call the cloud's metadata service (169.254.169.254), a database on 10.0.0.5, or the
 * gateway's own metrics port. So by default every address that is not a public unicast one is
 * refused, at creation (checkWebhookUrl) and again at delivery (the sender's lookup), unless
 * the operator lists the host in EVENTLOOM_WEBHOOK_ALLOWED_HOSTS.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export interface WebhookAddressSettings {
  /**
   * Hostnames or IP addresses (EVENTLOOM_WEBHOOK_ALLOWED_HOSTS) allowed whatever they resolve
   * to. Compared after canonicalHost, so "[::1]", "::1" and "LOCALHOST." all work.
   */
  readonly allowedHosts: readonly string[];
}

export type RefusedAddressKind =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'shared (CGNAT)'
  | 'multicast'
  | 'reserved or broadcast'
  | 'IPv4-compatible IPv6';

type Family = 'ipv4' | 'ipv6';
type Subnet = readonly [network: string, prefix: number, family: Family];

// Checked in this order, so that "::" reads as unspecified and "::1" as loopback rather than
// as the IPv4-compatible range that contains both. net.BlockList also matches IPv4-mapped IPv6
// addresses (::ffff:127.0.0.1) against the IPv4 subnets, so those need no entry of their own.
const refusedSubnets: ReadonlyArray<readonly [RefusedAddressKind, readonly Subnet[]]> = [
  [
    'unspecified',
    [
      ['0.0.0.0', 8, 'ipv4'],
      ['::', 128, 'ipv6'],
    ],
  ],
  [
    'loopback',
    [
      ['127.0.0.0', 8, 'ipv4'],
      ['::1', 128, 'ipv6'],
    ],
  ],
  [
    'private',
    [
      ['10.0.0.0', 8, 'ipv4'],
      ['172.16.0.0', 12, 'ipv4'],
      ['192.168.0.0', 16, 'ipv4'],
      ['fc00::', 7, 'ipv6'],
    ],
  ],
  [
    'link-local',
    [
      ['169.254.0.0', 16, 'ipv4'],
      ['fe80::', 10, 'ipv6'],
    ],
  ],
  ['shared (CGNAT)', [['100.64.0.0', 10, 'ipv4']]],
  [
    'multicast',
    [
      ['224.0.0.0', 4, 'ipv4'],
      ['ff00::', 8, 'ipv6'],
    ],
  ],
  // 240.0.0.0/4 is reserved and holds the limited broadcast address 255.255.255.255.
  ['reserved or broadcast', [['240.0.0.0', 4, 'ipv4']]],
  // Deprecated ::a.b.c.d forms, which some stacks still route to the IPv4 address.
  ['IPv4-compatible IPv6', [['::', 96, 'ipv6']]],
];

const refusedLists: ReadonlyArray<readonly [RefusedAddressKind, BlockList]> = refusedSubnets.map(
  ([kind, subnets]) => {
    const list = new BlockList();
    for (const [network, prefix, family] of subnets) list.addSubnet(network, prefix, family);
    return [kind, list] as const;
  },
);

/**
 * Why an IP address may not be reached, or null when it may (a public unicast address).
 * Anything that is not an IP address is refused as 'unspecified'.
 */
export function refusedAddressKind(address: string): RefusedAddressKind | null {
  // A zone index (fe80::1%eth0) names an interface, not another address.
  const bare = address.split('%')[0] ?? '';
  const version = isIP(bare);
  if (version === 0) return 'unspecified';
  const family: Family = version === 4 ? 'ipv4' : 'ipv6';
  for (const [kind, list] of refusedLists) if (list.check(bare, family)) return kind;
  return null;
}

export function isAllowedAddress(address: string): boolean {
  return refusedAddressKind(address) === null;
}

/**
 * A host as URLs compare it: lowercase, IPv6 without brackets, IPv4 in dotted decimal ("127.1"
 * becomes "127.0.0.1", as the WHATWG URL parser reads it), no trailing dot. Null when it is not
 * a hostname or IP address alone (a scheme, port, path or credentials make it null).
 */
export function canonicalHost(host: string): string | null {
  const trimmed = host.trim();
  const bare = trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
  // A colon outside IPv6 is a port, which the parser would drop silently when it is the default.
  if (bare === '' || (isIP(bare) !== 6 && bare.includes(':'))) return null;
  const written = isIP(bare) === 6 ? `[${bare}]` : bare;
  let url: URL;
  try {
    url = new URL(`http://${written}/`);
  } catch {
    return null;
  }
  if (
    url.host !== url.hostname ||
    url.pathname !== '/' ||
    url.username !== '' ||
    url.search !== '' ||
    url.hash !== ''
  )
    return null;
  return hostOf(url);
}

function hostOf(url: URL): string {
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
}

export function isListedHost(host: string, settings: WebhookAddressSettings): boolean {
  return settings.allowedHosts.some((listed) => canonicalHost(listed) === host);
}

export type ParsedWebhookUrl =
  | { readonly ok: true; readonly url: URL /** canonical (see canonicalHost) */; readonly host: string }
  | { readonly ok: false; readonly problem: string };

/** The rules a webhook URL must follow whatever its host resolves to. */
export function parseWebhookUrl(raw: string): ParsedWebhookUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, problem: 'The webhook URL is not a valid absolute URL.' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { ok: false, problem: `The webhook URL must use http or https, not ${url.protocol}` };
  if (url.username !== '' || url.password !== '')
    return { ok: false, problem: 'The webhook URL must not contain a user name or password.' };
  const host = hostOf(url);
  if (host === '') return { ok: false, problem: 'The webhook URL must name a host.' };
  return { ok: true, url, host };
}

const notListedHint = 'refused unless the gateway lists the host in EVENTLOOM_WEBHOOK_ALLOWED_HOSTS';

function addressPhrase(kind: RefusedAddressKind): string {
  return /^[aeiouI]/.test(kind) ? `an ${kind} address` : `a ${kind} address`;
}

/**
 * Null when the URL may be used for a webhook, else a message saying why not (for
 * InvalidInputError at ["input", "webhook", "url"]). A hostname is resolved, and refused when
 * any of its addresses is refused or it does not resolve; the resolved addresses are not
 * named, since the gateway's DNS may know internal names the tenant should not learn about.
 */
export async function checkWebhookUrl(url: string, settings: WebhookAddressSettings): Promise<string | null> {
  const parsed = parseWebhookUrl(url);
  if (!parsed.ok) return parsed.problem;
  const { host } = parsed;
  if (isListedHost(host, settings)) return null;
  if (isIP(host) !== 0) {
    const kind = refusedAddressKind(host);
    return kind === null
      ? null
      : `The webhook URL's host ${host} is ${addressPhrase(kind)}, ${notListedHint}.`;
  }
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true });
  } catch {
    addresses = [];
  }
  if (addresses.length === 0) return `The webhook URL's host "${host}" does not resolve.`;
  for (const { address } of addresses) {
    const kind = refusedAddressKind(address);
    if (kind !== null)
      return `The webhook URL's host "${host}" resolves to ${addressPhrase(kind)}, ${notListedHint}.`;
  }
  return null;
}
