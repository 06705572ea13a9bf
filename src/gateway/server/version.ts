/** The version reported in logs, /readyz and regate_build_info. */
export const REGATE_VERSION = '0.1.0';
