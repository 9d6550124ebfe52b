// Asks a Node process, from an inspector session of its own, whether Bounded's sampler is in it
// (the global Symbol.for('bounded.attach') the attach installs and detach removes).
import { connectInspector, listInspectorTargets } from '../../src/live/inspectorClient';

export async function samplerInstalledIn(inspectorPort: number): Promise<boolean> {
  const [target] = await listInspectorTargets({ port: inspectorPort });
  const observer = await connectInspector(target.webSocketDebuggerUrl);
  try {
    return (await observer.evaluate(`Symbol.for('bounded.attach') in globalThis`)).value === true;
  } finally {
    await observer.close();
  }
}
