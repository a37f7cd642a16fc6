import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = join(ROOT, 'dist/src/cli.js');

export interface CliResult {
  code: number | null;
  stdout: string[];
  stderr: string;
  /** stdout lines parsed as JSON (every stdout line must be JSON). */
  messages: Record<string, any>[];
}

const tempDirs: string[] = [];
// Each test file runs in its own process: its folders go when it ends (they hold configs with test keys).
process.on('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rokt-test-'));
  tempDirs.push(dir);
  return dir;
}

export function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

/** A running CLI whose stdout lines can be awaited one by one. */
export class RunningCli {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdout: string[] = [];
  stderr = '';
  private readonly lineWaiters: (() => void)[] = [];
  /** Called synchronously for each stdout line as it arrives (to check it against the simulator at that moment). */
  onLine?: (line: string) => void;
  readonly exited: Promise<number | null>;

  /** `execute`: run the file itself, so its #! line picks node and its flags (as the Docker image does). */
  constructor(args: string[], options: { bin?: string; env?: NodeJS.ProcessEnv; execute?: boolean } = {}) {
    const bin = options.bin ?? CLI;
    const [command, commandArgs] = options.execute ? [bin, args] : [process.execPath, [bin, ...args]];
    this.child = spawn(command, commandArgs, { env: { ...process.env, ...options.env }, stdio: 'pipe' });
    let buffered = '';
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        this.stdout.push(line);
        this.onLine?.(line);
      }
      for (const wake of this.lineWaiters.splice(0)) wake();
    });
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = once(this.child, 'close').then(([code]) => {
      if (buffered) this.stdout.push(buffered);
      for (const wake of this.lineWaiters.splice(0)) wake();
      return code as number | null;
    });
  }

  /** Resolves with the first stdout line (from `from` on) that satisfies `predicate`. */
  async waitForLine(predicate: (line: string) => boolean, from = 0): Promise<{ line: string; index: number }> {
    for (;;) {
      const index = this.stdout.findIndex((line, i) => i >= from && predicate(line));
      if (index >= 0) return { line: this.stdout[index] as string, index };
      if (this.child.exitCode !== null) throw new Error(`CLI exited without the expected line; stdout:\n${this.stdout.join('\n')}\nstderr:\n${this.stderr}`);
      await new Promise<void>((resolve) => this.lineWaiters.push(resolve));
    }
  }

  write(text: string): void {
    this.child.stdin.write(text);
  }

  end(text?: string): void {
    this.child.stdin.end(text);
  }

  async result(): Promise<CliResult> {
    const code = await this.exited;
    const stdout = this.stdout;
    return {
      code,
      stdout,
      stderr: this.stderr,
      get messages() {
        return stdout.filter((line) => line.trim() !== '').map((line) => JSON.parse(line));
      },
    };
  }
}

/** Runs the CLI to completion with `input` on stdin. */
export async function runCli(args: string[], input = '', options: { bin?: string; env?: NodeJS.ProcessEnv; execute?: boolean } = {}): Promise<CliResult> {
  const cli = new RunningCli(args, options);
  cli.child.stdin.on('error', () => {}); // the CLI may exit before reading all input
  cli.end(input);
  return cli.result();
}

/** Resolves when the stream can take more, or is gone (EPIPE once the child exited). */
export function writable(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
    stream.once('error', done);
  });
}

export const jsonl = (messages: unknown[]): string => messages.map((message) => JSON.stringify(message)).join('\n') + '\n';
