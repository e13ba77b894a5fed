export { createFeedFetcher } from './feed-fetcher.js';
export type {
  ConditionalRequest,
  FeedFetcher,
  FetchedFeed,
  FetcherOptions,
  FetcherTimeouts,
  FetchOutcome,
  NotModifiedFeed,
} from './feed-fetcher.js';
export { readAll, type FeedBody } from './body.js';
export { FeedFetchError, type FeedFetchErrorCode } from './errors.js';
export type { PermanentRedirect, RedirectHop } from './redirects.js';
export { systemResolver, type ResolvedAddress, type Resolver } from './resolver.js';
export { classifyAddress, createAddressPolicy, type AddressKind, type AddressPolicy, type AddressPolicyOptions } from './address-policy.js';
