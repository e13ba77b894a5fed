/**
 * Writes RSS 2.0 from catalog text, which is hostile input: every value is escaped as character
 * data (no CDATA section, so a `]]>` in a title is just text), and characters XML 1.0 cannot
 * carry at all (control characters, lone surrogates, U+FFFE/FFFF) are dropped, so that a strict
 * parser in a podcast app reads the whole feed.
 */
const NOT_XML_CHAR = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function xmlText(value: string): string {
  return value.replace(NOT_XML_CHAR, '').replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

export interface RssItem {
  title: string;
  guid: string;
  enclosure: { url: string; type: string; length: number };
  publishedAt: Date | null;
  description: string | null;
  durationSeconds: number | null;
  link: string | null;
}

export interface RssChannel {
  title: string;
  link: string;
  description: string;
  imageUrl: string | null;
  items: readonly RssItem[];
}

function element(name: string, value: string | null | undefined): string {
  return value ? `<${name}>${xmlText(value)}</${name}>` : '';
}

function duration(seconds: number): string {
  const whole = Math.round(seconds);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${Math.floor(whole / 3600)}:${pad(Math.floor((whole % 3600) / 60))}:${pad(whole % 60)}`;
}

function item(entry: RssItem): string {
  const { url, type, length } = entry.enclosure;
  return [
    '<item>',
    element('title', entry.title),
    element('link', entry.link),
    `<guid isPermaLink="false">${xmlText(entry.guid)}</guid>`,
    entry.publishedAt ? `<pubDate>${entry.publishedAt.toUTCString()}</pubDate>` : '',
    element('description', entry.description),
    `<enclosure url="${xmlText(url)}" type="${xmlText(type)}" length="${Math.max(0, Math.trunc(length))}"/>`,
    entry.durationSeconds !== null ? `<itunes:duration>${duration(entry.durationSeconds)}</itunes:duration>` : '',
    '</item>',
  ].join('');
}

export function renderRss(channel: RssChannel): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>',
    element('title', channel.title),
    element('link', channel.link),
    element('description', channel.description),
    channel.imageUrl ? `<itunes:image href="${xmlText(channel.imageUrl)}"/>` : '',
    ...channel.items.map(item),
    '</channel></rss>\n',
  ].join('');
}
