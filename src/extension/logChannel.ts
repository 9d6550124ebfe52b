// The "Bounded" Output channel (created with the `bounded-output` language) as the
// LogOutputChannel the language client writes to: every line in formatLogLine's format, and the
// client's trace, plus debug lines, only while `bounded.trace.server` is on.
import * as vscode from 'vscode';
import { formatLogLine, type LogLevel } from './outputLog';

const traceSetting = 'bounded.trace.server';

export class BoundedLog implements vscode.LogOutputChannel {
  private level = configuredLevel();
  private readonly levelChanged = new vscode.EventEmitter<vscode.LogLevel>();
  private readonly settingListener: vscode.Disposable;
  readonly onDidChangeLogLevel = this.levelChanged.event;

  constructor(private readonly channel: vscode.OutputChannel) {
    this.settingListener = vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration(traceSetting)) return;
      const level = configuredLevel();
      if (level === this.level) return;
      this.level = level;
      this.levelChanged.fire(level);
    });
  }

  get name(): string {
    return this.channel.name;
  }

  /** Trace when `bounded.trace.server` is on (the client then traces to this channel), else Info. */
  get logLevel(): vscode.LogLevel {
    return this.level;
  }

  trace(message: string, ...args: unknown[]): void {
    this.write(vscode.LogLevel.Trace, 'debug', message, args);
  }

  debug(message: string, ...args: unknown[]): void {
    this.write(vscode.LogLevel.Debug, 'debug', message, args);
  }

  info(message: string, ...args: unknown[]): void {
    this.write(vscode.LogLevel.Info, 'info', message, args);
  }

  warn(message: string, ...args: unknown[]): void {
    this.write(vscode.LogLevel.Warning, 'warn', message, args);
  }

  error(error: string | Error, ...args: unknown[]): void {
    this.write(vscode.LogLevel.Error, 'error', describe(error), args);
  }

  append(value: string): void {
    this.channel.append(value);
  }

  appendLine(value: string): void {
    this.channel.appendLine(value);
  }

  replace(value: string): void {
    this.channel.replace(value);
  }

  clear(): void {
    this.channel.clear();
  }

  show(columnOrPreserveFocus?: vscode.ViewColumn | boolean, preserveFocus?: boolean): void {
    if (typeof columnOrPreserveFocus === 'number') this.channel.show(columnOrPreserveFocus, preserveFocus);
    else this.channel.show(columnOrPreserveFocus);
  }

  hide(): void {
    this.channel.hide();
  }

  /** Stops following the setting; the channel itself belongs to whoever created it. */
  dispose(): void {
    this.settingListener.dispose();
    this.levelChanged.dispose();
  }

  private write(level: vscode.LogLevel, label: LogLevel, message: string, args: readonly unknown[]): void {
    if (this.level === vscode.LogLevel.Off || level < this.level) return;
    this.channel.appendLine(formatLogLine(label, [message, ...args.map(describe)].join(' ')));
  }
}

function configuredLevel(): vscode.LogLevel {
  const trace = vscode.workspace.getConfiguration('bounded').get<string>('trace.server', 'off');
  return trace === 'messages' || trace === 'verbose' ? vscode.LogLevel.Trace : vscode.LogLevel.Info;
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.stack ?? value.message;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
