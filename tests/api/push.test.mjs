// Push to devices (docs/notifications.md, "Push to devices"): device registration, and
// delivery to local fakes of Web Push, FCM (with its OAuth token endpoint) and APNs that
// verify each protocol (tests/fakes/push_services.mjs): signatures, claims, and the Web
// Push payload decrypted with the subscription's private key. Task events feed the pipeline
// until the notifications feed does.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, registerUser, expectStatus, assertProblem, assertFieldError, runBinary } from './harness.mjs';
import { startPushFakes } from '../fakes/push_services.mjs';

let fakes;
let srv;     // all three platforms, private endpoints allowed (the fakes are on 127.0.0.1)
let strict;  // Web Push only, the public-address rule on
let A;
let S;

const fast = ['--outbox-poll-ms', '20', '--push-poll-ms', '20', '--push-retry-base-ms', '100',
  '--push-retry-max-ms', '300', '--push-max-attempts', '4'];

before(async () => {
  fakes = await startPushFakes();
  srv = await startServer({ args: [...fakes.serverArgs, ...fast, '--push-allow-private-endpoints'] });
  strict = await startServer({ args: fakes.serverArgs.slice(0, 6) });
  A = api(srv.base);
  S = api(strict.base);
});

after(async () => {
  await srv?.stop();
  await strict?.stop();
  await fakes?.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(what, cond, ms = 20000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await sleep(25);
  }
  assert.fail(`timed out waiting for ${what}; rejected by fakes: ${JSON.stringify(fakes.state.rejected)}`);
}

// A task taken by `helper` and started: the creator is told of the application and the start.
async function startedTask(creator, helper) {
  const task = await A.post('/tasks', {
    token: creator.accessToken,
    body: { title: 'Carry shopping', description: 'Two bags', category: 'shopping',
      location: { lat: 48.137, lng: 11.575 }, pointsReward: 10 },
  });
  expectStatus(task, 201, 'create');
  const app = await A.post(`/tasks/${task.body.id}/applications`, { token: helper.accessToken, body: { message: 'me' } });
  expectStatus(app, 201, 'apply');
  expectStatus(await A.post(`/tasks/${task.body.id}/applications/${app.body.id}/accept`,
    { token: creator.accessToken }), 200, 'accept');
  expectStatus(await A.post(`/tasks/${task.body.id}/start`, { token: helper.accessToken }), 200, 'start');
  return task.body.id;
}

async function metric(name, labels) {
  const text = (await api(srv.origin).get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('device registration', () => {
  it('registers each platform, the same token again is the same device, lists and deletes', async () => {
    const u = await registerUser(srv.base);
    const sub = fakes.newSubscription();
    const web = await A.post('/users/me/devices', { token: u.accessToken,
      body: { platform: 'webpush', subscription: { endpoint: sub.endpoint, keys: sub.keys } } });
    expectStatus(web, 201, 'webpush');
    assert.equal(web.body.platform, 'webpush');
    assert.ok(web.body.id && web.body.createdAt);
    const again = await A.post('/users/me/devices', { token: u.accessToken,
      body: { platform: 'webpush', subscription: { endpoint: sub.endpoint, keys: sub.keys } } });
    expectStatus(again, 200, 'same endpoint');
    assert.equal(again.body.id, web.body.id);
    const fcm = await A.post('/users/me/devices', { token: u.accessToken, body: { platform: 'fcm', token: fakes.fcmToken() } });
    expectStatus(fcm, 201, 'fcm');
    const apns = await A.post('/users/me/devices', { token: u.accessToken, body: { platform: 'apns', token: fakes.apnsToken() } });
    expectStatus(apns, 201, 'apns');
    const list = await A.get('/users/me/devices', { token: u.accessToken });
    expectStatus(list, 200);
    assert.deepEqual(list.body.items.map((d) => d.platform).sort(), ['apns', 'fcm', 'webpush']);
    assert.ok(!list.text.includes(sub.endpoint) && !list.text.includes(sub.keys.auth), 'no secrets listed');

    const other = await registerUser(srv.base);
    assertProblem(await A.del(`/users/me/devices/${fcm.body.id}`, { token: other.accessToken }), 404, 'NOT_FOUND');
    expectStatus(await A.del(`/users/me/devices/${fcm.body.id}`, { token: u.accessToken }), 204);
    assertProblem(await A.del(`/users/me/devices/${fcm.body.id}`, { token: u.accessToken }), 404, 'NOT_FOUND');

    const exported = await A.get('/users/me/export', { token: u.accessToken });
    expectStatus(exported, 200);
    assert.equal(exported.body.devices.length, 2);
    assert.ok(!exported.text.includes(sub.endpoint), 'export carries no endpoint');
  });

  it('validates strictly', async () => {
    const u = await registerUser(srv.base);
    const post = (body) => A.post('/users/me/devices', { token: u.accessToken, body });
    assertFieldError(await post({ platform: 'pigeon', token: 'x' }), 'platform');
    assertFieldError(await post({ platform: 'fcm' }), 'token');
    assertFieldError(await post({ platform: 'fcm', token: 'has spaces in it' }), 'token');
    assertFieldError(await post({ platform: 'apns', token: 'not-hex' }), 'token');
    assertFieldError(await post({ platform: 'webpush' }), 'subscription');
    const sub = fakes.newSubscription();
    assertFieldError(await post({ platform: 'webpush', subscription: { endpoint: sub.endpoint, keys: { p256dh: 'AAAA', auth: sub.keys.auth } } }), 'subscription.keys.p256dh');
    assertFieldError(await post({ platform: 'webpush', subscription: { endpoint: sub.endpoint, keys: { p256dh: sub.keys.p256dh, auth: 'AAAA' } } }), 'subscription.keys.auth');
    assertFieldError(await post({ platform: 'fcm', token: 'abc', extra: 1 }), 'extra');
    assertProblem(await A.post('/users/me/devices', { body: { platform: 'fcm', token: 'abc' } }), 401, 'UNAUTHENTICATED');
  });

  it('refuses a platform that is not configured, and says so for the VAPID key too', async () => {
    const u = await registerUser(strict.base);
    assertProblem(await S.post('/users/me/devices', { token: u.accessToken, body: { platform: 'fcm', token: 'abc' } }),
      400, 'PLATFORM_NOT_CONFIGURED');
    assertProblem(await S.post('/users/me/devices', { token: u.accessToken, body: { platform: 'apns', token: fakes.apnsToken() } }),
      400, 'PLATFORM_NOT_CONFIGURED');
    const key = await S.get('/push/vapid-public-key');
    expectStatus(key, 200);
    assert.equal(key.body.publicKey, fakes.vapidPublicKey);
    const bare = await startServer();
    try {
      assertProblem(await api(bare.base).get('/push/vapid-public-key'), 400, 'PLATFORM_NOT_CONFIGURED');
    } finally {
      await bare.stop();
    }
  });

  it('refuses Web Push endpoints that are not https or not public (SSRF)', async () => {
    const u = await registerUser(strict.base);
    const sub = fakes.newSubscription();
    const port = new URL(fakes.origin).port;
    for (const endpoint of [
      `http://push.example.com/wp/${sub.id}`,
      `https://127.0.0.1:${port}/wp/${sub.id}`,
      `https://localhost:${port}/wp/${sub.id}`,
      'https://10.1.2.3/wp/x',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/wp/x',
      'https://[fd00::1]/wp/x',
      'not a url',
    ]) {
      const res = await S.post('/users/me/devices', { token: u.accessToken,
        body: { platform: 'webpush', subscription: { endpoint, keys: sub.keys } } });
      assertFieldError(res, 'subscription.endpoint', 'VALIDATION_FAILED', endpoint);
    }
  });
});

describe('delivery', () => {
  // The creator is told twice on the way to a started task: application_received (the
  // helper applied) and task_started. Each notification is one push per device.
  it('pushes every notification to every device of its recipient, verified by each fake', async () => {
    const creator = await registerUser(srv.base);
    const helper = await registerUser(srv.base);
    const sub = fakes.newSubscription();
    const fcmToken = fakes.fcmToken();
    const apnsToken = fakes.apnsToken();
    const reg = (body) => A.post('/users/me/devices', { token: creator.accessToken, body });
    expectStatus(await reg({ platform: 'webpush', subscription: { endpoint: sub.endpoint, keys: sub.keys } }), 201);
    expectStatus(await reg({ platform: 'fcm', token: fcmToken }), 201);
    expectStatus(await reg({ platform: 'apns', token: apnsToken }), 201);
    const delivered = await metric('gooddeeds_push_attempts_total', 'platform="apns",outcome="delivered"');

    const taskId = await startedTask(creator, helper);
    await waitUntil('all six pushes', () =>
      fakes.receivedBy(sub.id).length === 2 && fakes.receivedBy(fcmToken).length === 2 &&
      fakes.receivedBy(apnsToken).length === 2);

    const web = fakes.receivedBy(sub.id).find((m) => m.payload.type === 'task_started');
    assert.ok(web, 'task_started reached the browser');
    assert.equal(web.payload.data.taskId, taskId);
    const feed = await A.get('/notifications', { token: creator.accessToken });
    const told = feed.body.items.find((n) => n.type === 'task_started');
    assert.equal(web.payload.data.notificationId, told.id, 'the push names its notification');
    assert.equal(web.payload.title, told.title, 'the notification\'s own text, in the recipient\'s language');
    assert.equal(web.payload.body, told.body);
    const fcm = fakes.receivedBy(fcmToken).find((m) => m.payload.data.type === 'task_started');
    assert.equal(fcm.payload.data.taskId, taskId);
    assert.ok(fcm.payload.notification.title);
    const apns = fakes.receivedBy(apnsToken).find((m) => m.payload.type === 'task_started');
    assert.ok(apns.payload.aps.alert.title);
    assert.deepEqual(fakes.receivedBy(apnsToken).map((m) => m.payload.type).sort(),
      ['application_received', 'task_started']);
    for (const m of [...fakes.receivedBy(sub.id), ...fakes.receivedBy(apnsToken)])
      assert.ok(!JSON.stringify(m.payload).match(/"lat"|"lng"|@/), 'no location or email in a push');
    assert.equal(await metric('gooddeeds_push_attempts_total', 'platform="apns",outcome="delivered"'), delivered + 2);
    const text = (await api(srv.origin).get('/metrics')).text;
    assert.match(text, /gooddeeds_push_delivery_seconds_count\{platform="webpush"\} [1-9]/);
    assert.deepEqual(fakes.state.rejected, [], 'no fake rejected anything');
    // At least once, not many times: nothing more arrives for these two notifications.
    await sleep(300);
    assert.equal(fakes.receivedBy(apnsToken).length, 2);
    assert.ok(fakes.state.tokensIssued >= 1, 'an OAuth token was fetched');
  });

  it('retries on 5xx with back-off, then delivers', async () => {
    const creator = await registerUser(srv.base);
    const helper = await registerUser(srv.base);
    const apnsToken = fakes.apnsToken();
    const fcmToken = fakes.fcmToken();
    fakes.failNext(apnsToken, 2);
    fakes.failNext(fcmToken, 2);
    expectStatus(await A.post('/users/me/devices', { token: creator.accessToken, body: { platform: 'apns', token: apnsToken } }), 201);
    expectStatus(await A.post('/users/me/devices', { token: creator.accessToken, body: { platform: 'fcm', token: fcmToken } }), 201);
    const retries = await metric('gooddeeds_push_attempts_total', 'platform="apns",outcome="retry"');
    await startedTask(creator, helper);
    await waitUntil('delivery after two 503s', () => fakes.receivedBy(apnsToken).length === 2 && fakes.receivedBy(fcmToken).length === 2);
    assert.ok(await metric('gooddeeds_push_attempts_total', 'platform="apns",outcome="retry"') >= retries + 2);
  });

  it('drops a message after --push-max-attempts failures and keeps the device', async () => {
    const creator = await registerUser(srv.base);
    const helper = await registerUser(srv.base);
    const apnsToken = fakes.apnsToken();
    fakes.failNext(apnsToken, 100);
    expectStatus(await A.post('/users/me/devices', { token: creator.accessToken, body: { platform: 'apns', token: apnsToken } }), 201);
    const droppedNow = async () => {
      const text = (await api(srv.origin).get('/metrics')).text;
      const m = text.match(/^gooddeeds_push_dropped_total (\d+)$/m);
      return m ? Number(m[1]) : 0;
    };
    const before = await droppedNow();
    await startedTask(creator, helper);
    await waitUntil('both messages dropped after 4 attempts each', async () => (await droppedNow()) >= before + 2);
    assert.equal(fakes.state.failures.get(apnsToken), 100 - 8, 'exactly four attempts per message');
    assert.equal(fakes.receivedBy(apnsToken).length, 0);
    assert.equal((await A.get('/users/me/devices', { token: creator.accessToken })).body.items.length, 1);
  });

  it('removes a device its push service reports gone (410, 404 UNREGISTERED)', async () => {
    const creator = await registerUser(srv.base);
    const helper = await registerUser(srv.base);
    const sub = fakes.newSubscription();
    const apnsToken = fakes.apnsToken();
    const fcmToken = fakes.fcmToken();
    fakes.markGone(sub.id);
    fakes.markGone(apnsToken);
    fakes.markGone(fcmToken);
    const reg = (body) => A.post('/users/me/devices', { token: creator.accessToken, body });
    expectStatus(await reg({ platform: 'webpush', subscription: { endpoint: sub.endpoint, keys: sub.keys } }), 201);
    expectStatus(await reg({ platform: 'apns', token: apnsToken }), 201);
    expectStatus(await reg({ platform: 'fcm', token: fcmToken }), 201);
    await startedTask(creator, helper);
    await waitUntil('gone devices removed', async () =>
      (await A.get('/users/me/devices', { token: creator.accessToken })).body.items.length === 0);
  });

  it('devices end with their session: logout removes them', async () => {
    const u = await registerUser(srv.base);
    const reg = await A.post('/users/me/devices', { token: u.accessToken, body: { platform: 'fcm', token: fakes.fcmToken() } });
    expectStatus(reg, 201);
    const second = await A.post('/auth/login', { body: { email: u.email, password: u.password } });
    expectStatus(second, 200, 'second session');
    const other = await A.post('/users/me/devices', { token: second.body.accessToken, body: { platform: 'apns', token: fakes.apnsToken() } });
    expectStatus(other, 201);
    expectStatus(await A.post('/auth/logout', { token: u.accessToken, body: { refreshToken: u.refreshToken } }), 204, 'logout');
    const left = await A.get('/users/me/devices', { token: second.body.accessToken });
    assert.deepEqual(left.body.items.map((d) => d.id), [other.body.id], 'only the other session\'s device is left');
  });

  it('devices end with the account: erasure removes them', async () => {
    const u = await registerUser(srv.base);
    const token = fakes.apnsToken();
    expectStatus(await A.post('/users/me/devices', { token: u.accessToken, body: { platform: 'apns', token } }), 201);
    expectStatus(await A.del('/users/me', { token: u.accessToken }), 204, 'erase');
    // The token is free again: registering it elsewhere makes a new device (201, not 200).
    const v = await registerUser(srv.base);
    expectStatus(await A.post('/users/me/devices', { token: v.accessToken, body: { platform: 'apns', token } }), 201);
  });

  it('devices end with their session: one that runs out is ended by the sweep', async () => {
    const short = await startServer({
      args: [...fakes.serverArgs, '--refresh-token-ttl-s', '2', '--session-sweep-ms', '200'],
    });
    try {
      const T = api(short.base);
      const u = await registerUser(short.base);
      expectStatus(await T.post('/users/me/devices', { token: u.accessToken, body: { platform: 'fcm', token: fakes.fcmToken() } }), 201);
      expectStatus(await T.get('/users/me', { token: u.accessToken }), 200, 'live before it runs out');
      await sleep(3500);
      assertProblem(await T.get('/users/me', { token: u.accessToken }), 401, 'TOKEN_INVALID', 'the session ended');
      const again = await T.post('/auth/login', { body: { email: u.email, password: u.password } });
      expectStatus(again, 200, 'a new session');
      const left = await T.get('/users/me/devices', { token: again.body.accessToken });
      assert.deepEqual(left.body.items, [], 'the expired session took its device along');
      const help = await runBinary(['serve', '--help']);
      assert.match(help.stdout, /--session-sweep-ms/);
    } finally {
      await short.stop();
    }
  });
});
