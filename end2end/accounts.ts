import path from 'node:path';

/** The operator every test server starts with (CONSOLE_ADMIN_PASSWORD). */
export const ADMIN = 'admin';
export const ADMIN_PASSWORD = 'e2e admin password';
/** The signed-in browser state the tests start from (written by tests/sign-in.setup.ts). */
export const ADMIN_STATE = path.join(__dirname, '.tmp', 'admin-state.json');
