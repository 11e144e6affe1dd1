/**
 * `hearth admin hash-password`: prints the scrypt hash to put in `security.admin.passwordHash`, so
 * the password itself never sits in a config file. The password is read from stdin — typed without
 * echo on a terminal, or piped (`printf %s "$PW" | hearth admin hash-password`).
 */
import { hashPassword } from '../security/passwords.js';

export async function readPiped(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline (from `echo`) is not part of the password.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Reads a line from the terminal without showing it. */
export function readHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    let typed = '';
    const onData = (data: Buffer): void => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    function finish(err?: Error): void {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(typed);
    }
    stdin.on('data', onData);
  });
}

export async function hashPasswordCommand(): Promise<void> {
  const password = process.stdin.isTTY ? await readHidden('password: ') : await readPiped();
  if (password.length < 8) {
    console.error('the password must have at least 8 characters');
    process.exitCode = 1;
    return;
  }
  console.log(await hashPassword(password));
}
