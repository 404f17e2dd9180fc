import { authenticatedUser } from '../../../platform/auth/authenticated.js';
import type { OperationHandlers } from '../../../platform/http/operation.js';
import type { GenesisService } from '../application/genesis.service.js';
import { toGenesisBody, toGenesisRequest } from './genesis.mapping.js';
import type { operations } from './openapi.gen.js';

/** The operations bound here: running genesis once, and reading back what it created. */
export type GenesisOperations = Pick<operations, 'createGenesis' | 'findGenesis'>;

/** Handlers of `createGenesis` and `findGenesis`, typed from the spec. */
export function createGenesisHandlers(genesis: GenesisService): OperationHandlers<GenesisOperations> {
  return {
    createGenesis: async ({ auth, body }) => {
      const result = await genesis.createGenesis(authenticatedUser(auth), body === undefined ? undefined : toGenesisRequest(body));
      return {
        status: 201,
        body: toGenesisBody(result),
        replayBody: toGenesisBody({
          ...result,
          principal: { ...result.principal, keys: new Map() },
          test: { ...result.test, keys: new Map() },
          userInitiated: { ...result.userInitiated, keys: new Map() },
        }),
        headers: { Location: '/api/v1/genesis' },
      };
    },
    findGenesis: async () => ({ status: 200, body: toGenesisBody(await genesis.findGenesis()) }),
  };
}
