/**
 * HTML named character references that real feeds use as if XML knew them (`&nbsp;`, `&eacute;`,
 * `&rsquo;`...). The XML parser reads them (xml-recovery.ts) so that they decode instead of failing.
 *
 * This is the HTML 4 set (which every HTML5 table also contains) plus the HTML5 additions feeds
 * actually produce (punctuation names from Word-to-HTML exporters, spacing and fraction names).
 * The full HTML5 table has 2,231 names, mostly mathematical; an unknown name is kept as literal
 * text ("&foo;") with a warning, which is readable and loses nothing.
 */

/** Names for U+00A0 to U+00FF, in code point order. */
const LATIN1 =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro ' +
  'para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil ' +
  'Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave ' +
  'Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml ' +
  'igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute ' +
  'thorn yuml';

/** Greek letters: capitals from U+0391, small from U+03B1 (U+03A2 is unassigned, hence the gap). */
const GREEK_CAPITALS = 'Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda Mu Nu Xi Omicron Pi Rho - Sigma Tau Upsilon Phi Chi Psi Omega';
const GREEK_SMALL = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigmaf sigma tau upsilon phi chi psi omega';

/** Everything else, as name:decimal code point. */
const OTHERS =
  'quot:34 amp:38 apos:39 lt:60 gt:62 OElig:338 oelig:339 Scaron:352 scaron:353 Yuml:376 fnof:402 circ:710 tilde:732 ' +
  'thetasym:977 upsih:978 piv:982 ensp:8194 emsp:8195 thinsp:8201 zwnj:8204 zwj:8205 lrm:8206 rlm:8207 ndash:8211 ' +
  'mdash:8212 lsquo:8216 rsquo:8217 sbquo:8218 ldquo:8220 rdquo:8221 bdquo:8222 dagger:8224 Dagger:8225 bull:8226 ' +
  'hellip:8230 permil:8240 prime:8242 Prime:8243 lsaquo:8249 rsaquo:8250 oline:8254 frasl:8260 euro:8364 image:8465 ' +
  'weierp:8472 real:8476 trade:8482 alefsym:8501 larr:8592 uarr:8593 rarr:8594 darr:8595 harr:8596 crarr:8629 ' +
  'lArr:8656 uArr:8657 rArr:8658 dArr:8659 hArr:8660 forall:8704 part:8706 exist:8707 empty:8709 nabla:8711 isin:8712 ' +
  'notin:8713 ni:8715 prod:8719 sum:8721 minus:8722 lowast:8727 radic:8730 prop:8733 infin:8734 ang:8736 and:8743 ' +
  'or:8744 cap:8745 cup:8746 int:8747 there4:8756 sim:8764 cong:8773 asymp:8776 ne:8800 equiv:8801 le:8804 ge:8805 ' +
  'sub:8834 sup:8835 nsub:8836 sube:8838 supe:8839 oplus:8853 otimes:8855 perp:8869 sdot:8901 lceil:8968 rceil:8969 ' +
  'lfloor:8970 rfloor:8971 lang:10216 rang:10217 loz:9674 spades:9824 clubs:9827 hearts:9829 diams:9830 ' +
  // HTML5 additions.
  'Tab:9 NewLine:10 excl:33 QUOT:34 num:35 dollar:36 percnt:37 AMP:38 lpar:40 rpar:41 ast:42 plus:43 comma:44 ' +
  'period:46 sol:47 colon:58 semi:59 LT:60 equals:61 GT:62 quest:63 commat:64 lsqb:91 lbrack:91 bsol:92 rsqb:93 ' +
  'rbrack:93 Hat:94 lowbar:95 grave:96 lcub:123 lbrace:123 verbar:124 vert:124 rcub:125 rbrace:125 ' +
  'NonBreakingSpace:160 COPY:169 REG:174 half:189 dash:8208 hyphen:8208 horbar:8213 Vert:8214 lsquor:8218 ' +
  'rsquor:8217 ldquor:8222 rdquor:8221 bullet:8226 nldr:8229 mldr:8230 emsp13:8196 emsp14:8197 numsp:8199 ' +
  'puncsp:8200 hairsp:8202 ZeroWidthSpace:8203 MediumSpace:8287 NoBreak:8288 TRADE:8482 frac13:8531 frac23:8532 ' +
  'frac15:8533 frac25:8534 frac35:8535 frac45:8536 frac16:8537 frac56:8538 frac18:8539 frac38:8540 frac58:8541 ' +
  'frac78:8542 star:9734 starf:9733 phone:9742 female:9792 male:9794 flat:9837 natural:9838 sharp:9839 check:10003 ' +
  'checkmark:10003 cross:10007 copysr:8471 ohm:937 angst:197 iinfin:10716';

function buildTable(): Record<string, string> {
  const table: Record<string, string> = {};
  LATIN1.split(' ').forEach((name, index) => {
    table[name] = String.fromCodePoint(0xa0 + index);
  });
  GREEK_CAPITALS.split(' ').forEach((name, index) => {
    if (name !== '-') table[name] = String.fromCodePoint(0x391 + index);
  });
  GREEK_SMALL.split(' ').forEach((name, index) => {
    table[name] = String.fromCodePoint(0x3b1 + index);
  });
  for (const entry of OTHERS.split(' ')) {
    const [name, code] = entry.split(':') as [string, string];
    table[name] = String.fromCodePoint(Number(code));
  }
  return table;
}

/** Name (without `&` and `;`) to replacement text. Frozen: it is shared by every parser. */
export const HTML_ENTITIES: Readonly<Record<string, string>> = Object.freeze(buildTable());

/** The five entities XML itself predefines; the parser already knows them. */
const XML_PREDEFINED = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/**
 * Simple internal-subset declarations (`<!ENTITY name "value">`) from a DOCTYPE. Values are taken
 * literally, never expanded again, so a hostile DOCTYPE cannot build an exponential expansion.
 */
export function entitiesFromDoctype(doctype: string): Record<string, string> {
  const declared: Record<string, string> = {};
  const pattern = /<!ENTITY\s+([A-Za-z_][\w.-]*)\s+(?:"([^"]*)"|'([^']*)')\s*>/g;
  for (const match of doctype.matchAll(pattern)) {
    const name = match[1]!;
    if (!XML_PREDEFINED.has(name)) declared[name] = (match[2] ?? match[3] ?? '').slice(0, 1024);
  }
  return declared;
}
