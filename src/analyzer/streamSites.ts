// Where a project's code touches each Redis stream: XADD (produce), XREADGROUP (consume), XACK (ack)
// and XAUTOCLAIM/XCLAIM (reclaim) calls on an ioredis or node-redis client whose stream key is a
// literal or a constant (in any module) holding one. A key that cannot be resolved is left out: a
// site is only named for a stream it certainly is. The language server answers bounded/streamSites
// with these, so the live panel links a stream to its code and a backlog shows at its consumers.
import { ts } from 'ts-morph';
import { ApiCatalogue } from './catalogue';
import { skipOuterExpressions } from './expressions';
import type { Range } from './findings';
import { groupRead, isRedisClient, type RedisCallContext, stringValue } from './redisStreams';

export type StreamSiteRole = 'produce' | 'consume' | 'ack' | 'reclaim';

export interface StreamCallSite {
  stream: string;
  role: StreamSiteRole;
  /** Absolute path of the file. */
  file: string;
  /** The called method's name, 0-based (`xreadgroup` of `redis.xreadgroup(…)`): where a diagnostic goes. */
  range: Range;
}

/** Methods whose first argument is the stream key, ioredis and node-redis spellings. */
const keyFirstMethods: Readonly<Record<string, StreamSiteRole>> = {
  xadd: 'produce',
  xAdd: 'produce',
  xack: 'ack',
  xAck: 'ack',
  xautoclaim: 'reclaim',
  xAutoClaim: 'reclaim',
  xAutoClaimJustId: 'reclaim',
  xclaim: 'reclaim',
  xClaim: 'reclaim',
  xClaimJustId: 'reclaim',
};

/** A cheap look at the text first: most files never name a stream command. */
const streamCallMarker = /\.x(add|ack|readgroup|autoclaim|claim)/i;

/** The stream call sites of one file, in source order. */
export function streamCallSites(program: ts.Program, sourceFile: ts.SourceFile): StreamCallSite[] {
  if (!streamCallMarker.test(sourceFile.text)) return [];
  let checker: ts.TypeChecker | undefined;
  const getChecker = (): ts.TypeChecker => (checker ??= program.getTypeChecker());
  const ctx: RedisCallContext = {
    get checker() {
      return getChecker();
    },
    catalogue: new ApiCatalogue(sourceFile, getChecker),
  };
  const sites: StreamCallSite[] = [];
  const add = (stream: string, role: StreamSiteRole, name: ts.Node) => {
    const start = sourceFile.getLineAndCharacterOfPosition(name.getStart(sourceFile));
    const end = sourceFile.getLineAndCharacterOfPosition(name.getEnd());
    sites.push({ stream, role, file: sourceFile.fileName, range: { start, end } });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = skipOuterExpressions(node.expression);
      if (ts.isPropertyAccessExpression(callee)) {
        const method = callee.name.text;
        const role = Object.hasOwn(keyFirstMethods, method) ? keyFirstMethods[method] : undefined;
        if (role !== undefined && node.arguments[0] && isRedisClient(ctx, callee.expression)) {
          const key = stringValue(ctx.checker, node.arguments[0]);
          if (key !== undefined) add(key, role, callee.name);
        } else if (role === undefined) {
          const read = groupRead(ctx, node);
          for (const key of new Set(read?.keys ?? [])) if (key !== undefined) add(key, 'consume', callee.name);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return sites;
}
