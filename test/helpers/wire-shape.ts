// The shape of an XML-RPC answer, read from the raw methodResponse text (so <int> and <i8>
// stay apart): value types, struct keys, array element shapes, and for a string that holds an
// XML document its element paths. Golden tests compare a captured real-agent answer with ours.
import { XMLParser } from 'fast-xml-parser';

type Node = Record<string, unknown>;

const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, trimValues: false });

const tagOf = (n: Node): string => Object.keys(n).find((k) => k !== ':@') ?? '';
const kids = (n: Node): Node[] => (n[tagOf(n)] as Node[]) ?? [];
const elems = (ns: Node[]): Node[] => ns.filter((n) => tagOf(n) !== '#text');
const text = (ns: Node[]): string => ns.map((n) => (tagOf(n) === '#text' ? String(n['#text']) : text(kids(n)))).join('');

/** One line per thing a client can read: `path: type`. Repeated siblings collapse. */
export type Shape = Set<string>;

function valueShape(value: Node[], path: string, out: Shape): void {
  const inner = elems(value)[0];
  if (!inner) {
    out.add(`${path}: string`);
    return;
  }
  const tag = tagOf(inner);
  switch (tag) {
    case 'struct':
      out.add(`${path}: struct`);
      for (const m of elems(kids(inner))) {
        const mk = elems(kids(m));
        const name = text(kids(mk.find((n) => tagOf(n) === 'name') ?? { name: [] }));
        valueShape(kids(mk.find((n) => tagOf(n) === 'value') ?? { value: [] }), `${path}.${name}`, out);
      }
      return;
    case 'array': {
      out.add(`${path}: array`);
      const data = elems(kids(inner))[0];
      for (const v of elems(data ? kids(data) : [])) valueShape(kids(v), `${path}[]`, out);
      return;
    }
    case 'string': {
      const s = text(kids(inner));
      if (s.trimStart().startsWith('<?xml')) xmlShape(s, `${path}<xml>`, out);
      else out.add(`${path}: string`);
      return;
    }
    case 'int':
    case 'i4':
      out.add(`${path}: int`);
      return;
    default:
      out.add(`${path}: ${tag}`);
  }
}

function elementShape(n: Node, path: string, out: Shape): void {
  const p = `${path}/${tagOf(n)}`;
  for (const a of Object.keys((n[':@'] as Node | undefined) ?? {})) out.add(`${p}/${a}`);
  const children = elems(kids(n));
  // Leaf or not matters: CloudStack's xmlToMap reads only elements with at most one child node.
  out.add(`${p}: ${children.length ? 'element' : 'text'}`);
  for (const c of children) elementShape(c, p, out);
}

/** The element paths of an XML document (`/Root/Child/@Attr`, `/Root/Child: text|element`). */
export function xmlShape(doc: string, prefix: string, out: Shape = new Set()): Shape {
  const roots = elems(parser.parse(doc) as Node[]).filter((n) => !tagOf(n).startsWith('?'));
  for (const r of roots) elementShape(r, prefix, out);
  return out;
}

/** The shape of a methodResponse body's single value. */
export function responseShape(body: string): Shape {
  const out: Shape = new Set();
  const doc = elems(parser.parse(body) as Node[]).find((n) => tagOf(n) === 'methodResponse');
  if (!doc) throw new Error('not a methodResponse');
  const params = elems(kids(doc))[0];
  if (!params || tagOf(params) !== 'params') throw new Error('a fault, not an answer');
  const value = elems(kids(elems(kids(params))[0]))[0];
  valueShape(kids(value), '$', out);
  return out;
}

/** Lines of the captured shape ours lacks or types differently, less the exempted ones. */
export function missingFrom(ours: Shape, captured: Shape, exempt: readonly string[] = []): string[] {
  return [...captured].filter((l) => !ours.has(l) && !exempt.some((e) => l === e || l.startsWith(`${e}/`) || l.startsWith(`${e}:`) || l.startsWith(`${e}.`) || l.startsWith(`${e}[`)));
}
