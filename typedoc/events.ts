/**
 * Watch tunnels and links: added, changed and removed events, with a resync when events were lost.
 *
 * @module Events
 */
export {
  type LinkEvent,
  type TunnelChange,
  type TunnelEvent,
  type WatchChange,
  type WatchOptions,
  type WatchResync,
  watchLinks,
  watchTunnels,
} from '../src/index.js';
