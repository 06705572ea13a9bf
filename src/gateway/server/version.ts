/** The version reported in logs, /readyz and regate_build_info (defined in shared/, where the stages can read it). */
export { REGATE_VERSION } from '../shared/version.js';
