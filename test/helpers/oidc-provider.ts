/**
 * Test helper: a real oidc-provider on 127.0.0.1 (ephemeral port) as the token server.
 * The implementation is shared with the demo stack (src/devtools/token-server.ts).
 *
 * @example
 * const ts = await startTokenServer();
 * t.teardown(() => ts.stop());
 * const token = await ts.issueJwt({ scope: 'read' });
 */
export { startTokenServer } from '../../src/devtools/token-server.js';
export type { TokenServer, TokenServerOptions, IssueOptions, DemoClient } from '../../src/devtools/token-server.js';
