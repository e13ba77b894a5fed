import dns from 'node:dns';
import { isIP } from 'node:net';
import type { AddressPolicy } from './address-policy.js';
import { FeedFetchError } from './errors.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Hostname to addresses. Injected in tests to map made-up public names to the loopback fixture. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The operating system's resolver (getaddrinfo: /etc/hosts, then DNS), like every other Node client. */
export const systemResolver: Resolver = async (hostname) => {
  const answers = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

/**
 * Resolves `hostname` and checks every address against the policy. All of them must pass, not just the
 * first: the connection may fall back to any of them (happy eyeballs), and a name answering both a public
 * and a private address is an attack or a misconfiguration either way.
 */
export async function resolveAllowed(hostname: string, resolver: Resolver, policy: AddressPolicy): Promise<ResolvedAddress[]> {
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolver(hostname);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FeedFetchError('dns_failure', `cannot resolve ${hostname}: ${reason}`, { cause: error });
  }
  if (addresses.length === 0) throw new FeedFetchError('dns_failure', `${hostname} has no address`);
  for (const { address } of addresses) {
    if (isIP(address) === 0) throw new FeedFetchError('dns_failure', `${hostname} resolved to an invalid address`);
    const verdict = policy.check(address);
    if (!verdict.allowed) {
      throw new FeedFetchError('blocked_address', `${hostname} resolves to ${address} (${verdict.kind.replaceAll('_', ' ')}), which feeds may not use`);
    }
  }
  return addresses;
}
