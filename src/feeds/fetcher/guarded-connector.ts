/**
 * The SSRF guard at the socket level. Checking a URL's hostname before the request is not enough: DNS may
 * answer differently when the HTTP client resolves it again (DNS rebinding), and every redirect hop needs
 * the same check. So the resolution happens inside the connector: the addresses checked are the addresses
 * node:net connects to, and the peer address of the connected socket is checked once more.
 */
import { isIP, type LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { buildConnector } from 'undici';
import type { AddressPolicy } from './address-policy.js';
import { FeedFetchError } from './errors.js';
import { resolveAllowed, type Resolver } from './resolver.js';

/** A node:net `lookup` answering only with addresses the policy allows. */
export function guardedLookup(resolver: Resolver, policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    resolveAllowed(hostname, resolver, policy).then(
      (resolved) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const addresses = family === 4 || family === 6 ? resolved.filter((entry) => entry.family === family) : resolved;
        const first = addresses[0];
        if (!first) {
          callback(new FeedFetchError('dns_failure', `${hostname} has no IPv${family} address`), '', 0);
        } else if (options.all) {
          // Node asks for every address when it may try several (autoSelectFamily).
          callback(null, addresses);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: unknown) => callback(error as FeedFetchError, '', 0),
    );
  };
}

function blocked(what: string, address: string, kind: string): FeedFetchError {
  return new FeedFetchError('blocked_address', `${what} ${address} is ${kind.replaceAll('_', ' ')}, which feeds may not use`);
}

/**
 * Wraps a connector with the checks that do not depend on DNS: literal IP hosts (node:net skips `lookup`
 * for them) and the address the socket actually reached. Exported separately so the last check, which
 * needs a lying network to fail, can be tested with a fake connector.
 */
export function guardConnector(connect: buildConnector.connector, policy: AddressPolicy): buildConnector.connector {
  return (options, callback) => {
    if (isIP(options.hostname)) {
      const verdict = policy.check(options.hostname);
      if (!verdict.allowed) {
        callback(blocked('address', options.hostname, verdict.kind), null);
        return;
      }
    }
    connect(options, (error, socket) => {
      if (error) {
        callback(error, null);
        return;
      }
      const remote = socket.remoteAddress;
      const verdict = remote === undefined ? undefined : policy.check(remote);
      if (!verdict?.allowed) {
        socket.destroy();
        callback(blocked('connected address', remote ?? '(unknown)', verdict?.kind ?? 'unknown'), null);
        return;
      }
      callback(null, socket);
    });
  };
}

export interface GuardedConnectorOptions {
  policy: AddressPolicy;
  resolver: Resolver;
  connectTimeoutMs: number;
  /** Extra trusted certificate authorities (PEM), added to Node's bundled roots. */
  ca?: readonly string[];
}

export function createGuardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  const connect = buildConnector({
    timeout: options.connectTimeoutMs,
    lookup: guardedLookup(options.resolver, options.policy),
    ...(options.ca && options.ca.length > 0 ? { ca: [...rootCertificates, ...options.ca] } : {}),
  });
  return guardConnector(connect, options.policy);
}
