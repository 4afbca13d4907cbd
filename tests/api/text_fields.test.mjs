// Text fields refuse control characters and bidi overrides (core/json.cpp, docs/openapi.yaml
// "Text"): one-line text (names, titles) refuses C0 controls, DEL, C1 controls and the bidi
// embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069); multi-line text
// (descriptions, bios, messages, reasons) allows tab, LF and CR but no other control. Every
// refusal is 400 VALIDATION_FAILED naming the field; ordinary Unicode is stored as sent.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  startServer, api, registerUser, expectStatus, assertFieldError, createAdmin, randomHex,
  uniqueEmail, PASSWORD,
} from './harness.mjs';

let srv;
let A;
let admin;
let user;
let task;
let partner;

before(async () => {
  srv = await startServer();
  A = api(srv.base);
  admin = await createAdmin(srv);
  user = await registerUser(srv.base);
  const t = await A.post('/tasks', {
    token: user.accessToken,
    body: { title: 'Plain', category: 'other', pointsReward: 5, location: { lat: 52.5, lng: 13.4 } },
  });
  expectStatus(t, 201, 'POST /tasks');
  task = t.body;
  const p = await A.post('/admin/partners', { token: admin.accessToken, body: { name: `Shop ${randomHex(3)}` } });
  expectStatus(p, 201, 'POST /admin/partners');
  partner = p.body;
});

after(async () => {
  await srv?.stop();
});

const BEL = 'a\u0007b';
const ESC = 'a\u001bb';
const DEL = 'a\u007fb';
const C1 = 'a\u0085b';
const RLO = 'invoice\u202Efdp.exe';
const ISOLATE = 'a\u2066b\u2069';
const LINE_REFUSED = [BEL, ESC, DEL, C1, RLO, ISOLATE, 'a\u202Ab', 'line\nbreak', 'tab\there', 'cr\rhere'];
const MULTILINE_REFUSED = [BEL, ESC, DEL, C1, 'a\u000bb', 'a\u000cb'];
const MULTILINE_OK = 'Line one\nLine two\r\n\tindented — Zoë 🙂 שלום';

// Each endpoint with a user-text field: how to send a value for it, and its kind.
const fields = () => [
  { name: 'register name', kind: 'line', field: 'name',
    send: (v) => A.post('/auth/register', { body: { email: uniqueEmail(), password: PASSWORD, name: v } }) },
  { name: 'profile name', kind: 'line', field: 'name',
    send: (v) => A.patch('/users/me', { token: user.accessToken, body: { name: v } }) },
  { name: 'profile bio', kind: 'multiline', field: 'bio',
    send: (v) => A.patch('/users/me', { token: user.accessToken, body: { bio: v } }) },
  { name: 'task title (create)', kind: 'line', field: 'title',
    send: (v) => A.post('/tasks', { token: user.accessToken, body: { title: v, category: 'other', pointsReward: 5, location: { lat: 52.5, lng: 13.4 } } }) },
  { name: 'task title (patch)', kind: 'line', field: 'title',
    send: (v) => A.patch(`/tasks/${task.id}`, { token: user.accessToken, body: { title: v } }) },
  { name: 'task description', kind: 'multiline', field: 'description',
    send: (v) => A.patch(`/tasks/${task.id}`, { token: user.accessToken, body: { description: v } }) },
  { name: 'application message', kind: 'multiline', field: 'message', refusedOnly: true,
    send: (v) => A.post(`/tasks/${randomUUID()}/applications`, { token: user.accessToken, body: { message: v } }) },
  { name: 'reject reason', kind: 'multiline', field: 'reason', refusedOnly: true,
    send: (v) => A.post(`/tasks/${randomUUID()}/reject`, { token: user.accessToken, body: { reason: v } }) },
  { name: 'partner name', kind: 'line', field: 'name',
    send: (v) => A.patch(`/admin/partners/${partner.id}`, { token: admin.accessToken, body: { name: v } }) },
  { name: 'partner description', kind: 'multiline', field: 'description',
    send: (v) => A.patch(`/admin/partners/${partner.id}`, { token: admin.accessToken, body: { description: v } }) },
  { name: 'offer title', kind: 'line', field: 'title',
    send: (v) => A.post(`/admin/partners/${partner.id}/offers`, { token: admin.accessToken, body: { title: v, pointsCost: 1, validDays: 1 } }) },
  { name: 'offer description', kind: 'multiline', field: 'description',
    send: (v) => A.post(`/admin/partners/${partner.id}/offers`, { token: admin.accessToken, body: { title: 'Offer', description: v, pointsCost: 1, validDays: 1 } }) },
  { name: 'points adjustment reason', kind: 'multiline', field: 'reason',
    send: (v) => A.post(`/admin/users/${user.user.id}/points`, { token: admin.accessToken, body: { amount: 1, reason: v } }) },
  { name: 'refund reason', kind: 'multiline', field: 'reason', refusedOnly: true,
    send: (v) => A.post(`/admin/redemptions/${randomUUID()}/refund`, { token: admin.accessToken, body: { reason: v } }) },
];

const names = ['register name', 'profile name', 'profile bio', 'task title (create)', 'task title (patch)',
  'task description', 'application message', 'reject reason', 'partner name', 'partner description',
  'offer title', 'offer description', 'points adjustment reason', 'refund reason'];

describe('text fields', { concurrency: true }, () => {
  for (const name of names) {
    it(`${name}: refuses control characters${name.includes('name') || name.includes('title') ? ' and bidi overrides' : ''}, keeps ordinary text`, async () => {
      const f = fields().find((x) => x.name === name);
      const refused = f.kind === 'line' ? LINE_REFUSED : MULTILINE_REFUSED;
      for (const v of refused) {
        assertFieldError(await f.send(v), f.field, 'VALIDATION_FAILED', `${name} ${JSON.stringify(v)}`);
      }
      if (f.refusedOnly) return;
      const ok = f.kind === 'line' ? `Zoë 🙂 שלום ${randomHex(2)}` : MULTILINE_OK;
      const res = await f.send(ok);
      assert.ok(res.status === 200 || res.status === 201, `${name} accepts ${JSON.stringify(ok)}: ${res.status} ${res.text}`);
    });
  }

  it('stored text reads back unchanged: multi-line description, RTL title', async () => {
    const body = { title: 'שלום Zoë 🙂', description: MULTILINE_OK, category: 'other', pointsReward: 5, location: { lat: 1, lng: 1 } };
    const created = await A.post('/tasks', { token: user.accessToken, body });
    expectStatus(created, 201, 'POST /tasks');
    const got = await A.get(`/tasks/${created.body.id}`, { token: user.accessToken });
    expectStatus(got, 200, 'GET /tasks/{id}');
    assert.equal(got.body.title, body.title);
    assert.equal(got.body.description, body.description.trim());
  });

  it('passwords are taken as typed: a control character does not make them unusable', async () => {
    const password = `pass\u0007word ${randomHex(4)}`;
    const u = await registerUser(srv.base, { password });
    expectStatus(await A.post('/auth/login', { body: { email: u.email, password } }), 200, 'login');
  });
});
