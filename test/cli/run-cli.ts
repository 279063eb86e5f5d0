/** Runs the `nodegrad` CLI as a child process with a non-TTY stdout (a pipe). */
import { spawn } from 'node:child_process';
import { CLI } from './ensure-dist';

export interface CliResult { code: number | null; stdout: string; stderr: string }

/** Runs `node <script> ...args` in cwd (script defaults to dist/cli/main.js) and returns its exit code and output. */
export function runCli(args: string[], opts: { cwd: string; timeout?: number; script?: string; env?: Record<string, string> }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...opts.env };
    const child = spawn(process.execPath, [opts.script ?? CLI, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeout ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
