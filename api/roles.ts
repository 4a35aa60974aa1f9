import type { Role } from '../db/tables/api-key.table';

export type { Role };
export const ROLES = ['admin', 'ops', 'agent', 'readonly'] as const satisfies readonly Role[];

/**
 * What each key role may do, by the role a route requires. Not a chain: ops runs the machinery
 * (journeys, campaigns, channels) and agent talks to customers; neither does the other's job, both
 * read what the other does, and admin does everything.
 */
const GRANTS: Record<Role, readonly Role[]> = {
  admin: ['admin', 'ops', 'agent', 'readonly'],
  ops: ['ops', 'readonly'],
  agent: ['agent', 'readonly'],
  readonly: ['readonly'],
};

export const mayCall = (role: Role, required: Role) => GRANTS[role].includes(required);

/**
 * The role every authenticated route requires, by `method path` as in the OpenAPI document.
 * A route missing here answers 404 to every key, and the role-matrix test fails on it.
 */
export const ROUTE_ROLES: Record<string, Role> = {
  'post /v1/auth/token': 'readonly',
  'get /v1/org': 'readonly',
  'patch /v1/org': 'admin',
  'post /v1/org/enrichment-secret/rotate': 'admin',
  'post /v1/org/offboard': 'admin',
  'get /v1/keys': 'admin',
  'post /v1/keys': 'admin',
  'delete /v1/keys/{id}': 'admin',
  'get /v1/request-log': 'admin',
  'get /v1/audit-log': 'admin',
  'get /v1/journeys': 'readonly',
  'post /v1/journeys': 'ops',
  'get /v1/journeys/{id}': 'readonly',
  'put /v1/journeys/{id}': 'ops',
  'post /v1/campaigns': 'ops',
  'post /v1/campaigns/{id}/contacts': 'ops',
  'get /v1/campaigns/{id}': 'readonly',
  'get /v1/campaigns/{id}/priorities': 'readonly',
  // The rejected rows of a contacts file are raw personal data, for whoever fixes the import.
  'get /v1/campaigns/{id}/import-report': 'ops',
  'post /v1/campaigns/{id}/pause': 'ops',
  'post /v1/campaigns/{id}/resume': 'ops',
  'post /v1/campaigns/{id}/cancel': 'ops',
  'post /v1/campaigns/{id}/legal-hold': 'admin',
  'delete /v1/campaigns/{id}/legal-hold': 'admin',
  'post /v1/contacts/{id}/legal-hold': 'admin',
  'delete /v1/contacts/{id}/legal-hold': 'admin',
  // Ops run the campaigns the list guards; the list holds no addresses, but its reasons are free text.
  'get /v1/suppressions': 'ops',
  'post /v1/suppressions': 'ops',
  'delete /v1/suppressions': 'ops',
  'post /v1/conversations': 'ops',
  'get /v1/conversations/{id}': 'readonly',
  'get /v1/conversations/{id}/transcript': 'readonly',
  'post /v1/conversations/{id}/messages': 'agent',
  'post /v1/conversations/{id}/outcome': 'agent',
  'post /v1/conversations/{id}/notes': 'agent',
  'post /v1/conversations/{id}/handoff': 'agent',
  'post /v1/conversations/{id}/handback': 'agent',
  'post /v1/conversations/{id}/close': 'agent',
  'post /v1/sandbox/{channelId}/inbound': 'ops',
  'get /v1/sandbox/{channelId}/outbox': 'readonly',
  'get /v1/channels': 'readonly',
  'get /v1/channels/{id}': 'readonly',
  'post /v1/channels': 'ops',
  'patch /v1/channels/{id}': 'ops',
  'delete /v1/channels/{id}': 'ops',
  'get /v1/webhooks/schemas': 'readonly',
  'get /v1/webhooks': 'admin',
  'post /v1/webhooks': 'admin',
  'get /v1/webhooks/{id}': 'admin',
  'delete /v1/webhooks/{id}': 'admin',
  'post /v1/webhooks/{id}/pause': 'admin',
  'post /v1/webhooks/{id}/resume': 'admin',
  'post /v1/webhooks/{id}/rotate-secret': 'admin',
  'get /v1/webhooks/{id}/deliveries': 'admin',
  'post /v1/webhooks/{id}/replay': 'admin',
  // A person's whole record, its erasure and its export: the controller's decision, so admin only.
  'post /v1/data-subject-requests': 'admin',
  'get /v1/data-subject-requests': 'admin',
  'get /v1/data-subject-requests/{id}': 'admin',
  'post /v1/data-subject-requests/{id}/cancel': 'admin',
  'get /v1/data-subject-requests/{id}/bundle': 'admin',
};

interface RouteRule {
  method: string;
  pattern: RegExp;
  /** The route as logged: `/v1/campaigns/:id`, never the concrete URL. */
  template: string;
  role: Role;
}

const rules: RouteRule[] = Object.entries(ROUTE_ROLES).map(([key, role]) => {
  const [method, path] = key.split(' ');
  const source = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+');
  return { method: method.toUpperCase(), pattern: new RegExp(`^${source}/?$`), template: path.replace(/\{(\w+)\}/g, ':$1'), role };
});

/** The declared route a request is for, if any. */
export function routeFor(method: string, path: string): { template: string; role: Role } | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  return rules.find((r) => r.method === m && r.pattern.test(path));
}
