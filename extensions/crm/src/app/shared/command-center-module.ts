/**
 * A CRM command center as a Directus app module: one page at the module's root, and not in the
 * module bar of a role that cannot use it (`mayUse`, pure, in module-access.ts; the server refuses
 * such a user anyway, this only keeps dead ends out of the bar).
 */
import { defineModule } from '@directus/extensions-sdk';
import type { Component } from 'vue';
import type { ModulePermissions, ModuleUser } from './module-access.js';

export function commandCenterModule(spec: {
  id: string;
  name: string;
  icon: string;
  page: Component;
  mayUse: (user: ModuleUser, permissions: ModulePermissions) => boolean;
  /** More routes below the root (`:id` pages and the like). */
  routes?: Array<{ path: string; component: Component; props?: boolean }>;
}) {
  return defineModule({
    id: spec.id,
    name: spec.name,
    icon: spec.icon,
    preRegisterCheck: (user, permissions) => spec.mayUse(user as ModuleUser, permissions as ModulePermissions),
    routes: [{ path: '', component: spec.page }, ...(spec.routes ?? [])],
  });
}
