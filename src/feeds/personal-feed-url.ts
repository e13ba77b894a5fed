/**
 * Feeds made for one listener (a paid or private feed) carry their secret in the URL: such a URL
 * shown in a public list would hand the feed, and often the account behind it, to anyone.
 */
const SECRET_QUERY = /[?&;](?:token|key|api_?key|auth|secret|password|passwd|pass|sig|signature|access_?token|uid|user|guid|hash|code)=/i;

/** Whether a feed URL looks made for one listener (credentials, or a secret query parameter); an unparsable one counts as such. */
export function isPersonalFeedUrl(feedUrl: string): boolean {
  try {
    const url = new URL(feedUrl);
    return url.username !== '' || url.password !== '' || SECRET_QUERY.test(url.search);
  } catch {
    return true;
  }
}
