import type { Assets } from './assets.ts';

/** For the few server-made values that go into HTML; message data never does (the browser renders it as text). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface SignInProvider {
  path: string;
  label: string;
}

/** Fixed texts: the query only picks one, so nothing from the URL is echoed into the page. */
export const SIGN_IN_ERRORS: Record<string, string> = {
  key: 'That key was not accepted: it must be a valid key with the "read" scope.',
  tenant: 'That key belongs to a tenant this dashboard does not serve.',
  api: 'The API could not be reached. Try again in a moment.',
  link: 'That sign-in link has expired or was already used.',
  denied: 'You signed in, but no tenant is assigned to you. Ask an operator to add you to the allow-list.',
  oauth: 'The sign-in with your provider did not complete. Try again.',
};

function layout(title: string, assets: Assets, body: string, script?: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${escapeHtml(assets.stylesheet)}">
${script === undefined ? '' : `<script src="${escapeHtml(script)}" defer></script>`}
</head>
<body>
${body}
</body>
</html>
`;
}

export function loginPage(assets: Assets, options: { csrf: string; error?: string | undefined; providers: SignInProvider[]; tenantName?: string | undefined }): string {
  const error = options.error === undefined ? undefined : SIGN_IN_ERRORS[options.error];
  const providers = options.providers
    .map((p) => `<a class="button" href="${escapeHtml(p.path)}">Sign in with ${escapeHtml(p.label)}</a>`)
    .join('\n');
  return layout(
    'Pulse — sign in',
    assets,
    `<main class="sign-in">
<h1>Pulse</h1>
<p>Live messages of ${options.tenantName === undefined ? 'your tenant' : `tenant <strong>${escapeHtml(options.tenantName)}</strong>`}.</p>
${error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>`}
${providers === '' ? '' : `<div class="providers">${providers}</div><p class="or">or</p>`}
<form method="post" action="/login/key" class="key-form">
<input type="hidden" name="_csrf" value="${escapeHtml(options.csrf)}">
<label for="api_key">API key</label>
<input id="api_key" name="api_key" type="password" autocomplete="off" required spellcheck="false">
<p class="hint">A tenant key with the "read" scope. It stays on the dashboard's server; your browser never keeps it.</p>
<button type="submit">Sign in</button>
</form>
</main>`,
  );
}

export function logoutPage(assets: Assets, csrf: string): string {
  return layout(
    'Pulse — sign out',
    assets,
    `<main class="sign-in">
<h1>Sign out?</h1>
<form method="post" action="/logout">
<input type="hidden" name="_csrf" value="${escapeHtml(csrf)}">
<button type="submit">Sign out</button>
</form>
<p><a href="/dashboard">Back to the dashboard</a></p>
</main>`,
  );
}

export function dashboardPage(assets: Assets, csrf: string): string {
  return layout(
    'Pulse dashboard',
    assets,
    `<header class="top">
<h1>Pulse</h1>
<span class="field tenant-picker"><label for="tenant">Tenant</label><select id="tenant"></select></span>
<span id="user" class="user"></span>
<form method="post" action="/logout" class="logout">
<input type="hidden" name="_csrf" value="${escapeHtml(csrf)}">
<button type="submit">Sign out</button>
</form>
</header>
<main>
<section class="health" aria-label="Pipeline health">
<span id="health-api" class="pill">API: checking…</span>
<span id="health-age" class="pill">Last message: –</span>
<span id="live" class="pill" role="status" aria-live="polite">Connecting…</span>
</section>
<section class="cards" aria-label="Statistics">
<div class="card"><h2>Total messages</h2><p id="stat-total" class="figure">–</p></div>
<div class="card"><h2>Per environment</h2><ul id="stat-envs" class="envs"></ul></div>
<div class="card"><h2>Last message</h2><p id="stat-last" class="figure small">–</p></div>
<div class="card"><h2>Messages in the last minute</h2><p id="stat-rate" class="figure">–</p></div>
</section>
<section class="chart-box" aria-labelledby="chart-title">
<h2 id="chart-title">Messages per minute, last hour</h2>
<div id="chart" class="chart" role="img" aria-label="Messages per minute per environment over the last hour"></div>
</section>
<section aria-labelledby="messages-title">
<h2 id="messages-title">Messages</h2>
<form id="filters" class="filters">
<span class="field"><label for="environment">Environment</label><select id="environment" name="environment"><option value="">All</option></select></span>
<span class="field"><label for="range">Time range</label><select id="range" name="range">
<option value="all">All time</option>
<option value="15m">Last 15 minutes</option>
<option value="1h">Last hour</option>
<option value="24h">Last 24 hours</option>
<option value="7d">Last 7 days</option>
<option value="custom">Custom…</option>
</select></span>
<label class="custom" hidden>From <input id="since" name="since" type="datetime-local"></label>
<label class="custom" hidden>Until <input id="until" name="until" type="datetime-local"></label>
<button type="submit" class="custom" hidden>Apply</button>
<span class="exports"><a id="export-csv" class="button" download>Export CSV</a> <a id="export-ndjson" class="button" download>Export NDJSON</a></span>
</form>
<div class="table-wrap">
<table id="messages">
<thead><tr><th scope="col">ID</th><th scope="col">DateTime</th><th scope="col">Environment</th><th scope="col">Created at</th><th scope="col">Source</th><th scope="col">Payload</th></tr></thead>
<tbody></tbody>
</table>
</div>
<p id="empty" class="empty" hidden>No messages in this view.</p>
<button id="older" type="button" hidden>Load older</button>
</section>
</main>`,
    assets.dashboardScript,
  );
}
