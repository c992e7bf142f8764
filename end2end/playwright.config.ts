import { defineConfig } from '@playwright/test';
import path from 'node:path';
import { ADMIN_PASSWORD, ADMIN_STATE } from './accounts';

const root = path.resolve(__dirname, '..');
export const PORT = 3100;
const dataDir = path.join(__dirname, '.tmp', 'e2e-data');

export default defineConfig({
  testDir: './tests',
  // One worker: the machine has 2 cores and the server shares them.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  projects: [
    { name: 'setup', testMatch: /.*\.setup\.ts/ },
    // Every console test starts signed in (tests of signing in start from an empty state).
    { name: 'console', testMatch: /.*\.spec\.ts/, dependencies: ['setup'], use: { storageState: ADMIN_STATE } },
  ],
  reporter: [['list'], ['json', { outputFile: path.join(__dirname, '.tmp', 'results.json') }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  // The release build made by scripts/test (what ships: hashed, precompressed files), on a
  // fresh database for every run.
  webServer: {
    command: `rm -rf "${dataDir}" && "${root}/target/release/server" --addr 127.0.0.1:${PORT} --data-dir "${dataDir}"`,
    cwd: root,
    env: { LEPTOS_SITE_ROOT: path.join(root, 'target', 'site'), RUST_LOG: 'warn', CONSOLE_ADMIN_PASSWORD: ADMIN_PASSWORD, CONSOLE_WEBHOOK_ALLOW_PRIVATE: 'true' },
    url: `http://127.0.0.1:${PORT}/sign-in`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
