import { CONTRACT_VERSION } from '../shared/index.ts';
import { GatewayError } from './errors.ts';

/**
 * A client that says nothing (curl, a test) is served; one built on another contract is not. Both
 * the tRPC procedures (gateway.ts) and the stream calls (streams.ts) ask this before anything runs.
 */
export function checkContractVersion(version: string | null): void {
  if (version !== null && version !== CONTRACT_VERSION) {
    throw new GatewayError(
      'VERSION_MISMATCH',
      `the client was built for contract ${version}; this gateway serves ${CONTRACT_VERSION}: deploy them together`,
    );
  }
}
