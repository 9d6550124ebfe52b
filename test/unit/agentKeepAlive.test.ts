// agent-keep-alive's project-wide part: a keep-alive agent is reported for missing retries only when
// none of the project's files retries a request after a reset, and editing that file changes it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnalysisWorkspace } from '../../src/analyzer/workspace';
import { defaultDeployment } from '../../src/shared/settings';
import { scratchFolder } from '../support/scratchFolder';

const tsconfig = JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true, types: [] }, include: ['*.ts'] });
const agentFile = "import https from 'node:https';\nexport const agent = new https.Agent({ keepAlive: true, timeout: 4000, maxSockets: 20 });\n";
const retryNote = (message: string) => message.includes('nothing in the project retries');

function agentFindings(workspace: AnalysisWorkspace, file: string) {
  return workspace.analyseFile(file).findings.filter((f) => f.rule === 'agent-keep-alive');
}

describe('agent-keep-alive: retries on reset, project-wide', () => {
  const scratch = scratchFolder('agent-keep-alive');
  const dir = scratch.root;
  scratch.write('tsconfig.json', tsconfig);
  const agent = scratch.write('agent.ts', agentFile);
  const client = scratch.write('client.ts', 'export async function get(url: string) {\n  return fetch(url, { signal: AbortSignal.timeout(5000) });\n}\n');

  it('reports a tuned keep-alive agent when no file retries', () => {
    const workspace = new AnalysisWorkspace({ roots: [dir] });
    const findings = agentFindings(workspace, agent);
    assert.equal(findings.length, 1);
    assert.ok(retryNote(findings[0].message), findings[0].message);
    assert.deepEqual(findings[0].fixes, [], 'message only, no fix');
  });

  it('is quiet once another file of the project retries (an edit there is seen here)', () => {
    const workspace = new AnalysisWorkspace({ roots: [dir] });
    assert.equal(agentFindings(workspace, agent).length, 1);
    workspace.setOverlay(client, "import { Agent, RetryAgent } from 'undici';\nexport const dispatcher = new RetryAgent(new Agent());\n");
    assert.deepEqual(agentFindings(workspace, agent), []);
    workspace.removeOverlay(client);
    assert.equal(agentFindings(workspace, agent).length, 1);
  });

  it('requireRetryOnReset: false turns the project-wide part off', () => {
    const workspace = new AnalysisWorkspace({ roots: [dir], settings: { 'agent-keep-alive': { requireRetryOnReset: false } } });
    assert.deepEqual(agentFindings(workspace, agent), []);
  });

  it('judges idle timeouts against bounded.upstreamIdleTimeoutMs', () => {
    const workspace = new AnalysisWorkspace({ roots: [dir], settings: { 'agent-keep-alive': { requireRetryOnReset: false } }, deployment: { ...defaultDeployment, upstreamIdleTimeoutMs: 3000 } });
    const findings = agentFindings(workspace, agent);
    assert.equal(findings.length, 1);
    assert.match(findings[0].message, /4 s, not shorter than the upstream's idle timeout \(3 s/);
    assert.match(findings[0].fixes[0]?.edits[0]?.newText ?? '', /^1500$/, 'half the upstream idle timeout');
  });
});
