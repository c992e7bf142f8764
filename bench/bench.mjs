// Channel Console benchmark: prints figures, asserts nothing. Run through scripts/bench,
// which builds the release server and site first.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const siteRoot = path.join(root, 'target', 'site');
const port = 3900;
const base = `http://127.0.0.1:${port}`;
const CHANNELS = Number(process.env.BENCH_CHANNELS ?? 10_000);
const CONCURRENCY = 8;

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
function row(...cells) {
  console.log(cells.map((c, i) => String(c).padEnd(i === 0 ? 34 : 14)).join(''));
}

// ---------------------------------------------------------------- bundle sizes
function bundleSizes() {
  console.log('\n== Release bundle (target/site/pkg)');
  row('file', 'raw', 'gzip -9', 'brotli -11');
  const totals = { raw: 0, gz: 0, br: 0 };
  const pkg = path.join(siteRoot, 'pkg');
  for (const file of fs.readdirSync(pkg).sort()) {
    if (!/\.(wasm|js|css)$/.test(file)) continue;
    const data = fs.readFileSync(path.join(pkg, file));
    const gz = zlib.gzipSync(data, { level: 9 }).length;
    const br = zlib.brotliCompressSync(data, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 },
    }).length;
    row(file, kb(data.length), kb(gz), kb(br));
    totals.raw += data.length;
    totals.gz += gz;
    totals.br += br;
  }
  row('total wasm+js+css', kb(totals.raw), kb(totals.gz), kb(totals.br));
  console.log(`target: compressed wasm+JS+CSS at most 250 KB (brotli: ${kb(totals.br)})`);
}

// ---------------------------------------------------------------- server
async function startServer(dataDir) {
  const child = spawn(
    path.join(root, 'target', 'release', 'server'),
    ['--addr', `127.0.0.1:${port}`, '--data-dir', dataDir],
    { cwd: root, env: { ...process.env, LEPTOS_SITE_ROOT: siteRoot, RUST_LOG: 'warn' }, stdio: 'inherit' },
  );
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/channels`)).ok) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

function png(width, height, fill) {
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlib.crc32(body) >>> 0, body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 2;
  const raw = Buffer.alloc(height * (1 + width * 3));
  fill(raw);
  for (let y = 0; y < height; y++) raw[y * (1 + width * 3)] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw, { level: 0 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function upload(bytes) {
  const res = await fetch(`${base}/media`, { method: 'POST', body: bytes });
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return (await res.json()).id;
}

async function createChannels(photo) {
  console.log(`\n== Creating ${CHANNELS} channels through POST /api/create_channel (${CONCURRENCY} in flight)`);
  let next = 0;
  const latencies = [];
  const started = performance.now();
  async function worker() {
    while (next < CHANNELS) {
      const i = next++;
      const body = new URLSearchParams({
        name: `Channel ${i} 채널`,
        profile: `Profile text of channel ${i}, with a little more text to be realistic.`,
        photo,
      });
      const t = performance.now();
      const res = await fetch(`${base}/api/create_channel`, { method: 'POST', body });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`create failed: ${res.status}`);
      latencies.push(performance.now() - t);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  row('channels created per second', (CHANNELS / seconds).toFixed(0));
  row('create latency p50 / p99', `${percentile(latencies, 50).toFixed(2)} ms`, `${percentile(latencies, 99).toFixed(2)} ms`);
}

// Plain node:http with keep-alive: fetch's own overhead and garbage collection showed up
// as 40 ms outliers that curl never saw.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        res.on('data', () => {});
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${url}: ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

async function pageLatency(url, label, n = 1000) {
  for (let i = 0; i < 50; i++) await get(url);
  const latencies = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await get(url);
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
  const big = png(4096, 4096, (raw) => {
    for (let i = 0; i < raw.length; i += 65536) raw.fill((i * 2654435761) >>> 24, i, Math.min(i + 65536, raw.length));
  });
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

async function main() {
  console.log(`Channel Console benchmark — ${os.cpus().length} cores, ${mb(os.totalmem())} memory, ${new Date().toISOString()}`);
  bundleSizes();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-bench-'));
  const server = await startServer(dataDir);
  try {
    const photo = await upload(png(256, 256, (raw) => raw.fill(90)));
    await createChannels(photo);
    console.log(`\n== Channel page rendered on the server, ${CHANNELS} channels in the database`);
    await pageLatency(`${base}/channels`, 'GET /channels (first page)');
    await pageLatency(`${base}/channels?page=${Math.max(1, Math.floor(CHANNELS / 50))}`, 'GET /channels?page=<last>');
    console.log('target: p99 at most 20 ms');
    await uploadMemory(server.pid);
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
