// stream-never-acked: a consumer-group worker reads a Redis stream with XREADGROUP but nothing in the
// file, nor in the functions it calls, acknowledges the entries (XACK). Every delivered entry stays in
// the group's pending list forever: the PEL grows without bound, XPENDING shows work as stuck that was
// done, and any reclaimer hands finished work out again.
import { ts } from 'ts-morph';
import type { Rule } from '../rule';
import { acksStream, groupRead } from '../redisStreams';

export const streamNeverAckedRule: Rule = {
  id: 'stream-never-acked',
  family: 'async',
  meta: {
    description: 'A Redis Streams consumer reads with XREADGROUP but never acknowledges the entries with XACK: the pending entries list grows forever and done work looks stuck.',
    defaultSeverity: 'warning',
    docs: 'docs/rules/stream-never-acked.md',
    fixable: false,
    requiresTypes: true,
  },
  create(ctx) {
    return {
      nodes: {
        [ts.SyntaxKind.CallExpression]: (node) => {
          const read = groupRead(ctx, node as ts.CallExpression);
          if (!read || read.noAck) return;
          const unackedAt = read.keys.findIndex((key) => !acksStream(ctx, ctx.sourceFile, key));
          if (unackedAt < 0) return;
          const key = read.keys[unackedAt];
          const stream = key === undefined ? 'its stream' : `stream \`${key}\``;
          ctx.report({
            start: read.callee.getStart(ctx.sourceFile),
            end: read.callee.end,
            message: `This XREADGROUP reads ${stream} in a consumer group, but nothing here or in the functions it calls acknowledges the entries (XACK): each one stays in the group's pending list forever, memory grows, and XPENDING/XAUTOCLAIM treat finished work as stuck. Call \`xack(stream, group, id)\` once an entry is handled, or read with NOACK if losing entries is acceptable.`,
          });
        },
      },
    };
  },
};
