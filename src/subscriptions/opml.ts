/**
 * OPML subscription lists: import (parseOpml) and export (exportOpml). Pure: strings and bytes in,
 * values out; the caller decides what to subscribe to and when.
 *
 * parseOpml(input, options?) → { title?, feeds: [{ url, title?, htmlUrl?, categories }], skipped }
 *   throws OpmlError (code invalid_opml | opml_too_large | opml_too_many_feeds | opml_too_deep).
 * exportOpml({ title, ownerName?, createdAt, feeds }) → an OPML 2.0 document (string).
 */

export { parseOpml } from './opml-parse.js';
export { exportOpml, OPML_DOCS_URL } from './opml-export.js';
export {
  DEFAULT_OPML_LIMITS,
  OpmlError,
  type OpmlErrorCode,
  type OpmlExportFeed,
  type OpmlExportInput,
  type OpmlFeed,
  type OpmlLimits,
  type OpmlParseOptions,
  type OpmlSkipReason,
  type OpmlSkipped,
  type ParsedOpml,
} from './opml-model.js';
