// "Bounded: Attach to Redis…": asks for a url, an optional ACL user, an optional password and the
// streams (names or SCAN patterns), keeps the password in VS Code SecretStorage under the target's
// name (never in settings; a password typed into the url is moved there too) and has the live
// session poll the target's streams, read-only. Only in a trusted workspace. The target is kept in
// the workspace state and polled again when the window reopens.
// "Bounded: Forget Redis Target…": picks an attached target, or a settings target with a stored
// password; stops polling an attached one and removes it from the workspace state, deletes the
// password, and says what it did (a settings target stays in the settings, polled without it).
import * as vscode from 'vscode';
import { defaultRedisPollIntervalMs, normaliseLive, normaliseRedisTargets, type RedisTargetSetting } from '../shared/settings';
import { redisPasswordSecretKey, type LiveSessionHost } from './liveSessionHost';
import { isLiveAttachAllowed } from './workspaceTrust';

export const attachRedisCommand = 'bounded.attachRedis';
export const forgetRedisTargetCommand = 'bounded.forgetRedisTarget';

/** What the prompts ask; a caller that passes it (the vscode tests) skips them. */
export interface AttachRedisAnswers {
  url: string;
  username?: string;
  password?: string;
  /** Stream names and patterns, comma-separated; empty: every stream. */
  streams?: string;
}

export function registerAttachRedisCommand(live: LiveSessionHost, secrets: vscode.SecretStorage, showPanel: () => void): vscode.Disposable {
  return vscode.commands.registerCommand(attachRedisCommand, async (given?: AttachRedisAnswers): Promise<{ target: string } | { error: string } | undefined> => {
    if (!isLiveAttachAllowed()) {
      const message = 'Restricted Mode: trust the workspace to attach to Redis.';
      void vscode.window.showWarningMessage(`Bounded: ${message}`);
      return { error: message };
    }
    const answers = given ?? (await askAttachRedis());
    if (!answers) return undefined;
    const problem = redisUrlProblem(answers.url);
    if (problem !== undefined) {
      void vscode.window.showErrorMessage(`Bounded: ${problem}`);
      return { error: problem };
    }
    const url = new URL(answers.url.trim());
    const password = answers.password !== undefined && answers.password !== '' ? answers.password : url.password !== '' ? decodeURIComponent(url.password) : undefined;
    const streams = (answers.streams ?? '').split(',').map((stream) => stream.trim()).filter((stream) => stream !== '');
    const [asked] = normaliseRedisTargets([{ name: 'attached', url: url.toString(), username: answers.username?.trim() || undefined, streams, pollIntervalMs: defaultRedisPollIntervalMs }]);
    // The same url again (a settings target's, or one attached before) is that target, with this password.
    const known = live.redisTargets.find((target) => target.url === asked.url);
    const target = { ...asked, name: known?.name ?? uniqueTargetName(`${url.hostname}:${url.port || '6379'}${url.pathname.length > 1 ? url.pathname : ''}`, live.redisTargets) };
    if (password !== undefined) await secrets.store(redisPasswordSecretKey(target.name), password);
    else await secrets.delete(redisPasswordSecretKey(target.name));
    await live.attachRedis(target);
    showPanel();
    return { target: target.name };
  });
}

/** What "Forget Redis Target…" did (the vscode tests read it). */
export interface ForgetRedisTargetResult {
  forgotten: string;
  /** It was an attached target: it is no longer polled, nor kept in the workspace state. */
  wasAttached: boolean;
  /** It is in bounded.live.redis.targets: still polled, now without a password. */
  stillConfigured: boolean;
  /** A password was stored and is gone from SecretStorage now. */
  passwordDeleted: boolean;
  message: string;
}

interface ForgettableTarget {
  target: RedisTargetSetting;
  attached: boolean;
  configured: boolean;
  hasPassword: boolean;
}

export function registerForgetRedisTargetCommand(live: LiveSessionHost, secrets: vscode.SecretStorage): vscode.Disposable {
  return vscode.commands.registerCommand(forgetRedisTargetCommand, async (given?: { name: string }): Promise<ForgetRedisTargetResult | { error: string } | undefined> => {
    const choices = await forgettableTargets(live, secrets);
    if (choices.length === 0) {
      const message = 'No Redis target to forget: none was attached, and no target of bounded.live.redis.targets has a stored password.';
      void vscode.window.showInformationMessage(`Bounded: ${message}`);
      return { error: message };
    }
    const chosen = given !== undefined ? choices.find((choice) => choice.target.name === given.name) : await pickForgettable(choices);
    if (given !== undefined && chosen === undefined) {
      const message = `No attached Redis target, nor a stored password, is named "${given.name}".`;
      void vscode.window.showErrorMessage(`Bounded: ${message}`);
      return { error: message };
    }
    if (chosen === undefined) return undefined;
    const { target } = chosen;
    await live.forgetRedis(target.name);
    const passwordDeleted = chosen.hasPassword && (await secrets.get(redisPasswordSecretKey(target.name))) === undefined;
    const done = [
      ...(chosen.attached ? [chosen.configured ? 'no longer kept as attached' : 'no longer polled nor kept for this workspace'] : []),
      ...(passwordDeleted ? ['its password deleted from SecretStorage'] : chosen.hasPassword ? ['its password is still stored (SecretStorage did not delete it)'] : []),
    ];
    const message = `Bounded: forgot Redis target ${target.name} (${target.url}): ${done.join(', ')}.${chosen.configured ? ' It stays in bounded.live.redis.targets and is polled without a password: remove it there to stop polling it.' : ''}`;
    if (chosen.configured)
      void vscode.window.showInformationMessage(message, 'Open Settings').then((open) => {
        if (open) void vscode.commands.executeCommand('workbench.action.openSettings', 'bounded.live.redis.targets');
      });
    else void vscode.window.showInformationMessage(message);
    return { forgotten: target.name, wasAttached: chosen.attached, stillConfigured: chosen.configured, passwordDeleted, message };
  });
}

/** The attached targets, and the settings targets with a password in SecretStorage. */
async function forgettableTargets(live: LiveSessionHost, secrets: vscode.SecretStorage): Promise<ForgettableTarget[]> {
  const configured = normaliseLive(vscode.workspace.getConfiguration('bounded').get('live')).redis.targets;
  const attached = live.attachedRedisTargets.list();
  const byName = new Map<string, RedisTargetSetting>();
  for (const target of [...configured, ...attached]) if (!byName.has(target.name)) byName.set(target.name, target);
  const choices: ForgettableTarget[] = [];
  for (const target of byName.values()) {
    const hasPassword = (await secrets.get(redisPasswordSecretKey(target.name))) !== undefined;
    const isAttached = live.attachedRedisTargets.has(target.name);
    if (isAttached || hasPassword) choices.push({ target, attached: isAttached, configured: configured.some((entry) => entry.name === target.name), hasPassword });
  }
  return choices;
}

async function pickForgettable(choices: ForgettableTarget[]): Promise<ForgettableTarget | undefined> {
  const picked = await vscode.window.showQuickPick(
    choices.map((choice) => ({
      label: choice.target.name,
      description: choice.target.url,
      detail: [choice.attached ? 'attached: stop polling it' : undefined, choice.configured ? 'in bounded.live.redis.targets (stays there)' : undefined, choice.hasPassword ? 'delete its stored password' : undefined]
        .filter((part) => part !== undefined)
        .join(' · '),
      choice,
    })),
    { title: 'Forget Redis Target', placeHolder: 'The Redis target to forget', ignoreFocusOut: true },
  );
  return picked?.choice;
}

async function askAttachRedis(): Promise<AttachRedisAnswers | undefined> {
  const url = await vscode.window.showInputBox({
    title: 'Attach to Redis (1/4)',
    prompt: 'The Redis url: redis://host:port[/db], or rediss:// for TLS',
    value: 'redis://127.0.0.1:6379',
    ignoreFocusOut: true,
    validateInput: (value) => redisUrlProblem(value),
  });
  if (url === undefined) return undefined;
  const username = await vscode.window.showInputBox({ title: 'Attach to Redis (2/4)', prompt: 'The ACL user (leave empty for none, or for the default user)', ignoreFocusOut: true });
  if (username === undefined) return undefined;
  const password = await vscode.window.showInputBox({ title: 'Attach to Redis (3/4)', prompt: 'The password (leave empty for none); kept in VS Code SecretStorage, never in settings', password: true, ignoreFocusOut: true });
  if (password === undefined) return undefined;
  const streams = await vscode.window.showInputBox({ title: 'Attach to Redis (4/4)', prompt: 'Streams to watch: names or SCAN patterns, comma-separated', value: '*', ignoreFocusOut: true });
  if (streams === undefined) return undefined;
  return { url, username, password, streams };
}

/** Why `raw` is not a Redis url the poller takes, or undefined when it is one. */
export function redisUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return `"${raw}" is not a url: give redis://host:port or rediss://host:port.`;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return `A Redis url starts with redis:// or rediss://, got "${raw}".`;
  if (url.hostname === '') return `The Redis url needs a host, got "${raw}".`;
  return undefined;
}

function uniqueTargetName(wanted: string, targets: readonly RedisTargetSetting[]): string {
  const taken = new Set(targets.map((target) => target.name));
  if (!taken.has(wanted)) return wanted;
  let count = 2;
  while (taken.has(`${wanted}#${count}`)) count++;
  return `${wanted}#${count}`;
}
