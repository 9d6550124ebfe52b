// The Streams tab's "Produced at … · Consumed at …" row in jsdom: links as buttons with aria labels,
// a click asks to open that site and says what happened, no row for a stream no code names; the
// protocol's guards accept the sites and refuse a malformed one or an open request that is not a site.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JSDOM } from 'jsdom';
import { OpenStreamSiteRequest, type PanelStream, type PanelStreamSite, LiveSnapshotNotification } from '../../src/shared/livePanelProtocol';
import { liveSnapshot } from '../support/liveSnapshot';
import { streamSitesRow } from '../../webview/streamsView';

const produced: PanelStreamSite = { role: 'produce', label: 'src/orders.ts:12', uri: 'file:///w/src/orders.ts', line: 11, character: 14 };
const consumed: PanelStreamSite = { role: 'consume', label: 'src/worker.ts:48', uri: 'file:///w/src/worker.ts', line: 47, character: 20 };
const stream: PanelStream = { stream: 'orders', length: 3, groups: [], groupsNotRead: 0, sites: [produced, consumed] };

describe('streamSitesRow', () => {
  it('says where the stream is produced and consumed, and a click opens the site', async () => {
    const { document } = new JSDOM('<!doctype html><body></body>').window;
    const opened: PanelStreamSite[] = [];
    const row = streamSitesRow(document, stream, async (site) => {
      opened.push(site);
      return `Opened ${site.label}`;
    });
    assert.ok(row);
    document.body.append(row);
    assert.equal(row.querySelector('.stream-site-status')?.textContent, '');
    assert.equal(row.textContent, 'Produced at src/orders.ts:12 · Consumed at src/worker.ts:48');
    const link = row.querySelector<HTMLButtonElement>('button.stream-site-consume');
    assert.equal(link?.getAttribute('aria-label'), 'Consumed at src/worker.ts:48: open in the editor');
    link?.click();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(opened, [consumed]);
    assert.equal(row.querySelector('.stream-site-status')?.textContent, 'Opened src/worker.ts:48');
  });

  it('makes no row for a stream no code names', () => {
    const { document } = new JSDOM('').window;
    assert.equal(streamSitesRow(document, { ...stream, sites: undefined }, undefined), undefined);
    assert.equal(streamSitesRow(document, { ...stream, sites: [] }, undefined), undefined);
  });

  it('guards: sites in a snapshot, and the open request', () => {
    const snapshot = (sites: unknown) =>
      LiveSnapshotNotification.is(
        LiveSnapshotNotification.message(
          liveSnapshot({
            receiver: { state: 'running', host: '127.0.0.1', port: 1 },
            streams: [{ name: 't', url: 'redis://x', state: 'connected', notes: [], unreadable: [], streams: [{ ...stream, sites } as PanelStream] }],
          }),
        ),
      );
    assert.equal(snapshot([produced, consumed]), true);
    assert.equal(snapshot([{ ...produced, role: 'ack' }]), false);
    assert.equal(snapshot([{ ...produced, line: -1 }]), false);
    assert.equal(OpenStreamSiteRequest.is(OpenStreamSiteRequest.message({ uri: produced.uri, line: 11, character: 14 }, 1)), true);
    assert.equal(OpenStreamSiteRequest.is(OpenStreamSiteRequest.message({ uri: '', line: 11, character: 14 }, 1)), false);
    assert.equal(OpenStreamSiteRequest.is(OpenStreamSiteRequest.message({ uri: produced.uri, line: 1.5, character: 0 } as never, 1)), false);
  });
});
