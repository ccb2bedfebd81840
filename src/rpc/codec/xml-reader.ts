// A small pull tokenizer for the XML subset XML-RPC uses: elements, text, the 5 predefined entities,
// character references, comments and CDATA. DTDs, entity declarations and processing
// instructions (other than the leading <?xml ...?>) are refused: nothing is ever expanded.
import { AgentError } from '../../core/errors.js';

export const START = 1;
export const END = 2;
export const TEXT = 3;
export const EOF = 4;

// Characters XML 1.0 forbids in a document (C0 controls except tab/LF/CR, unpaired surrogates, FFFE/FFFF).
export const SUSPECT_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;
const ILLEGAL_CHAR =
  /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const XML_DECL =
  /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(['"])1\.[0-9]+\1([ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(['"])([A-Za-z][A-Za-z0-9._-]*)\3)?([ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(['"])(yes|no)\6)?[ \t\r\n]*\?>/;

// Declarations clients actually send (ours and Go's, Python's, Java's): recognised without the
// regular expression, which cost as much as the rest of a small call's parse.
const COMMON_DECLS = ['<?xml version="1.0"?>', "<?xml version='1.0'?>", '<?xml version="1.0" encoding="UTF-8"?>'];
const COMMON_DECL_BYTES = COMMON_DECLS.map((d) => Buffer.from(d));

/** Length of a common UTF-8 declaration at the start of the body, else 0. */
function commonDeclBytes(body: Buffer): number {
  for (const d of COMMON_DECL_BYTES) {
    if (body.length >= d.length && body.compare(d, 0, d.length, 0, d.length) === 0) return d.length;
  }
  return 0;
}

function commonDeclAt(s: string, pos: number): number {
  for (const d of COMMON_DECLS) if (s.startsWith(d, pos)) return d.length;
  return 0;
}

export function parseError(message: string): AgentError {
  return new AgentError('PARSE_ERROR', message);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Turn a request body into text, honouring the declared encoding (UTF-8, ASCII or Latin-1 only). */
export function bodyToText(body: Buffer | string): string {
  if (typeof body === 'string') return body;
  let enc = 'utf-8';
  if (body.length >= 5 && body[0] === 0x3c && body[1] === 0x3f && commonDeclBytes(body) === 0) {
    const head = body.subarray(0, 200).toString('latin1');
    const m = XML_DECL.exec(head);
    if (m && m[4]) enc = m[4].toLowerCase();
  }
  if (enc === 'utf-8' || enc === 'utf8' || enc === 'us-ascii' || enc === 'ascii') {
    try {
      return utf8.decode(body);
    } catch {
      throw parseError('request body is not valid UTF-8');
    }
  }
  if (enc === 'iso-8859-1' || enc === 'latin1' || enc === 'latin-1') return body.toString('latin1');
  throw parseError(`unsupported XML encoding "${enc}" (use UTF-8)`);
}

// 1 = may start a name, 2 = may continue one (ASCII only: XML-RPC element names are ASCII).
const NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const start = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
  NAME[c] = start ? 3 : (c >= 48 && c <= 57) || c === 45 || c === 46 ? 2 : 0;
}
function isWsCode(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

function decodeCharRef(ref: string, at: number): string {
  const hex = ref[1] === 'x';
  const digits = ref.slice(hex ? 2 : 1);
  if (digits.length === 0 || digits.length > 8 || !(hex ? /^[0-9A-Fa-f]+$/ : /^[0-9]+$/).test(digits)) {
    throw parseError(`bad character reference &${ref}; at offset ${at}`);
  }
  const cp = parseInt(digits, hex ? 16 : 10);
  const legal =
    cp === 9 || cp === 10 || cp === 13 || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff);
  if (!legal) throw parseError(`character reference &${ref}; at offset ${at} is not a legal XML character`);
  return String.fromCodePoint(cp);
}

function decodeEntities(raw: string, base: number): string {
  let out = '';
  let i = 0;
  let amp: number;
  while ((amp = raw.indexOf('&', i)) >= 0) {
    out += raw.slice(i, amp);
    const semi = raw.indexOf(';', amp);
    if (semi < 0 || semi - amp > 12) throw parseError(`bare '&' or unterminated entity at offset ${base + amp}`);
    const ent = raw.slice(amp + 1, semi);
    switch (ent) {
      case 'lt': out += '<'; break;
      case 'gt': out += '>'; break;
      case 'amp': out += '&'; break;
      case 'quot': out += '"'; break;
      case 'apos': out += "'"; break;
      default:
        if (ent[0] === '#') out += decodeCharRef(ent, base + amp);
        else throw parseError(`entity &${ent}; is not allowed (only the predefined entities and character references)`);
    }
    i = semi + 1;
  }
  return out + raw.slice(i);
}

/** Raw character data between tags → its text (line ends normalised, entities decoded, legality checked). */
function charData(raw: string, base: number): string {
  if (raw.includes(']]>')) throw parseError(`']]>' in text at offset ${base + raw.indexOf(']]>')}`);
  if (raw.includes('\r')) raw = raw.replace(/\r\n?/g, '\n');
  return raw.includes('&') ? decodeEntities(raw, base) : raw;
}

export class XmlReader {
  /** Element name of the last START or END token. */
  name = '';
  /** Text of the last TEXT token (may come from several runs split by comments or CDATA). */
  text = '';
  private pos = 0;
  private readonly stack: string[] = [];
  private pendingEnd = false;
  private rootSeen = false;

  constructor(
    private readonly s: string,
    private readonly maxDepth: number,
  ) {
    // The whole document must be legal XML characters; checked once (the fast class rarely matches).
    if (SUSPECT_CHAR.test(s)) {
      const m = ILLEGAL_CHAR.exec(s);
      if (m) throw parseError(`illegal XML character U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at offset ${m.index}`);
    }
    if (s.charCodeAt(0) === 0xfeff) this.pos = 1;
    const common = commonDeclAt(s, this.pos);
    if (common > 0) {
      this.pos += common;
    } else if (s.startsWith('<?xml', this.pos) && isWsCode(s.charCodeAt(this.pos + 5))) {
      const m = XML_DECL.exec(s.slice(this.pos, this.pos + 200));
      if (!m) throw parseError('malformed XML declaration');
      this.pos += m[0].length;
    }
  }

  get depth(): number {
    return this.stack.length;
  }

  next(): number {
    if (this.pendingEnd) {
      this.pendingEnd = false;
      this.name = this.stack.pop()!;
      return END;
    }
    if (this.stack.length === 0) return this.outsideRoot();
    const s = this.s;
    const c1 = s.charCodeAt(this.pos + 1);
    if (s.charCodeAt(this.pos) !== 60 || c1 === 33 || c1 === 63) {
      const text = this.readText();
      if (text.length > 0) {
        this.text = text;
        return TEXT;
      }
    }
    return this.tag();
  }

  /**
   * Fast path for the decoder: when the next markup (after inter-element whitespace) is exactly
   * `lit` (e.g. '<member>'), consume it as a START of `name`. Otherwise leave the position alone.
   */
  tryOpen(lit: string, name: string): boolean {
    if (this.pendingEnd || this.stack.length === 0) return false;
    const s = this.s;
    let p = this.pos;
    while (isWsCode(s.charCodeAt(p))) p++;
    if (!s.startsWith(lit, p)) return false;
    this.pos = p + lit.length;
    this.stack.push(name);
    if (this.stack.length > this.maxDepth) this.fail(`XML nesting deeper than ${this.maxDepth} levels`);
    this.name = name;
    return true;
  }

  private fail(what: string): never {
    throw parseError(`${what} at offset ${this.pos}`);
  }

  /** Misc before and after the root element: whitespace and comments only. */
  private outsideRoot(): number {
    const s = this.s;
    for (;;) {
      while (isWsCode(s.charCodeAt(this.pos))) this.pos++;
      if (this.pos >= s.length) {
        if (!this.rootSeen) this.fail('document has no root element');
        return EOF;
      }
      if (s.startsWith('<!--', this.pos)) {
        this.skipComment();
        continue;
      }
      if (this.rootSeen) this.fail('content after the root element');
      if (s.startsWith('<!', this.pos)) this.refuseDeclaration();
      if (s.startsWith('<?', this.pos)) this.fail('processing instructions are not allowed');
      if (s.charCodeAt(this.pos) !== 60) this.fail('text outside the root element');
      this.rootSeen = true;
      return this.tag();
    }
  }

  private refuseDeclaration(): never {
    const s = this.s;
    if (s.startsWith('<!DOCTYPE', this.pos)) this.fail('DTDs are not allowed (<!DOCTYPE)');
    if (s.startsWith('<!ENTITY', this.pos)) this.fail('entity declarations are not allowed (<!ENTITY)');
    this.fail('markup declarations are not allowed');
  }

  private skipComment(): void {
    const end = this.s.indexOf('-->', this.pos + 4);
    if (end < 0) this.fail('unterminated comment');
    if (this.s.slice(this.pos + 4, end).includes('--')) this.fail("'--' inside a comment");
    this.pos = end + 3;
  }

  private readText(): string {
    const s = this.s;
    let out = '';
    for (;;) {
      const lt = s.indexOf('<', this.pos);
      if (lt < 0) this.fail('document ends inside an element (truncated)');
      if (lt > this.pos) out += charData(s.slice(this.pos, lt), this.pos);
      this.pos = lt;
      if (s.startsWith('<!--', lt)) {
        this.skipComment();
      } else if (s.startsWith('<![CDATA[', lt)) {
        const end = s.indexOf(']]>', lt + 9);
        if (end < 0) this.fail('unterminated CDATA section');
        const raw = s.slice(lt + 9, end);
        out += raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
        this.pos = end + 3;
      } else if (s.startsWith('<!', lt)) {
        this.refuseDeclaration();
      } else if (s.startsWith('<?', lt)) {
        this.fail('processing instructions are not allowed');
      } else {
        return out;
      }
    }
  }

  private readName(): string {
    const s = this.s;
    const start = this.pos;
    if ((NAME[s.charCodeAt(start)] & 1) === 0) this.fail('expected an element name');
    let p = start + 1;
    while (NAME[s.charCodeAt(p)]) p++;
    this.pos = p;
    return s.slice(start, p);
  }

  private skipWs(): boolean {
    const start = this.pos;
    while (isWsCode(this.s.charCodeAt(this.pos))) this.pos++;
    return this.pos > start;
  }

  /** At '<': a start tag, an empty-element tag (reported as START then END) or an end tag. */
  private tag(): number {
    const s = this.s;
    this.pos++;
    if (s.charCodeAt(this.pos) === 47) {
      this.pos++;
      const open = this.stack[this.stack.length - 1];
      // Fast path: the end tag names the open element (compared in place, no slice).
      if (open !== undefined && s.startsWith(open, this.pos) && !NAME[s.charCodeAt(this.pos + open.length)]) {
        this.pos += open.length;
      } else {
        const name = this.readName();
        this.fail(`end tag </${name}> does not match <${open}>`);
      }
      this.skipWs();
      if (s.charCodeAt(this.pos) !== 62) this.fail(`malformed end tag </${open}`);
      this.pos++;
      this.stack.pop();
      this.name = open;
      return END;
    }
    const name = this.readName();
    for (;;) {
      const ws = this.skipWs();
      const c = s.charCodeAt(this.pos);
      if (c === 62) {
        this.pos++;
        break;
      }
      if (c === 47 && s.charCodeAt(this.pos + 1) === 62) {
        this.pos += 2;
        this.pendingEnd = true;
        break;
      }
      if (!ws || Number.isNaN(c)) this.fail(`malformed start tag <${name}`);
      this.attribute(name);
    }
    this.stack.push(name);
    if (this.stack.length > this.maxDepth) this.fail(`XML nesting deeper than ${this.maxDepth} levels`);
    this.name = name;
    return START;
  }

  // XML-RPC has no attributes; namespace declarations (Apache's xmlns:ex for <ex:nil/>) are tolerated.
  private attribute(element: string): void {
    const s = this.s;
    const attr = this.readName();
    this.skipWs();
    if (s.charCodeAt(this.pos) !== 61) this.fail(`malformed attribute ${attr} on <${element}>`);
    this.pos++;
    this.skipWs();
    const q = s[this.pos];
    if (q !== '"' && q !== "'") this.fail(`unquoted attribute ${attr} on <${element}>`);
    const end = s.indexOf(q, this.pos + 1);
    if (end < 0) this.fail('unterminated attribute value');
    const value = s.slice(this.pos + 1, end);
    if (value.includes('<')) this.fail(`'<' in attribute ${attr}`);
    if (attr !== 'xmlns' && !attr.startsWith('xmlns:')) this.fail(`attribute ${attr} on <${element}> is not allowed`);
    charData(value, this.pos);
    this.pos = end + 1;
  }
}
