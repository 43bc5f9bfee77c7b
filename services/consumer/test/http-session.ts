/** A minimal browser stand-in for server tests: keeps cookies, never follows redirects, reads CSRF tokens from pages. */
export class HttpSession {
  readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index).trim();
      const value = pair!.slice(index + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(`${this.base}${path}`, { redirect: 'manual', headers: { cookie: this.cookieHeader(), ...headers } });
    this.remember(response);
    return response;
  }

  async postForm(path: string, fields: Record<string, string>): Promise<Response> {
    const response = await fetch(`${this.base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    this.remember(response);
    return response;
  }

  /** Loads a page and returns the CSRF token of its form. */
  async csrf(path = '/'): Promise<string> {
    const html = await (await this.get(path)).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (token === undefined) throw new Error(`no CSRF token on ${path}`);
    return token;
  }

  async signInWithKey(key: string): Promise<Response> {
    const csrf = await this.csrf('/');
    return this.postForm('/login/key', { _csrf: csrf, api_key: key });
  }
}

export async function readKey(api: { url: string; adminToken: string }, tenant: string, scopes: string[] = ['read']): Promise<string> {
  const response = await fetch(`${api.url}/admin/tenants/${tenant}/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scopes }),
  });
  if (response.status !== 201) throw new Error(`key for ${tenant}: ${response.status}`);
  return ((await response.json()) as { key: string }).key;
}

export async function postMessage(api: { url: string }, key: string, message: Record<string, unknown>): Promise<{ id: number }> {
  const response = await fetch(`${api.url}/api/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(message),
  });
  if (response.status !== 201) throw new Error(`posting: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { data: { id: number } }).data;
}
