import { authenticatedCaller } from '../../../platform/auth/authenticated.js';
import type { OperationHandlers } from '../../../platform/http/operation.js';
import type { UserService } from '../application/user.service.js';
import type { operations } from './openapi.gen.js';
import { toUserBody } from './user.mapping.js';

/** The operation bound here: self-registration (the caller's own user is identity.routes.ts'). */
export type UserOperations = Pick<operations, 'createUser'>;

/** Handler of `createUser`, typed from the spec. */
export function createUserHandlers(users: UserService): OperationHandlers<UserOperations> {
  return {
    createUser: async ({ auth }) => {
      const caller = authenticatedCaller(auth);
      const { user, created } = await users.registerUser(caller.user, caller.app);
      return created
        ? { status: 201, body: toUserBody(user), headers: { Location: '/api/v1/users/me' } }
        : { status: 200, body: toUserBody(user) };
    },
  };
}
