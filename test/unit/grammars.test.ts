// The two contributed grammars, run by the engines VS Code uses (vscode-textmate on vscode-oniguruma)
// over the TypeScript/JavaScript grammars VS Code ships (microsoft/TypeScript-TmLanguage, as packaged
// by tm-grammars), wired the way package.json contributes them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { loadWASM, OnigScanner, OnigString } from 'vscode-oniguruma';
import { INITIAL, parseRawGrammar, Registry, type IGrammar, type StateStack } from 'vscode-textmate';
import { formatLogLine, type LogLevel } from '../../src/extension/outputLog';

const root = join(__dirname, '..', '..');

interface GrammarContribution {
  scopeName: string;
  path: string;
  language?: string;
  injectTo?: string[];
}

interface LanguageContribution {
  id: string;
  aliases?: string[];
  extensions?: string[];
  mimetypes?: string[];
}

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  contributes: { grammars: GrammarContribution[]; languages: LanguageContribution[] };
};
const contributed = manifest.contributes.grammars;

const hostGrammarFiles: Record<string, string> = {
  'source.ts': 'typescript.json',
  'source.tsx': 'tsx.json',
  'source.js': 'javascript.json',
  'source.js.jsx': 'jsx.json',
};

function grammarPath(scopeName: string): string | undefined {
  const own = contributed.find((g) => g.scopeName === scopeName);
  if (own) return join(root, own.path);
  const host = hostGrammarFiles[scopeName];
  return host && require.resolve(`tm-grammars/grammars/${host}`);
}

let registry: Registry;

before(async () => {
  await loadWASM(readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')));
  registry = new Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new OnigScanner(patterns),
      createOnigString: (text: string) => new OnigString(text),
    }),
    async loadGrammar(scopeName) {
      const path = grammarPath(scopeName);
      return path ? parseRawGrammar(readFileSync(path, 'utf8'), path) : null;
    },
    // What VS Code does with `injectTo`: offer the injection grammar to every listed host grammar.
    getInjections: (scopeName) => contributed.filter((g) => g.injectTo?.includes(scopeName)).map((g) => g.scopeName),
  });
});

async function load(scopeName: string): Promise<IGrammar> {
  const grammar = await registry.loadGrammar(scopeName);
  assert.ok(grammar, `grammar ${scopeName} loads`);
  return grammar;
}

interface Token {
  line: number;
  start: number;
  end: number;
  text: string;
  scopes: string[];
}

function tokenize(grammar: IGrammar, source: string): Token[] {
  const tokens: Token[] = [];
  let state: StateStack = INITIAL;
  source.split('\n').forEach((lineText, line) => {
    const result = grammar.tokenizeLine(lineText, state);
    for (const t of result.tokens) {
      tokens.push({ line, start: t.startIndex, end: t.endIndex, text: lineText.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    }
    state = result.ruleStack;
  });
  return tokens;
}

/** The tokens covering the `occurrence`-th `text` of the source (0-based), which must exist. */
function covering(source: string, tokens: Token[], text: string, occurrence = 0): Token[] {
  let offset = -1;
  for (let i = 0; i <= occurrence; i++) {
    offset = source.indexOf(text, offset + 1);
    if (offset < 0) break;
  }
  assert.ok(offset >= 0, `${JSON.stringify(text)} occurs in the source`);
  const line = source.slice(0, offset).split('\n').length - 1;
  const column = offset - source.lastIndexOf('\n', offset - 1) - 1;
  return tokens.filter((t) => t.line === line && t.start < column + text.length && t.end > column);
}

function hasScope(token: Token, scope: string): boolean {
  return token.scopes.some((s) => s === scope || s.startsWith(`${scope}.`));
}

/** Every token of `text` carries `scope`, exactly or as a prefix (`comment.line` matches `comment.line.double-slash.ts`). */
function assertScope(source: string, tokens: Token[], text: string, scope: string, occurrence = 0): void {
  const found = covering(source, tokens, text, occurrence);
  assert.ok(found.length > 0);
  for (const t of found) assert.ok(hasScope(t, scope), `${JSON.stringify(t.text)} in ${JSON.stringify(text)} has ${scope}; got ${t.scopes.join(' ')}`);
}

/** Below the root scope, no token carries a scope ending in `suffix`, apart from those in `except`. */
function assertNoScopeEndingWith(tokens: Token[], suffix: string, except: string[] = []): void {
  for (const t of tokens) {
    const own = t.scopes.slice(1).filter((s) => s.endsWith(suffix) && !except.includes(s));
    assert.deepEqual(own, [], `${JSON.stringify(t.text)} has no ${suffix} scope`);
  }
}

describe('package.json grammar contributions', () => {
  it('points at grammar files whose scope names match', () => {
    for (const g of contributed) {
      const raw = JSON.parse(readFileSync(join(root, g.path), 'utf8')) as { scopeName: string };
      assert.equal(raw.scopeName, g.scopeName, g.path);
    }
  });

  it('injects the suppression grammar into TS, TSX, JS and JSX comments', () => {
    const injection = contributed.find((g) => g.path.endsWith('bounded-suppression.injection.tmLanguage.json'));
    assert.ok(injection);
    assert.deepEqual([...(injection.injectTo ?? [])].sort(), Object.keys(hostGrammarFiles).sort());
    const raw = JSON.parse(readFileSync(join(root, injection.path), 'utf8')) as { injectionSelector: string };
    assert.equal(raw.injectionSelector, 'L:comment.line.double-slash, L:comment.block');
  });

  it('declares bounded-output for the output channel only', () => {
    const language = manifest.contributes.languages.find((l) => l.id === 'bounded-output');
    assert.ok(language);
    assert.deepEqual(language.aliases, ['Bounded Output']);
    assert.equal(language.extensions, undefined, 'no file opens as bounded-output');
    // VS Code gives every output channel created without a language id the language registered
    // for text/x-code-output; claiming that mimetype would paint other extensions' channels.
    assert.ok(!language.mimetypes?.includes('text/x-code-output'));
    assert.equal(contributed.find((g) => g.language === 'bounded-output')?.scopeName, 'text.bounded-output');
  });
});

describe('suppression comment injection', () => {
  for (const host of Object.keys(hostGrammarFiles)) {
    describe(host, () => {
      it('scopes a next-line directive, its rules and its reason inside a // comment', async () => {
        const source = [
          'export async function handle(event: AuditEvent) {',
          '  // bounded-disable-next-line floating-promise, unbounded-fan-out -- audit is best effort',
          '  audit.record(event);',
          '}',
        ].join('\n');
        const tokens = tokenize(await load(host), source);
        assertScope(source, tokens, 'bounded-disable-next-line', 'keyword.control.directive.bounded');
        assertScope(source, tokens, 'floating-promise', 'entity.name.tag.rule.bounded');
        assertScope(source, tokens, 'unbounded-fan-out', 'entity.name.tag.rule.bounded');
        assertScope(source, tokens, ',', 'punctuation.separator.comma.bounded');
        assertScope(source, tokens, '--', 'punctuation.separator.reason.bounded');
        assertScope(source, tokens, 'audit is best effort', 'comment.line.reason.bounded');
        // Still a comment to the host grammar, so themes and comment commands keep working.
        assertScope(source, tokens, 'floating-promise', 'comment.line.double-slash');
        assertScope(source, tokens, 'audit is best effort', 'comment.line.double-slash');
        assertNoScopeEndingWith(covering(source, tokens, 'audit.record(event);'), '.bounded');
      });

      it('scopes a trailing same-line directive without a reason', async () => {
        const source = 'cache.refresh(); // bounded-disable-line floating-promise';
        const tokens = tokenize(await load(host), source);
        assertNoScopeEndingWith(covering(source, tokens, 'cache.refresh();'), '.bounded');
        assertScope(source, tokens, 'bounded-disable-line', 'keyword.control.directive.bounded');
        assertScope(source, tokens, 'floating-promise', 'entity.name.tag.rule.bounded');
      });

      it('scopes a file-level directive in a block comment and leaves its */ to the host', async () => {
        const source = '/* bounded-disable unbounded-pool, client-per-request -- legacy module, see #12 */\nconst x = 1;';
        const tokens = tokenize(await load(host), source);
        assertScope(source, tokens, 'bounded-disable', 'keyword.control.directive.bounded');
        assertScope(source, tokens, 'unbounded-pool', 'entity.name.tag.rule.bounded');
        assertScope(source, tokens, 'client-per-request', 'entity.name.tag.rule.bounded');
        assertScope(source, tokens, '--', 'punctuation.separator.reason.bounded');
        assertScope(source, tokens, 'legacy module, see #12', 'comment.block.reason.bounded');
        assertScope(source, tokens, '*/', 'punctuation.definition.comment');
        assertNoScopeEndingWith(covering(source, tokens, '*/'), '.bounded');
        assertNoScopeEndingWith(covering(source, tokens, 'const x = 1;'), '.bounded');
      });

      it('follows a block directive onto the next line and accepts /** and a leading *', async () => {
        const source = [
          '/* bounded-disable unbounded-pool,',
          '   client-per-request -- generated code */',
          '/** bounded-disable-next-line request-without-timeout */',
          '/* * bounded-disable-line listener-leak */',
        ].join('\n');
        const tokens = tokenize(await load(host), source);
        assertScope(source, tokens, 'client-per-request', 'entity.name.tag.rule.bounded');
        assertScope(source, tokens, 'generated code', 'comment.block.reason.bounded');
        assertScope(source, tokens, 'bounded-disable-next-line', 'keyword.control.directive.bounded');
        assertScope(source, tokens, 'request-without-timeout', 'entity.name.tag.rule.bounded');
        assertScope(source, tokens, 'bounded-disable-line', 'keyword.control.directive.bounded');
        assertScope(source, tokens, 'listener-leak', 'entity.name.tag.rule.bounded');
      });

      it('leaves ordinary comments, strings and look-alikes alone', async () => {
        const source = [
          '// TODO: disable the cache -- later',
          '// see bounded-disable-line in the docs',
          '// docs at https://bounded.test // bounded-disable-line floating-promise',
          '// bounded-disable floating-promise',
          '// bounded-disable-lines floating-promise',
          '/* note: bounded-disable unbounded-pool */',
          '/* plain block -- comment */',
          'const hint = "// bounded-disable-line floating-promise";',
        ].join('\n');
        const tokens = tokenize(await load(host), source);
        assertNoScopeEndingWith(tokens, '.bounded');
        assertScope(source, tokens, 'TODO: disable the cache -- later', 'comment.line.double-slash');
      });
    });
  }
});

describe('Bounded output channel', () => {
  const at = new Date(2026, 11, 3, 9, 12, 1, 123);

  it('formats a line as [local date time.ms] [level] message', () => {
    assert.equal(formatLogLine('info', 'Bounded activated', at), '[2026-12-03 09:12:01.123] [info] Bounded activated');
    assert.equal(formatLogLine('warn', 'x', new Date(2026, 0, 5, 7, 3, 9, 7)), '[2026-01-05 07:03:09.007] [warn] x');
  });

  const entry = 'meta.entry.bounded-output';
  const levelScopes: Record<LogLevel, string> = {
    debug: 'markup.changed.level.debug.bounded-output',
    info: 'markup.inserted.level.info.bounded-output',
    warn: 'markup.deleted.level.warn.bounded-output',
    error: 'string.regexp.level.error.bounded-output',
  };

  for (const [level, scope] of Object.entries(levelScopes) as Array<[LogLevel, string]>) {
    it(`scopes the timestamp and the ${level} level of a formatted line`, async () => {
      const source = formatLogLine(level, 'analysis finished', at);
      const tokens = tokenize(await load('text.bounded-output'), source);
      assertScope(source, tokens, '2026-12-03 09:12:01.123', 'comment.timestamp.bounded-output');
      assertScope(source, tokens, `[${level}]`, scope);
      assertScope(source, tokens, '[', 'punctuation.definition.level.begin.bounded-output', 1);
      for (const other of Object.values(levelScopes).filter((s) => s !== scope)) {
        assert.ok(!tokens.some((t) => hasScope(t, other)), `no ${other} on a ${level} line`);
      }
      assertNoScopeEndingWith(covering(source, tokens, 'analysis finished'), '.bounded-output', [entry]);
    });
  }

  it('scopes rule ids in backticks, source locations and durations in the message', async () => {
    const source = [
      formatLogLine('warn', '`floating-promise` at src/server.ts:42:58 and C:\\work\\demo\\src\\db.ts:12, analysed in 123 ms (total 1.5 s)', at),
      '    at Object.check (/app/dist/server.js:1043:19)',
      'goroutine leak: main.worker /app/worker.go:90',
    ].join('\n');
    const tokens = tokenize(await load('text.bounded-output'), source);
    assertScope(source, tokens, 'floating-promise', 'entity.name.tag.rule.bounded-output');
    assertScope(source, tokens, '`', 'punctuation.definition.rule.begin.bounded-output');
    assertScope(source, tokens, 'src/server.ts', 'markup.underline.link.path.bounded-output');
    assertScope(source, tokens, '42', 'constant.numeric.line.bounded-output');
    assertScope(source, tokens, '58', 'constant.numeric.column.bounded-output');
    assertScope(source, tokens, 'C:\\work\\demo\\src\\db.ts', 'markup.underline.link.path.bounded-output');
    assertScope(source, tokens, '123 ms', 'constant.numeric.duration.bounded-output');
    assertScope(source, tokens, '1.5 s', 'constant.numeric.duration.bounded-output');
    assertScope(source, tokens, '/app/dist/server.js', 'markup.underline.link.path.bounded-output');
    assertScope(source, tokens, '1043', 'constant.numeric.line.bounded-output');
    assertScope(source, tokens, '/app/worker.go', 'markup.underline.link.path.bounded-output');
    assertScope(source, tokens, '90', 'constant.numeric.line.bounded-output');
  });

  it('leaves hosts, ports, counts and unprefixed levels alone', async () => {
    const source = [
      formatLogLine('info', 'connected to redis.local:6379 and 127.0.0.1:4318 with 3 sockets, see http://example.com:8080/x.ts and `Not A Rule`', at),
      '[info] without a timestamp is not a level',
      '[2026-12-03 09:12:01.123] [notice] is not a level Bounded writes',
    ].join('\n');
    const tokens = tokenize(await load('text.bounded-output'), source);
    const message = covering(source, tokens, 'connected to redis.local:6379 and 127.0.0.1:4318 with 3 sockets, see http://example.com:8080/x.ts and `Not A Rule`');
    assertNoScopeEndingWith(message, '.bounded-output', [entry]);
    assertNoScopeEndingWith(covering(source, tokens, '[info] without a timestamp is not a level'), '.bounded-output');
    assertNoScopeEndingWith(covering(source, tokens, '[notice] is not a level Bounded writes'), '.bounded-output', [entry]);
  });
});
