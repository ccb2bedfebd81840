// A tiny XML builder private to the network area (discover_network); the shared discovery
// document builder can replace it later.
export type XNode = { name: string; attrs?: Record<string, string>; children?: XNode[]; text?: string };

export function x(name: string, attrsOrChildren?: Record<string, string> | XNode[] | string, children?: XNode[] | string): XNode {
  const node: XNode = { name };
  const put = (v: XNode[] | string | undefined) => {
    if (typeof v === 'string') node.text = v;
    else if (v) node.children = v;
  };
  if (Array.isArray(attrsOrChildren) || typeof attrsOrChildren === 'string') put(attrsOrChildren);
  else {
    if (attrsOrChildren) node.attrs = attrsOrChildren;
    put(children);
  }
  return node;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function render(n: XNode, out: string[]): void {
  const attrs = Object.entries(n.attrs ?? {})
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
  if (n.text !== undefined) out.push(`<${n.name}${attrs}>${escapeXml(n.text)}</${n.name}>`);
  else if (n.children?.length) {
    out.push(`<${n.name}${attrs}>`);
    for (const c of n.children) render(c, out);
    out.push(`</${n.name}>`);
  } else out.push(`<${n.name}${attrs}/>`);
}

export function xmlDocument(root: XNode): string {
  const out: string[] = ['<?xml version="1.0" ?>'];
  render(root, out);
  return out.join('');
}
