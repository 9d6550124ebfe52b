// stream-no-reclaim: a consumer-group worker reads a Redis stream with XREADGROUP, and nothing in the
// project ever reclaims entries stuck with a consumer that died or hung (XAUTOCLAIM / XCLAIM). Entries
// delivered to a crashed worker (a deploy, an OOM kill, a new pod name) stay pending forever: the work
// is silently lost.
import { ts } from 'ts-morph';
import type { Rule } from '../rule';
import { groupRead, projectReclaims } from '../redisStreams';

export const streamNoReclaimRule: Rule = {
  id: 'stream-no-reclaim',
  family: 'async',
  meta: {
    description: 'A Redis Streams consumer group is read with XREADGROUP, but nothing in the project reclaims entries stuck with a dead consumer (XAUTOCLAIM/XCLAIM): their work is lost.',
    defaultSeverity: 'warning',
    docs: 'docs/rules/stream-no-reclaim.md',
    fixable: false,
    requiresTypes: true,
  },
  create(ctx) {
    return {
      nodes: {
        [ts.SyntaxKind.CallExpression]: (node) => {
          const read = groupRead(ctx, node as ts.CallExpression);
          if (!read || read.noAck || projectReclaims(ctx.program)) return;
          ctx.report({
            start: read.callee.getStart(ctx.sourceFile),
            end: read.callee.end,
            message: `This XREADGROUP delivers entries to one consumer, and nothing in the project reclaims entries left pending by a consumer that crashed, was redeployed under a new name or hangs (XAUTOCLAIM/XCLAIM): that work is never done. Run a periodic \`xautoclaim(stream, group, consumer, minIdleMs, '0-0', 'COUNT', n)\` in the workers (or a recovery job), and dead-letter entries delivered too often.`,
          });
        },
      },
    };
  },
};
