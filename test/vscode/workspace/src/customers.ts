// Fixture for the vscode-tier tests (signalAcrossFiles): the callee, in a file of its own, takes a signal.
export async function lookupCustomer(id: string, signal?: AbortSignal): Promise<unknown> {
  const response = await fetch(`https://crm.internal/customers/${id}`, { signal });
  return response.json();
}
