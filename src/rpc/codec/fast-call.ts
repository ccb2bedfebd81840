// A fast reader for the shape most calls have: a method name and scalar parameters (string,
// plain text, int/i4, boolean), elements separated only by whitespace, no entities, comments,
// CDATA or carriage returns in text. It answers undefined for anything else, and the full
// decoder then reads the document (and accepts or refuses it). It never accepts what the full
// decoder refuses, and gives the same values: test/unit/rpc-codec-fast.test.ts checks both on
// thousands of generated and mutated documents.
//
// Anchored (sticky) regular expressions: V8 compiles them to native code, and they cost a
// third of the same checks written as startsWith calls.
import type { MethodCall, XmlRpcValue } from './types.js';
import { SUSPECT_CHAR } from './xml-reader.js';

/** The fast shape nests five deep: methodCall > params > param > value > string. */
const FAST_DEPTH = 5;

// XML whitespace only: \s would also take Unicode spaces, which XML does not skip.
const WS = '[ \\t\\r\\n]*';
const DECL = `<\\?xml version=(?:"1\\.0"(?: encoding="UTF-8")?|'1\\.0')\\?>`;
const HEAD = new RegExp(`(?:${DECL})?${WS}<methodCall>${WS}<methodName>([A-Za-z0-9_.:/]+)</methodName>${WS}`, 'y');
// A 32-bit int written plainly: no sign other than '-', no leading zero, no "-0".
const INT = '-?[1-9][0-9]{0,8}|0';
const PARAM = new RegExp(
  `<param>${WS}<value>(?:<string>([^<&\\r]*)</string>${WS}|([^<&\\r]*)|<int>(${INT})</int>${WS}|<i4>(${INT})</i4>${WS}|<boolean>([01])</boolean>${WS})</value>${WS}</param>${WS}`,
  'y',
);
const PARAMS_OPEN = new RegExp(`<params>${WS}`, 'y');
const TAIL_PARAMS = new RegExp(`</params>${WS}</methodCall>${WS}$`, 'y');
const TAIL = new RegExp(`</methodCall>${WS}$`, 'y');

/** Text that the full decoder would read differently (or refuse) is left to it. */
function plain(t: string): boolean {
  return !t.includes(']]>') && !SUSPECT_CHAR.test(t);
}

/** The call in `s`, when it has the fast shape; undefined otherwise (not an error). */
export function fastDecodeCall(s: string, maxDepth: number): MethodCall | undefined {
  if (maxDepth < FAST_DEPTH) return undefined;
  HEAD.lastIndex = 0;
  const head = HEAD.exec(s);
  if (!head) return undefined;
  let p = HEAD.lastIndex;
  const params: XmlRpcValue[] = [];
  let tail = TAIL;
  PARAMS_OPEN.lastIndex = p;
  if (PARAMS_OPEN.test(s)) {
    p = PARAMS_OPEN.lastIndex;
    tail = TAIL_PARAMS;
    for (;;) {
      PARAM.lastIndex = p;
      const m = PARAM.exec(s);
      if (!m) break;
      p = PARAM.lastIndex;
      let v: XmlRpcValue;
      if (m[1] !== undefined || m[2] !== undefined) {
        const t = m[1] ?? m[2];
        if (!plain(t)) return undefined;
        v = t;
      } else if (m[3] !== undefined || m[4] !== undefined) {
        v = Number(m[3] ?? m[4]);
      } else {
        v = m[5] === '1';
      }
      params.push(v);
    }
  }
  tail.lastIndex = p;
  if (!tail.test(s)) return undefined;
  return { method: head[1], params };
}
