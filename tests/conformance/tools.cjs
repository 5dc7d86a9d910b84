// Contentful's own tools against two sandboxes: `contentful-export` of the source (demo space,
// no skips) must succeed, and `contentful-import` of that export into the destination (an empty
// space) must reproduce every content type, locale, entry and asset with its state.
// CommonJS on purpose: contentful-import's ES module build does not load on Node 20.
// Environment: SRC_HOST, SRC_SPACE, DST_HOST, DST_SPACE, CMA_TOKEN, and EXPORT_FILE (optional:
// where to write the export). Prints one line per check
// and `N passed, M failed`; exits non-zero on any failure.
const contentfulExport = require('contentful-export');
const contentfulImport = require('contentful-import');
const { createClient } = require('contentful-management');

const env = (k) => { const v = process.env[k]; if (!v) throw new Error(`${k} is not set`); return v; };
const token = env('CMA_TOKEN');
const src = { host: env('SRC_HOST'), space: env('SRC_SPACE') };
const dst = { host: env('DST_HOST'), space: env('DST_SPACE') };
let passed = 0; let failed = 0;
const check = (name, ok, detail = '') => {
  if (ok) { passed++; console.log(`ok   ${name}`); } else { failed++; console.log(`FAIL ${name} ${detail}`); }
};
const quiet = { useVerboseRenderer: true };

function state(sys) {
  if (sys.archivedVersion) return 'archived';
  if (!sys.publishedVersion) return 'draft';
  return sys.version > sys.publishedVersion + 1 ? 'changed' : 'published';
}

async function census(target) {
  const client = createClient({ accessToken: token, host: target.host, insecure: true }, { type: 'plain',
    defaults: { spaceId: target.space, environmentId: 'master' } });
  const all = async (fn) => { const out = []; for (let skip = 0; ; skip += 100) {
    const page = await fn({ query: { skip, limit: 100 } }); out.push(...page.items);
    if (out.length >= page.total) return out; } };
  const entries = await all((p) => client.entry.getMany(p));
  const assets = await all((p) => client.asset.getMany(p));
  const types = await client.contentType.getMany({ query: { limit: 100 } });
  const locales = await client.locale.getMany({ query: { limit: 100 } });
  const count = (items) => items.reduce((acc, e) => {
    const s = state(e.sys) === 'changed' ? 'published' : state(e.sys); acc[s] = (acc[s] || 0) + 1; return acc; }, {});
  return {
    entries: count(entries), assets: count(assets),
    entryIds: entries.map((e) => e.sys.id).sort().join(','),
    types: types.items.map((t) => `${t.sys.id}:${t.fields.length}:${t.sys.publishedVersion ? 'published' : 'draft'}`).sort().join(','),
    locales: locales.items.map((l) => `${l.code}${l.default ? '*' : ''}`).sort().join(','),
  };
}

(async () => {
  let exported;
  try {
    exported = await contentfulExport({ spaceId: src.space, environmentId: 'master', managementToken: token,
      host: src.host, insecure: true, saveFile: false, includeDrafts: true, includeArchived: true, ...quiet });
    check('contentful-export with no skips succeeds', true);
    // The Rust side loads this file with `--seed-file` and compares.
    if (process.env.EXPORT_FILE) require('fs').writeFileSync(process.env.EXPORT_FILE, JSON.stringify(exported, null, 2));
  } catch (e) {
    check('contentful-export with no skips succeeds', false, e.message);
    console.log(`${passed} passed, ${failed} failed`); process.exit(1);
  }
  for (const key of ['contentTypes', 'editorInterfaces', 'entries', 'assets', 'locales', 'webhooks', 'roles', 'tags']) {
    check(`export has ${key}`, Array.isArray(exported[key]), typeof exported[key]);
  }
  // Webhooks and roles belong to the space, not to its content: leave them out, as a rehearsal would.
  const content = { ...exported, webhooks: [], roles: [] };
  try {
    await contentfulImport({ spaceId: dst.space, environmentId: 'master', managementToken: token,
      host: dst.host, insecure: true, content, ...quiet });
    check('contentful-import into an empty sandbox succeeds', true);
  } catch (e) {
    const errors = (e.errors || []).slice(0, 5).map((x) => x.error?.message || String(x)).join(' | ');
    check('contentful-import into an empty sandbox succeeds', false, `${e.message}: ${errors}`);
  }
  const [before, after] = [await census(src), await census(dst)];
  for (const key of ['types', 'locales', 'entryIds']) {
    check(`import reproduces ${key}`, before[key] === after[key], `${before[key]} ≠ ${after[key]}`);
  }
  for (const key of ['entries', 'assets']) {
    const sorted = (counts) => JSON.stringify(Object.entries(counts).sort());
    check(`import reproduces ${key} by state`, sorted(before[key]) === sorted(after[key]),
      `${sorted(before[key])} ≠ ${sorted(after[key])}`);
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
})().catch((e) => { console.log(`crashed: ${e.stack}`); process.exit(2); });
