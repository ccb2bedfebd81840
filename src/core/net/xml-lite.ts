// discover_network's element helper: the `x(name, attrs?, children|text)` shorthand over the
// shared discovery document builder (src/core/discovery/xml-doc.ts), which renders and escapes.
import { elAttrs, renderXmlDocument, type XmlElement } from '../discovery/xml-doc.js';

export type XNode = XmlElement;

export function x(name: string, attrsOrChildren?: Record<string, string> | XNode[] | string, children?: XNode[] | string): XNode {
  const plain = Array.isArray(attrsOrChildren) || typeof attrsOrChildren === 'string';
  const attrs = plain ? undefined : attrsOrChildren;
  const kids = plain ? attrsOrChildren : children;
  return typeof kids === 'string' ? elAttrs(name, attrs, kids) : elAttrs(name, attrs, ...(kids ?? []));
}

export const xmlDocument = renderXmlDocument;
