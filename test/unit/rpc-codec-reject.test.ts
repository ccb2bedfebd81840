// What the codec refuses (always PARSE_ERROR, never an expansion) and the spellings it accepts.
import t from 'tap';
import { decodeMethodCall, decodeMethodResponse } from '../../src/rpc/codec/index.js';
import { nullProto } from '../helpers/null-proto.js';

const opts = { maxDepth: 64 };
const call = (inner: string): string => `<?xml version="1.0"?><methodCall><methodName>m</methodName><params>${inner}</params></methodCall>`;
const param = (value: string): string => call(`<param><value>${value}</value></param>`);
const first = (xml: string | Buffer): unknown => decodeMethodCall(xml, opts).params[0];

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<methodCall><methodName>echo</methodName><params><param><value><string>&lol9;</string></value></param></params></methodCall>`;

function nested(depth: number): string {
  return param('<array><data><value>'.repeat(depth) + '1' + '</value></data></array>'.repeat(depth));
}

const rejected: Array<[string, string | Buffer, RegExp]> = [
  ['billion laughs', billionLaughs, /DTD/],
  ['DOCTYPE alone', '<!DOCTYPE methodCall><methodCall><methodName>m</methodName></methodCall>', /DTD/],
  [
    'external entity',
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><methodCall><methodName>m</methodName><params><param><value>&xxe;</value></param></params></methodCall>',
    /DTD/,
  ],
  ['undeclared entity reference', param('<string>&xxe;</string>'), /entity &xxe; is not allowed/],
  ['ENTITY inside content', call('<!ENTITY x "y">'), /entity declarations/],
  ['processing instruction', call('<?php evil ?>'), /processing instructions/],
  ['processing instruction before root', '<?xml version="1.0"?><?xml-stylesheet href="x"?><methodCall/>', /processing instructions/],
  ['XML declaration not first', ' <?xml version="1.0"?><methodCall><methodName>m</methodName></methodCall>', /processing instructions/],
  ['too deep', nested(30), /nesting deeper than 64/],
  ['unclosed element', param('<string>x</value>'), /does not match/],
  ['truncated', param('<string>abc').slice(0, -10), /truncated|does not match/],
  ['truncated in a tag', '<methodCall><methodName>m</method', /malformed|expected|does not match/],
  ['empty document', '', /no root/],
  ['text after the root', '<methodCall><methodName>m</methodName></methodCall>junk', /after the root/],
  ['second root', '<methodCall><methodName>m</methodName></methodCall><methodCall/>', /after the root/],
  ['unknown type tag', param('<float>1.0</float>'), /unknown element <float>/],
  ['unknown wrapper tag', call('<arg><value>1</value></arg>'), /expected <param>/],
  ['attribute', param('<string lang="en">x</string>'), /attribute lang/],
  ['mixed content in value', param('x<int>1</int>'), /mixes text and elements/],
  ['two types in one value', param('<int>1</int><int>2</int>'), /more than one element/],
  ['int not a number', param('<int>abc</int>'), /not an integer/],
  ['int with fraction', param('<int>1.0</int>'), /not an integer/],
  ['int beyond 32 bits', param('<int>2147483648</int>'), /outside 32 bits/],
  ['i4 beyond 32 bits', param('<i4>-2147483649</i4>'), /outside 32 bits/],
  ['i8 beyond 64 bits', param('<i8>9223372036854775808</i8>'), /outside 64 bits/],
  ['empty int', param('<int></int>'), /not an integer/],
  ['boolean 2', param('<boolean>2</boolean>'), /not 0 or 1/],
  ['boolean true', param('<boolean>true</boolean>'), /not 0 or 1/],
  ['boolean with spaces', param('<boolean> 1 </boolean>'), /not 0 or 1/],
  ['base64 bad length', param('<base64>abc</base64>'), /invalid base64/],
  ['base64 bad char', param('<base64>ab@=</base64>'), /invalid base64/],
  ['base64 padding in the middle', param('<base64>ab==abcd</base64>'), /invalid base64/],
  ['double NaN', param('<double>nan</double>'), /not a number/],
  ['double overflow', param('<double>1e999</double>'), /out of range/],
  ['bad dateTime', param('<dateTime.iso8601>yesterday</dateTime.iso8601>'), /not YYYYMMDD/],
  ['impossible dateTime', param('<dateTime.iso8601>20260230T10:00:00</dateTime.iso8601>'), /not a valid date/],
  ['nil with content', param('<nil>x</nil>'), /must be empty/],
  ['struct member without value', param('<struct><member><name>a</name></member></struct>'), /expected <value>/],
  ['struct member value before name', param('<struct><member><value>1</value><name>a</name></member></struct>'), /expected <name>/],
  ['array without data', param('<array><value>1</value></array>'), /expected <data>/],
  ['array self-closed', param('<array/>'), /expected <data>/],
  ['text between elements', call('junk<param><value>1</value></param>'), /unexpected text/],
  ['bad method name', '<methodCall><methodName>rm -rf</methodName></methodCall>', /bad method name/],
  ['illegal character reference', param('<string>&#0;</string>'), /not a legal XML character/],
  ['illegal raw character', param('<string>a\u0001b</string>'), /illegal XML character/],
  ['bare ampersand', param('<string>a & b</string>'), /bare '&'/],
  ['unterminated comment', call('<!-- x'), /unterminated comment/],
  ['invalid UTF-8', Buffer.concat([Buffer.from(param('<string>')), Buffer.from([0xc3, 0x28]), Buffer.from('</string></value></param></params></methodCall>')]), /UTF-8/],
  ['unsupported encoding', '<?xml version="1.0" encoding="UTF-16"?><methodCall/>', /encoding|expected/],
  ['a response is not a call', '<methodResponse><params><param><value>1</value></param></params></methodResponse>', /expected <methodCall>/],
];

t.test('refused documents', async (t) => {
  for (const [name, xml, msg] of rejected) {
    t.throws(() => decodeMethodCall(xml, opts), { code: 'PARSE_ERROR', message: msg }, name);
  }
});

t.test('unsupported encoding in a Buffer body', async (t) => {
  const body = Buffer.from('<?xml version="1.0" encoding="UTF-16"?><methodCall><methodName>m</methodName></methodCall>');
  t.throws(() => decodeMethodCall(body, opts), { code: 'PARSE_ERROR', message: /unsupported XML encoding/ });
});

t.test('depth limit is exact', async (t) => {
  // methodCall/params/param/value = 4 levels, each array adds value/array/data = 3 more... counted per element.
  const doc = nested(2); // deepest: methodCall params param value array data value array data value = 10
  t.doesNotThrow(() => decodeMethodCall(doc, { maxDepth: 10 }));
  t.throws(() => decodeMethodCall(doc, { maxDepth: 9 }), { code: 'PARSE_ERROR', message: /deeper than 9/ });
});

t.test('refused responses', async (t) => {
  const bad: Array<[string, string, RegExp]> = [
    ['two params', '<methodResponse><params><param><value>1</value></param><param><value>2</value></param></params></methodResponse>', /expected <\/params>/],
    ['no params', '<methodResponse><params></params></methodResponse>', /expected <param>/],
    ['fault without code', '<methodResponse><fault><value><struct><member><name>faultString</name><value>x</value></member></struct></value></fault></methodResponse>', /faultCode/],
    ['fault not a struct', '<methodResponse><fault><value>x</value></fault></methodResponse>', /must hold a struct/],
    ['empty', '<methodResponse></methodResponse>', /empty/],
  ];
  for (const [name, xml, msg] of bad) t.throws(() => decodeMethodResponse(xml, opts), { code: 'PARSE_ERROR', message: msg }, name);
});

t.test('accepted spellings', async (t) => {
  const cases: Array<[string, string | Buffer, unknown]> = [
    ['bare text is a string, kept verbatim', param('  spaced  '), '  spaced  '],
    ['empty value is an empty string', param(''), ''],
    ['self-closed value', call('<param><value/></param>'), ''],
    ['self-closed string', param('<string/>'), ''],
    ['whitespace around a typed element', param('\n  <int>3</int>\n'), 3],
    ['i4', param('<i4>-12</i4>'), -12],
    ['int with sign and spaces', param('<int> +12 </int>'), 12],
    ['int leading zeros', param('<int>007</int>'), 7],
    ['i8 small', param('<i8>5</i8>'), 5],
    ['i8 big', param('<i8>-9223372036854775808</i8>'), -(2n ** 63n)],
    ['double with exponent', param('<double>-1.5E3</double>'), -1500],
    ['double integer-looking', param('<double>2</double>'), 2],
    ['nil', param('<nil/>'), null],
    ['ex:nil with its namespace', param('<ex:nil xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions"/>'), null],
    ['nil as start and end tag', param('<nil></nil>'), null],
    ['dateTime Python form', param('<dateTime.iso8601>20261122T15:04:05</dateTime.iso8601>'), new Date(Date.UTC(2026, 10, 22, 15, 4, 5))],
    ['dateTime with dashes and Z', param('<dateTime.iso8601>2026-11-22T15:04:05Z</dateTime.iso8601>'), new Date(Date.UTC(2026, 10, 22, 15, 4, 5))],
    ['dateTime with offset', param('<dateTime.iso8601>2026-11-22T17:04:05+02:00</dateTime.iso8601>'), new Date(Date.UTC(2026, 10, 22, 15, 4, 5))],
    ['dateTime with fraction', param('<dateTime.iso8601>20261122T15:04:05.250Z</dateTime.iso8601>'), new Date(Date.UTC(2026, 10, 22, 15, 4, 5, 250))],
    ['base64 with line breaks (Python)', param('<base64>\naHZh\nZ2VudA==\n</base64>'), Buffer.from('hvagent')],
    ['struct self-closed', param('<struct/>'), {}],
    ['data self-closed', param('<array><data/></array>'), []],
    ['entities and char refs', param('<string>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#x1F680;</string>'), '<>&"\'AB🚀'],
    ['CRLF normalised, &#13; kept', param('<string>a\r\nb\rc&#13;</string>'), 'a\nb\nc\r'],
    ['CDATA', param('<string><![CDATA[<raw> & stuff]]></string>'), '<raw> & stuff'],
    ['comments anywhere', '<!-- a --><methodCall><!-- b --><methodName>m</methodName><params><param><value><string>x<!-- c -->y</string></value></param></params></methodCall><!-- d -->', 'xy'],
    ['BOM and declaration with encoding', '\ufeff<?xml version="1.0" encoding="UTF-8"?>' + param('<int>1</int>').slice(21), 1],
    ['single-quoted declaration (Python)', "<?xml version='1.0'?>\n" + param('<int>1</int>').slice(21), 1],
    ['Latin-1 body', Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?>' + param('<string>Grüße</string>').slice(21), 'latin1'), 'Grüße'],
    ['UTF-8 body', Buffer.from(param('<string>Grüße</string>'), 'utf8'), 'Grüße'],
    ['end tag with space', param('<int>4</int >'), 4],
    ['duplicate member: last wins', param('<struct><member><name>a</name><value>1</value></member><member><name>a</name><value>2</value></member></struct>'), { a: '2' }],
  ];
  for (const [name, xml, v] of cases) t.strictSame(first(xml), nullProto(v), name);
});

t.test('call without params, Python layout', async (t) => {
  t.strictSame(decodeMethodCall("<?xml version='1.0'?>\n<methodCall>\n<methodName>get_api_version</methodName>\n<params>\n</params>\n</methodCall>\n", opts), {
    method: 'get_api_version',
    params: [],
  });
  t.strictSame(decodeMethodCall('<methodCall><methodName>m</methodName></methodCall>', opts), { method: 'm', params: [] });
});

t.test('every truncation of a document is a PARSE_ERROR', async (t) => {
  const doc = call(
    '<param><value><struct><member><name>a&amp;b</name><value><array><data><value><i8>4294967296</i8></value><value><nil/></value><value>txt</value></data></array></value></member></struct></value></param>',
  );
  let refused = 0;
  for (let n = 0; n < doc.length; n++) {
    try {
      decodeMethodCall(doc.slice(0, n), opts);
    } catch (err) {
      if ((err as { code?: string }).code === 'PARSE_ERROR') refused++;
    }
  }
  t.equal(refused, doc.length, 'no prefix decodes, and none fails any other way');
  t.doesNotThrow(() => decodeMethodCall(doc, opts));
});

t.test('mutated documents decode or fail with PARSE_ERROR, nothing else', async (t) => {
  const doc = call('<param><value><struct><member><name>k</name><value><array><data><value><int>1</int></value><value><base64>aHY=</base64></value><value><dateTime.iso8601>20260102T03:04:05</dateTime.iso8601></value></data></array></value></member></struct></value></param>');
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = '<>/&;#x="\' \n\tabz01!?-[]';
  const others: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const chars = doc.split('');
    for (let m = 1 + rand(3); m > 0; m--) chars[rand(chars.length)] = alphabet[rand(alphabet.length)];
    try {
      decodeMethodCall(chars.join(''), opts);
    } catch (err) {
      if ((err as { code?: string }).code !== 'PARSE_ERROR') others.push(String(err));
    }
  }
  t.strictSame(others, []);
});
