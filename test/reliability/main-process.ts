// The server as `npm start` runs it (src/main.ts), in a process of its own, for the tests that stop,
// kill or run several of them.
import { type ChildProcess, spawn } from 'node:child_process';

export interface MainProcess {
  proc: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

/** Starts src/main.ts with `env` over this process's environment; resolves once it listens (PORT 0: any free port). */
export function startMain(env: Record<string, string>, name = 'the server'): Promise<MainProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  let output = '';
  return new Promise<MainProcess>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        proc.stdout!.off('data', onData);
        proc.stdout!.resume();
        resolve({ proc, url: m[1]!, exited });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    void exited.then((code) => reject(new Error(`${name} exited (${code}) before listening:\n${output}`)));
  });
}
