// What `server-keep-alive` is about, with real processes: nginx from Debian's package (upstream
// keepalive 60 s) in front of a Node app through a 10 ms latency relay, once with Node's default
// keepAliveTimeout and once with the rule's fix (65000 / 66000), under the same paced sequential
// POSTs (test/support/keepAlive/rig.ts). ~38 s (30 s of load).
//
// What is asserted holds on every run: the fixed app answers every request, although nginx reused
// each upstream connection after ~6 s idle; the default app closes those idle connections ~6 s
// after its last response while nginx still keeps them (the cause of the 502s), and a request that
// nginx sends on one after the app closed it fails. How many requests meet a connection in the
// ~20 ms around its close is a race between timers in four processes: measured here nearly every
// try did (217 of 218 over 5 runs at load 5 to 14), but a race cannot be made certain, so the count
// is printed (as a diagnostic), not asserted; bench/keep-alive-502.ts prints the counts side by side
// over several runs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nginxVersion, runKeepAliveRig } from '../support/keepAlive/rig';
import { scratchFolder } from '../support/scratchFolder';

const senders = 8;
const scratch = scratchFolder('keep-alive-502');
const nginx = nginxVersion();
// CI installs nginx (.ci/run): there a missing nginx fails the test instead of skipping it.
const skip = nginx === undefined && process.env.CI !== 'true' ? 'nginx is not installed (Debian: apt-get install nginx-light)' : false;
const nodeMajor = Number(process.versions.node.split('.')[0]);

describe('server keep-alive behind nginx (real processes)', { skip: skip || (nodeMajor >= 26 && "Node 26's default keepAliveTimeout already outlives nginx's 60 s") }, () => {
  it('the fixed server answers every request on connections nginx kept idle; the default one closes them under nginx', { timeout: 120_000 }, async (t) => {
    const result = await runKeepAliveRig({ folder: scratch.root, senders, durationMs: 30_000, relayDelayMs: 10, offsetsMs: [-6, -3, 0, 3, 6] });
    const [byDefault, fixed] = result.apps;
    for (const app of result.apps) {
      t.diagnostic(`${app.app} (keepAliveTimeout ${app.keepAliveTimeout}): ${app.requests} requests ${JSON.stringify(app.outcomes)}, ${app.reuses.length} on connections idle ~${result.paceMs} ms, ${app.reuses.filter((reuse) => reuse.outcome !== '200').length} of those failed; ${app.upstreamErrors.length} upstream errors in nginx's log`);
    }
    t.diagnostic(`${(result.durationMs / 1000).toFixed(1)} s with nginx ${result.nginx}, Node ${result.node}`);

    assert.equal(fixed.keepAliveTimeout, 65_000);
    assert.deepEqual(fixed.outcomes, { '200': fixed.requests }, 'the fixed server: no 502s, no resets');
    assert.deepEqual(fixed.upstreamErrors, [], "the fixed server: nothing in nginx's error log");
    assert.deepEqual(fixed.closedFirstBy, { app: 0, nginx: 0, neither: senders }, 'nginx kept one upstream connection per sender open for the whole run');
    assert.ok(fixed.reuses.length >= senders * 3, `nginx sent requests on connections it had kept idle (${fixed.reuses.length})`);
    for (const reuse of fixed.reuses) assert.ok(reuse.idleMs > result.paceMs - 50, `idle ${reuse.idleMs} ms before the request`);

    assert.ok(byDefault.keepAliveTimeout < 60_000);
    assert.deepEqual(byDefault.closedFirstBy, { app: byDefault.connections, nginx: 0, neither: 0 }, 'the default server closed every upstream connection while nginx still kept it');
    assert.ok(byDefault.idleClosesMs.length > 0);
    for (const closedAfter of byDefault.idleClosesMs) {
      assert.ok(closedAfter >= byDefault.keepAliveTimeout, `closed ${closedAfter} ms after its last response, not before keepAliveTimeout`);
    }
    // A request nginx sent on a connection after the app had closed it (the close still on its way
    // to nginx) cannot be answered: that much of the race is certain.
    for (const reuse of byDefault.reuses.filter((reuse) => reuse.afterCloseMs !== undefined)) {
      assert.notEqual(reuse.outcome, '200', `a request ${reuse.afterCloseMs} ms after the app closed its connection`);
    }
  });
});
