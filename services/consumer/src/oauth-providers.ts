import * as client from 'openid-client';
import type { PendingSignIn, SessionUser } from './session.ts';

export interface OAuthIdentity {
  user: SessionUser;
  /** What the access policy may list for this person: "oidc:<sub>", "email:<verified address>", "github:<login>". */
  identities: string[];
}

export interface OAuthProvider {
  readonly name: 'github' | 'oidc';
  readonly label: string;
  start(): Promise<{ url: URL; pending: PendingSignIn }>;
  finish(callbackUrl: URL, pending: PendingSignIn): Promise<OAuthIdentity>;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function redirectUri(publicUrl: string, name: string): string {
  return `${publicUrl}/auth/${name}/callback`;
}

/** Lazily discovered, so the dashboard starts (key sign-in works) while the issuer is unreachable. */
function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= make().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
}

async function beginCodeFlow(config: client.Configuration, redirect: string, scope: string, provider: PendingSignIn['provider'], withNonce: boolean): Promise<{ url: URL; pending: PendingSignIn }> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = withNonce ? client.randomNonce() : undefined;
  const parameters: Record<string, string> = {
    redirect_uri: redirect,
    scope,
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  };
  if (nonce !== undefined) parameters.nonce = nonce;
  return { url: client.buildAuthorizationUrl(config, parameters), pending: { provider, state, verifier, nonce } };
}

export function oidcProvider(options: { issuer: string; clientId: string; clientSecret?: string | undefined; scopes: string[]; label: string; publicUrl: string }): OAuthProvider {
  const issuer = new URL(options.issuer);
  const configuration = lazy(() =>
    client.discovery(
      issuer,
      options.clientId,
      options.clientSecret,
      options.clientSecret === undefined ? client.None() : client.ClientSecretBasic(options.clientSecret),
      issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname) ? { execute: [client.allowInsecureRequests] } : undefined,
    ),
  );
  const redirect = redirectUri(options.publicUrl, 'oidc');
  return {
    name: 'oidc',
    label: options.label,
    async start() {
      return beginCodeFlow(await configuration(), redirect, options.scopes.join(' '), 'oidc', true);
    },
    async finish(callbackUrl, pending) {
      const tokens = await client.authorizationCodeGrant(await configuration(), callbackUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (idClaims === undefined) throw new Error('the issuer returned no ID token');
      // Many issuers put e-mail and name only in userinfo (oidc-provider's default, for one); its subject must match the ID token's.
      const config = await configuration();
      const extra = config.serverMetadata().userinfo_endpoint === undefined ? {} : await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      const claims: Record<string, unknown> & { sub: string } = { ...extra, ...idClaims };
      const identities = [`oidc:${claims.sub}`];
      const email = typeof claims.email === 'string' ? claims.email : undefined;
      if (email !== undefined && claims.email_verified === true) identities.push(`email:${email}`);
      const name = [claims.name, claims.preferred_username, email].find((v): v is string => typeof v === 'string') ?? claims.sub;
      return { user: { id: `oidc:${claims.sub}`, name, via: 'oidc' }, identities };
    },
  };
}

const GITHUB_SERVER: client.ServerMetadata = {
  issuer: 'https://github.com',
  authorization_endpoint: 'https://github.com/login/oauth/authorize',
  token_endpoint: 'https://github.com/login/oauth/access_token',
};

/** GitHub speaks OAuth 2.0 without OIDC: the login comes from its user API. */
export function githubProvider(options: { clientId: string; clientSecret: string; publicUrl: string }): OAuthProvider {
  const config = new client.Configuration(GITHUB_SERVER, options.clientId, undefined, client.ClientSecretPost(options.clientSecret));
  const redirect = redirectUri(options.publicUrl, 'github');
  return {
    name: 'github',
    label: 'GitHub',
    start() {
      return beginCodeFlow(config, redirect, 'read:user', 'github', false);
    },
    async finish(callbackUrl, pending) {
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: pending.verifier, expectedState: pending.state });
      const response = await client.fetchProtectedResource(config, tokens.access_token, new URL('https://api.github.com/user'), 'GET', undefined, new Headers({ accept: 'application/vnd.github+json' }));
      if (!response.ok) throw new Error(`GitHub's user API answered ${response.status}`);
      const profile = (await response.json()) as { login?: unknown; name?: unknown };
      if (typeof profile.login !== 'string') throw new Error('GitHub returned no login');
      const name = typeof profile.name === 'string' && profile.name !== '' ? profile.name : profile.login;
      return { user: { id: `github:${profile.login.toLowerCase()}`, name, via: 'github' }, identities: [`github:${profile.login}`] };
    },
  };
}
