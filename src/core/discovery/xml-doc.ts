// The small XML document builder every discover_* method shares: an element tree rendered to
// `<?xml version="1.0" ?><Root>...</Root>` with text and attributes escaped.

/** What may appear inside an element: null/undefined children are skipped. */
export type XmlChild = XmlElement | string | number | bigint | boolean | null | undefined;

export interface XmlElement {
  readonly name: string;
  readonly attrs?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly children: readonly XmlChild[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * One element. Booleans render as the wire's `True`/`False`; for the few fields that want
 * lowercase (`Is_Current_Master`) pass the string yourself (see `lowerBool`).
 */
export function el(name: string, ...children: XmlChild[]): XmlElement {
  return elAttrs(name, undefined, ...children);
}

/** An element with attributes (undefined attribute values are left out). */
export function elAttrs(
  name: string,
  attrs: Record<string, string | number | boolean | undefined> | undefined,
  ...children: XmlChild[]
): XmlElement {
  if (!NAME.test(name)) throw new Error(`invalid XML element name: ${name}`);
  for (const k of Object.keys(attrs ?? {})) if (!NAME.test(k)) throw new Error(`invalid XML attribute name: ${k}`);
  return { name, attrs, children };
}

/** `true`/`false`, for the fields the wire API spells in lowercase. */
export function lowerBool(b: boolean): string {
  return b ? 'true' : 'false';
}

// XML 1.0 cannot carry most control characters even escaped: drop them rather than emit a
// document the manager's parser rejects (they only appear in junk DMI strings).
const INVALID_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function escapeText(s: string): string {
  return s.replace(INVALID_CHARS, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

function scalar(v: string | number | bigint | boolean): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

function renderElement(e: XmlElement, out: string[]): void {
  out.push('<', e.name);
  for (const [k, v] of Object.entries(e.attrs ?? {})) {
    if (v === undefined) continue;
    out.push(' ', k, '="', escapeAttr(scalar(v)), '"');
  }
  const kids = e.children.filter((c) => c !== null && c !== undefined);
  if (kids.length === 0) {
    out.push('/>');
    return;
  }
  out.push('>');
  for (const c of kids) {
    if (typeof c === 'object') renderElement(c as XmlElement, out);
    else out.push(escapeText(scalar(c as string | number | bigint | boolean)));
  }
  out.push('</', e.name, '>');
}

/** Render a whole document, with the declaration the stock agent sent. */
export function renderXmlDocument(root: XmlElement): string {
  const out: string[] = ['<?xml version="1.0" ?>'];
  renderElement(root, out);
  return out.join('');
}
