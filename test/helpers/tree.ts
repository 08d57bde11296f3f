// A directory tree as comparable lines, and small helpers for builds in tests.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface TreeOptions {
  /** Add each file's mtime (seconds). Directory and link times are always left out:
   *  making a tree changes them. */
  fileTimes?: boolean;
}

/** One line per path: path, type, mode, owner, and the content's hash (files) or the
 *  target (links) or the device number. */
export function tree(root: string, opts: TreeOptions = {}): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, path));
      const head = `${path} ${(st.mode & 0o170000).toString(8)} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
      if (st.isDirectory()) {
        out.push(head);
        walk(path);
      } else if (st.isSymbolicLink()) out.push(`${head} -> ${readlinkSync(join(root, path))}`);
      else if (st.isFile()) out.push(`${head} ${createHash('sha256').update(readFileSync(join(root, path))).digest('hex').slice(0, 16)}${opts.fileTimes ? ` ${Math.floor(st.mtimeMs / 1000)}` : ''}`);
      else out.push(`${head} rdev=${st.rdev}`);
    }
  };
  walk('');
  return out;
}
