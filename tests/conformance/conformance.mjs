// Conformance run: drives Contentful's official `contentful-management` SDK (v12) against the
// Release Desk CMA sandbox and prints one TAP-like line per check.
//   CMA_HOST=127.0.0.1:43121 CMA_TOKEN=... CMA_SPACE_ID=... [CMA_ENVIRONMENT=master] [CMA_TRACE=1] npm test
// Almost every call goes through the plain client. Only the nested ("legacy") client has the SDK's
// own action poller (`waitProcessing()` on ReleaseAction/BulkAction entities, `Release#publish()`);
// it is reached through GET /spaces/{s} and GET /spaces/{s}/environments/{e}.
import { createClient, fetchAll, isPublished } from 'contentful-management';

const env = process.env;
const host = (env.CMA_HOST || '').replace(/^https?:\/\//, '').replace(/\/+$/, '');
if (!host || !env.CMA_TOKEN || !env.CMA_SPACE_ID) {
  console.error('conformance: set CMA_HOST (host:port, no scheme), CMA_TOKEN and CMA_SPACE_ID; nothing was run.');
  process.exit(2);
}
// contentful-sdk-core silently falls back to api.contentful.com when `host` does not match this.
if (!/^(?!\w+:\/\/)([^\s:]+\.?[^\s:]+)(?::(\d+))?(?!:)$/.test(host)) {
  console.error(`conformance: CMA_HOST "${host}" is not host[:port]; refusing to fall back to api.contentful.com.`);
  process.exit(2);
}
const spaceId = env.CMA_SPACE_ID;
const environmentId = env.CMA_ENVIRONMENT || 'master';
const trace = env.CMA_TRACE ? (line) => console.error(`# ${line}`) : () => {};
const clientParams = {
  accessToken: env.CMA_TOKEN,
  host, // "host:port" is parsed by contentful-sdk-core; there is no separate `port` option
  insecure: true, // http:// instead of https:// (default port would be 80 instead of 443)
  logHandler: (level, data) => console.error(`# [${level}] ${data?.message ?? data}`),
  requestLogger: (c) => c?.method && trace(`-> ${c.method.toUpperCase()} ${c.url} ${c.params ? JSON.stringify(c.params) : ''}`),
  responseLogger: (r) => trace(`<- ${r?.status ?? r?.response?.status ?? r?.code} ${r?.config?.url ?? ''}`),
};
const client = createClient(clientParams, { type: 'plain', defaults: { spaceId, environmentId } });

// ---------------------------------------------------------------------------------------------
let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    const note = await fn();
    passed += 1;
    console.log(`ok - ${name}${note ? ` # ${note}` : ''}`);
    return true;
  } catch (e) {
    failed += 1;
    console.log(`not ok - ${name}: ${describe(e)}`);
    return false;
  }
}
function describe(e) {
  if (e?.name === 'AsyncActionFailedError' || e?.name === 'AsyncActionProcessingError') {
    return `${e.name}: ${e.message} ${JSON.stringify(e.action?.error ?? e.action?.sys ?? null).slice(0, 600)}`;
  }
  try {
    const d = JSON.parse(e.message); // SDK HTTP errors: name = body sys.id, message = JSON summary
    return `${e.name} (HTTP ${d.status}) ${d.message} [${d.request?.method?.toUpperCase()} ${d.request?.url}] ${JSON.stringify(d.details).slice(0, 400)}`;
  } catch {
    return `${e?.name ?? 'Error'}: ${e?.message ?? e}${e?.code ? ` (${e.code})` : ''}`;
  }
}
const assert = (cond, msg) => { if (!cond) throw new Error(msg); };
const eq = (actual, expected, what) => assert(actual === expected, `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
function need(value, what) { // a check whose input an earlier check failed to produce fails fast
  if (value === undefined || value === null) throw new Error(`skipped: needs ${what} from an earlier check`);
  return value;
}
async function expectError(promise, name, status) {
  const err = await promise.then(() => null, (e) => e);
  assert(err, `expected ${status} ${name}, but the call succeeded`);
  let got = {};
  try { got = JSON.parse(err.message); } catch { /* not an HTTP error */ }
  assert(err.name === name && got.status === status, `expected ${status} ${name}, got ${describe(err)}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const link = (linkType, id) => ({ sys: { type: 'Link', linkType, id } });
const ids = (items) => items.map((i) => i.sys.id);
const inHours = (h) => new Date(Date.now() + h * 3600e3).toISOString().replace(/\.\d{3}Z$/, '.000Z');

// The SDK's own poller (methods/action.ts pollAsyncActionStatus) is only reachable through the
// nested client's entity wrappers. If GET /spaces/{s}/environments/{e} is not served, fall back to a
// local copy of its algorithm so the remaining checks still say something (that check still fails).
let legacyEnv = null;
async function pollLikeSdk(get) {
  await sleep(1000);
  for (let i = 0; i < 30; i += 1) {
    const a = await get();
    if (a.sys.status === 'failed') throw Object.assign(new Error('failed'), { name: 'AsyncActionFailedError', action: a });
    if (a.sys.status === 'succeeded') return a;
    await sleep(2000);
  }
  throw Object.assign(new Error('timeout'), { name: 'AsyncActionProcessingError' });
}
const waitReleaseAction = (releaseId, actionId) => legacyEnv
  ? legacyEnv.getReleaseAction({ releaseId, actionId }).then((a) => a.waitProcessing())
  : pollLikeSdk(() => client.releaseAction.get({ releaseId, actionId }));
const waitBulkAction = (bulkActionId) => legacyEnv
  ? legacyEnv.getBulkAction(bulkActionId).then((b) => b.waitProcessing())
  : pollLikeSdk(() => client.bulkAction.get({ bulkActionId }));

// ---------------------------------------------------------------------------------------------
const s = { entries: [], releases: [] }; // state shared between checks
console.log(`# sandbox http://${host}  space=${spaceId}  environment=${environmentId}`);

// a. content model and entries
const modelOk = await check('contentType.getMany lists category, author, article, landingPage', async () => {
  const res = await client.contentType.getMany({ query: { limit: 100 } });
  for (const id of ['category', 'author', 'article', 'landingPage']) assert(ids(res.items).includes(id), `missing content type ${id}`);
  const cat = res.items.find((ct) => ct.sys.id === 'category');
  for (const f of ['name', 'slug']) {
    const field = cat.fields.find((x) => x.id === f);
    assert(field && field.type === 'Symbol' && field.required === true, `category.${f} must be a required Symbol`);
  }
  return `${res.items.length} content types`;
});
const entriesOk = modelOk && await check('entry.getMany finds two published, valid category entries', async () => {
  const res = await client.entry.getMany({ query: { content_type: 'category', limit: 100 } });
  assert(typeof res.total === 'number' && typeof res.skip === 'number' && typeof res.limit === 'number', 'offset collection needs total/skip/limit');
  const good = res.items.filter((e) => e.sys.contentType.sys.id === 'category' && isPublished(e)
    && !e.sys.archivedVersion && e.fields.name && e.fields.slug);
  assert(good.length >= 2, `only ${good.length} published category entries with name and slug`);
  s.entries = good.slice(0, 2);
  return ids(s.entries).join(', ');
});
if (!entriesOk) {
  console.log('Bail out! the content model or the demo entries are not available');
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(1);
}
const entryLinks = () => s.entries.map((e) => link('Entry', e.sys.id));

// b. release CRUD and query
await check('release.create from the two entries', async () => {
  const r = await client.release.create({}, { title: `Conformance ${new Date().toISOString()}`, entities: { sys: { type: 'Array' }, items: entryLinks() } });
  s.release = r;
  s.releases.push(r.sys.id);
  eq(r.sys.type, 'Release', 'sys.type'); eq(r.sys.status, 'active', 'sys.status');
  assert(Number.isInteger(r.sys.version), 'sys.version must be an integer');
  eq(r.sys.environment?.sys?.id, environmentId, 'sys.environment.sys.id'); eq(r.sys.space?.sys?.id, spaceId, 'sys.space.sys.id');
  eq(JSON.stringify(ids(r.entities.items)), JSON.stringify(ids(s.entries)), 'entities');
  return r.sys.id;
});
await check('release.create a second release (for paging and archiving)', async () => {
  const r = await client.release.create({}, { title: `Conformance second ${Date.now()}`, entities: { sys: { type: 'Array' }, items: entryLinks().slice(0, 1) } });
  s.releases.push(r.sys.id);
  s.second = r;
});
await check('release.get', async () => {
  const r = await client.release.get({ releaseId: need(s.release, 'release').sys.id });
  eq(r.sys.id, s.release.sys.id, 'sys.id'); eq(r.title, s.release.title, 'title');
});
await check('release.update changes the title and bumps sys.version', async () => {
  const old = need(s.release, 'release');
  const r = await client.release.update({ releaseId: old.sys.id, version: old.sys.version },
    { title: `${old.title} (renamed)`, entities: old.entities });
  eq(r.title, `${old.title} (renamed)`, 'title'); eq(r.sys.version, old.sys.version + 1, 'sys.version');
  s.staleVersion = old.sys.version;
  s.release = r;
});
await check('release.update with a stale version is 409 VersionMismatch', async () => {
  const r = need(s.release, 'release');
  await expectError(client.release.update({ releaseId: r.sys.id, version: need(s.staleVersion, 'old version') },
    { title: 'stale', entities: r.entities }), 'VersionMismatch', 409);
});
await check('release.get of an unknown id is 404 NotFound', () =>
  expectError(client.release.get({ releaseId: 'no-such-release' }), 'NotFound', 404));
await check('release.query filters by sys.id[in] and returns a cursor collection', async () => {
  const res = await client.release.query({ query: { 'sys.id[in]': need(s.release, 'release').sys.id } });
  eq(JSON.stringify(ids(res.items)), JSON.stringify([s.release.sys.id]), 'items');
  assert(res.pages && typeof res.pages === 'object', 'cursor collection needs `pages`');
  assert(!('total' in res), '`total` makes fetchAll() treat the cursor collection as offset-paged');
});
await check('release.query pages with limit=1 through fetchAll (pages.next -> pageNext)', async () => {
  const all = await fetchAll((p) => client.release.query(p), { query: { limit: 1, order: '-sys.createdAt' } });
  for (const r of [need(s.release, 'release'), need(s.second, 'second release')]) assert(ids(all).includes(r.sys.id), `${r.sys.id} missing from the paged list`);
  eq(new Set(ids(all)).size, all.length, 'distinct ids across pages');
  return `${all.length} releases in ${all.length} pages`;
});

// c. validate
await check('legacy client: getSpace + getEnvironment (needed by the SDK poller)', async () => {
  const legacy = createClient(clientParams, { type: 'legacy' });
  const space = await legacy.getSpace(spaceId);
  eq(space.sys.id, spaceId, 'space sys.id');
  const e = await space.getEnvironment(environmentId);
  eq(e.sys.id, environmentId, 'environment sys.id'); eq(e.sys.space?.sys?.id, spaceId, 'environment sys.space.sys.id');
  legacyEnv = e;
});
await check('release.validate + waitProcessing ends succeeded', async () => {
  const releaseId = need(s.release, 'release').sys.id;
  const a = await client.release.validate({ releaseId }, { action: 'publish' });
  eq(a.sys.type, 'ReleaseAction', 'sys.type'); eq(a.action, 'validate', 'action');
  eq(a.sys.release?.sys?.id, releaseId, 'sys.release.sys.id');
  const done = await waitReleaseAction(releaseId, a.sys.id);
  eq(done.sys.status, 'succeeded', 'final status');
  s.validateAction = done;
});

// d. publish
await check('release publish (Release#publish waits via waitProcessing) ends succeeded', async () => {
  const releaseId = need(s.release, 'release').sys.id;
  let done;
  if (legacyEnv) {
    done = await (await legacyEnv.getRelease(releaseId)).publish();
  } else {
    const fresh = await client.release.get({ releaseId });
    const a = await client.release.publish({ releaseId, version: fresh.sys.version });
    eq(a.action, 'publish', 'action');
    done = await waitReleaseAction(releaseId, a.sys.id);
  }
  eq(done.action, 'publish', 'action'); eq(done.sys.status, 'succeeded', 'final status');
  s.publishAction = done;
});
await check('releaseAction.get returns the finished publish action', async () => {
  const a = await client.releaseAction.get({ releaseId: s.release.sys.id, actionId: need(s.publishAction, 'publish action').sys.id });
  eq(a.sys.status, 'succeeded', 'sys.status'); eq(a.sys.release.sys.id, s.release.sys.id, 'sys.release.sys.id');
});
await check('releaseAction.queryForRelease lists the validate and publish actions', async () => {
  const res = await client.releaseAction.queryForRelease({ releaseId: need(s.release, 'release').sys.id });
  const got = ids(res.items);
  for (const a of [s.validateAction, s.publishAction].filter(Boolean)) assert(got.includes(a.sys.id), `missing action ${a.sys.id}`);
  assert(res.items.every((a) => a.sys.release.sys.id === s.release.sys.id), 'an action of another release was returned');
});
await check('releaseAction.getMany filters by release and action', async () => {
  const res = await client.releaseAction.getMany({ query: { 'sys.release.sys.id[in]': need(s.release, 'release').sys.id, action: 'publish' } });
  assert(res.items.length >= 1 && res.items.every((a) => a.action === 'publish'), `got ${JSON.stringify(res.items.map((a) => a.action))}`);
});
await check('release points at its last action; entries are published', async () => {
  const r = await client.release.get({ releaseId: need(s.release, 'release').sys.id });
  eq(r.sys.lastAction?.sys?.id, need(s.publishAction, 'publish action').sys.id, 'sys.lastAction.sys.id');
  s.release = r;
  for (const e of s.entries) {
    const fresh = await client.entry.get({ entryId: e.sys.id });
    eq(fresh.sys.publishedVersion, fresh.sys.version - 1, `${e.sys.id} publishedVersion`);
  }
  return `release status ${r.sys.status}`;
});

// e. archive / unarchive (a second release when publishing auto-archived the first one)
await check('pick a release to archive', async () => {
  const active = need(s.release, 'release').sys.status !== 'archived';
  s.archiveTarget = active ? s.release : await client.release.get({ releaseId: need(s.second, 'second release').sys.id });
  return active ? 'published release is still active' : 'published release was auto-archived; using the second release';
});
await check('release.archive sets status archived', async () => {
  const t = need(s.archiveTarget, 'release to archive');
  const r = await client.release.archive({ releaseId: t.sys.id, version: t.sys.version });
  eq(r.sys.status, 'archived', 'sys.status'); eq(r.sys.version, t.sys.version + 1, 'sys.version');
  assert(r.sys.archivedBy && r.sys.archivedAt, 'archivedBy/archivedAt must be set');
  s.archiveTarget = r;
});
await check('release.archive of an archived release is 400 BadRequest', async () => {
  const t = need(s.archiveTarget, 'archived release');
  await expectError(client.release.archive({ releaseId: t.sys.id, version: t.sys.version }), 'BadRequest', 400);
});
await check('release.unarchive sets status active', async () => {
  const t = need(s.archiveTarget, 'archived release');
  const r = await client.release.unarchive({ releaseId: t.sys.id, version: t.sys.version });
  eq(r.sys.status, 'active', 'sys.status'); eq(r.sys.version, t.sys.version + 1, 'sys.version');
  assert(!r.sys.archivedBy, 'archivedBy must be cleared');
});

// f. scheduled actions
const schedule = (datetime) => ({
  entity: link('Entry', s.entries[0].sys.id), environment: link('Environment', environmentId),
  action: 'publish', scheduledFor: { datetime, timezone: 'Europe/Berlin' },
});
await check('scheduledActions.create one hour ahead (Europe/Berlin)', async () => {
  const sa = await client.scheduledActions.create({}, schedule(inHours(1)));
  eq(sa.sys.type, 'ScheduledAction', 'sys.type'); eq(sa.sys.status, 'scheduled', 'sys.status');
  eq(sa.scheduledFor.timezone, 'Europe/Berlin', 'scheduledFor.timezone');
  assert(Number.isInteger(sa.sys.version), 'sys.version must be an integer');
  s.scheduled = sa;
  return sa.sys.id;
});
await check('scheduledActions.getMany (environment.sys.id, entity.sys.id)', async () => {
  const res = await client.scheduledActions.getMany({ query: { 'environment.sys.id': environmentId, 'entity.sys.id': s.entries[0].sys.id, 'sys.status': 'scheduled' } });
  assert(ids(res.items).includes(need(s.scheduled, 'scheduled action').sys.id), 'created scheduled action not listed');
  assert(res.pages && typeof res.pages === 'object', 'cursor collection needs `pages`');
});
await check('scheduledActions.get', async () => {
  const sa = await client.scheduledActions.get({ scheduledActionId: need(s.scheduled, 'scheduled action').sys.id });
  eq(sa.sys.id, s.scheduled.sys.id, 'sys.id'); eq(sa.sys.status, 'scheduled', 'sys.status');
});
await check('scheduledActions.update moves scheduledFor and bumps sys.version', async () => {
  const old = need(s.scheduled, 'scheduled action');
  const datetime = inHours(2);
  const sa = await client.scheduledActions.update({ scheduledActionId: old.sys.id, version: old.sys.version }, schedule(datetime));
  eq(Date.parse(sa.scheduledFor.datetime), Date.parse(datetime), 'scheduledFor.datetime');
  eq(sa.sys.version, old.sys.version + 1, 'sys.version');
  s.scheduled = sa;
});
await check('scheduledActions.delete cancels and returns the canceled action', async () => {
  const sa = await client.scheduledActions.delete({ scheduledActionId: need(s.scheduled, 'scheduled action').sys.id });
  eq(sa?.sys?.status, 'canceled', 'response sys.status');
});
await check('scheduledActions.get after delete shows canceled', async () => {
  const sa = await client.scheduledActions.get({ scheduledActionId: need(s.scheduled, 'scheduled action').sys.id });
  eq(sa.sys.status, 'canceled', 'sys.status');
});

// g. bulk publish with versioned links
const versionedLinks = async () => Promise.all(s.entries.map(async (e) => {
  const fresh = await client.entry.get({ entryId: e.sys.id });
  return { sys: { type: 'Link', linkType: 'Entry', id: e.sys.id, version: fresh.sys.version } };
}));
await check('bulkAction.publish + waitProcessing ends succeeded', async () => {
  const items = await versionedLinks();
  const b = await client.bulkAction.publish({}, { entities: { sys: { type: 'Array' }, items } });
  eq(b.sys.type, 'BulkAction', 'sys.type'); eq(b.action, 'publish', 'action');
  const done = await waitBulkAction(b.sys.id);
  eq(done.sys.status, 'succeeded', 'final status');
  s.staleLinks = items;
  return b.sys.id;
});
await check('bulkAction.publish with stale versions fails with VersionMismatch', async () => {
  const items = need(s.staleLinks, 'links of the earlier bulk publish');
  let b;
  try {
    b = await client.bulkAction.publish({}, { entities: { sys: { type: 'Array' }, items } });
  } catch (e) {
    eq(e.name, 'VersionMismatch', 'synchronous error'); // tolerated: rejected up front
    return 'rejected synchronously';
  }
  const err = await waitBulkAction(b.sys.id).then(() => null, (e) => e);
  assert(err?.name === 'AsyncActionFailedError', `expected the action to fail, got ${err ? describe(err) : 'succeeded'}`);
  assert(JSON.stringify(err.action.error ?? {}).includes('VersionMismatch'), `error lacks VersionMismatch: ${JSON.stringify(err.action.error)}`);
  return 'failed asynchronously';
});

// h. webhooks and their call log
await check('webhook.getMany + getManyCallDetails/getCallDetails/getHealthStatus', async () => {
  const hooks = await client.webhook.getMany({});
  assert(hooks.items.length >= 1 && typeof hooks.total === 'number', 'no webhook definitions');
  const wh = hooks.items[0];
  let calls;
  for (let i = 0; i < 10 && !(calls?.items?.length); i += 1) {
    if (i) await sleep(500); // deliveries are asynchronous
    calls = await client.webhook.getManyCallDetails({ webhookDefinitionId: wh.sys.id });
  }
  assert(calls.items.length >= 1, `webhook ${wh.sys.id} has no calls`);
  const c = calls.items[0];
  for (const k of ['statusCode', 'eventType', 'url', 'requestAt', 'responseAt']) assert(k in c, `call overview lacks ${k}`);
  const details = await client.webhook.getCallDetails({ webhookDefinitionId: wh.sys.id, callId: c.sys.id });
  assert(details.request?.headers && typeof details.request.body === 'string', 'call details lack request.headers/body');
  assert(details.response && 'statusCode' in details.response, 'call details lack response.statusCode');
  const health = await client.webhook.getHealthStatus({ webhookDefinitionId: wh.sys.id });
  assert(health.calls.total >= 1 && typeof health.calls.healthy === 'number', `health ${JSON.stringify(health.calls)}`);
  return `${wh.sys.id}: ${calls.total ?? calls.items.length} calls, ${health.calls.healthy}/${health.calls.total} healthy`;
});

// h2. the corrected contract (spec §0, §1, §5–§7), as the SDK sees it
await check('entry sys: optional keys absent, automationTags [], fieldStatus per locale', async () => {
  const entry = need(s.entries[0], 'an entry');
  const got = await client.entry.get({ entryId: entry.sys.id });
  for (const key of ['archivedVersion', 'archivedAt', 'archivedBy']) assert(!(key in got.sys), `${key} present`);
  assert(Array.isArray(got.sys.automationTags) && got.sys.automationTags.length === 0, 'automationTags');
  assert(got.sys.fieldStatus && typeof got.sys.fieldStatus['*']['en-US'] === 'string', 'fieldStatus');
});
await check('entry.getManyWithCursor pages forward and back (pageNext / pagePrev)', async () => {
  const first = await client.entry.getManyWithCursor({ query: { limit: 2 } });
  assert(first.total === undefined, 'a cursor page has no total');
  const next = need(first.pages?.next, 'pages.next');
  const second = await client.entry.getManyWithCursor({ query: { limit: 2, pageNext: next } });
  assert(ids(second.items).join() !== ids(first.items).join(), 'the second page differs');
  const back = await client.entry.getManyWithCursor({ query: { limit: 2, pagePrev: need(second.pages?.prev, 'pages.prev') } });
  eq(ids(back.items).join(), ids(first.items).join(), 'back to the first page');
});
await check('an unknown query parameter is 400 InvalidQuery, not a silent full list', () =>
  expectError(client.entry.getMany({ query: { 'fields.title[nearly]': 'x' } }), 'InvalidQuery', 400));
await check('SDK errors carry the requestId of the response', async () => {
  const err = await client.release.get({ releaseId: 'no-such-release' }).then(() => null, (e) => e);
  const body = JSON.parse(need(err, 'an error').message);
  assert(/^[0-9a-f]{32}$/.test(body.requestId ?? ''), `requestId ${body.requestId}`);
  eq(body.details?.environment, environmentId, 'details.environment');
});
await check('webhook headers are always an array', async () => {
  const hooks = await client.webhook.getMany({});
  assert(hooks.items.every((h) => Array.isArray(h.headers)), 'headers');
});
await check('release.validate for unpublishing succeeds where publishing would fail', async () => {
  const releaseId = 'release-election-night';
  const action = await client.release.validate({ releaseId }, { action: 'unpublish' });
  const done = await waitReleaseAction(releaseId, action.sys.id);
  eq(done.sys.status, 'succeeded', 'status');
});

// h3. Timeline (Release.v2) releases and bulk actions v2 (spec §10), with the SDK 12.18 calls:
// `releaseSchemaVersion` as a plain-client default, `bulkAction.validateV2/publishV2/unpublishV2/getV2`.
const v2client = createClient(clientParams, { type: 'plain', defaults: { spaceId, environmentId, releaseSchemaVersion: 'Release.v2' } });
const DRAFT = 'cat-outdoors'; // a valid draft whose links are published
const LIVE = 'article-design-week-giveaway'; // a published article
const waitBulkV2 = (bulkActionId) => pollLikeSdk(() => client.bulkAction.getV2({ bulkActionId }));
const isPub = async (entryId) => Boolean((await client.entry.get({ entryId })).sys.publishedVersion);
await check('release.create with sys.schemaVersion Release.v2: items keep their own actions', async () => {
  const items = [{ entity: link('Entry', DRAFT), action: 'publish' }, { entity: link('Entry', LIVE), action: 'unpublish' }];
  const r = await client.release.create({}, { title: `Conformance Timeline ${Date.now()}`, sys: { type: 'Release', schemaVersion: 'Release.v2' }, entities: { sys: { type: 'Array' }, items } });
  eq(r.sys.schemaVersion, 'Release.v2', 'sys.schemaVersion');
  eq(JSON.stringify(r.entities.items.map((i) => [i.entity.sys.id, i.action])), JSON.stringify(items.map((i) => [i.entity.sys.id, i.action])), 'items');
  s.releases.push(r.sys.id);
  s.mixed = r;
  return r.sys.id;
});
await check('plain client default releaseSchemaVersion creates a Release.v2 (empty items accepted)', async () => {
  const r = await v2client.release.create({}, { title: `Conformance Timeline empty ${Date.now()}`, entities: { sys: { type: 'Array' }, items: [] } });
  eq(r.sys.schemaVersion, 'Release.v2', 'sys.schemaVersion');
  s.releases.push(r.sys.id);
  s.emptyV2 = r;
});
await check('release.query partitions by sys.schemaVersion (Release.v1 without the filter)', async () => {
  const v2ids = [need(s.mixed, 'Timeline release').sys.id, need(s.emptyV2, 'empty Timeline release').sys.id];
  const v2 = await v2client.release.query({ query: { 'sys.id[in]': v2ids.join(',') } });
  eq(JSON.stringify(ids(v2.items).sort()), JSON.stringify([...v2ids].sort()), 'Release.v2 items');
  assert(v2.items.every((r) => r.sys.schemaVersion === 'Release.v2'), 'a Launch release in the v2 list');
  eq(JSON.stringify(v2.pages), '{}', 'pages on the last page');
  const v1 = await client.release.query({ query: { 'sys.id[in]': v2ids.join(',') } });
  eq(v1.items.length, 0, 'Timeline releases in an unfiltered (Launch) list');
  const launch = await client.release.query({ query: { 'sys.schemaVersion': 'Release.v1', limit: 100 } });
  assert(launch.items.length > 0 && launch.items.every((r) => r.sys.schemaVersion !== 'Release.v2'), 'Release.v1 list');
});
await check('release publish of a mixed Timeline release publishes and unpublishes per item', async () => {
  const releaseId = need(s.mixed, 'Timeline release').sys.id;
  assert(!(await isPub(DRAFT)) && (await isPub(LIVE)), 'demo states changed before the check');
  const fresh = await client.release.get({ releaseId });
  const a = await client.release.publish({ releaseId, version: fresh.sys.version });
  eq(a.action, 'publish', 'action');
  const done = await waitReleaseAction(releaseId, a.sys.id);
  eq(done.sys.status, 'succeeded', 'final status');
  assert(await isPub(DRAFT), `${DRAFT} is not published`);
  assert(!(await isPub(LIVE)), `${LIVE} is still published`);
});
await check('release.unpublish of a Timeline release is 400 BadRequest', async () => {
  const r = need(s.emptyV2, 'empty Timeline release');
  await expectError(client.release.unpublish({ releaseId: r.sys.id, version: r.sys.version }), 'BadRequest', 400);
});
await check('bulkAction.validateV2 + getV2 ends succeeded, payload echoes the action', async () => {
  const entity = link('Entry', need(s.entries[0], 'an entry').sys.id);
  const b = await client.bulkAction.validateV2({}, { action: 'validate', entities: [{ entity, add: { fields: { '*': ['en-US'] } } }] });
  eq(b.sys.type, 'BulkAction', 'sys.type'); eq(b.action, 'validate', 'action'); eq(b.payload?.action, 'validate', 'payload.action');
  const done = await waitBulkV2(b.sys.id);
  eq(done.sys.status, 'succeeded', 'final status');
  return b.sys.id;
});
await check('bulkAction.publishV2 (versioned link, add locales) publishes', async () => {
  const fresh = await client.entry.get({ entryId: LIVE });
  const entity = { sys: { type: 'Link', linkType: 'Entry', id: LIVE, version: fresh.sys.version } };
  const b = await client.bulkAction.publishV2({}, { action: 'publish', entities: [{ entity, add: { fields: { '*': ['en-US', 'de-DE'] } } }] });
  const done = await waitBulkV2(b.sys.id);
  eq(done.sys.status, 'succeeded', 'final status');
  assert(await isPub(LIVE), `${LIVE} is not published`);
});
await check('bulkAction.unpublishV2 (whole entity) unpublishes', async () => {
  const b = await client.bulkAction.unpublishV2({}, { action: 'unpublish', entities: [{ entity: link('Entry', DRAFT) }] });
  const done = await waitBulkV2(b.sys.id);
  eq(done.sys.status, 'succeeded', 'final status');
  assert(!(await isPub(DRAFT)), `${DRAFT} is still published`);
});
await check('bulkAction.publishV2 without entity.sys.version is 422 ValidationFailed', () =>
  expectError(client.bulkAction.publishV2({}, { action: 'publish', entities: [{ entity: link('Entry', DRAFT), add: { fields: { '*': ['en-US'] } } }] }), 'ValidationFailed', 422));
await check('bulkAction.getV2 of an unknown id is 404 NotFound', () =>
  expectError(client.bulkAction.getV2({ bulkActionId: 'fakeId' }), 'NotFound', 404));

// i. clean up
for (const releaseId of s.releases) {
  await check(`release.delete ${releaseId} then get is 404`, async () => {
    await client.release.delete({ releaseId });
    await expectError(client.release.get({ releaseId }), 'NotFound', 404);
  });
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
