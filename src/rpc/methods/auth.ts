// RPC methods of the agent password: update_agent_password(user, password[, oldpass]).
import { z } from 'zod';
import * as R from '../results.js';
import { defineMethod, type MethodDef } from '../method.js';
import type { PasswordStore } from '../../services/auth/password-store.js';

export function authMethods(store: Pick<PasswordStore, 'change'>): MethodDef[] {
  return [
    defineMethod({
      name: 'update_agent_password',
      result: R.nil,
      params: z.tuple([z.string(), z.string(), z.string().optional()]),
      access: 'owned',
      secretArgs: [1, 2],
      summary: 'Change the agent password of user oracle (oldpass, when given, must match)',
      handler: async ([user, password, oldpass]) => {
        await store.change(user, password, oldpass);
        return null;
      },
    }),
  ];
}
