/**
 * The commands of the bundle dist/cli-commands.cjs, which the `eoip` bin
 * loads only when one of them runs, in place of app.ts's `import('./apply.js')`,
 * `import('./monitor.js')` and `import('./doctor.js')` (see tsup.config.ts).
 */
export { runApply } from './apply.js';
export { runDoctorCommand } from './doctor.js';
export { runMonitor } from './monitor.js';
