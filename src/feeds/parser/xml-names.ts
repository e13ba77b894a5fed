/**
 * XML namespaces, resolved here rather than by saxes, which runs without its namespace mode.
 *
 * That mode allocated a dictionary per element for its declarations, a record per name, and looked
 * every prefix up through the open elements one by one. Feeds declare their namespaces once, on
 * the root: here a name is resolved once per scope (an element that declares namespaces starts
 * one) and found again with one lookup.
 *
 * Results and errors are those of saxes 6's namespace mode: the same messages, reported through
 * the parser at the same points of the input (so with the same line and column), in the same
 * order. At each attribute: a malformed qualified name, then a declaration's checks. At each start
 * tag: the element's name (malformed, "xmlns" prefix, unbound prefix), then each attribute in turn
 * (unbound prefix, duplicate expanded name). Undeclared prefixes go to `undeclared`, as saxes's
 * `resolvePrefix` option did, after the declarations in scope and `xml`/`xmlns`.
 */

import { SaxesParser, type SaxesOptions } from 'saxes';
import type { AttributeKey, ElementName } from './document-builder.js';
import { RecoveringSaxesParser } from './xml-recovery.js';

export const XML_URI = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_URI = 'http://www.w3.org/2000/xmlns/';

export interface NameReporter {
  /** Reports a well-formedness error at the parser's current position. */
  fail(message: string): void;
  /** The XML version the parser reads ("1.0" unless the declaration says otherwise). */
  xmlVersion(): string;
  /** A namespace URI for a prefix nothing declares, or undefined. */
  undeclared(prefix: string): string | undefined;
}

/** An element's or an attribute's name, resolved in a scope. */
export interface ResolvedName {
  readonly name: string;
  readonly prefix: string;
  readonly local: string;
  /** The namespace URI; an unbound prefix stands for itself, as in saxes. */
  readonly uri: string;
  /** What is reported each time the name is read in this scope (an unbound prefix...), or null. */
  readonly errors: readonly string[] | null;
  /** Attributes: the expanded name that duplicates are detected on. */
  readonly expanded: string;
  /**
   * What the document builder derives from the name (its keys: document-builder.ts), kept with it
   * so that it is worked out once per scope rather than at each element; null until then.
   */
  derived: ElementName | AttributeKey | null;
}

interface Scope {
  readonly parent: Scope | null;
  /** Prefixes declared by the element that opened the scope ("" for the default namespace). */
  readonly declared: ReadonlyMap<string, string>;
  readonly elements: Map<string, ResolvedName>;
  readonly attributes: Map<string, ResolvedName>;
  /**
   * Names last found in this scope, by a cheap hash of the name (see lookUp). Made with the scope:
   * made on first use, that code ran once per parse, and made V8 throw lookUp's optimized code away
   * at the start of each parse.
   */
  readonly recent: Array<ResolvedName | undefined>;
}

/** Names remembered per scope; beyond (hostile input), names are resolved at each use. */
const MAX_CACHED = 2000;
/** Entries per kind of name in Scope.recent (a power of two). */
const RECENT = 128;

function newScope(parent: Scope | null, declared: ReadonlyMap<string, string>): Scope {
  return { parent, declared, elements: new Map(), attributes: new Map(), recent: new Array<ResolvedName | undefined>(2 * RECENT) };
}

export class XmlNames {
  /** The scope of each open element (most share their parent's), `depth` of them in use. */
  private readonly scopes: Scope[] = [];
  private depth = 0;
  private readonly root = newScope(null, new Map([['xml', XML_URI], ['xmlns', XMLNS_URI]]));
  /** Declarations read in the start tag being read, or null. */
  private declarations: Map<string, string> | null = null;

  constructor(private readonly reporter: NameReporter) {}

  /** One attribute of the start tag being read, when the parser reads it. */
  attribute(name: string, value: string): void {
    const colon = name.indexOf(':');
    if (colon === -1) {
      if (name === 'xmlns') this.declare('', value.trim());
      return;
    }
    const prefix = name.slice(0, colon);
    const local = name.slice(colon + 1);
    if (prefix === '' || local === '' || local.includes(':')) this.reporter.fail(`malformed name: ${name}.`);
    if (prefix === 'xmlns') {
      const uri = value.trim();
      if (uri === '' && this.reporter.xmlVersion() === '1.0') this.reporter.fail('invalid attempt to undefine prefix in XML 1.0');
      this.declare(local, uri);
    }
  }

  /**
   * The start tag is complete: resolves the element's name and its attributes' (`names[index]`
   * for each of the `count` attribute names), reporting what saxes would, and opens its scope.
   */
  open(name: string, attributeNames: readonly string[], count: number, names: ResolvedName[]): ResolvedName {
    const parent = this.depth === 0 ? this.root : this.scopes[this.depth - 1]!;
    const scope = this.declarations === null ? parent : newScope(parent, this.declarations);
    this.declarations = null;
    this.scopes[this.depth++] = scope;

    const element = this.lookUp(scope, name, true);
    this.report(element.errors);
    for (let index = 0; index < count; index++) {
      const attribute = this.lookUp(scope, attributeNames[index]!, false);
      this.report(attribute.errors);
      for (let before = 0; before < index; before++) {
        if (names[before]!.expanded === attribute.expanded) {
          this.reporter.fail(`duplicate attribute: ${attribute.expanded}.`);
          break;
        }
      }
      names[index] = attribute;
    }
    return element;
  }

  /** An element closed (saxes may close several at once): its scope ends. */
  close(): void {
    if (this.depth > 0) this.depth--;
  }

  /** A declaration takes effect even when it is reported (as in saxes). */
  private declare(prefix: string, uri: string): void {
    (this.declarations ??= new Map()).set(prefix, uri);
    this.checkPair(prefix, uri);
  }

  /** saxes's checks of a declaration: the reserved prefixes and URIs. */
  private checkPair(prefix: string, uri: string): void {
    if (prefix === 'xml' && uri !== XML_URI) this.reporter.fail(`xml prefix must be bound to ${XML_URI}.`);
    if (prefix === 'xmlns' && uri !== XMLNS_URI) this.reporter.fail(`xmlns prefix must be bound to ${XMLNS_URI}.`);
    if (uri === XMLNS_URI) {
      this.reporter.fail(prefix === '' ? `the default namespace may not be set to ${uri}.` : `may not assign a prefix (even "xmlns") to the URI ${XMLNS_URI}.`);
    } else if (uri === XML_URI && prefix !== 'xml') {
      this.reporter.fail(prefix === '' ? `the default namespace may not be set to ${uri}.` : 'may not assign the xml namespace to another prefix.');
    }
  }

  /**
   * The name as resolved in this scope, from its cache when it was met before. The name is a new
   * string each time, which a map lookup must hash first: the name last found under the same
   * cheap hash (kind, length, first, middle and last characters) is compared first, and nearly
   * always is the one (97% of the lookups on the generated 20.9 MB feed).
   */
  private lookUp(scope: Scope, name: string, element: boolean): ResolvedName {
    const length = name.length;
    const mixed = length === 0 ? 0 : ((length * 31 + name.charCodeAt(0)) * 31 + name.charCodeAt(length - 1)) * 31 + name.charCodeAt(length >> 1);
    const hash = (mixed & (RECENT - 1)) | (element ? RECENT : 0);
    const recent = scope.recent;
    let found = recent[hash];
    if (found === undefined || found.name !== name) {
      const cache = element ? scope.elements : scope.attributes;
      found = cache.get(name);
      if (found === undefined) {
        found = element ? this.resolveElement(scope, name) : this.resolveAttribute(scope, name);
        if (cache.size < MAX_CACHED) cache.set(name, found);
      }
      recent[hash] = found;
    }
    return found;
  }

  private resolve(scope: Scope, prefix: string): string | undefined {
    for (let current: Scope | null = scope; current !== null; current = current.parent) {
      const uri = current.declared.get(prefix);
      if (uri !== undefined) return uri;
    }
    return this.reporter.undeclared(prefix);
  }

  private resolveElement(scope: Scope, name: string): ResolvedName {
    const errors: string[] = [];
    const colon = name.indexOf(':');
    const prefix = colon === -1 ? '' : name.slice(0, colon);
    const local = colon === -1 ? name : name.slice(colon + 1);
    if (colon !== -1 && (prefix === '' || local === '' || local.includes(':'))) errors.push(`malformed name: ${name}.`);
    let uri = this.resolve(scope, prefix) ?? '';
    if (prefix !== '') {
      if (prefix === 'xmlns') errors.push('tags may not have "xmlns" as prefix.');
      if (uri === '') {
        errors.push(`unbound namespace prefix: ${JSON.stringify(prefix)}.`);
        uri = prefix;
      }
    }
    return { name, prefix, local, uri, errors: errors.length === 0 ? null : errors, expanded: name, derived: null };
  }

  private resolveAttribute(scope: Scope, name: string): ResolvedName {
    const colon = name.indexOf(':');
    const prefix = colon === -1 ? '' : name.slice(0, colon);
    const local = colon === -1 ? name : name.slice(colon + 1);
    // No prefix (":a" included): no namespace, and the name as written is what must not repeat.
    if (prefix === '') return { name, prefix, local, uri: name === 'xmlns' ? XMLNS_URI : '', errors: null, expanded: name, derived: null };
    let uri = this.resolve(scope, prefix);
    let errors: string[] | null = null;
    if (uri === undefined) {
      errors = [`unbound namespace prefix: ${JSON.stringify(prefix)}.`];
      uri = prefix;
    }
    return { name, prefix, local, uri, errors, expanded: `{${uri}}${local}`, derived: null };
  }

  private report(errors: readonly string[] | null): void {
    if (errors !== null) for (const error of errors) this.reporter.fail(error);
  }
}

interface SaxesInternals {
  attributeHandler: ((attribute: { name: string; value: string }) => void) | undefined;
  currentXMLVersion: string;
  nameStartCheck: (code: number) => boolean;
  nameCheck: (code: number) => boolean;
  isName: (name: string) => boolean;
}

const COLON = 0x3a;

/**
 * saxes without its namespace mode, for XmlNames: start tags are not checked for repeated
 * attribute names (XmlNames reports repeated expanded names instead, as the namespace mode did)
 * and their attributes are not copied into `tag.attributes` (nothing here reads it); processing
 * instruction targets and entity names are NCNames, as in the namespace mode.
 */
export class NamespacedSaxesParser extends RecoveringSaxesParser<SaxesOptions> {
  constructor(options: Omit<SaxesOptions, 'xmlns'> = {}) {
    super({ ...options, xmlns: false });
    // Reassigned, not added: new own properties would turn the parser into a slow dictionary object.
    const internals = this as unknown as SaxesInternals;
    const nameStart = internals.nameStartCheck;
    const nameChar = internals.nameCheck;
    const isName = internals.isName;
    internals.nameStartCheck = (code) => code !== COLON && nameStart(code);
    internals.nameCheck = (code) => code !== COLON && nameChar(code);
    internals.isName = (name) => !name.includes(':') && isName(name);
  }

  /** The version saxes checks characters against. */
  get xmlVersion(): string {
    return (this as unknown as SaxesInternals).currentXMLVersion;
  }
}

// Attributes go to the attribute handler only: saxes's list of them, which its start tag
// processing reads (replaced below), is not kept, nor emptied at every tag.
Object.defineProperty(NamespacedSaxesParser.prototype, 'pushAttribPlain', {
  configurable: true,
  writable: true,
  value: function pushAttributeToHandler(this: SaxesInternals, name: string, value: string): void {
    const handler = this.attributeHandler;
    if (handler !== undefined) handler({ name, value });
  },
});

Object.defineProperty(NamespacedSaxesParser.prototype, 'processAttribsPlain', {
  configurable: true,
  writable: true,
  value: function processAttributesLater(): void {},
});

/** Whether the private members relied on were found (a test fails loudly otherwise). */
export const namespacedParserHooks = ['processAttribsPlain', 'pushAttribPlain'].every(
  (name) => typeof (SaxesParser.prototype as unknown as Record<string, unknown>)[name] === 'function',
);
