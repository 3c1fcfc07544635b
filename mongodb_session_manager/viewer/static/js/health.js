// The health indicator: the details come from /api/v1/health (behind the token);
// /health (open to all) only says up or down.

import { $ } from './dom.js';
import { get, getToken } from './api.js';

const PERIOD_MS = 10_000;

// A session link's credential (sv1.…) opens one session only, not the details.
const isAdminToken = (token) => Boolean(token) && !token.startsWith('sv1.');

async function report() {
  if (isAdminToken(getToken())) {
    try {
      return await get('/api/v1/health');
    } catch (error) {
      if (error.status === 503) return { database_reachable: false, error: error.message };
    }
  }
  const response = await fetch('/health', { cache: 'no-store' });
  const body = await response.json();
  return { database_reachable: body.status === 'ok', latency_ms: null };
}

export function startHealth() {
  const badge = $('#health');
  const text = $('.health-text', badge);
  async function check() {
    let state = 'down';
    let label = 'database unreachable';
    try {
      const body = await report();
      if (body.database_reachable) {
        state = 'ok';
        label = body.latency_ms == null ? 'database ok' : `database ok · ${Math.round(body.latency_ms)} ms`;
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
