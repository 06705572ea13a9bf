/**
 * regate's version: in logs, /readyz, regate_build_info, the spans' service.version and the
 * audit events' `labels.version` (OPA puts its own version there). Kept equal to package.json's
 * `version` by test/cli/main.test.ts.
 */
export const REGATE_VERSION = '0.1.0';
