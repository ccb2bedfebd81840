// The areas plugged into the agent, in start order. Each builds its services from the
// shared deps and returns its RPC methods.
import type { ServiceDeps } from './services/context.js';
import type { OwnershipService } from './services/ownership/ownership-service.js';
import type { Feature } from './features.js';

export interface FeatureContext {
  ownership: OwnershipService;
  agentVersion: string;
}

export async function buildFeatures(deps: ServiceDeps, ctx: FeatureContext): Promise<Feature[]> {
  void deps;
  void ctx;
  return [];
}
