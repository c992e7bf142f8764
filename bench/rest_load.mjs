// REST API load benchmark: a steady open-loop mix of the vendor-compatible REST calls
// (POST /v4/official_account_open_http_svc/{command}) against the release server on a
// fresh SQLite data dir. Prints figures, asserts nothing. Run through scripts/bench-rest,
// which builds the release server first.
//
// BENCH_REST_RATES (requests per second of each run, default 200,1000,2000),
// BENCH_REST_SECS (each run's length, default 30), BENCH_REST_CHANNELS (channels made
// first, default 20), BENCH_REST_MESSAGES (messages sent to each of them before the runs,
// default 50). Past capacity the server sheds load (503 with Retry-After): each run prints
// what was offered, answered OK and shed, with the latency of each, and how sign-in, the
// health check and a signed-in operator's page fared meanwhile.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const serverBin = path.join(root, 'target', 'release', 'server');
const RATES = (process.env.BENCH_REST_RATES ?? process.env.BENCH_REST_RATE ?? '200,1000,2000').split(',').map(Number);
const SECS = Number(process.env.BENCH_REST_SECS ?? 30);
const CHANNELS = Number(process.env.BENCH_REST_CHANNELS ?? 20);
const MESSAGES = Number(process.env.BENCH_REST_MESSAGES ?? 50);
// High enough that the client never hides an overload by not sending.
const MAX_IN_FLIGHT = 2048;
const SETUP_CONCURRENCY = 8;
const TIMEOUT_MS = 10_000;
const ADMIN_PASSWORD = 'benchmark admin password';
/** The REST administrator identifier (README: `server usersig administrator`). */
const IDENTIFIER = 'administrator';

const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
const ms = (n) => (n === undefined ? '-' : `${n.toFixed(2)} ms`);
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
function row(...cells) {
  console.log(cells.map((c, i) => String(c).padEnd(i === 0 ? 44 : 11)).join(''));
}
const sleep = (t) => new Promise((r) => setTimeout(r, t));

// ---------------------------------------------------------------- server
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const serverEnv = {
  ...process.env,
  LEPTOS_SITE_ROOT: path.join(root, 'target', 'site'),
  RUST_LOG: 'warn',
  CONSOLE_ADMIN_PASSWORD: ADMIN_PASSWORD,
};

async function startServer(dataDir, base) {
  const child = spawn(serverBin, ['--addr', new URL(base).host, '--data-dir', dataDir], {
    cwd: root,
    env: serverEnv,
    stdio: 'inherit',
  });
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return child;
    } catch {}
    await sleep(100);
  }
  throw new Error('server did not start');
}

/** A console server function, called with the signed-in `cookie`; returns its JSON answer. */
async function serverFn(base, cookie, name, form = {}) {
  const res = await fetch(`${base}/api/${name}`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`/api/${name}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * Enables the REST API as an operator does on the Settings page: signs in as `admin`,
 * creates the secret key and adds the administrator identifier. Returns the SDKAppID.
 */
async function enableRest(base) {
  const res = await fetch(`${base}/api/sign_in`, {
    method: 'POST',
    body: new URLSearchParams({ operator: 'admin', password: ADMIN_PASSWORD, next: '/' }),
    redirect: 'manual',
  });
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  await serverFn(base, cookie, 'rotate_api_key');
  await serverFn(base, cookie, 'add_api_admin', { identifier: IDENTIFIER });
  const settings = await serverFn(base, cookie, 'get_api_settings');
  if (!settings.admins.includes(IDENTIFIER) || !settings.key_hint) throw new Error(`REST API not enabled: ${JSON.stringify(settings)}`);
  return { sdkappid: settings.sdkappid, cookie };
}

/** What an operator does meanwhile: the health check and a page's data every 250 ms, a sign-in every 2 s. */
function operatorProbes(base, cookie) {
  const seen = { healthz: [], page: [], signIn: [] };
  const timed = async (list, f) => {
    const t = performance.now();
    let ok = false;
    try {
      ok = await f();
    } catch {}
    list.push({ ok, ms: performance.now() - t });
  };
  let tick = 0;
  const timer = setInterval(() => {
    tick++;
    timed(seen.healthz, async () => (await fetch(`${base}/healthz`)).ok);
    timed(seen.page, async () => {
      const res = await fetch(`${base}/api/list_channels`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'page=1',
      });
      await res.text();
      return res.ok;
    });
    // A sign-in costs a password hash: every 2 s only.
    if (tick % 8 === 0) timed(seen.signIn, async () => {
      const res = await fetch(`${base}/api/sign_in`, {
        method: 'POST',
        body: new URLSearchParams({ operator: 'admin', password: ADMIN_PASSWORD, next: '/' }),
        redirect: 'manual',
      });
      await res.text();
      return Boolean(res.headers.get('set-cookie'));
    });
  }, 250);
  return () => {
    clearInterval(timer);
    return seen;
  };
}

/** `server usersig administrator --data-dir DIR`: the UserSig, made with the current key. */
async function userSig(dataDir) {
  const { stdout } = await promisify(execFile)(serverBin, ['usersig', IDENTIFIER, '--data-dir', dataDir], { cwd: root, env: serverEnv });
  const sig = stdout.trim().split('\n').pop().trim();
  if (!sig) throw new Error('server usersig printed nothing');
  return sig;
}

// ---------------------------------------------------------------- REST client
const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT });

/** Makes `call(command, body)`: resolves to { status, json } or rejects on a network error. */
function restClient(base, sdkappid, sig) {
  const fixed = `sdkappid=${sdkappid}&identifier=${IDENTIFIER}&usersig=${encodeURIComponent(sig)}&contenttype=json`;
  return (command, body) =>
    new Promise((resolve, reject) => {
      const data = Buffer.from(JSON.stringify(body));
      const random = (Math.random() * 2 ** 32) >>> 0;
      const req = http.request(
        `${base}/v4/official_account_open_http_svc/${command}?${fixed}&random=${random}`,
        {
          agent,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': data.length },
          timeout: TIMEOUT_MS,
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let json = null;
            try {
              json = JSON.parse(text);
            } catch {}
            resolve({ status: res.statusCode, headers: res.headers, json, text });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(data);
    });
}

/** Why an answer is an error (HTTP status, ErrorCode, a per-item code), or null if it is not. */
function problem(res, check) {
  if (res.status !== 200) return `HTTP ${res.status}: ${res.text.slice(0, 200)}`;
  if (!res.json) return `not JSON: ${res.text.slice(0, 200)}`;
  if (res.json.ErrorCode !== 0) return `ErrorCode ${res.json.ErrorCode}: ${res.json.ErrorInfo}`;
  return check ? check(res.json) : null;
}

// Per-item results inside a successful answer, and the fields each answer must carry.
const checks = {
  send: (j) => (typeof j.MsgKey === 'string' && j.MsgKey ? null : 'answer without MsgKey'),
  history: (j) => (Array.isArray(j.RspMsgList) ? null : 'answer without RspMsgList'),
  info: (j) => {
    if (!Array.isArray(j.OfficialAccountInfoList)) return 'answer without OfficialAccountInfoList';
    const bad = j.OfficialAccountInfoList.find((a) => a.ResultCode !== 0);
    return bad ? `ResultCode ${bad.ResultCode}: ${bad.ResultInfo}` : null;
  },
  recall: (j) => {
    if (!Array.isArray(j.RecallRetList)) return 'answer without RecallRetList';
    const bad = j.RecallRetList.find((r) => r.RetCode !== 0);
    return bad ? `RetCode ${bad.RetCode}: ${bad.RetInfo}` : null;
  },
};

// ---------------------------------------------------------------- set-up
let messageNo = 0;
function sendBody(account) {
  const n = ++messageNo;
  const body = {
    Official_Account: account,
    Random: (Math.random() * 2 ** 32) >>> 0,
    MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `Load test message ${n}: market weather 뉴스 날씨 #${n}` } }],
  };
  if (n % 4 === 0) body.CloudCustomData = JSON.stringify({ source: 'rest_load', n });
  return body;
}

/** Runs `count` calls made by `make(i)`, SETUP_CONCURRENCY at a time; any error stops the benchmark. */
async function setupCalls(call, count, what, make) {
  let next = 0;
  const results = new Array(count);
  const started = performance.now();
  async function worker() {
    while (next < count) {
      const i = next++;
      const [command, body, check] = make(i);
      const res = await call(command, body);
      const why = problem(res, check);
      if (why) throw new Error(`set-up ${command}: ${why}`);
      results[i] = res.json;
    }
  }
  await Promise.all(Array.from({ length: SETUP_CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  row(what, `${count}`, `${(count / seconds).toFixed(0)}/s`);
  return results;
}

// ---------------------------------------------------------------- the load
/** The mix, in 20 slots: 30% send, 30% history, 25% info, 5% recall, 10% other reads. */
const MIX = [
  ...Array(6).fill('send'),
  ...Array(6).fill('history'),
  ...Array(5).fill('info'),
  'recall',
  'info_all',
  'history_next',
];
const LABELS = {
  send: 'send_official_account_msg',
  history: 'official_account_msg_get_simple',
  info: 'get_official_account_info',
  recall: 'official_account_msg_recall',
  info_all: 'get_official_account_info (all, filtered)',
  history_next: 'official_account_msg_get_simple (LastMsgKey)',
};

/** A small seeded generator, so that two runs send the same sequence of kinds and channels. */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

async function load(call, accounts, keys, RATE, probe) {
  const random = rng(20261123);
  const order = [...MIX];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const pick = (list) => list[Math.floor(random() * list.length)];
  // Keys not recalled yet: those sent during the run first (oldest first), then the set-up's
  // (a key recalled twice would still answer RetCode 0).
  const fresh = [];
  const recallable = [...keys];
  const allAccounts = accounts.slice(0, 50).map((a) => ({ Official_Account: a }));

  /** The command, body and check of request `i`. */
  function request(i) {
    const kind = order[i % order.length];
    const account = pick(accounts);
    switch (kind) {
      case 'send':
        return [kind, 'send_official_account_msg', sendBody(account), checks.send];
      case 'history':
        return [kind, 'official_account_msg_get_simple', { Official_Account: account, ReqMsgNumber: 20 }, checks.history];
      case 'info':
        return [kind, 'get_official_account_info', { OfficialAccountIdList: [{ Official_Account: account }] }, checks.info];
      case 'info_all':
        return [
          kind,
          'get_official_account_info',
          {
            OfficialAccountIdList: allAccounts,
            ResponseFilter: { OfficialAccountBaseInfoFilter: ['Name', 'Introduction', 'FaceUrl', 'LastMsgTime'] },
          },
          checks.info,
        ];
      case 'history_next': {
        const from = pick(keys);
        return [
          kind,
          'official_account_msg_get_simple',
          { Official_Account: from.account, LastMsgKey: from.key, ReqMsgNumber: 20, WithRecalledMsg: 1 },
          checks.history,
        ];
      }
      case 'recall': {
        const target = fresh.shift() ?? recallable.pop() ?? keys[0];
        return [
          kind,
          'official_account_msg_recall',
          { Official_Account: target.account, MsgKeyList: [target.key], Reason: 'load test recall' },
          checks.recall,
        ];
      }
    }
  }

  const stats = Object.fromEntries(Object.keys(LABELS).map((k) => [k, { lat: [], errors: 0 }]));
  const all = [];
  const shedLat = [];
  const lags = [];
  const examples = new Map();
  let errors = 0;
  let dropped = 0;
  let inFlight = 0;
  let completed = 0;
  let lastDone = 0;
  const pending = new Set();

  function fire(i, scheduled) {
    const [kind, command, body, check] = request(i);
    const t = performance.now();
    lags.push(t - scheduled);
    inFlight++;
    const done = call(command, body)
      .then(
        (res) => {
          if (res.status === 503 && res.headers['retry-after']) return 'shed';
          const why = problem(res, check);
          // A message sent now is recalled later (the oldest first).
          if (!why && kind === 'send') fresh.push({ account: body.Official_Account, key: res.json.MsgKey });
          return why;
        },
        (e) => `network: ${e.message}`,
      )
      .then((why) => {
        const latency = performance.now() - t;
        inFlight--;
        completed++;
        lastDone = performance.now();
        if (why === 'shed') {
          shedLat.push(latency);
        } else if (!why) {
          stats[kind].lat.push(latency);
          all.push(latency);
        }
        if (why && why !== 'shed') {
          errors++;
          stats[kind].errors++;
          const example = `${command}: ${why}`;
          examples.set(example, (examples.get(example) ?? 0) + 1);
        }
        pending.delete(done);
      });
    pending.add(done);
  }

  const total = Math.round(RATE * SECS);
  console.log(`\n== ${total} REST calls at ${RATE}/s for ${SECS} s (open loop, at most ${MAX_IN_FLIGHT} in flight)`);
  const stopProbes = operatorProbes(...probe);
  const t0 = performance.now();
  let issued = 0;
  while (issued < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * RATE) + 1);
    for (; issued < due; issued++) {
      const scheduled = t0 + (issued * 1000) / RATE;
      if (inFlight >= MAX_IN_FLIGHT) dropped++;
      else fire(issued, scheduled);
    }
    if (issued < total) await sleep(Math.max(0, t0 + (issued * 1000) / RATE - performance.now()));
  }
  const sendEnd = performance.now();
  await Promise.all(pending);
  const probes = stopProbes();
  const elapsed = ((lastDone || sendEnd) - t0) / 1000;

  all.sort((a, b) => a - b);
  shedLat.sort((a, b) => a - b);
  lags.sort((a, b) => a - b);
  row('offered rate', `${RATE.toFixed(0)}/s`, `(${total} calls scheduled over ${SECS} s)`);
  row('answered OK', `${(all.length / elapsed).toFixed(1)}/s`, `(${all.length} in ${elapsed.toFixed(2)} s)`, 'p50', ms(percentile(all, 50)), 'p99', ms(percentile(all, 99)));
  row('shed (503, Retry-After)', `${(shedLat.length / elapsed).toFixed(1)}/s`, `(${shedLat.length})`, 'p50', ms(percentile(shedLat, 50)), 'p99', ms(percentile(shedLat, 99)), 'max', ms(shedLat[shedLat.length - 1]));
  row('not sent (in-flight cap reached)', dropped);
  row('client start lag p99 / max', ms(percentile(lags, 99)), ms(lags[lags.length - 1]));
  for (const [what, list] of Object.entries(probes)) {
    const times = list.map((p) => p.ms).sort((a, b) => a - b);
    row(`meanwhile: ${what}`, `${list.filter((p) => p.ok).length} of ${list.length} ok`, 'p50', ms(percentile(times, 50)), 'max', ms(times[times.length - 1]));
  }
  console.log('\nlatency of the OK answers, from sending to the whole answer:');
  row('command', 'count', 'errors', 'p50', 'p90', 'p99', 'max');
  for (const [kind, { lat, errors: e }] of Object.entries(stats)) {
    lat.sort((a, b) => a - b);
    row(LABELS[kind], lat.length, e, ms(percentile(lat, 50)), ms(percentile(lat, 90)), ms(percentile(lat, 99)), ms(lat[lat.length - 1]));
  }
  row('all', all.length, errors, ms(percentile(all, 50)), ms(percentile(all, 90)), ms(percentile(all, 99)), ms(all[all.length - 1]));
  console.log(`\nerrors: ${errors} of ${completed} answers${errors ? ` (${examples.size} distinct)` : ''}`);
  for (const [example, count] of [...examples].slice(0, 5)) console.log(`  ${count} x ${example}`);
  console.log('targets: at 200/s no error and p99 under 50 ms; at 1,000/s at least 900/s OK with p99 under 50 ms; at 2,000/s OK p99 under 100 ms and every refusal under 20 ms');
}

// ---------------------------------------------------------------- main
async function main() {
  if (!fs.existsSync(serverBin)) throw new Error(`${serverBin} is missing: build it first (scripts/bench-rest)`);
  console.log(`Channel Console REST load benchmark — ${os.cpus().length} cores, ${mb(os.totalmem())} memory, ${new Date().toISOString()}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-bench-rest-'));
  const base = `http://127.0.0.1:${await freePort()}`;
  let server;
  const stop = async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => stop().finally(() => process.exit(130)));
  try {
    server = await startServer(dataDir, base);
    const { sdkappid, cookie } = await enableRest(base);
    const sig = await userSig(dataDir);
    console.log(`database: SQLite (${dataDir}); SDKAppID ${sdkappid}; UserSig of "${IDENTIFIER}" from \`server usersig\``);
    const call = restClient(base, sdkappid, sig);

    console.log(`\n== Set-up through the REST API (${SETUP_CONCURRENCY} in flight)`);
    row('', 'calls', 'rate');
    const made = await setupCalls(call, CHANNELS, 'create_official_account', (i) => [
      'create_official_account',
      {
        Owner_Account: 'bench_owner',
        Name: `Load channel ${i} 채널`,
        OfficialAccountUserID: `@TOA#_load${i}`,
        Introduction: `Channel ${i} of the REST load benchmark, with a little more text to be realistic.`,
        FaceUrl: `https://example.com/faces/${i}.png`,
      },
      (j) => (j.OfficialAccountUserID ? null : 'answer without OfficialAccountUserID'),
    ]);
    const accounts = made.map((j) => j.OfficialAccountUserID);
    const sent = await setupCalls(call, CHANNELS * MESSAGES, 'send_official_account_msg', (i) => [
      'send_official_account_msg',
      sendBody(accounts[i % CHANNELS]),
      checks.send,
    ]);
    const keys = sent.map((j, i) => ({ account: accounts[i % CHANNELS], key: j.MsgKey }));

    for (const rate of RATES) await load(call, accounts, keys, rate, [base, cookie]);
  } finally {
    agent.destroy();
    await stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
