/**
 * HTTP helpers for integration tests: real logins, real tokens, and the @directus/sdk client that
 * matches Directus 11.17.4 (sdk 21.3.0, the version its own app is built with).
 */
import {
  authentication,
  createDirectus,
  rest,
  staticToken,
  type AuthenticationClient,
  type DirectusClient,
  type RestClient,
} from '@directus/sdk';
import { inject } from 'vitest';

export const DEMO_PASSWORD = 'demo-password';

export function baseUrl(): string {
  return inject('crmUrl');
}

export async function login(email: string, password = DEMO_PASSWORD): Promise<string> {
  const response = await fetch(`${baseUrl()}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) throw new Error(`login ${email} failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { data: { access_token: string } };
  return body.data.access_token;
}

export type Sdk = DirectusClient<any> & RestClient<any>;

export async function sdkAs(email: string): Promise<Sdk> {
  const token = await login(email);
  return createDirectus(baseUrl()).with(staticToken(token)).with(rest()) as unknown as Sdk;
}

export function sdkWithPassword(): DirectusClient<any> & RestClient<any> & AuthenticationClient<any> {
  return createDirectus(baseUrl()).with(authentication('json')).with(rest()) as never;
}

export interface HttpResult<T = any> {
  status: number;
  body: T;
  text: string;
}

/** A raw request, for asserting exact statuses and bodies. */
export async function http<T = any>(method: string, path: string, token?: string, body?: unknown): Promise<HttpResult<T>> {
  const response = await fetch(`${baseUrl()}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed as T, text };
}

/** Caches tokens per user for the duration of a test file. */
const tokens = new Map<string, string>();
export async function tokenFor(email: string): Promise<string> {
  let token = tokens.get(email);
  if (!token) {
    token = await login(email);
    tokens.set(email, token);
  }
  return token;
}

export async function adminToken(): Promise<string> {
  return tokenFor('admin@example.com');
}

/** Reads as admin: ids and codes of seeded rows, for probing as other users. */
export async function adminGet<T = any>(path: string): Promise<T> {
  const result = await http<{ data: T }>('GET', path, await adminToken());
  if (result.status !== 200) throw new Error(`admin GET ${path}: ${result.status} ${result.text}`);
  return result.body.data;
}
