// Fixture for the vscode-tier tests (signalAcrossFiles): the handler has a signal and does not pass it
// to lookupCustomer() in customers.ts (signal-not-forwarded, as long as lookupCustomer takes one).
import { lookupCustomer } from './customers';

export async function handleLookup(id: string, signal: AbortSignal): Promise<unknown> {
  return lookupCustomer(id);
}
