// The shared discovery XML builder: declaration, escaping, booleans, attributes, empty elements.
import t from 'tap';
import { XMLValidator } from 'fast-xml-parser';
import { el, elAttrs, escapeAttr, escapeText, lowerBool, renderXmlDocument } from '../../../src/core/discovery/xml-doc.js';

t.test('renders the declaration the stock agent sent and nested elements', async (t) => {
  const xml = renderXmlDocument(el('R', el('A', 'x'), el('B', 1), el('C')));
  t.equal(xml, '<?xml version="1.0" ?><R><A>x</A><B>1</B><C/></R>');
});

t.test('booleans are True/False; lowerBool gives true/false for the lowercase fields', async (t) => {
  t.equal(renderXmlDocument(el('R', el('T', true), el('F', false))), '<?xml version="1.0" ?><R><T>True</T><F>False</F></R>');
  t.equal(renderXmlDocument(el('R', lowerBool(true))), '<?xml version="1.0" ?><R>true</R>');
  t.equal(lowerBool(false), 'false');
});

t.test('null and undefined children and attributes are skipped', async (t) => {
  t.equal(renderXmlDocument(elAttrs('R', { a: 1, b: undefined }, null, undefined, 'x')), '<?xml version="1.0" ?><R a="1">x</R>');
});

const texts: Array<[string, string, string]> = [
  ['ampersand and angle brackets', 'R&D <x>', 'R&amp;D &lt;x&gt;'],
  ['control characters dropped', 'a\u0001b\u001fc', 'abc'],
  ['tab and newline kept in text', 'a\tb\nc', 'a\tb\nc'],
  ['unicode kept', 'Zürich – 東京', 'Zürich – 東京'],
];
for (const [name, input, want] of texts) {
  t.test(`text: ${name}`, async (t) => {
    t.equal(escapeText(input), want);
    t.equal(XMLValidator.validate(renderXmlDocument(el('R', input))), true);
  });
}

t.test('attribute values escape quotes and whitespace', async (t) => {
  t.equal(escapeAttr('a "b" & <c>\nd'), 'a &quot;b&quot; &amp; &lt;c&gt;&#10;d');
  const xml = renderXmlDocument(elAttrs('R', { Dir: '/x "y" & z' }));
  t.equal(XMLValidator.validate(xml), true);
});

t.test('invalid element and attribute names are refused', async (t) => {
  t.throws(() => el('1abc'), /invalid XML element name/);
  t.throws(() => el('a b'), /invalid XML element name/);
  t.throws(() => elAttrs('R', { 'x y': 1 }), /invalid XML attribute name/);
});
