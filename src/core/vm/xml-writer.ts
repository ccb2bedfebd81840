// A tiny XML element tree and its escaping, indenting writer (for the XML the agent produces;
// parsing libvirt's own XML is left to fast-xml-parser).

export interface XmlNode {
  tag: string;
  attrs?: Record<string, string | number | undefined>;
  children?: Array<XmlNode | undefined | false | null>;
  text?: string | number;
}

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

export function el(tag: string, attrs?: XmlNode['attrs'], ...children: Array<XmlNode | string | number | undefined | false | null>): XmlNode {
  const kids = children.filter((c) => c !== undefined && c !== false && c !== null);
  if (kids.length === 1 && (typeof kids[0] === 'string' || typeof kids[0] === 'number')) return { tag, attrs, text: kids[0] };
  return { tag, attrs, children: kids.filter((c): c is XmlNode => typeof c === 'object') };
}

export function xmlToText(n: XmlNode, indent = ''): string {
  let a = '';
  for (const [k, v] of Object.entries(n.attrs ?? {})) if (v !== undefined) a += ` ${k}='${xmlEscape(String(v))}'`;
  const kids = (n.children ?? []).filter((c): c is XmlNode => !!c);
  if (n.text !== undefined) return `${indent}<${n.tag}${a}>${xmlEscape(String(n.text))}</${n.tag}>\n`;
  if (kids.length === 0) return `${indent}<${n.tag}${a}/>\n`;
  return `${indent}<${n.tag}${a}>\n${kids.map((k) => xmlToText(k, indent + '  ')).join('')}${indent}</${n.tag}>\n`;
}
