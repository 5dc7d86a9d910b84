// contentful-migration (its library `runMigration`) against the sandbox over https: creates a
// content type with fields and edits an existing one — adds a field and transforms the entries
// of that type only. CommonJS, like tools.cjs. Environment: CMA_HOST (host:port of a
// `sandbox --tls`), CMA_SPACE_ID, CMA_TOKEN; NODE_EXTRA_CA_CERTS must name its certificate.
// Prints one line per check and `N passed, M failed`.
const { runMigration } = require('contentful-migration');
const { createClient } = require('contentful-management');

const env = (k) => { const v = process.env[k]; if (!v) throw new Error(`${k} is not set`); return v; };
const host = env('CMA_HOST'); const spaceId = env('CMA_SPACE_ID'); const accessToken = env('CMA_TOKEN');
let passed = 0; let failed = 0;
const check = (name, ok, detail = '') => {
  if (ok) { passed++; console.log(`ok   ${name}`); } else { failed++; console.log(`FAIL ${name} ${detail}`); }
};

function migrationFunction(migration) {
  const event = migration.createContentType('event').name('Event').displayField('title');
  event.createField('title').name('Title').type('Symbol').required(true);
  event.createField('startsAt').name('Starts at').type('Date');
  const category = migration.editContentType('category');
  category.createField('shortName').name('Short name').type('Symbol');
  migration.transformEntries({
    contentType: 'category', from: ['name'], to: ['shortName'],
    transformEntryForLocale: (fields, locale) => (fields.name && fields.name[locale]
      ? { shortName: fields.name[locale].slice(0, 3).toUpperCase() } : undefined),
  });
}

(async () => {
  const client = createClient({ accessToken, host }, { type: 'plain', defaults: { spaceId, environmentId: 'master' } });
  const before = await client.entry.getMany({ query: { limit: 1000 } });
  try {
    await runMigration({ migrationFunction, spaceId, environmentId: 'master', accessToken, host, yes: true });
    check('runMigration over https succeeds', true);
  } catch (e) {
    check('runMigration over https succeeds', false, `${e.message} ${JSON.stringify(e.errors ?? '').slice(0, 800)}`);
  }
  const types = await client.contentType.getMany({ query: { limit: 100 } });
  const event = types.items.find((t) => t.sys.id === 'event');
  check('the new content type exists with its fields', event && event.fields.map((f) => f.id).join() === 'title,startsAt',
    JSON.stringify(event?.fields));
  check('the new content type is published', Boolean(event?.sys.publishedVersion));
  const category = types.items.find((t) => t.sys.id === 'category');
  check('the edited content type has the new field', category?.fields.some((f) => f.id === 'shortName'));
  const after = await client.entry.getMany({ query: { limit: 1000 } });
  const byId = new Map(before.items.map((e) => [e.sys.id, e]));
  const categories = after.items.filter((e) => e.sys.contentType.sys.id === 'category');
  check('every category entry was transformed', categories.length > 0
    && categories.every((e) => e.fields.shortName?.['en-US'] === e.fields.name['en-US'].slice(0, 3).toUpperCase()),
    JSON.stringify(categories.map((e) => e.fields.shortName)));
  const others = after.items.filter((e) => e.sys.contentType.sys.id !== 'category');
  check('no entry of another type changed', others.every((e) => e.sys.version === byId.get(e.sys.id)?.sys.version));
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
})().catch((e) => { console.log(`crashed: ${e.stack}`); process.exit(2); });
