/**
 * A minimal typed REST client for the provisioning steps (access model, settings, flows, demo data).
 * Provisioning talks to Directus through its public API as the admin, so every write goes through
 * Directus' own validation and cache invalidation, exactly as an admin's clicks would.
 */
export class DirectusApiError extends Error {
  override name = 'DirectusApiError';
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly body: unknown,
  ) {
    const errors = (body as { errors?: Array<{ message?: string; extensions?: { code?: string } }> })?.errors ?? [];
    const detail = errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message ?? ''}`).join('; ') || JSON.stringify(body);
    super(`${method} ${path} answered ${status}: ${detail}`);
  }
}

export class DirectusApi {
  constructor(
    readonly baseUrl: string,
    private token?: string,
  ) {}

  static async login(baseUrl: string, email: string, password: string): Promise<DirectusApi> {
    const api = new DirectusApi(baseUrl);
    const data = await api.request<{ access_token: string }>('POST', '/auth/login', { email, password });
    api.token = data.access_token;
    return api;
  }

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) throw new DirectusApiError(response.status, method, path, parsed);
    return (parsed as { data?: T } | undefined)?.data as T;
  }

  get<T = unknown>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = unknown>(path: string, body: unknown) {
    return this.request<T>('POST', path, body);
  }
  patch<T = unknown>(path: string, body: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  delete(path: string, body?: unknown) {
    return this.request('DELETE', path, body);
  }
}
