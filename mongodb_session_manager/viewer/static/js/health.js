// The health indicator: polls /health (no token needed) and shows the result.

import { $ } from './dom.js';

const PERIOD_MS = 10_000;

export function startHealth() {
  const badge = $('#health');
  const text = $('.health-text', badge);
  async function check() {
    let state = 'down';
    let label = 'database unreachable';
    try {
      const response = await fetch('/health', { cache: 'no-store' });
      const body = await response.json();
      if (body.database_reachable) {
        state = 'ok';
        label = `database ok · ${Math.round(body.latency_ms)} ms`;
      } else if (body.error) {
        label = `database unreachable: ${body.error}`;
      }
    } catch {
      label = 'viewer unreachable';
    }
    badge.dataset.state = state;
    badge.title = label;
    // Says what /health proves (the server reaches the database), never "connected":
    // /health needs no token, so it is shown before anyone has signed in.
    text.textContent = state === 'ok' ? 'database ok' : label.split(':')[0];
  }
  check();
  return setInterval(check, PERIOD_MS);
}
