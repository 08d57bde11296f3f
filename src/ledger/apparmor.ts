// AppArmor profiles the lab loaded into the kernel (`boxlab run`'s bl-default-... and
// profiles given with --security-opt apparmor=FILE), as the ledger sees them: which are
// loaded, and taking one away again (apparmor_parser -R). A profile is named bl-..., so
// only the lab's are ever removed. The kernel lists what is loaded in securityfs.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const APPARMOR_FS = '/sys/kernel/security/apparmor';

/** The names of the profiles loaded now ("NAME (enforce)" lines); [] without AppArmor
 *  or securityfs. */
export function loadedProfiles(): string[] {
  let text = '';
  try { text = readFileSync(`${APPARMOR_FS}/profiles`, 'utf8'); } catch { return []; }
  return text.split('\n').filter(Boolean).map((l) => l.replace(/ \([a-z]+\)$/, ''));
}

/** Remove a loaded profile. apparmor_parser -R takes a profile's text and removes the
 *  profile of that name: an empty one of the name is enough. Gone already: fine. */
export async function unloadProfile(name: string): Promise<void> {
  if (!loadedProfiles().includes(name)) return;
  const child = execFile('apparmor_parser', ['--skip-cache', '-R']);
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 || !loadedProfiles().includes(name) ? resolve() : reject(new Error(`apparmor_parser -R exited ${code} for ${name}`))));
  });
  child.stdin!.end(`profile ${name} {}\n`);
  await done;
}
