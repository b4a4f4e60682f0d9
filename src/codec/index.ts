/** The codec layer: bytes <-> values, no I/O. Re-exported for the layers above. */
export * from './addresses.js';
export * from './attributes.js';
export * from './bytes.js';
export * from './constants.js';
export * from './describe.js';
export * from './eoip.js';
export * from './errno.js';
export * from './error.js';
export * from './header.js';
export * from './link.js';
export * from './parse-error.js';
export * from './requests.js';
export * from './tunnel-data.js';
export * from './types.js';
