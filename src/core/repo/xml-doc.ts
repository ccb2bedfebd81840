// A tiny XML builder for the repository discovery documents (compact, `<?xml version="1.0" ?>`
// header like the stock agent). Kept small so it can be swapped for src/core/discovery's.
export interface XmlElement {
  name: string;
  attrs?: Record<string, string>;
  children: Array<XmlElement | string>;
}

export function el(name: string, attrs?: Record<string, string> | null, ...children: Array<XmlElement | string | undefined>): XmlElement {
  const e: XmlElement = { name, children: children.filter((c): c is XmlElement | string => c !== undefined) };
  if (attrs) e.attrs = attrs;
  return e;
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;');
}

// XML 1.0 cannot carry most C0 controls even escaped: drop them rather than emit a broken document.
function clean(s: string): string {
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');
}

export function xmlElementToText(e: XmlElement): string {
  const attrs = Object.entries(e.attrs ?? {})
    .map(([k, v]) => ` ${k}="${escapeAttr(clean(v))}"`)
    .join('');
  const inner = e.children.map((c) => (typeof c === 'string' ? escapeText(clean(c)) : xmlElementToText(c))).join('');
  return inner === '' ? `<${e.name}${attrs}/>` : `<${e.name}${attrs}>${inner}</${e.name}>`;
}

export function xmlDocToText(root: XmlElement): string {
  return `<?xml version="1.0" ?>${xmlElementToText(root)}`;
}
