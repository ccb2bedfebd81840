// Lossless reader/writer of Xen `xm` vm.cfg text: Python-like `key = value` lines with strings,
// numbers, True/False/None and (multi-line) lists. Untouched lines are written back byte for byte.
import { fail } from '../errors.js';

export type CfgValue = string | number | boolean | null | CfgValue[];

interface RawEntry {
  kind: 'raw';
  /** Comment or blank lines, including their newlines. */
  text: string;
}

interface AssignEntry {
  kind: 'assign';
  key: string;
  value: CfgValue;
  /** Original source of the assignment (with its trailing newline); undefined once edited. */
  text: string | undefined;
}

export type CfgEntry = RawEntry | AssignEntry;

export interface VmCfgDoc {
  entries: CfgEntry[];
}

const KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

class Reader {
  pos = 0;
  constructor(readonly src: string, readonly line: () => number) {}

  peek(): string {
    return this.src[this.pos] ?? '';
  }

  err(msg: string): never {
    throw fail('VM_BAD_CONFIG', `vm.cfg line ${this.line()}: ${msg}`);
  }

  /** Skips spaces, and (inside lists) newlines and comments. */
  skip(multiline: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r') this.pos++;
      else if (multiline && c === '\n') this.pos++;
      else if (multiline && c === '\\' && this.src[this.pos + 1] === '\n') this.pos += 2;
      else if (multiline && c === '#') {
        while (this.pos < this.src.length && this.peek() !== '\n') this.pos++;
      } else return;
    }
  }

  value(multiline: boolean): CfgValue {
    this.skip(multiline);
    const c = this.peek();
    if (c === '[' || c === '(') return this.list(c === '[' ? ']' : ')');
    if (c === "'" || c === '"') return this.string();
    const m = /^[^\s,\])#]+/.exec(this.src.slice(this.pos));
    if (!m) this.err('expected a value');
    const tok = m[0];
    this.pos += tok.length;
    if (tok === 'True') return true;
    if (tok === 'False') return false;
    if (tok === 'None') return null;
    if (/^[+-]?\d+$/.test(tok)) return parseInt(tok, 10);
    if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(tok)) return parseInt(tok, 16);
    if (/^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$/.test(tok)) return parseFloat(tok);
    return this.err(`unexpected token ${JSON.stringify(tok)}`);
  }

  list(close: string): CfgValue[] {
    this.pos++;
    const out: CfgValue[] = [];
    for (;;) {
      this.skip(true);
      if (this.peek() === close) {
        this.pos++;
        return out;
      }
      if (this.pos >= this.src.length) this.err(`unterminated list (missing ${close})`);
      out.push(this.value(true));
      this.skip(true);
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== close) this.err(`expected ',' or '${close}' in a list`);
    }
  }

  string(): string {
    const q = this.peek();
    const triple = this.src.startsWith(q.repeat(3), this.pos);
    this.pos += triple ? 3 : 1;
    let out = '';
    for (;;) {
      if (this.pos >= this.src.length) this.err('unterminated string');
      const c = this.src[this.pos];
      if (triple ? this.src.startsWith(q.repeat(3), this.pos) : c === q) {
        this.pos += triple ? 3 : 1;
        break;
      }
      if (c === '\n' && !triple) this.err('newline inside a string');
      if (c === '\\') {
        const n = this.src[this.pos + 1] ?? '';
        this.pos += 2;
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', '\n': '' };
        if (n in simple) out += simple[n];
        else if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(this.src.slice(this.pos, this.pos + 2))) {
          out += String.fromCharCode(parseInt(this.src.slice(this.pos, this.pos + 2), 16));
          this.pos += 2;
        } else out += '\\' + n; // Python keeps unknown escapes verbatim
        continue;
      }
      out += c;
      this.pos++;
    }
    // Python concatenates adjacent string literals.
    const save = this.pos;
    this.skip(false);
    if (this.peek() === "'" || this.peek() === '"') return out + this.string();
    this.pos = save;
    return out;
  }
}

/** Parses vm.cfg text; a syntax error is VM_BAD_CONFIG with the line number. */
export function textToVmCfg(text: string): VmCfgDoc {
  const entries: CfgEntry[] = [];
  let raw = '';
  let pos = 0;
  const lineAt = (p: number) => text.slice(0, p).split('\n').length;
  while (pos < text.length) {
    const eol = text.indexOf('\n', pos);
    const lineEnd = eol < 0 ? text.length : eol + 1;
    const line = text.slice(pos, lineEnd);
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      raw += line;
      pos = lineEnd;
      continue;
    }
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    if (!m) throw fail('VM_BAD_CONFIG', `vm.cfg line ${lineAt(pos)}: expected 'key = value'`);
    const r: Reader = new Reader(text, (): number => lineAt(r.pos));
    r.pos = pos + m[0].length;
    const value = r.value(false);
    r.skip(false);
    if (r.peek() === '#') while (r.pos < text.length && r.peek() !== '\n') r.pos++;
    if (r.peek() === ';') r.pos++;
    r.skip(false);
    if (r.pos < text.length && r.peek() !== '\n') r.err('unexpected text after the value');
    const end = r.pos < text.length ? r.pos + 1 : r.pos;
    if (raw) entries.push({ kind: 'raw', text: raw });
    raw = '';
    entries.push({ kind: 'assign', key: m[1], value, text: text.slice(pos, end) });
    pos = end;
  }
  if (raw) entries.push({ kind: 'raw', text: raw });
  return { entries };
}

function quote(s: string): string {
  let out = "'";
  for (const c of s) {
    if (c === '\\') out += '\\\\';
    else if (c === "'") out += "\\'";
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c < ' ' || c === '\x7f') out += '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0');
    else out += c;
  }
  return out + "'";
}

export function cfgValueToText(v: CfgValue): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw fail('VM_BAD_CONFIG', `not a finite number: ${v}`);
    return String(v);
  }
  if (typeof v === 'string') return quote(v);
  return '[' + v.map(cfgValueToText).join(', ') + ']';
}

/** Writes the document back; unedited assignments and all comments keep their original text. */
export function vmCfgToText(doc: VmCfgDoc): string {
  let out = '';
  for (const e of doc.entries) {
    if (e.kind === 'raw') out += e.text;
    else {
      if (out && !out.endsWith('\n')) out += '\n';
      out += e.text ?? `${e.key} = ${cfgValueToText(e.value)}\n`;
    }
  }
  return out;
}

/** Python semantics: the last assignment of a key is the one that counts. */
function lastIndexOf(doc: VmCfgDoc, key: string): number {
  for (let i = doc.entries.length - 1; i >= 0; i--) {
    const e = doc.entries[i];
    if (e.kind === 'assign' && e.key === key) return i;
  }
  return -1;
}

export function cfgGet(doc: VmCfgDoc, key: string): CfgValue | undefined {
  const i = lastIndexOf(doc, key);
  return i < 0 ? undefined : (doc.entries[i] as AssignEntry).value;
}

function sameValue(a: CfgValue, b: CfgValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Sets one key (appended when new); `undefined` removes it. Returns the same doc. */
export function cfgSet(doc: VmCfgDoc, key: string, value: CfgValue | undefined): VmCfgDoc {
  if (!KEY_RE.test(key)) throw fail('VM_BAD_CONFIG', `invalid vm.cfg key ${JSON.stringify(key)}`);
  const idx = lastIndexOf(doc, key);
  if (value === undefined) {
    // Python keeps the last assignment of a key; drop every one of them.
    doc.entries = doc.entries.filter((x) => !(x.kind === 'assign' && x.key === key));
    return doc;
  }
  if (idx < 0) {
    doc.entries.push({ kind: 'assign', key, value, text: undefined });
    return doc;
  }
  const e = doc.entries[idx] as AssignEntry;
  if (!sameValue(e.value, value)) {
    e.value = value;
    e.text = undefined;
  }
  return doc;
}

/** All keys and values (last assignment wins, as in Python). */
export function vmCfgToObject(doc: VmCfgDoc): Record<string, CfgValue> {
  const out: Record<string, CfgValue> = {};
  for (const e of doc.entries) if (e.kind === 'assign') out[e.key] = e.value;
  return out;
}

/** A fresh document from a struct (create_vm), keys in the caller's order. */
export function objectToVmCfg(obj: Record<string, CfgValue>): VmCfgDoc {
  const doc: VmCfgDoc = { entries: [] };
  for (const [k, v] of Object.entries(obj)) cfgSet(doc, k, v);
  return doc;
}

/** Replaces the whole content with `obj`: kept keys keep their place and comments, others go. */
export function cfgReplaceAll(doc: VmCfgDoc, obj: Record<string, CfgValue>): VmCfgDoc {
  for (const e of [...doc.entries]) if (e.kind === 'assign' && !(e.key in obj)) cfgSet(doc, e.key, undefined);
  for (const [k, v] of Object.entries(obj)) cfgSet(doc, k, v);
  return doc;
}
