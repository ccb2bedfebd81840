// Golden discovery documents: each folder under test/fixtures/repo/xml holds input.json and the
// exact expected.xml (element names as the stock agent's clients parse them).
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { repoDbToDiscoverXml, reposToDiscoverXml } from '../../../src/core/repo/repo-xml.js';

const dir = path.resolve(import.meta.dirname, '../../fixtures/repo/xml');

for (const name of fs.readdirSync(dir).sort()) {
  t.test(name, async (t) => {
    const { doc, input } = JSON.parse(fs.readFileSync(path.join(dir, name, 'input.json'), 'utf8'));
    const expected = fs.readFileSync(path.join(dir, name, 'expected.xml'), 'utf8');
    const got = doc === 'repositories' ? reposToDiscoverXml(input) : repoDbToDiscoverXml(input);
    t.equal(got, expected);
    // And it is well-formed XML a client can read back.
    const parsed = new XMLParser({ ignoreAttributes: false }).parse(got);
    t.ok(parsed[doc === 'repositories' ? 'Discover_Repositories_Result' : 'Discover_Repository_Db_Result'] !== undefined);
  });
}
