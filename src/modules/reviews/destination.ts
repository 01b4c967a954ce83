/**
 * Where a webhook may go. Every address a host name resolves to is checked, and the connection is made
 * to exactly the checked address (no second lookup), so DNS rebinding cannot slip a private address in.
 * Loopback and private/link-local/reserved destinations are refused unless the settings allow them.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export type AddressClass = 'loopback' | 'private' | 'public';

export interface DestinationPolicy {
  allowLoopback: boolean;
  allowPrivate: boolean;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** A destination this deployment does not send to. Not retried. */
export class DestinationRefusedError extends Error {
  override name = 'DestinationRefusedError';
}

/** The host name did not resolve (maybe for a while): the attempt fails and is retried. */
export class DestinationUnresolvedError extends Error {
  override name = 'DestinationUnresolvedError';
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addSubnet('0.0.0.0', 8, 'ipv4'); // 0.0.0.0 reaches the local host on Linux
loopback.addAddress('::1', 'ipv6');
loopback.addAddress('::', 'ipv6');

const nonPublic = new BlockList();
for (const [net, prefix] of [
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['169.254.0.0', 16], // link-local, cloud metadata endpoints
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  nonPublic.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['2001:db8::', 32], // documentation
  ['64:ff9b::', 96], // NAT64 (embeds an IPv4 address)
] as const) {
  nonPublic.addSubnet(net, prefix, 'ipv6');
}

export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 0) throw new DestinationRefusedError(`'${address}' is not an IP address`);
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return classifyAddress(mapped[1]!);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (loopback.check(address, type)) return 'loopback';
  if (nonPublic.check(address, type)) return 'private';
  return 'public';
}

function allowed(cls: AddressClass, policy: DestinationPolicy): boolean {
  return (
    cls === 'public' ||
    (cls === 'loopback' && policy.allowLoopback) ||
    (cls === 'private' && policy.allowPrivate)
  );
}

/** Parses and checks the URL's shape (http/https, a host); no DNS. */
export function parseDestination(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DestinationRefusedError('not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new DestinationRefusedError(`scheme ${parsed.protocol} is not allowed (use http or https)`);
  }
  if (parsed.username || parsed.password)
    throw new DestinationRefusedError('credentials in the URL are not allowed');
  return parsed;
}

const bareHost = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/**
 * A cheap check at request creation: refuses literal addresses and `localhost` names the policy forbids.
 * Names that need DNS are checked again, fully, at every send.
 */
export function checkDestinationShape(url: string, policy: DestinationPolicy): void {
  const parsed = parseDestination(url);
  const host = bareHost(parsed).toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) {
    if (!policy.allowLoopback) throw new DestinationRefusedError(`${host} is a loopback destination`);
    return;
  }
  if (isIP(host)) {
    const cls = classifyAddress(host);
    if (!allowed(cls, policy)) throw new DestinationRefusedError(`${host} is a ${cls} address`);
  }
}

/** Resolves the URL's host and checks every address. Returns the addresses to connect to. */
export async function resolveDestination(url: URL, policy: DestinationPolicy): Promise<ResolvedAddress[]> {
  const host = bareHost(url);
  const family = isIP(host);
  const addresses: ResolvedAddress[] = family
    ? [{ address: host, family: family as 4 | 6 }]
    : (
        await lookup(host, { all: true, verbatim: true }).catch((error: NodeJS.ErrnoException) => {
          throw new DestinationUnresolvedError(`cannot resolve ${host}: ${error.code ?? 'lookup failed'}`);
        })
      ).map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
  if (addresses.length === 0) throw new DestinationRefusedError(`${host} resolves to no address`);
  for (const a of addresses) {
    const cls = classifyAddress(a.address);
    // The message names the class, never the address: it is stored and shown to the tenant, who must not
    // learn what internal names resolve to.
    if (!allowed(cls, policy)) throw new DestinationRefusedError(`${host} resolves to a ${cls} address`);
  }
  return addresses;
}
