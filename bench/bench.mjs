// Channel Console benchmark: prints figures, asserts nothing. Run through scripts/bench,
// which builds the release server and site first.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { encodePng, solidPng } from '../end2end/png.cjs';

const sleep = (t) => new Promise((r) => setTimeout(r, t));

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const siteRoot = path.join(root, 'target', 'site');
const port = 3900;
const base = `http://127.0.0.1:${port}`;
const CHANNELS = Number(process.env.BENCH_CHANNELS ?? 10_000);
const CONCURRENCY = 8;
const POSTS = Number(process.env.BENCH_POSTS ?? 1_000_000);
const PUBLISHES = Number(process.env.BENCH_PUBLISHES ?? 5_000);

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
function row(...cells) {
  console.log(cells.map((c, i) => String(c).padEnd(i === 0 ? 34 : 14)).join(''));
}

// ---------------------------------------------------------------- what a browser downloads
/** The wasm chunks the split manifest lists for a lazy route whose key starts with `prefix`. */
function routeChunks(prefix) {
  const pkg = path.join(siteRoot, 'pkg');
  const manifest = fs.readdirSync(pkg).find((f) => /^__wasm_split_manifest\..*\.json$/.test(f));
  if (!prefix || !manifest) return [];
  const chunks = JSON.parse(fs.readFileSync(path.join(pkg, manifest), 'utf8'));
  const key = Object.keys(chunks).find((k) => k.startsWith(prefix));
  return key ? chunks[key].map((c) => `/pkg/${c}.wasm`) : [];
}

/** The app's files a page names (/pkg/...js, .wasm, .css) and the chunks its route loads, as
 * the server sends them to a browser that accepts brotli and gzip (and, for the chunks, `dcb`
 * with the main module as dictionary, as Chromium asks): bytes on the wire, not what they
 * would weigh. */
async function bundleSizes(base) {
  console.log('\n== The app\'s files as sent (Accept-Encoding: br, gzip; chunks also dcb), as each page loads them');
  row('file', 'on disk', 'sent', 'encoding', 'cache-control');
  for (const [page, signedIn, chunkPrefix] of [['/sign-in', false, null], ['/channels', true, '__channels_view']]) {
    const html = await text(`${base}${page}`, signedIn);
    const named = [...new Set(html.match(/\/pkg\/[^"' ]+\.(?:js|wasm|css)/g))].sort();
    const main = named.find((f) => /\/channel-console\.[^/]*\.wasm$/.test(f));
    const dictionary = main && `:${crypto.createHash('sha256').update(fs.readFileSync(path.join(siteRoot, main))).digest('base64')}:`;
    const chunks = routeChunks(chunkPrefix).filter((c) => !named.includes(c));
    let total = 0;
    for (const file of [...named, ...chunks]) {
      const plain = fs.statSync(path.join(siteRoot, file)).size;
      const asks = chunks.includes(file) && dictionary
        ? { 'accept-encoding': 'br, gzip, dcb', 'available-dictionary': dictionary }
        : { 'accept-encoding': 'br, gzip' };
      const { bytes, headers } = await raw(`${base}${file}`, asks);
      total += bytes;
      row(`  ${file.replace('/pkg/', '').replace(/\.[\w-]{22}\./, '.')}`, kb(plain), kb(bytes), headers['content-encoding'] ?? 'none', headers['cache-control'] ?? '-');
    }
    row(`${page}: ${named.length} files named, ${chunks.length} chunks loaded after`, '', kb(total));
  }
}

/** The raw response: how many bytes came over the socket (node does not decode them). */
function raw(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: withSession(url, headers) }, (res) => {
        let bytes = 0;
        res.on('data', (d) => (bytes += d.length));
        res.on('end', () => resolve({ bytes, headers: res.headers, status: res.statusCode }));
      })
      .on('error', reject);
  });
}

async function text(url, signedIn = true) {
  const res = await fetch(url, { headers: signedIn ? withSession(url) : {} });
  return res.text();
}

/** Chromium from the end-to-end suite's playwright-core, or null when it is not installed. */
async function launchChromium() {
  let chromium;
  try {
    ({ chromium } = await import(path.join(root, 'end2end', 'node_modules', 'playwright-core', 'index.mjs')));
  } catch (e) {
    console.log(`skipped: playwright-core not installed (${e.message})`);
    return null;
  }
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

/** A cold first visit (empty cache) and a warm second one to each page, in Chromium over an
 * emulated 10 Mbit/s link with 40 ms round trips: bytes transferred as sent (compressed,
 * headers included) and the time from navigation to an interactive page (data-hydrated). */
async function firstVisits(base) {
  console.log('\n== First and second visits in Chromium (10 Mbit/s, 40 ms round trip, Network.emulateNetworkConditions)');
  const browser = await launchChromium();
  if (!browser) return;
  row('page', 'visit', 'transferred', 'of it /pkg/', 'requests', 'interactive');
  try {
    for (const [page, signedIn] of [['/sign-in', false], ['/channels', true], ['/posts', true]]) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      if (signedIn) {
        const [name, value] = sessions.get(base).split('=');
        await context.addCookies([{ name, value, url: base }]);
      }
      // When hydration finished, on the page's own clock (navigation start = 0).
      await context.addInitScript(() => {
        new MutationObserver((_, observer) => {
          if (document.body?.dataset.hydrated === 'true') {
            window.__interactiveAt = performance.now();
            observer.disconnect();
          }
        }).observe(document, { subtree: true, attributes: true, childList: true });
      });
      const tab = await context.newPage();
      const cdp = await context.newCDPSession(tab);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 40,
        downloadThroughput: (10 * 1000 * 1000) / 8,
        uploadThroughput: (10 * 1000 * 1000) / 8,
      });
      // Bytes as they came over the (emulated) wire, per request: all of them, and the
      // app's files (/pkg/: wasm, JS, CSS). Cached answers transfer nothing.
      let bytes = 0;
      let assetBytes = 0;
      let requests = 0;
      const urls = new Map();
      cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
      cdp.on('Network.loadingFinished', (e) => {
        if (e.encodedDataLength <= 0) return;
        bytes += e.encodedDataLength;
        requests++;
        if (new URL(urls.get(e.requestId) ?? base).pathname.startsWith('/pkg/')) assetBytes += e.encodedDataLength;
      });
      for (const visit of ['first (cold)', 'second (warm)']) {
        bytes = 0;
        assetBytes = 0;
        requests = 0;
        await tab.goto(`${base}${page}`);
        await tab.waitForFunction(() => window.__interactiveAt !== undefined, null, { timeout: 30_000 });
        const at = await tab.evaluate(() => window.__interactiveAt);
        // Late requests (a chunk fetched after hydration) still count.
        await tab.waitForLoadState('networkidle');
        row(page, visit, kb(bytes), kb(assetBytes), String(requests), `${at.toFixed(0)} ms`);
      }
      await context.close();
    }
  } finally {
    await browser.close();
  }
  console.log('target: a first visit to /sign-in or /channels transfers at most 250 KB of wasm, JS and CSS');
}

// ---------------------------------------------------------------- server
const ADMIN_PASSWORD = 'benchmark admin password';
/** The signed-in session cookie of each server (origin -> "console_session=..."). */
const sessions = new Map();

/** `headers` plus the session cookie of the server `url` belongs to. */
function withSession(url, headers = {}) {
  const cookie = sessions.get(new URL(url).origin);
  return cookie ? { ...headers, cookie } : headers;
}

/** `--database-url` and `--media-url` when the benchmark runs on PostgreSQL (scripts/bench). */
function storageArgs(databaseUrl, mediaPrefix) {
  const args = databaseUrl ? ['--database-url', databaseUrl] : [];
  if (process.env.BENCH_MEDIA_URL) args.push('--media-url', `${process.env.BENCH_MEDIA_URL}/${mediaPrefix}`);
  return args;
}

async function startServer(dataDir, port_ = port, databaseUrl = process.env.BENCH_DB_MAIN, mediaPrefix = 'main', env = {}) {
  const base = `http://127.0.0.1:${port_}`;
  const child = spawn(
    path.join(root, 'target', 'release', 'server'),
    ['--addr', `127.0.0.1:${port_}`, '--data-dir', dataDir, ...storageArgs(databaseUrl, mediaPrefix)],
    {
      cwd: root,
      env: { ...process.env, LEPTOS_SITE_ROOT: siteRoot, RUST_LOG: 'warn', CONSOLE_ADMIN_PASSWORD: ADMIN_PASSWORD,
        // The webhook figures' receiver listens on 127.0.0.1.
        CONSOLE_WEBHOOK_ALLOW_PRIVATE: 'true', ...env },
      stdio: 'inherit',
    },
  );
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/sign-in`)).ok) {
        // Every page and function needs a session: sign in as the first operator.
        const res = await fetch(`${base}/api/sign_in`, {
          method: 'POST',
          body: new URLSearchParams({ operator: 'admin', password: ADMIN_PASSWORD, next: '/' }),
        });
        if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
        sessions.set(base, res.headers.get('set-cookie').split(';')[0]);
        return child;
      }
    } catch (e) {
      if (String(e).includes('sign-in failed')) throw e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

async function upload(bytes, base_ = base) {
  const res = await fetch(`${base_}/media`, { method: 'POST', body: bytes, headers: withSession(base_) });
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return (await res.json()).id;
}

/** Kept-alive connections for the concurrent writers. (Not `fetch`: undici took 70% of a core
 * at 700 requests per second, on the two cores the server shares.) */
const writeAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** Sends `count` requests made by `request(i)`, CONCURRENCY at a time; prints the rate. */
async function writeRate(count, what, request) {
  let next = 0;
  const latencies = [];
  const started = performance.now();
  async function worker() {
    while (next < count) {
      const [url, init] = request(next++);
      const t = performance.now();
      const body = String(init.body);
      const form = init.body instanceof URLSearchParams ? { 'content-type': 'application/x-www-form-urlencoded' } : {};
      await get(url, {
        method: 'POST',
        agent: writeAgent,
        body,
        headers: { ...form, ...init.headers, 'content-length': Buffer.byteLength(body) },
      });
      latencies.push(performance.now() - t);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  row(`${what} per second`, (count / seconds).toFixed(0));
  row('latency p50 / p99', `${percentile(latencies, 50).toFixed(2)} ms`, `${percentile(latencies, 99).toFixed(2)} ms`);
  return {
    rate: count / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1],
  };
}

async function createChannels(photo) {
  console.log(`\n== Creating ${CHANNELS} channels through POST /api/create_channel (${CONCURRENCY} in flight)`);
  await writeRate(CHANNELS, 'channels created', (i) => [
    `${base}/api/create_channel`,
    {
      body: new URLSearchParams({
        name: `Channel ${i} 채널`,
        profile: `Profile text of channel ${i}, with a little more text to be realistic.`,
        photo,
      }),
    },
  ]);
}

// Plain node:http with keep-alive: fetch's own overhead and garbage collection showed up
// as 40 ms outliers that curl never saw.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(url, options = {}) {
  return new Promise((resolve, reject) => {
    http
      .request(url, { agent, ...options, headers: withSession(url, options.headers) }, (res) => {
        res.on('data', () => {});
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${url}: ${res.statusCode}`))));
      })
      .on('error', reject)
      .end(options.body);
  });
}

async function pageLatency(url, label, n = 1000, options = {}) {
  for (let i = 0; i < 50; i++) await get(url, options);
  const latencies = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await get(url, options);
    latencies.push(performance.now() - t);
  }
  latencies.sort((a, b) => a - b);
  row(label, `p50 ${percentile(latencies, 50).toFixed(2)} ms`, `p99 ${percentile(latencies, 99).toFixed(2)} ms`);
}

function status(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(text.match(new RegExp(`${name}:\\s+(\\d+) kB`))[1]) * 1024;
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

async function uploadMemory(pid) {
  console.log('\n== Server memory while a 50 MB image is uploaded');
  // 4096 x 4096 RGB noise, stored uncompressed: a real image of about 50 MB.
  const pixels = Buffer.alloc(4096 * 4096 * 3);
  for (let i = 0; i < pixels.length; i += 65536) pixels.fill((i * 2654435761) >>> 24, i, Math.min(i + 65536, pixels.length));
  const big = encodePng(4096, 4096, pixels, 0);
  const before = status(pid);
  // Reset the peak ("high water mark") so that VmHWM measures this upload alone.
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {}
  let sampledPeak = before.rss;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, status(pid).rss);
  }, 5);
  const t = performance.now();
  await upload(big);
  const ms = performance.now() - t;
  clearInterval(sampler);
  const after = status(pid);
  const peak = Math.max(after.hwm, sampledPeak);
  row('image size', mb(big.length));
  row('upload time', `${ms.toFixed(0)} ms`);
  row('RSS before / peak / after', mb(before.rss), mb(peak), mb(after.rss));
  row('growth during upload', mb(peak - before.rss));
  console.log('target: growth at most 32 MB');
}

// ---------------------------------------------------------------- posts
async function publishRate(base, channelId) {
  console.log(`\n== Publishing ${PUBLISHES} text posts through POST /api/publish_post (${CONCURRENCY} in flight)`);
  const figures = await writeRate(PUBLISHES, 'posts published', (i) => [
    `${base}/api/publish_post`,
    {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        draft: { channel_id: channelId, kind: 'TextOnly', text: `Benchmark post ${i}: market weather 뉴스 날씨 #${i}`, images: [], links: [] },
        request_id: `bench-${i}`,
      }),
    },
  ]);
  console.log('target: at least 1,000 posts per second');
  return figures;
}

/** A few channels (no figures printed), so that the pages of `scripts/bench load` show something. */
async function createChannelsQuietly(count) {
  const photo = await upload(solidPng(64, 64, [90, 90, 90]));
  for (let i = 0; i < count; i++) {
    await get(`${base}/api/create_channel`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: String(new URLSearchParams({ name: `Channel ${i} 채널`, profile: `Profile of channel ${i}`, photo })),
    });
  }
}

function seed(dataDir) {
  console.log(`\n== Seeding ${POSTS} posts (target/release/seed, transactions of 10,000)`);
  return new Promise((resolve, reject) => {
    const database = process.env.BENCH_DB_POSTS ? ['--database-url', process.env.BENCH_DB_POSTS] : [];
    const child = spawn(path.join(root, 'target', 'release', 'seed'), ['--data-dir', dataDir, '--posts', String(POSTS), ...database], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`seed exited with ${code}`))));
  }).then(() => settle());
}

/** A database in service has been vacuumed and analysed long since; one loaded a moment ago
 * has not, and autovacuum would scan the million new rows and their index while the
 * publish rate is measured. Settle it first, as time would. */
function settle() {
  const url = process.env.BENCH_DB_POSTS;
  if (!url) return;
  const t = performance.now();
  const run = spawnSync('psql', ['-q', url, '-c', 'VACUUM (ANALYZE)'], { stdio: 'inherit' });
  if (run.status !== 0) throw new Error('VACUUM (ANALYZE) failed');
  console.log(`VACUUM (ANALYZE) after seeding: ${((performance.now() - t) / 1000).toFixed(0)} s`);
}

async function searchLatency(base) {
  console.log(`\n== Search with ${POSTS} posts in the database (POST /api/list_posts, first page of 20)`);
  const queries = [
    ['English word, common', 'market'],
    ['English word, rare', 'market weather rocket'],
    ['English, no match', 'xylophone'],
    ['Korean, 2 characters', '날씨'],
    ['Korean, 3 characters', '박물관'],
    ['Korean + English', '서울 harbor'],
  ];
  const all = [];
  const figures = {};
  for (const [label, q] of queries) {
    const body = JSON.stringify({ filter: { q } });
    const lat = [];
    for (let i = 0; i < 20; i++) await get(`${base}/api/list_posts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await get(`${base}/api/list_posts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      lat.push(performance.now() - t);
    }
    lat.sort((a, b) => a - b);
    all.push(...lat);
    figures[q] = { label, p50: percentile(lat, 50), p99: percentile(lat, 99) };
    row(`  ${label} (${q})`, `p50 ${percentile(lat, 50).toFixed(2)} ms`, `p99 ${percentile(lat, 99).toFixed(2)} ms`);
  }
  all.sort((a, b) => a - b);
  row('all searches', `p50 ${percentile(all, 50).toFixed(2)} ms`, `p99 ${percentile(all, 99).toFixed(2)} ms`);
  console.log('target: search p99 at most 50 ms');
  return figures;
}

/** The raw engine on the seeded database, before the server opens it: `target/release/engine`
 * (storage/src/bin/engine.rs) publishes and searches without the web stack. */
function engineFigures(databaseUrl) {
  console.log(`\n== The raw engine on the same database (target/release/engine, no web stack)`);
  const run = spawnSync(
    path.join(root, 'target', 'release', 'engine'),
    ['--database-url', databaseUrl, '--publishes', String(PUBLISHES), '--concurrency', String(CONCURRENCY)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (run.status !== 0) throw new Error(`engine exited with ${run.status}`);
  const figures = {};
  for (const line of run.stdout.trim().split('\n')) {
    const f = JSON.parse(line);
    figures[f.what] = f;
    const rate = f.rate === null ? '' : `${f.rate.toFixed(0)} per second`;
    row(`  ${f.what}`, rate, `p50 ${f.p50.toFixed(2)} ms`, `p99 ${f.p99.toFixed(2)} ms`);
  }
  return figures;
}

/** Each console figure beside the engine's, with the ratio (console / engine). */
function ratios(publish, searches, engine) {
  console.log('\n== The console beside the raw engine (same machine, same database, same run)');
  const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(1)}x` : 'n/a');
  const sql = engine['sql publish'];
  const store = engine['store publish'];
  // store: the storage crate with 8 tasks, no web stack; SQL: bare statements on 1 connection.
  row('', 'console', 'store', 'console/store', ...(sql ? ['bare SQL', 'console/SQL'] : []));
  const line = (label, key, digits, unit) => {
    const cells = [label, `${publish[key].toFixed(digits)}${unit}`, `${store[key].toFixed(digits)}${unit}`, ratio(publish[key], store[key])];
    if (sql) cells.push(`${sql[key].toFixed(digits)}${unit}`, ratio(publish[key], sql[key]));
    row(...cells);
  };
  line('publish, posts per second', 'rate', 0, '');
  line('publish p50', 'p50', 2, ' ms');
  line('publish p99', 'p99', 2, ' ms');
  for (const [q, f] of Object.entries(searches)) {
    const raw = engine[`search ${q}`];
    if (!raw) continue;
    row(`search p99, ${f.label} (${q})`, `${f.p99.toFixed(2)} ms`, `${raw.p99.toFixed(2)} ms`, ratio(f.p99, raw.p99));
  }
  console.log('targets: at least 2,000 posts per second with publish p99 at most 20 ms; search p99 at most 15 ms for every kind');
}

async function previewLatency(base) {
  console.log('\n== Preview update in Chromium: 10,000 bytes of text and 9 images');
  const browser = await launchChromium();
  if (!browser) return;
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const [name, value] = sessions.get(base).split('=');
    await context.addCookies([{ name, value, url: base }]);
    const page = await context.newPage();
    await page.goto(`${base}/posts`);
    await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
    await page.getByLabel('Channel', { exact: true }).selectOption({ index: 1 });
    const files = Array.from({ length: 9 }, (_, i) => ({ name: `${i}.png`, mimeType: 'image/png', buffer: solidPng(256, 256, [20 * i, 20 * i, 20 * i]) }));
    await page.getByLabel('Images', { exact: true }).setInputFiles(files);
    await page.getByText('Uploaded', { exact: true }).nth(8).waitFor();
    // 9,990 bytes of UTF-8 (the limit is 10,000), mixed English and Hangul.
    let text = '';
    while (Buffer.byteLength(text + 'Long post text with 한국어 and English words. ') <= 9_990) {
      text += 'Long post text with 한국어 and English words. ';
    }
    text = text.padEnd(text.length + (9_990 - Buffer.byteLength(text)), '.');
    await page.getByLabel('Content').fill(text);
    const timings = await page.evaluate(async () => {
      const area = document.getElementById('post-content');
      const base = area.value;
      const sync = [];
      const frame = [];
      const section = document.querySelector('section[aria-label="Preview"]');
      for (let i = 0; i < 100; i++) {
        const digit = String(i % 10);
        // Leptos applies DOM updates in a microtask after the input handler: wait for the
        // preview's text to change, as a MutationObserver sees it.
        const updated = new Promise((resolve, reject) => {
          const observer = new MutationObserver(() => {
            const text = section.querySelector('.post-text');
            if (text && text.textContent.endsWith(digit)) {
              observer.disconnect();
              resolve(performance.now());
            }
          });
          observer.observe(section, { subtree: true, childList: true, characterData: true });
          setTimeout(() => reject(new Error('preview did not update')), 2000);
        });
        const t = performance.now();
        area.value = base + digit;
        area.dispatchEvent(new InputEvent('input', { bubbles: true }));
        sync.push((await updated) - t);
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        frame.push(performance.now() - t);
      }
      return { sync, frame };
    });
    for (const [label, list] of [['keystroke to updated preview DOM', timings.sync], ['keystroke to the next frame (includes waiting for it)', timings.frame]]) {
      list.sort((a, b) => a - b);
      row(label, `p50 ${percentile(list, 50).toFixed(2)} ms`, `p99 ${percentile(list, 99).toFixed(2)} ms`);
    }
    console.log('target: preview updated within one 16 ms frame');
  } finally {
    await browser.close();
  }
}

/** The channels of the server at `base`, as the composer's select lists them. */
async function channelOptions(base) {
  const res = await fetch(`${base}/api/channel_options`, {
    method: 'POST',
    headers: withSession(base, { 'content-type': 'application/x-www-form-urlencoded' }),
    body: '',
  });
  return res.json();
}

async function postsBench() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-bench-posts-'));
  const postsPort = port + 1;
  const base = `http://127.0.0.1:${postsPort}`;
  try {
    await seed(dataDir);
    const engine = engineFigures(process.env.BENCH_DB_POSTS ?? `sqlite://${path.join(dataDir, 'console.db')}`);
    const server = await startServer(dataDir, postsPort, process.env.BENCH_DB_POSTS, 'posts');
    try {
      const channels = await channelOptions(base);
      const publish = await publishRate(base, channels[0].id);
      const searches = await searchLatency(base);
      ratios(publish, searches, engine);
      console.log(`\n== Post list page rendered on the server, ${POSTS + PUBLISHES} posts`);
      await pageLatency(`${base}/posts`, 'GET /posts (first page)', 300);
      await pageLatency(`${base}/posts?q=market`, 'GET /posts?q=market', 300);
      await pageLatency(`${base}/posts?q=%EB%82%A0%EC%94%A8`, 'GET /posts?q=날씨', 300);
      console.log('target: page p99 at most 30 ms');
      await previewLatency(base);
    } finally {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1_000_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 5_000);

/** POSTs JSON (or a form) on `agent_` and returns the parsed answer. */
function postJson(url, body, agent_ = agent, form = false) {
  const data = form ? String(body) : JSON.stringify(body);
  const type = form ? 'application/x-www-form-urlencoded' : 'application/json';
  return new Promise((resolve, reject) => {
    http
      .request(
        url,
        { method: 'POST', agent: agent_, headers: withSession(url, { 'content-type': type, 'content-length': Buffer.byteLength(data) }) },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${url}: ${res.statusCode} ${text}`))));
        },
      )
      .on('error', reject)
      .end(data);
  });
}

/** A REST caller signed as an administrator made on the Settings page. */
async function restCaller(base_) {
  const key = await postJson(`${base_}/api/rotate_api_key`, '', agent, true);
  // (Made already when a figure runs again on the same PostgreSQL database.)
  await postJson(`${base_}/api/add_api_admin`, new URLSearchParams({ identifier: 'bench_admin' }), agent, true).catch((e) => {
    if (!String(e).includes(' 409 ')) throw e;
  });
  const { sdkappid } = await postJson(`${base_}/api/get_api_settings`, '', agent, true);
  const TLSSigAPIv2 = createRequire(import.meta.url)(path.join(root, 'end2end', 'node_modules', 'tls-sig-api-v2'));
  const sig = new TLSSigAPIv2.Api(sdkappid, key).genUserSig('bench_admin', 86400);
  const query = `sdkappid=${sdkappid}&identifier=bench_admin&usersig=${sig}&random=1&contenttype=json`;
  const call = async (command, body, agent_ = agent) => {
    const answer = await postJson(`${base_}/v4/official_account_open_http_svc/${command}?${query}`, body, agent_);
    if (answer.ErrorCode !== 0) throw new Error(`${command}: ${JSON.stringify(answer)}`);
    return answer;
  };
  return Object.assign(call, { sdkappid, key });
}

/** add_subscriber in calls of 100 up to SUBSCRIBERS on one channel, then get_subscriber_info pages. */
async function subscriberFigures(base_, rest) {
  console.log(`\n== ${SUBSCRIBERS} subscribers on one channel through add_subscriber (calls of 100, ${CONCURRENCY} in flight)`);
  const created = await rest('create_official_account', { Owner_Account: 'bench', Name: 'Subscribed', MaxSubscriberNum: SUBSCRIBERS });
  const account = created.OfficialAccountUserID;
  const calls = Math.ceil(SUBSCRIBERS / 100);
  let next = 0;
  const latencies = [];
  const started = performance.now();
  async function worker() {
    while (next < calls) {
      const call = next++;
      const list = Array.from({ length: 100 }, (_, i) => ({ Subscriber_Account: `user_${call * 100 + i}` }));
      const t = performance.now();
      await rest('add_subscriber', { Official_Account: account, SubscriberList: list }, writeAgent);
      latencies.push(performance.now() - t);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  row('subscribers added per second', ((calls * 100) / seconds).toFixed(0));
  row('call latency p50 / p99', `${percentile(latencies, 50).toFixed(2)} ms`, `${percentile(latencies, 99).toFixed(2)} ms`);
  console.log('target: at least 20,000 subscribers per second');

  console.log(`\n== get_subscriber_info pages of 200 with ${SUBSCRIBERS} subscribers (one caller, walking Next)`);
  const pages = [];
  let cursor = '';
  for (let i = 0; i < 1000; i++) {
    const t = performance.now();
    const page = await rest('get_subscriber_info', { Official_Account: account, Limit: 200, Next: cursor });
    pages.push(performance.now() - t);
    cursor = page.Next || '';
  }
  pages.sort((a, b) => a - b);
  row('page p50 / p99', `${percentile(pages, 50).toFixed(2)} ms`, `${percentile(pages, 99).toFixed(2)} ms`);
  console.log('target: page p99 at most 20 ms');
}

/** EVENTS posts published through the console, each delivered to a local receiver. */
async function webhookFigures(base_) {
  console.log(`\n== Webhook deliveries: ${EVENTS} posts published (${CONCURRENCY} in flight), CallbackAfterSendMsg to a receiver on 127.0.0.1`);
  const committed = new Map();
  const received = new Map();
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const key = JSON.parse(body).MsgKey;
      if (!received.has(key)) received.set(key, performance.now());
      res.end('{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}');
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const url = `http://127.0.0.1:${receiver.address().port}/hook`;
  await postJson(`${base_}/api/save_webhook`, { form: { url, token: 'bench', callbacks: ['AfterSendMsg'], when_unreachable: 'Allow' } });
  const channels = await postJson(`${base_}/api/channel_options`, '', agent, true);
  const channel = channels.length ? channels[0].id : null;
  let next = 0;
  const started = performance.now();
  async function worker() {
    while (next < EVENTS) {
      const n = next++;
      const draft = { channel_id: channel, kind: 'TextOnly', text: `event ${n}`, images: [], links: [] };
      const post = await postJson(`${base_}/api/publish_post`, { draft, request_id: `bench-event-${n}-${started}` }, writeAgent);
      committed.set(post.id, performance.now());
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const deadline = performance.now() + 120_000;
  while (received.size < EVENTS && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  receiver.close();
  const times = [...received.values()].sort((a, b) => a - b);
  const delays = [];
  for (const [key, at] of received) {
    const postId = Number(String(key).split('_')[0]);
    if (committed.has(postId)) delays.push(at - committed.get(postId));
  }
  delays.sort((a, b) => a - b);
  row('delivered', `${received.size} of ${EVENTS}`);
  row('deliveries per second', (received.size / ((times[times.length - 1] - started) / 1000)).toFixed(0));
  row('commit to receipt p50 / p99', `${percentile(delays, 50).toFixed(1)} ms`, `${percentile(delays, 99).toFixed(1)} ms`);
  console.log('targets: at least 1,000 deliveries per second; commit to receipt p99 at most 250 ms');
}

/**
 * `scripts/bench streams`: for each N in BENCH_STREAMS (10,000 and 19,000), N app
 * users subscribed to one channel each hold a subscribers' stream to a fresh server while
 * 10 posts are published through REST, one a second (target/release/sse_load, in Rust: a
 * Node client would take the cores the server needs). Prints the server's memory per idle
 * stream and publish-to-receipt latency at every subscriber.
 */
async function streamsBench() {
  const sizes = (process.env.BENCH_STREAMS ?? '10000,19000').split(',').map(Number);
  for (const users of sizes) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-bench-streams-'));
    const streamsPort = port + 5;
    const at = `http://127.0.0.1:${streamsPort}`;
    const server = await startServer(dataDir, streamsPort, process.env.BENCH_DB_MAIN, 'streams', {
      CONSOLE_MAX_CONNECTIONS: String(users + 1000),
      CONSOLE_MAX_CONNECTIONS_PER_CLIENT: '2000',
    });
    try {
      const rest = await restCaller(at);
      const created = await rest('create_official_account', { Owner_Account: 'bench', Name: 'Streamed', MaxSubscriberNum: users });
      const channel = created.OfficialAccountUserID;
      let next = 0;
      const calls = Math.ceil(users / 100);
      async function worker() {
        while (next < calls) {
          const call = next++;
          const list = Array.from({ length: Math.min(100, users - call * 100) }, (_, i) => ({ Subscriber_Account: `user_${call * 100 + i}` }));
          await rest('add_subscriber', { Official_Account: channel, SubscriberList: list }, writeAgent);
        }
      }
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      console.log(`\n== ${users} subscribers' streams of one channel, 10 posts one a second (${process.env.BENCH_DB_MAIN ? 'PostgreSQL' : 'SQLite'})`);
      const load = spawn(path.join(root, 'target', 'release', 'sse_load'),
        [at, String(rest.sdkappid), rest.key, channel, String(users), '10', String(server.pid)], { stdio: 'inherit' });
      await once(load, 'exit');
    } finally {
      server.kill('SIGTERM');
      await once(server, 'exit');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  console.log('targets: 10,000 streams with p99 at most 1 s; at most 32 KiB of server memory per idle stream');
}

/** `scripts/bench subscribers`: the subscriber and webhook figures on a fresh database. */
async function subscribersBench() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-bench-subscribers-'));
  const server = await startServer(dataDir);
  try {
    const rest = await restCaller(base);
    await subscriberFigures(base, rest);
    await rest('create_official_account', { Owner_Account: 'bench', Name: 'Events' });
    await webhookFigures(base);
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * `scripts/bench durability` (SQLite): text posts published per second with
 * `--sqlite-synchronous full` (the default: every acknowledged commit is on disk) and
 * `normal`, each on a fresh database with 100,000 seeded posts; then, with FULL, how long
 * publishes wait while `server backup` copies that database beside them (its longest wait
 * is the figure: a backup must not hold publishers up).
 */
async function durabilityBench() {
  const seeded = Number(process.env.BENCH_DURABILITY_POSTS ?? 100_000);
  for (const mode of ['full', 'normal']) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `console-bench-${mode}-`));
    const durabilityPort = port + 3;
    const at = `http://127.0.0.1:${durabilityPort}`;
    try {
      await new Promise((resolve, reject) => {
        const child = spawn(path.join(root, 'target', 'release', 'seed'), ['--data-dir', dataDir, '--posts', String(seeded)], {
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`seed exited with ${code}`))));
      });
      const server = await startServer(dataDir, durabilityPort, undefined, 'durability', { CONSOLE_SQLITE_SYNCHRONOUS: mode });
      try {
        const channels = await channelOptions(at);
        console.log(`\n== SQLite synchronous=${mode.toUpperCase()} (${seeded} posts seeded)`);
        await publishRate(at, channels[0].id);
        if (mode !== 'full') continue;
        console.log(`\n== A backup taken while ${CONCURRENCY} clients publish`);
        const backupDir = path.join(dataDir, 'backup');
        let backupSeconds = 0;
        const backup = (async () => {
          await sleep(500);
          const t = performance.now();
          await promisify(execFile)(path.join(root, 'target', 'release', 'server'), ['backup', '--to', backupDir, '--data-dir', dataDir], {
            cwd: root,
            env: { ...process.env, RUST_LOG: 'warn' },
          });
          backupSeconds = (performance.now() - t) / 1000;
        })();
        let during = null;
        let rounds = 0;
        // Publishing goes on for as long as the backup takes (at least one round).
        while (rounds === 0 || backupSeconds === 0) {
          const figures = await writeRate(PUBLISHES, 'posts published during the backup', (i) => [
            `${at}/api/publish_post`,
            {
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                draft: { channel_id: channels[0].id, kind: 'TextOnly', text: `During the backup ${rounds}-${i}`, images: [], links: [] },
                request_id: `backup-${rounds}-${i}`,
              }),
            },
          ]);
          during = during && during.max > figures.max ? during : figures;
          rounds++;
        }
        await backup;
        row('backup of the database', `${backupSeconds.toFixed(1)} s`);
        row('longest publish during it', `${during.max.toFixed(1)} ms`);
        console.log('target: no publish held up for more than about 100 ms');
      } finally {
        server.kill('SIGTERM');
        await once(server, 'exit');
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

async function main() {
  console.log(`Channel Console benchmark — ${os.cpus().length} cores, ${mb(os.totalmem())} memory, ${new Date().toISOString()}`);
  console.log(`database: ${process.env.BENCH_DB_MAIN ? 'PostgreSQL' : 'SQLite'}; media: ${process.env.BENCH_MEDIA_URL ?? 'local files'}`);
  // `scripts/bench posts` runs only the figures with 1M posts (publish, search, post pages, preview).
  if (process.argv.includes('posts')) return postsBench();
  // `scripts/bench subscribers` runs only the subscriber and webhook figures.
  if (process.argv.includes('subscribers')) return subscribersBench();
  // `scripts/bench durability` runs only the commit durability and backup figures.
  if (process.argv.includes('durability')) return durabilityBench();
  // `scripts/bench streams` runs only the subscribers' streams figures.
  if (process.argv.includes('streams')) return streamsBench();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-bench-'));
  const server = await startServer(dataDir);
  try {
    await bundleSizes(base);
    // `scripts/bench load` stops after what a browser downloads.
    if (process.argv.includes('load')) {
      await createChannelsQuietly(50);
      await firstVisits(base);
      return;
    }
    const photo = await upload(solidPng(256, 256, [90, 90, 90]));
    await createChannels(photo);
    console.log(`\n== Channel page rendered on the server, ${CHANNELS} channels in the database`);
    await pageLatency(`${base}/channels`, 'GET /channels (first page)');
    await pageLatency(`${base}/channels?page=${Math.max(1, Math.floor(CHANNELS / 50))}`, 'GET /channels?page=<last>');
    console.log('target: p99 at most 20 ms');
    await uploadMemory(server.pid);
    await firstVisits(base);
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  await subscribersBench();
  await streamsBench();
  await postsBench();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
