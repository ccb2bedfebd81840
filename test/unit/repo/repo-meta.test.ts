// The .ovsrepo metadata file: round trips, unknown keys kept, bad files refused.
import t from 'tap';
import { repoMetaToText, textToRepoMeta, type RepoMeta } from '../../../src/core/repo/repo-meta.js';

const meta: RepoMeta = {
  uuid: 'f12842ebf5ed3fe78da1eb0e17f5ede8',
  alias: 'OVS Repository = main',
  managerUuid: 'd1a749d4295041fb99854f52ea4dea97',
  version: '3.0',
};

t.test('render is KEY=value lines in a fixed order', async (t) => {
  t.equal(
    repoMetaToText(meta),
    'OVS_REPO_UUID=f12842ebf5ed3fe78da1eb0e17f5ede8\nOVS_REPO_ALIAS=OVS Repository = main\nOVS_REPO_MGR_UUID=d1a749d4295041fb99854f52ea4dea97\nOVS_REPO_VERSION=3.0\n',
  );
});

t.test('round trip, including unknown keys', async (t) => {
  t.same(textToRepoMeta(repoMetaToText(meta)), meta);
  const withExtra = { ...meta, extra: { OVS_REPO_FS_UUID: 'abc' } };
  t.same(textToRepoMeta(repoMetaToText(withExtra)), withExtra);
});

t.test('parse tolerates comments, blank lines, CRLF and a missing version', async (t) => {
  const m = textToRepoMeta('# stock\r\n\r\nOVS_REPO_UUID=abc\r\nOVS_REPO_ALIAS=x\r\n');
  t.same(m, { uuid: 'abc', alias: 'x', managerUuid: '', version: '3.0' });
});

t.test('refusals', async (t) => {
  const cases: Array<[string, string]> = [
    ['no uuid', 'OVS_REPO_ALIAS=x\n'],
    ['uuid with slash', 'OVS_REPO_UUID=a/b\n'],
    ['uuid dot-dot', 'OVS_REPO_UUID=..\n'],
    ['not key=value', 'OVS_REPO_UUID=abc\ngarbage\n'],
  ];
  for (const [name, text] of cases) t.throws(() => textToRepoMeta(text), { code: 'REPO_INVALID' }, name);
  t.throws(() => repoMetaToText({ ...meta, alias: 'two\nlines' }), { code: 'REPO_INVALID' });
});
